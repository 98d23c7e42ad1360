import type { Core, Data } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { addCalendarMonths, paidThroughDay } from '../../../../../domain';
import { readEnvironment } from '../../../../../setup/environment';
import { JOB_NAMES } from '../config';
import { TASK_ROLES } from '../domain';
import { processTasks } from './follow-ups';
import type { RunState, TaskRole } from '../domain';
import { REPORT_UID } from './reports';
import { prepaidRuns } from './steps';
import type { InvoiceRecord, PrepaidRun, PrepaidTask, ServicePlanRecord } from './steps';
import type { JobsConfig } from './jobs';
import { STRIPE_API_VERSION } from './stripe';
import { EVENT_UID } from './webhooks';
import { ownService } from '../utils';

/**
 * What the admin pages show, read in as few queries as the page needs: the overview figures, the
 * run list and a run with everything it touched, the task inbox, stored reports and the settings.
 * Writes go through the engine; nothing here changes data.
 */
export interface RunFilters {
  kind?: 'new' | 'renewal';
  state?: RunState;
  plan?: string;
  customer?: string;
  servicePlan?: string;
  from?: string;
  to?: string;
  page: number;
  pageSize: number;
}

/** Invoices paid per kind, one `m<i>` count per month asked for (a string from PostgreSQL). */
type SalesRow = { kind: string } & { [month: `m${number}`]: number | string | null };

/** Open tasks of a role and how many are overdue (counts: strings from PostgreSQL). */
interface OpenTasksRow {
  role: string;
  open: number | string;
  overdue: number | string | null;
}

/** Open invoices of a currency: counts and sums (strings from PostgreSQL), the oldest due date as the driver returns it. */
interface UnpaidRow {
  currency: string;
  count: number | string;
  total: number | string | null;
  overdue: number | string | null;
  oldest: unknown;
}

/** A job's latest start (epoch milliseconds from SQLite, a timestamp from PostgreSQL). */
interface JobFireRow {
  job: string;
  last: unknown;
}

/** A staff user with their role, as `staffOf` reads them. */
interface StaffUser {
  documentId: string;
  username: string | null;
  role: { type: string } | null;
}

/** A stored report as listed (revision null: stored before revisions were kept). */
interface ReportRow {
  month: string;
  generatedAt: string;
  revision: number | null;
}

type Invoice = Data.ContentType<'api::invoice.invoice'>;

const FINISHED_INVOICE_STATES = ['Paid', 'Refunded'];

const monthStart = (month: string) => new Date(`${month}-01T00:00:00.000Z`);

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const at = (date: Date) => (strapi.db.dialect.client === 'sqlite' ? date.getTime() : date);
  const n = (value: unknown) => Number(value ?? 0);
  const mrr = () => ownService(strapi, 'mrr');

  /** Invoices paid per month of `months` (oldest first), by kind, counted by the database. */
  const salesByMonth = async (months: string[]) => {
    const knex = strapi.db.connection;
    const query = knex('invoices').whereIn('state', FINISHED_INVOICE_STATES).groupBy('kind').select('kind');
    months.forEach((month, i) => {
      query.select(
        knex.raw(`SUM(CASE WHEN paid_at >= ? AND paid_at < ? THEN 1 ELSE 0 END) AS ??`, [
          at(monthStart(month)),
          at(monthStart(addCalendarMonths(month, 1))),
          `m${i}`,
        ]),
      );
    });
    const rows: SalesRow[] = await query;
    return months.map((month, i) => ({
      month,
      new: n(rows.find((row) => row.kind === 'new')?.[`m${i}`]),
      renewal: n(rows.find((row) => row.kind === 'renewal')?.[`m${i}`]),
    }));
  };

  const tasksPerRole = async (today: string) => {
    const knex = strapi.db.connection;
    // Its steps' tasks and its follow-ups: the engine's tasks of this process.
    const rows: OpenTasksRow[] = await processTasks(knex)
      .where('state', 'open')
      .groupBy('role')
      .select('role')
      .count({ open: '*' })
      .select(knex.raw('SUM(CASE WHEN due_date < ? THEN 1 ELSE 0 END) AS overdue', [today]));
    return TASK_ROLES.map((role) => {
      const of = rows.filter((r) => r.role === role);
      return { role, open: of.reduce((sum, r) => sum + n(r.open), 0), overdue: of.reduce((sum, r) => sum + n(r.overdue), 0) };
    });
  };

  const adminUrl = (uid: string, documentId: string) => `/content-manager/collection-types/${uid}/${documentId}`;

  const paymentOf = (invoice: Pick<Invoice, 'transactions'> | InvoiceRecord) => {
    const paid = (invoice.transactions ?? []).find((t) => t.state === 'Success');
    return paid ? { provider: paid.provider, providerReference: paid.providerReference, amountMinor: paid.amountMinor, currency: paid.currency } : null;
  };

  /** A step's task is about its run's invoice; a follow-up task (dispute, mismatch) names its own. */
  const invoiceOf = (task: PrepaidTask) => {
    const invoice = task.invoice ?? task.run?.invoice;
    return invoice
      ? {
          documentId: invoice.documentId,
          number: invoice.number,
          state: invoice.state,
          totalMinor: invoice.totalMinor,
          currency: invoice.currency,
          customer: invoice.customer?.name ?? null,
          // The payment already recorded, so the page offers no second one.
          payment: paymentOf(invoice),
        }
      : null;
  };

  const taskView = (task: PrepaidTask, today: string) => ({
    documentId: task.documentId,
    type: task.type,
    role: task.role,
    state: task.state,
    outcome: task.outcome ?? null,
    dueDate: task.dueDate ?? null,
    overdue: task.state === 'open' && !!task.dueDate && task.dueDate < today,
    details: task.details ?? null,
    note: task.note ?? null,
    stepId: task.stepId ?? null,
    claimedBy: task.claimedBy ?? null,
    completedBy: task.completedBy ?? null,
    completedAt: task.completedAt ?? null,
    createdAt: task.createdAt,
    run: task.run ? { documentId: task.run.documentId, kind: task.run.kind, state: task.run.state, currentStep: task.run.currentStep } : null,
    invoice: invoiceOf(task),
  });

  const runSummary = (run: PrepaidRun) => ({
    documentId: run.documentId,
    kind: run.kind,
    state: run.state,
    // How a completed run ended: accepted, or rejected by a person (a rejected payment).
    outcome: run.outcome ?? (run.state === 'completed' ? 'accepted' : null),
    currentStep: run.currentStep ?? null,
    currentStepTitle: run.steps?.find((s) => s.id === run.currentStep)?.title ?? null,
    stepsDone: (run.steps ?? []).filter((s) => s.state === 'done').length,
    stepCount: (run.steps ?? []).length,
    periodStart: run.periodStart ?? null,
    periodEnd: run.periodEnd ?? null,
    createdAt: run.createdAt,
    updatedAt: run.updatedAt,
    servicePlan: run.servicePlan
      ? {
          documentId: run.servicePlan.documentId,
          state: run.servicePlan.state,
          vehicle: run.servicePlan.vehicle ?? null,
          plan: run.servicePlan.plan ? { code: run.servicePlan.plan.code, name: run.servicePlan.plan.name } : null,
          customer: run.servicePlan.customer ? { documentId: run.servicePlan.customer.documentId, name: run.servicePlan.customer.name } : null,
        }
      : null,
    invoice: run.invoice
      ? { documentId: run.invoice.documentId, number: run.invoice.number, state: run.invoice.state, totalMinor: run.invoice.totalMinor, currency: run.invoice.currency }
      : null,
  });

  const reports = () => ownService(strapi, 'reports');

  /**
   * Invoices waiting for their money (Open): how many and how much per currency, how many are past
   * their due date, and the oldest due date — the one a Finance officer chases first.
   */
  const unpaidInvoices = async (today: string) => {
    const rows: UnpaidRow[] = await strapi.db.transaction(({ trx }) =>
      trx('invoices')
        .where('state', 'Open')
        .groupBy('currency')
        .orderBy('currency')
        .select('currency')
        .count({ count: '*' })
        .sum({ total: 'total_minor' })
        .min({ oldest: 'due_date' })
        .select(trx.raw('SUM(CASE WHEN due_date < ? THEN 1 ELSE 0 END) AS overdue', [today])),
    );
    const day = (value: unknown) => (value == null ? null : value instanceof Date ? value.toISOString().slice(0, 10) : typeof value === 'number' ? new Date(value).toISOString().slice(0, 10) : String(value).slice(0, 10));
    const figures = rows.map((row) => ({ currency: row.currency, count: Number(row.count), totalMinor: Number(row.total ?? 0), overdue: Number(row.overdue ?? 0), oldestDueDate: day(row.oldest) }));
    return {
      count: figures.reduce((sum, f) => sum + f.count, 0),
      overdue: figures.reduce((sum, f) => sum + f.overdue, 0),
      oldestDueDate: figures.map((f) => f.oldestDueDate).filter(Boolean).sort()[0] ?? null,
      figures,
    };
  };


  const views = {
    /**
     * The overview: MRR/ARR now, plans, this month's sales, tasks, and the last 12 months: MRR at
     * each month end, what moved it each month (the movements of the mrr service, the one rule
     * for them), and per currency the latest month's customer churn rate and ARPA.
     */
    async overview(now: Date = new Date()) {
      const today = now.toISOString().slice(0, 10);
      const month = today.slice(0, 7);
      const months = Array.from({ length: 12 }, (_, i) => addCalendarMonths(month, i - 11));
      // From the month before the first: its movements (into the first month) are shown too.
      const lastMonth = addCalendarMonths(month, -1);
      const [current, sales, tasks, history, cashLastMonth, cashThisMonth, unpaid] = await Promise.all([
        mrr().current(now),
        salesByMonth(months),
        tasksPerRole(today),
        mrr().history(addCalendarMonths(months[0], -1), months[11]),
        reports().cash(lastMonth),
        reports().cash(month),
        unpaidInvoices(today),
      ]);
      // The current month's point is live; earlier months are the stored month-end snapshots.
      const stored = history.snapshots.filter((s) => s.period !== month);
      const points = [...stored, ...current.map((figure) => ({ period: month, currency: figure.currency, mrrMinor: figure.mrrMinor }))];
      // The plans MRR counts (covered by a paid period now), whatever their renewal run is doing.
      const activePlans = current.reduce((sum, figure) => sum + figure.activePlans, 0);
      // What moved MRR into each month, between the two months' stored customer lines (the current
      // month's as last refreshed: by the daily job and by every run that changes a plan's cover).
      const movements = history.movements
        .filter((m) => months.includes(m.to))
        .map((m) => ({
          month: m.to,
          from: m.from,
          currency: m.currency,
          startMinor: m.startMinor,
          newMinor: m.newMinor,
          expansionMinor: m.expansionMinor,
          reactivationMinor: m.reactivationMinor,
          contractionMinor: m.contractionMinor,
          churnMinor: m.churnMinor,
          endMinor: m.endMinor,
          netMinor: m.endMinor - m.startMinor,
          churnRateBps: m.churnRateBps,
          customers: m.customers,
        }));
      const currencies: string[] = [...new Set([...points.filter((p) => months.includes(p.period)), ...movements].map((x) => x.currency as string))].sort();
      // Per currency, the latest month with stored figures: its churn rate (from the movements
      // into it) and ARPA. A currency without MRR that month has no ARPA and, with no customers at
      // the start, no churn rate.
      const lastPeriod = history.snapshots.map((s) => s.period as string).filter((p: string) => months.includes(p)).sort().pop() ?? null;
      const rates = currencies.map((currency) => {
        const snapshot = history.snapshots.find((s) => s.period === lastPeriod && s.currency === currency);
        const movement = movements.find((m) => m.month === lastPeriod && m.currency === currency);
        return {
          currency,
          month: lastPeriod,
          churn: movement ? { rateBps: movement.churnRateBps, churned: movement.customers.churned, customersAtStart: movement.customers.atStart } : null,
          arpa: snapshot ? { arpaMinor: snapshot.arpaMinor, mrrMinor: snapshot.mrrMinor, customers: snapshot.activeCustomers } : null,
        };
      });
      // A month with figures stored and none for a currency had no MRR in it: zero, not unknown.
      const measured = new Set(points.map((p) => p.period as string));
      return {
        today,
        month,
        mrr: current,
        activePlans,
        thisMonth: sales[sales.length - 1],
        // Cash, as the monthly report counts it: payments taken (refunded since or not), refunds made.
        cash: { lastMonth: { month: lastMonth, figures: cashLastMonth }, thisMonth: { month, figures: cashThisMonth } },
        unpaid,
        tasks,
        currencies,
        mrrHistory: months.map((period) => ({
          month: period,
          ...Object.fromEntries(currencies.map((c) => [c, points.find((p) => p.period === period && p.currency === c)?.mrrMinor ?? (measured.has(period) ? 0 : null)])),
        })),
        movements,
        rates,
        definitions: history.definitions,
        salesByMonth: sales,
      };
    },

    async listRuns(filters: RunFilters) {
      const { rows, total } = await prepaidRuns(strapi).page(
        { kind: filters.kind, state: filters.state, servicePlan: filters.servicePlan, plan: filters.plan, customer: filters.customer, from: filters.from, to: filters.to },
        { limit: filters.pageSize, offset: (filters.page - 1) * filters.pageSize },
      );
      return { items: rows.map(runSummary), pagination: { page: filters.page, pageSize: filters.pageSize, total } };
    },

    /**
     * A service plan's dates as the customer sees them: the period covered now, the day paid
     * through, and when its renewal may start (or that one is open).
     */
    async coverage(documentId: string, now: Date = new Date()) {
      const plan: Omit<ServicePlanRecord, 'plan' | 'customer'> | null = await strapi.db.query('api::service-plan.service-plan').findOne({ where: { documentId } });
      if (!plan) throw new errors.NotFoundError(`No service plan ${documentId}`);
      const open = await prepaidRuns(strapi).openOf(documentId);
      const window = ownService(strapi, 'engine').renewalWindow(plan, now.toISOString().slice(0, 10));
      return {
        documentId,
        state: plan.state,
        currentPeriod: plan.currentPeriodStart ? { start: plan.currentPeriodStart, end: plan.currentPeriodEnd } : null,
        paidUntil: plan.endDate ?? null,
        paidThrough: paidThroughDay(plan.endDate ?? null),
        renewal: { openRun: open?.documentId ?? null, mayStart: !open && window.mayStart && plan.state !== 'Cancelled', firstDay: window.firstDay, leadDays: window.leadDays },
      };
    },

    /** One run with its steps and every record it touched, each with its admin link. */
    async findRun(documentId: string, now: Date = new Date()) {
      const run = await prepaidRuns(strapi).load(documentId);
      if (!run) throw new errors.NotFoundError(`No run ${documentId}`);
      const today = now.toISOString().slice(0, 10);
      const invoice = run.invoice
        ? await strapi.documents('api::invoice.invoice').findOne({ documentId: run.invoice.documentId, populate: ['transactions'] })
        : null;
      // Its steps' tasks, and the follow-ups about its invoice (a dispute, a payment to collect).
      const tasks = await ownService(strapi, 'follow-ups').list({ run: documentId, invoice: invoice?.documentId });
      const subjects = [documentId, run.servicePlan?.documentId, invoice?.documentId, ...(invoice?.transactions ?? []).map((t) => t.documentId), ...tasks.map((t) => t.documentId)].filter(Boolean);
      const audit: Data.ContentType<'api::audit-log.audit-log'>[] = await strapi.db.query('api::audit-log.audit-log').findMany({
        where: { entityDocumentId: { $in: subjects }, occurredAt: { $gte: run.createdAt } },
        orderBy: [{ occurredAt: 'asc' }, { id: 'asc' }],
        limit: 200,
      });
      return {
        ...runSummary(run),
        coverage: run.servicePlan ? await views.coverage(run.servicePlan.documentId, now) : null,
        steps: run.steps,
        links: {
          servicePlan: run.servicePlan ? adminUrl('api::service-plan.service-plan', run.servicePlan.documentId) : null,
          invoice: invoice ? adminUrl('api::invoice.invoice', invoice.documentId) : null,
        },
        invoice: invoice && {
          ...runSummary(run).invoice,
          subtotalMinor: invoice.subtotalMinor,
          taxMinor: invoice.taxMinor,
          paymentUrl: invoice.paymentUrl ?? null,
          paidAt: invoice.paidAt ?? null,
          link: adminUrl('api::invoice.invoice', invoice.documentId),
        },
        transactions: (invoice?.transactions ?? []).map((t) => ({
          documentId: t.documentId,
          state: t.state,
          amountMinor: t.amountMinor,
          currency: t.currency,
          provider: t.provider,
          providerReference: t.providerReference,
          occurredAt: t.occurredAt,
          link: adminUrl('api::transaction.transaction', t.documentId),
        })),
        tasks: tasks.map((task) => taskView(task, today)),
        audit: audit.map((entry) => ({
          documentId: entry.documentId,
          action: entry.action,
          summary: entry.summary,
          actorType: entry.actorType,
          actorName: entry.actorName ?? null,
          occurredAt: entry.occurredAt,
          link: adminUrl('api::audit-log.audit-log', entry.documentId),
        })),
      };
    },

    /** Open tasks of `roles`, oldest due first, with the invoice and run they are about. */
    /** The staff users (not blocked) of each of `roles`, by role: whom a task may be handed to. */
    async staffOf(roles: string[]) {
      const users: StaffUser[] = await strapi.db.query('plugin::users-permissions.user').findMany({
        where: { role: { type: { $in: roles } }, blocked: false },
        populate: ['role'],
        orderBy: { username: 'asc' },
        limit: 500,
      });
      return Object.fromEntries(
        roles.map((role) => [role, users.filter((user) => user.role?.type === role).map((user) => ({ documentId: user.documentId, username: user.username }))]),
      );
    },

    async openTasks(roles: TaskRole[], now: Date = new Date()) {
      const today = now.toISOString().slice(0, 10);
      // Its steps' tasks and its follow-ups, oldest due first.
      const tasks = await ownService(strapi, 'follow-ups').list({ roles, state: 'open' }, 200);
      return tasks.map((task) => taskView(task, today));
    },

    taskView: (task: PrepaidTask, now: Date = new Date()) => taskView(task, now.toISOString().slice(0, 10)),

    /** Stored monthly reports, newest first, each with its latest revision (the figures are fetched one month at a time). */
    async listReports() {
      const reports: ReportRow[] = await strapi.db.query(REPORT_UID).findMany({ select: ['month', 'generatedAt', 'revision'], orderBy: [{ month: 'desc' }, { revision: 'desc' }], limit: 240 });
      const months = new Map<string, { month: string; generatedAt: string; revision: number }>();
      for (const report of reports) if (!months.has(report.month)) months.set(report.month, { month: report.month, generatedAt: report.generatedAt, revision: report.revision ?? 1 });
      return [...months.values()].slice(0, 120);
    },

    /** What is configured, never a secret's value: whether each integration is set up. */
    async settings() {
      const env = readEnvironment();
      const config = (key: string) => strapi.plugin('plan-renewals').config(key);
      const jobs = config('jobs') as JobsConfig;
      const fires: JobFireRow[] = await strapi.db.connection('plan_renewal_job_fires').groupBy('job').select('job').max({ last: 'started_at' });
      // SQLite keeps datetimes as epoch milliseconds, PostgreSQL as timestamps.
      const asIso = (value: unknown) => (value == null ? null : new Date(typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : (value as string | number | Date)).toISOString());
      const plans = await strapi.db.query('api::plan.plan').findMany({
        select: ['code', 'name', 'priceMinor', 'currency', 'termMonths', 'taxRateBps', 'active'],
        orderBy: { code: 'asc' },
      });
      // The version Stripe sent the latest event with: the webhook endpoint's version.
      const latestEvent: { payload: { api_version?: string } | null } | null = await strapi.db.query(EVENT_UID).findOne({ select: ['payload'], orderBy: { id: 'desc' } });
      const eventApiVersion: string | null = latestEvent?.payload?.api_version ?? null;
      return {
        jobs: {
          timezone: jobs.timezone,
          enabled: env.JOBS_ENABLED,
          renewalLeadDays: jobs.renewalLeadDays,
          stuckRunMinutes: jobs.stuckRunMinutes,
          schedules: JOB_NAMES.map((name) => ({ name, schedule: jobs.schedules[name], lastRunAt: asIso(fires.find((f) => f.job === name)?.last) })),
        },
        paymentRetryDays: config('paymentRetryDays'),
        taskDueBusinessDays: config('taskDueBusinessDays'),
        plans,
        stripe: {
          configured: !!env.STRIPE_SECRET_KEY,
          mode: env.STRIPE_SECRET_KEY ? (env.STRIPE_SECRET_KEY.includes('_live_') ? 'live' : 'test') : null,
          webhookConfigured: !!env.STRIPE_WEBHOOK_SECRET?.length,
          webhookSecrets: env.STRIPE_WEBHOOK_SECRET?.length ?? 0,
          webhookUrl: `${env.PUBLIC_URL}/api/plan-renewals/stripe/webhook`,
          customApiBase: env.STRIPE_API_BASE !== 'https://api.stripe.com',
          apiVersion: STRIPE_API_VERSION,
          eventApiVersion,
          apiVersionMismatch: eventApiVersion !== null && eventApiVersion !== STRIPE_API_VERSION,
        },
        sendgrid: {
          configured: !!env.SENDGRID_API_KEY,
          from: env.EMAIL_FROM,
          customApiBase: env.SENDGRID_API_BASE !== 'https://api.sendgrid.com',
        },
      };
    },
  };
  return views;
};
