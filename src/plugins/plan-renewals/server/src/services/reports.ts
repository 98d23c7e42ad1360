import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { addCalendarMonths, counted, dateInZone, format, isCalendarMonth, money } from '../../../../../domain';
import type { Transaction } from '../../../../../setup/knex';
import { TASK_ROLES, TaskRole } from '../domain';
import { processTasks } from './follow-ups';
import { ConflictError } from '../errors';
import { messages } from '../../../../workflows/server/src/utils';
import { ownService } from '../utils';
import type { MrrMovement, SnapshotRow } from './mrr';

/**
 * The monthly revenue report for month M (UTC calendar month), every figure aggregated by the
 * database: new pre-paid plans vs renewals (invoices paid in M, count and amounts per currency),
 * cancellations and expiries (status changes in M), MRR at the start (snapshot of M-1) and the
 * end (snapshot of M) with the movements between them, cash collected and refunded per currency,
 * and tasks completed and found overdue per role; as JSON or CSV.
 *
 * A stored report never changes: the job (or a first request) stores revision 1 once, and running
 * it again answers that it is stored. Finance may regenerate a month on purpose (a correction
 * booked later): that stores a new revision saying who asked and why, every earlier revision stays
 * readable, and Finance is emailed once per revision.
 */
export const REPORT_UID = 'plugin::plan-renewals.monthly-report';

/** A count, or a sum of integers, as the database answers it: a string from PostgreSQL (bigint, numeric), null for a sum of no rows. */
type DbNumber = number | string | null;

interface SalesFigures {
  count: number;
  totalMinor: number;
  taxMinor: number;
}

/** Who asked for a revision of a report. */
export interface ReportAuthor {
  type: string;
  id?: string | number;
  name?: string;
}

/** A month's report as it is computed and stored (a revision's `data`). */
export interface MonthlyReport {
  month: string;
  generatedAt: string;
  sales: { currency: string; new: SalesFigures; renewal: SalesFigures }[];
  plans: { cancelled: number; expired: number };
  mrr: {
    start: { currency: string; mrrMinor: number; activePlans: number }[];
    end: { currency: string; mrrMinor: number; activePlans: number }[];
    movements: MrrMovement[];
  };
  cash: { currency: string; collectedMinor: number; refundedMinor: number }[];
  tasks: { role: TaskRole; completed: number; overdue: number }[];
}

/** A report as the API answers it: the stored figures with their revision, who asked for it and why. */
export type ReportView = MonthlyReport & { revision: number; generatedBy: ReportAuthor | null; reason: string | null };

/** A stored revision of a month's report. */
interface ReportRow {
  month: string;
  revision: number;
  data: MonthlyReport;
  generatedAt: string;
  generatedBy: ReportAuthor | null;
  reason: string | null;
}

/** A sum per currency of the transactions. */
interface CurrencySumRow {
  currency: string;
  amount: DbNumber;
}

/** The report as CSV rows `section,metric,currency,value`; money values are integer minor units. */
export const reportCsv = (report: MonthlyReport): string => {
  const rows: (string | number)[][] = [['section', 'metric', 'currency', 'value']];
  for (const sale of report.sales) {
    for (const kind of ['new', 'renewal'] as const) {
      rows.push(['sales', `${kind}.count`, sale.currency, sale[kind].count]);
      rows.push(['sales', `${kind}.totalMinor`, sale.currency, sale[kind].totalMinor]);
      rows.push(['sales', `${kind}.taxMinor`, sale.currency, sale[kind].taxMinor]);
    }
  }
  rows.push(['plans', 'cancelled', '', report.plans.cancelled], ['plans', 'expired', '', report.plans.expired]);
  for (const movement of report.mrr.movements) {
    for (const metric of ['startMinor', 'newMinor', 'expansionMinor', 'reactivationMinor', 'contractionMinor', 'churnMinor', 'endMinor'] as const) {
      rows.push(['mrr', metric, movement.currency, movement[metric]]);
    }
  }
  for (const cash of report.cash) rows.push(['cash', 'collectedMinor', cash.currency, cash.collectedMinor], ['cash', 'refundedMinor', cash.currency, cash.refundedMinor]);
  for (const task of report.tasks) rows.push(['tasks', `${task.role}.completed`, '', task.completed], ['tasks', `${task.role}.overdue`, '', task.overdue]);
  const cell = (value: string | number) => (/[",\n]/.test(String(value)) ? `"${String(value).replace(/"/g, '""')}"` : String(value));
  return `${rows.map((row) => row.map(cell).join(',')).join('\r\n')}\r\n`;
};

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const at = (date: Date) => (strapi.db.dialect.client === 'sqlite' ? date.getTime() : date);
  const n = (value: unknown) => Number(value ?? 0);

  const timezone = () => (strapi.config.get('plugin::plan-renewals') as { jobs: { timezone: string } }).jobs.timezone;

  /** Month `month`'s bounds (UTC calendar month) as the database compares them. */
  const rangeOf = (month: string) => [at(new Date(`${month}-01T00:00:00.000Z`)), at(new Date(`${addCalendarMonths(month, 1)}-01T00:00:00.000Z`))];

  /**
   * Cash in a month, per currency: payments taken in it (refunded since or not) and refunds made
   * in it. The report and the admin Overview both read it here.
   */
  const cashIn = async (trx: Transaction, range: ReturnType<typeof rangeOf>) => {
    const collected: CurrencySumRow[] = await trx('transactions')
      .whereIn('state', ['Success', 'Refunded'])
      .where('occurred_at', '>=', range[0])
      .where('occurred_at', '<', range[1])
      .groupBy('currency')
      .select('currency')
      .sum({ amount: 'amount_minor' });
    const refunded: CurrencySumRow[] = await trx('transactions')
      .where('state', 'Refunded')
      .where('refunded_at', '>=', range[0])
      .where('refunded_at', '<', range[1])
      .groupBy('currency')
      .select('currency')
      .sum({ amount: 'amount_minor' });
    const currencies = [...new Set([...collected, ...refunded].map((row) => row.currency))].sort();
    return currencies.map((currency) => ({
      currency,
      collectedMinor: n(collected.find((row) => row.currency === currency)?.amount),
      refundedMinor: n(refunded.find((row) => row.currency === currency)?.amount),
    }));
  };

  const compute = async (month: string, now: Date) => {
    const range = rangeOf(month);
    const mrr = ownService(strapi, 'mrr');
    // The MRR at the start and the end are the closed figures of the two month ends, by the one
    // rule; closing is once, so a month closed earlier keeps the figure it was closed with.
    await mrr.close(addCalendarMonths(month, -1), now);
    await mrr.close(month, now);
    return strapi.db.transaction(async ({ trx }) => {
      const sales: { currency: string; kind: 'new' | 'renewal'; count: DbNumber; total: DbNumber; tax: DbNumber }[] = await trx('invoices')
        .whereIn('state', ['Paid', 'Refunded'])
        .where('paid_at', '>=', range[0])
        .where('paid_at', '<', range[1])
        .groupBy('currency', 'kind')
        .select('currency', 'kind')
        .count({ count: '*' })
        .sum({ total: 'total_minor', tax: 'tax_minor' });
      const byCurrency = new Map<string, MonthlyReport['sales'][number]>();
      for (const row of sales) {
        const entry = byCurrency.get(row.currency) ?? { currency: row.currency, new: { count: 0, totalMinor: 0, taxMinor: 0 }, renewal: { count: 0, totalMinor: 0, taxMinor: 0 } };
        entry[row.kind] = { count: n(row.count), totalMinor: n(row.total), taxMinor: n(row.tax) };
        byCurrency.set(row.currency, entry);
      }

      const changes: { cancelled: DbNumber; expired: DbNumber }[] = await trx('audit_logs')
        .where('action', 'service-plan.status-changed')
        .where('occurred_at', '>=', range[0])
        .where('occurred_at', '<', range[1])
        .where('entity_uid', 'api::service-plan.service-plan')
        .select(trx.raw(`SUM(CASE WHEN to_state = 'Cancelled' THEN 1 ELSE 0 END) AS cancelled`))
        .select(trx.raw(`SUM(CASE WHEN to_state = 'Expired' THEN 1 ELSE 0 END) AS expired`));

      const cash = await cashIn(trx, range);

      // The steps' tasks and the process's follow-ups, per role.
      const perRole = async (column: string) => {
        const rows: { role: string; count: DbNumber }[] = await processTasks(trx).where(column, '>=', range[0]).where(column, '<', range[1]).groupBy('role').select('role').count({ count: '*' });
        return (role: string) => rows.filter((row) => row.role === role).reduce((sum, row) => sum + n(row.count), 0);
      };
      const completed = await perRole('completed_at');
      const overdue = await perRole('escalated_at');
      const tasks = TASK_ROLES.map((role) => ({ role, completed: completed(role), overdue: overdue(role) }));

      const snapshot = (period: string): Promise<SnapshotRow[]> => strapi.db.query('plugin::plan-renewals.mrr-snapshot').findMany({ where: { period }, orderBy: { currency: 'asc' } });
      const figures = (rows: SnapshotRow[]) => rows.map((row) => ({ currency: row.currency, mrrMinor: n(row.mrrMinor), activePlans: row.activePlans }));
      return {
        month,
        generatedAt: now.toISOString(),
        sales: [...byCurrency.values()].sort((a, b) => a.currency.localeCompare(b.currency)),
        plans: { cancelled: n(changes[0]?.cancelled), expired: n(changes[0]?.expired) },
        mrr: {
          start: figures(await snapshot(addCalendarMonths(month, -1))),
          end: figures(await snapshot(month)),
          movements: await mrr.movements(addCalendarMonths(month, -1), month),
        },
        cash,
        tasks,
      };
    });
  };

  const latest = (month: string): Promise<ReportRow | null> => strapi.db.query(REPORT_UID).findOne({ where: { month }, orderBy: { revision: 'desc' } });

  const view = (row: Pick<ReportRow, 'data' | 'revision' | 'generatedBy' | 'reason'>): ReportView => ({
    ...row.data,
    revision: row.revision ?? 1,
    generatedBy: row.generatedBy ?? null,
    reason: row.reason ?? null,
  });

  /** Emails Finance about one revision of a report, once (the message key names the revision). */
  const emailFinance = async (month: string, revision: number, data: MonthlyReport, reason: string | null) => {
    const finance: { id: number; email: string }[] = await strapi.db.query('plugin::users-permissions.user').findMany({ where: { role: { type: 'finance' }, blocked: false } });
    const lines = data.sales.map((s) => `${s.currency}: ${s.new.count} new (${format(money(s.new.totalMinor, s.currency))}), ${counted(s.renewal.count, 'renewal')} (${format(money(s.renewal.totalMinor, s.currency))})`);
    const heading = revision === 1 ? `The revenue report for ${month} is ready.` : `The revenue report for ${month} was regenerated as revision ${revision}: ${reason}.`;
    for (const user of finance) {
      await messages(strapi).enqueue({
        channel: 'email',
        key: `report:${month}:${revision}:${user.id}`,
        to: user.email,
        subject: revision === 1 ? `Monthly revenue report ${month}` : `Monthly revenue report ${month}, revision ${revision}`,
        text: `${heading}\n\n${lines.join('\n') || 'No plans were sold or renewed.'}\nCancelled: ${data.plans.cancelled}, expired: ${data.plans.expired}.\n\nFull report: GET /api/plan-renewals/reports/monthly/${month} (JSON, or CSV with ?format=csv).\n`,
      });
    }
    await ownService(strapi, 'engine').flushOutbox();
  };

  const assertFinished = (month: string, now: Date) => {
    if (!isCalendarMonth(month)) throw new errors.ValidationError(`A month is YYYY-MM, not ${String(month as unknown)}`);
    const current = dateInZone(now, timezone()).slice(0, 7);
    if (month >= current) throw new ConflictError(`${month} is not over: its report can be made from the 1st of the next month`);
  };

  /** Stores revision `revision` of the month's report; null when another instance stored it first. */
  const store = async (month: string, revision: number, now: Date, by: ReportAuthor, reason: string | null): Promise<MonthlyReport | null> => {
    const data = await compute(month, now);
    try {
      await strapi.db.query(REPORT_UID).create({ data: { month, revision, data, generatedAt: now, generatedBy: by ?? null, reason } });
    } catch (error) {
      if (await strapi.db.query(REPORT_UID).findOne({ where: { month, revision } })) return null;
      throw error;
    }
    await emailFinance(month, revision, data, reason);
    return data;
  };

  const service = {
    /** Cash collected and refunded in `month` (YYYY-MM, also the current one), per currency, as the report counts it. */
    async cash(month: string) {
      if (!isCalendarMonth(month)) throw new Error(`A month is YYYY-MM, not ${month}`);
      return strapi.db.transaction(({ trx }) => cashIn(trx, rangeOf(month)));
    },

    /**
     * The month's report, stored once: the first call stores revision 1 and emails Finance; any
     * later call answers the stored report and changes nothing.
     */
    async generate(month: string, now: Date = new Date()): Promise<{ created: boolean; revision: number; report: ReportView }> {
      assertFinished(month, now);
      const stored = await latest(month);
      if (stored) return { created: false, revision: stored.revision ?? 1, report: view(stored) };
      const data = await store(month, 1, now, { type: 'system', name: 'monthly-report' }, null);
      if (!data) {
        const winner = await latest(month);
        return { created: false, revision: winner!.revision, report: view(winner!) };
      }
      return { created: true, revision: 1, report: view({ data, revision: 1, generatedBy: { type: 'system', name: 'monthly-report' }, reason: null }) };
    },

    /** Finance asks for the month again: a new revision, with who and why; earlier ones stay. */
    async regenerate(month: string, input: { reason: string; by: ReportAuthor }, now: Date = new Date()) {
      assertFinished(month, now);
      const previous = await latest(month);
      const revision = (previous?.revision ?? 0) + 1;
      const data = await store(month, revision, now, input.by, input.reason);
      if (!data) throw new ConflictError(`Revision ${revision} of the ${month} report was just stored by someone else`);
      return view({ data, revision, generatedBy: input.by, reason: input.reason });
    },

    /** The stored report (the latest revision, or the one asked for); a finished month without one is made on first request. */
    async find(month: string, now: Date = new Date(), revision?: number): Promise<ReportView | null> {
      if (revision) {
        const row: ReportRow | null = await strapi.db.query(REPORT_UID).findOne({ where: { month, revision } });
        return row ? view(row) : null;
      }
      const stored = await latest(month);
      if (stored) return view(stored);
      if (month >= dateInZone(now, timezone()).slice(0, 7)) return null;
      return (await service.generate(month, now)).report;
    },

    /** The revisions of a month's report: number, when, who and why. */
    async revisions(month: string) {
      const rows: Pick<ReportRow, 'revision' | 'generatedAt' | 'generatedBy' | 'reason'>[] = await strapi.db.query(REPORT_UID).findMany({ where: { month }, select: ['revision', 'generatedAt', 'generatedBy', 'reason'], orderBy: { revision: 'asc' } });
      return rows.map((row) => ({ revision: row.revision, generatedAt: row.generatedAt, generatedBy: row.generatedBy ?? null, reason: row.reason ?? null }));
    },
  };
  return service;
};
