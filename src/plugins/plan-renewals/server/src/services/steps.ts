import type { Core, Data } from '@strapi/strapi';
import type { Transaction } from '../../../../../setup/knex';
import { writeAudit } from '../../../../../guards/audit';
import { buildInvoice, counted, dateInZone, datesAfterPayment, format, money, nextPeriod, recurringPerTerm, stateAfterUnpaidRun } from '../../../../../domain';
import type { AddOn, CalendarDate, InvoiceLine, ServicePlanStatus } from '../../../../../domain';
import { errors } from '@strapi/utils';
import type { ProcessHandlers, RunView, StepContext, StepEffect } from '../../../../workflows/server/src/services/registry';
import { ConflictError } from '../errors';
import { paymentRejectedNotice } from '../domain/receipt';
import { PREPAID_PLAN_PROCESS, RUN_UID, TASK_UID, activationReceipt, openKeyOf, stepResults } from '../domain';
import type { RunKind, RunProgress, RunState, RunStep, StepActor, TaskRole } from '../domain';
import { RUN_TABLE } from '../../../../workflows/server/src/services/runner';
import type { RunRow } from '../../../../workflows/server/src/services/runner';
import { jsonTextSql } from '../../../../workflows/server/src/context-sql';
import { now as clockNow } from '../clock';
import { messages } from '../../../../workflows/server/src/utils';
import { ownService } from '../utils';
import type { JobsConfig } from './jobs';

/**
 * A document read whole: the attributes its schema requires are there (Strapi types every
 * attribute optional, as a read may select only some).
 */
type Stored<T, Required extends keyof T> = T & { [K in Required]-?: NonNullable<T[K]> };

/** A record with some attributes read as what they hold (JSON columns, dates as the strings the query engine returns). */
type Reading<T, As> = Omit<T, keyof As> & As;

const SERVICE_PLAN_UID = 'api::service-plan.service-plan';
const INVOICE_UID = 'api::invoice.invoice';

export type Customer = Stored<Data.ContentType<'api::customer.customer'>, 'name' | 'email'>;

/** A catalog plan with its add-ons. */
export type CatalogPlan = Reading<
  Stored<Data.ContentType<'api::plan.plan'>, 'code' | 'name' | 'active' | 'currency' | 'priceMinor' | 'termMonths' | 'taxRateBps'>,
  { addOns?: AddOn[] }
>;

/** A service plan with its catalog plan (and add-ons) and its customer, as `loadServicePlan` reads it. */
export type ServicePlanRecord = Reading<
  Stored<Data.ContentType<'api::service-plan.service-plan'>, 'state' | 'paymentMethod' | 'renewalCount'>,
  {
    addOnCodes?: string[] | null;
    startDate: CalendarDate | null;
    endDate: CalendarDate | null;
    currentPeriodStart: CalendarDate | null;
    currentPeriodEnd: CalendarDate | null;
    plan: CatalogPlan;
    customer: Customer;
  }
>;

/** A transaction of an invoice (a payment, or its refund). */
export type Payment = Stored<Data.ContentType<'api::transaction.transaction'>, 'state' | 'amountMinor' | 'currency' | 'provider' | 'providerReference'>;

/** An invoice as stored; its lines and transactions when populated. */
export type InvoiceRecord = Reading<
  Stored<Data.ContentType<'api::invoice.invoice'>, 'number' | 'state' | 'totalMinor' | 'currency'>,
  { lines?: InvoiceLine[]; transactions?: Payment[] }
>;

/** A service plan as a run shows it: its state, vehicle, catalog plan and customer. */
export type RunServicePlan = Stored<Data.ContentType<'api::service-plan.service-plan'>, 'state'> & {
  plan?: Pick<CatalogPlan, 'code' | 'name'> | null;
  customer?: Pick<Customer, 'documentId' | 'name'> | null;
};

/**
 * A run of the pre-paid plan process as its lookups answer it: the engine's run, what its context
 * keeps lifted to fields of their own, its service plan (the subject) and its invoice once issued
 * (with its customer and transactions).
 */
export interface PrepaidRun {
  id: number;
  documentId: string;
  processVersion: number;
  state: RunState;
  outcome: RunProgress['outcome'] | null;
  currentStep: string | null;
  steps: RunStep[];
  startedBy: StepActor | null;
  kind: RunKind;
  /** Set by calculate-total. */
  periodStart: CalendarDate | null;
  periodEnd: CalendarDate | null;
  previousPlanState: ServicePlanStatus | null;
  createdAt: string;
  updatedAt: string;
  servicePlan: RunServicePlan;
  invoice: InvoiceRecord | null;
}

/** The engine's run row, as the lookups read it. */
type EngineRun = Pick<RunRow, 'id' | 'documentId' | 'processVersion' | 'subjectId' | 'context' | 'state' | 'outcome' | 'currentStep' | 'steps' | 'startedBy'> & {
  createdAt: string;
  updatedAt: string;
};


/**
 * Makes, once, the index by which a run is found from its invoice (a webhook's, a counter
 * payment's): on the very expression the lookups read, which SQLite and PostgreSQL index alike.
 * Strapi keeps an index it did not make (it drops only those its own schema had).
 */
export const indexRunsByInvoice = async (strapi: Core.Strapi) => {
  if (strapi.db.dialect.client !== 'sqlite' && strapi.db.dialect.client !== 'postgres') return;
  await strapi.db.connection.raw(`CREATE INDEX IF NOT EXISTS workflow_runs_by_invoice ON ${RUN_TABLE} ((${jsonTextSql(strapi, 'context', ['invoice', 'documentId'])}))`);
};

/**
 * Where the process finds its runs, the one home of these lookups: a run by id, the run that issued
 * an invoice (one per invoice), the runs of several invoices, the open run of a service plan, a
 * plan's runs, and a page of runs matching the admin list's filters.
 */
export const prepaidRuns = (strapi: Core.Strapi) => {
  const query = () => strapi.db.query(RUN_UID);
  const ours = { processId: PREPAID_PLAN_PROCESS.id };
  const invoiceIdSql = () => jsonTextSql(strapi, 'context', ['invoice', 'documentId']);

  /** The rows as runs: their plans and invoices read in one query each. */
  const views = async (rows: EngineRun[]): Promise<PrepaidRun[]> => {
    if (rows.length === 0) return [];
    const contextOf = (row: EngineRun) => (row.context ?? {}) as unknown as PrepaidContext;
    const planIds = [...new Set(rows.map((row) => row.subjectId!))];
    const invoiceIds = [...new Set(rows.map((row) => contextOf(row).invoice?.documentId).filter((id): id is string => !!id))];
    const [plans, invoices]: [RunServicePlan[], InvoiceRecord[]] = await Promise.all([
      strapi.db.query(SERVICE_PLAN_UID).findMany({ where: { documentId: { $in: planIds } }, populate: { plan: true, customer: true } }),
      invoiceIds.length ? strapi.db.query(INVOICE_UID).findMany({ where: { documentId: { $in: invoiceIds } }, populate: ['customer', 'transactions'] }) : [],
    ]);
    return rows.map((row) => {
      const context = contextOf(row);
      return {
        id: row.id,
        documentId: row.documentId,
        processVersion: row.processVersion,
        state: row.state,
        outcome: row.outcome ?? null,
        currentStep: row.currentStep,
        steps: row.steps as RunStep[],
        startedBy: row.startedBy ?? null,
        kind: context.kind,
        periodStart: context.periodStart ?? null,
        periodEnd: context.periodEnd ?? null,
        previousPlanState: context.previousPlanState ?? null,
        createdAt: row.createdAt,
        updatedAt: row.updatedAt,
        servicePlan: plans.find((plan) => plan.documentId === row.subjectId)!,
        invoice: invoices.find((invoice) => invoice.documentId === context.invoice?.documentId) ?? null,
      };
    });
  };
  const one = async (row: EngineRun | null) => (row ? (await views([row]))[0] : null);
  const byInvoices = async (invoiceDocumentIds: readonly string[]): Promise<EngineRun[]> => {
    if (invoiceDocumentIds.length === 0) return [];
    // In the caller's transaction when there is one (a payment's), as every query of the engine's services.
    const ids: { id: number }[] = await strapi.db.transaction(({ trx }) =>
      trx(RUN_TABLE)
        .where('process_id', PREPAID_PLAN_PROCESS.id)
        .whereRaw(`${invoiceIdSql()} IN (${invoiceDocumentIds.map(() => '?').join(', ')})`, [...invoiceDocumentIds])
        .select('id'),
    );
    return ids.length ? query().findMany({ where: { id: { $in: ids.map((row) => row.id) } } }) : [];
  };

  /**
   * The document ids of the service plans matching the filters, as a subquery (never a list of
   * ids, however many plans match): their relations joined through Strapi's own link tables.
   */
  const servicePlansMatching = (trx: Transaction, where: { servicePlan?: string; plan?: string; customer?: string }) => {
    const table = (uid: 'api::service-plan.service-plan' | 'api::plan.plan' | 'api::customer.customer') => strapi.db.metadata.get(uid).tableName;
    const link = (attribute: 'plan' | 'customer') =>
      (strapi.db.metadata.get(SERVICE_PLAN_UID).attributes[attribute] as unknown as { joinTable: { name: string; joinColumn: { name: string }; inverseJoinColumn: { name: string } } }).joinTable;
    const linked = (attribute: 'plan' | 'customer', uid: 'api::plan.plan' | 'api::customer.customer') => {
      const { name, joinColumn, inverseJoinColumn } = link(attribute);
      return trx(`${name} as l`).join(`${table(uid)} as r`, 'r.id', `l.${inverseJoinColumn.name}`).whereRaw(`l.${joinColumn.name} = sp.id`).select(trx.raw('1'));
    };
    const plans = trx(`${table(SERVICE_PLAN_UID)} as sp`).select('sp.document_id');
    if (where.servicePlan) plans.where('sp.document_id', where.servicePlan);
    if (where.plan) plans.whereExists(linked('plan', 'api::plan.plan').where('r.code', where.plan));
    if (where.customer) {
      const part = where.customer.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
      plans.whereExists(linked('customer', 'api::customer.customer').whereRaw(`LOWER(r.name) LIKE ? ESCAPE '\\'`, [`%${part}%`]));
    }
    return plans;
  };

  return {
    load: async (documentId: string): Promise<PrepaidRun | null> => one(await query().findOne({ where: { documentId, ...ours } })),
    loadMany: async (documentIds: readonly string[]): Promise<PrepaidRun[]> =>
      documentIds.length ? views(await query().findMany({ where: { documentId: { $in: [...documentIds] }, ...ours } })) : [],
    ofInvoice: async (invoiceDocumentId: string): Promise<PrepaidRun | null> => one((await byInvoices([invoiceDocumentId]))[0] ?? null),
    ofInvoices: async (invoiceDocumentIds: readonly string[]): Promise<PrepaidRun[]> => views(await byInvoices(invoiceDocumentIds)),
    openOf: async (servicePlanDocumentId: string): Promise<PrepaidRun | null> => one(await query().findOne({ where: { openKey: openKeyOf(servicePlanDocumentId) } })),
    ofPlan: async (servicePlanDocumentId: string): Promise<PrepaidRun[]> =>
      views(await query().findMany({ where: { ...ours, subjectType: SERVICE_PLAN_UID, subjectId: servicePlanDocumentId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] })),

    /**
     * A page of runs, newest first: by kind (kept in the context), state, service plan (by
     * the plan's document id, its catalog plan's code, a part of its customer's name, in any case),
     * and the day they started (`from` and `to` included).
     */
    async page(
      filters: { kind?: RunKind; state?: RunState; servicePlan?: string; plan?: string; customer?: string; from?: string; to?: string },
      page: { limit: number; offset: number },
    ) {
      const at = (date: Date) => (strapi.db.dialect.client === 'sqlite' ? date.getTime() : date);
      const matching = (trx: Transaction) => {
        const rows = trx(RUN_TABLE).where('process_id', PREPAID_PLAN_PROCESS.id);
        if (filters.kind) rows.whereRaw(`${jsonTextSql(strapi, 'context', ['kind'])} = ?`, [filters.kind]);
        if (filters.state) rows.where('state', filters.state);
        if (filters.servicePlan || filters.plan || filters.customer) rows.whereIn('subject_id', servicePlansMatching(trx, filters));
        if (filters.from) rows.where('created_at', '>=', at(new Date(`${filters.from}T00:00:00.000Z`)));
        if (filters.to) rows.where('created_at', '<', at(new Date(Date.parse(`${filters.to}T00:00:00.000Z`) + 86_400_000)));
        return rows;
      };
      const { ids, counted } = await strapi.db.transaction(async ({ trx }) => ({
        ids: (await matching(trx).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(page.limit).offset(page.offset).select('id')) as { id: number }[],
        counted: (await matching(trx).count({ total: '*' })) as { total?: number | string }[],
      }));
      const total = counted[0]?.total ?? 0;
      const rows: EngineRun[] = ids.length ? await query().findMany({ where: { id: { $in: ids.map((row) => row.id) } } }) : [];
      const found = await views(rows);
      return { rows: ids.map(({ id }) => found.find((run) => run.id === id)!).filter(Boolean), total: Number(total) };
    },
  };
};

/**
 * A task of the process as its lists read it (its steps' tasks and its follow-ups alike): the
 * engine's task with the run and the invoice it is about.
 */
export interface PrepaidTask {
  id: number;
  documentId: string;
  type: string;
  role: TaskRole;
  title: string;
  state: 'open' | 'completed' | 'cancelled';
  outcome: string | null;
  stepId: string | null;
  claimedBy: StepActor | null;
  claimedAt: string | null;
  completedBy: StepActor | null;
  completedAt: string | null;
  escalatedAt: string | null;
  note: string | null;
  dueDate: CalendarDate | null;
  details: string | null;
  taskKey: string | null;
  createdAt: string;
  updatedAt: string;
  run: PrepaidRun | null;
  invoice: InvoiceRecord | null;
}

/**
 * What a run of the pre-paid plan process keeps besides its progress: what it sells (a purchase
 * or a renewal), the period it bills once calculate-total fixed it, the invoice create-invoice
 * issued, and where the plan stood before the run moved it to Processing. Its subject is the
 * service plan.
 */
export interface PrepaidContext {
  kind: RunKind;
  periodStart: CalendarDate | null;
  periodEnd: CalendarDate | null;
  invoice: { documentId: string; number: string } | null;
  previousPlanState: ServicePlanStatus | null;
}

/** The service plan; a run's always exists (a plan with runs is never deleted), an id from elsewhere may name none (null). */
export const loadServicePlan = (strapi: Core.Strapi, documentId: string) =>
  strapi.documents('api::service-plan.service-plan').findOne({
    documentId,
    populate: { plan: { populate: ['addOns'] }, customer: true },
  }) as Promise<ServicePlanRecord>;

/** The service plan a run is about, and what the run keeps. */
export const prepaidOf = (run: RunView): PrepaidContext & { servicePlan: string } => ({
  ...(run.context as unknown as PrepaidContext),
  servicePlan: run.subject!.documentId,
});

/** The run's invoice with its lines and transactions; null before create-invoice issued it. */
const invoiceOf = (strapi: Core.Strapi, run: PrepaidContext) =>
  run.invoice
    ? (strapi.documents('api::invoice.invoice').findOne({
        documentId: run.invoice.documentId,
        populate: ['lines', 'transactions'],
      }) as Promise<(InvoiceRecord & Required<Pick<InvoiceRecord, 'lines' | 'transactions'>>) | null>)
    : null;

/**
 * Locks an invoice's row until the caller's transaction ends (PostgreSQL; SQLite serializes
 * writers anyway). Whoever records a payment of the invoice — the webhook confirming it, or the
 * app noting Stripe's answer to its charge — takes this lock first, so the second one sees the
 * transaction the first one recorded instead of inserting it again.
 */
export const lockInvoice = async (strapi: Core.Strapi, trx: Transaction, documentId: string) => {
  if (strapi.db.dialect.client === 'postgres') {
    await trx('invoices').where({ document_id: documentId }).forUpdate().first();
  }
};

/** The invoice's successful payment of exactly its amount and currency, if there is one. */
export const matchingPayment = (invoice: Pick<InvoiceRecord, 'transactions' | 'totalMinor' | 'currency'> | null) =>
  (invoice?.transactions ?? []).find(
    (t) => t.state === 'Success' && t.amountMinor === invoice!.totalMinor && t.currency === invoice!.currency,
  );

/**
 * What each automatic, notify and signal step of the pre-paid plan process does (its human steps
 * open their tasks, which the engine keeps). An effect runs inside the transaction that also
 * records the step's outcome, so a step's effects and its "done" are committed together: after a
 * crash a step is either fully done or not started, never half done.
 */
const effects: Record<string, StepEffect> = {
  async 'retrieve-subscription'({ strapi, run }) {
    const servicePlan = await loadServicePlan(strapi, prepaidOf(run).servicePlan);
    if (!servicePlan?.customer) return { outcome: 'fail', result: 'The service plan has no customer' };
    if (!servicePlan.customer.email) return { outcome: 'fail', result: `Customer ${servicePlan.customer.name} has no email address` };
    if (!servicePlan.plan) return { outcome: 'fail', result: 'The service plan has no catalog plan' };
    if (!servicePlan.plan.active) return { outcome: 'fail', result: `Plan ${servicePlan.plan.code} is retired and cannot be bought or renewed` };
    return { outcome: 'done', result: stepResults.retrieved(servicePlan.customer, servicePlan.plan) };
  },

  async 'mark-processing'({ strapi, run }) {
    const servicePlan = await loadServicePlan(strapi, prepaidOf(run).servicePlan);
    if (servicePlan.state !== 'Processing') {
      await strapi.documents('api::service-plan.service-plan').update({
        documentId: servicePlan.documentId,
        data: { state: 'Processing' },
      });
    }
    return { outcome: 'done', result: stepResults.processing(servicePlan.state) };
  },

  async 'calculate-total'({ strapi, run, today }) {
    const { kind, servicePlan: id } = prepaidOf(run);
    const servicePlan = await loadServicePlan(strapi, id);
    const totals = buildInvoice({ ...servicePlan.plan, addOns: servicePlan.plan.addOns ?? [] }, servicePlan.addOnCodes ?? [], kind);
    const period = nextPeriod({
      termMonths: servicePlan.plan.termMonths,
      today,
      previousEnd: kind === 'renewal' ? servicePlan.endDate : null,
    });
    return {
      outcome: 'done',
      result: stepResults.calculated(totals, period),
      context: { periodStart: period.start, periodEnd: period.end },
    };
  },

  async 'create-invoice'({ strapi, run, today }) {
    const prepaid = prepaidOf(run);
    if (prepaid.invoice) return { outcome: 'done', result: `Invoice ${prepaid.invoice.number} already issued` };
    const servicePlan = await loadServicePlan(strapi, prepaid.servicePlan);
    const invoice = await strapi.service('api::invoice.invoice').issue({
      customer: servicePlan.customer,
      servicePlan,
      plan: servicePlan.plan,
      kind: prepaid.kind,
      period: { start: prepaid.periodStart, end: prepaid.periodEnd },
      issuedOn: today,
    });
    // Then the payment is requested: a counter payment is simply awaited; a card is charged
    // off-session (renewal, card on file) or sent to Stripe Checkout, with deterministic keys.
    const payment =
      servicePlan.paymentMethod === 'stripe'
        ? await ownService(strapi, 'card-payments').request(run, invoice)
        : 'payment at the counter';
    return {
      outcome: 'done',
      result: stepResults.invoiced(invoice, payment),
      context: { invoice: { documentId: invoice.documentId, number: invoice.number } },
    };
  },

  async 'check-payment'({ strapi, run }) {
    // create-invoice issued it.
    const invoice = (await invoiceOf(strapi, prepaidOf(run)))!;
    const payment = matchingPayment(invoice);
    if (!payment) return { outcome: 'wait', result: `Waiting for a successful payment of ${format(money(invoice.totalMinor, invoice.currency))}` };
    return { outcome: 'done', result: `Paid: ${payment.provider} ${payment.providerReference}` };
  },

  async 'mark-invoice-paid'({ strapi, run }) {
    // create-invoice issued it.
    const invoice = (await invoiceOf(strapi, prepaidOf(run)))!;
    if (invoice.state !== 'Paid') {
      await strapi.documents('api::invoice.invoice').update({ documentId: invoice.documentId, data: { state: 'Paid', paidAt: clockNow() } });
    }
    return { outcome: 'done', result: `Invoice ${invoice.number} Paid` };
  },

  async 'activate-plan'({ strapi, run, today }) {
    const { kind, periodStart, periodEnd, servicePlan: id } = prepaidOf(run);
    const servicePlan = await loadServicePlan(strapi, id);
    const recurring = recurringPerTerm({
      ...servicePlan.plan,
      addOns: servicePlan.plan.addOns ?? [],
      chosenAddOnCodes: servicePlan.addOnCodes ?? [],
    });
    // A renewal paid early extends what is paid for (endDate); the customer stays covered by the
    // current period, which the expiry job moves on to the renewal's when it ends.
    const current = servicePlan.currentPeriodStart && servicePlan.currentPeriodEnd ? { start: servicePlan.currentPeriodStart, end: servicePlan.currentPeriodEnd } : null;
    const dates = datesAfterPayment({
      current: kind === 'renewal' ? current : null,
      paidUntil: kind === 'renewal' ? servicePlan.endDate : null,
      paid: { start: periodStart!, end: periodEnd! },
      today,
    });
    await strapi.documents('api::service-plan.service-plan').update({
      documentId: servicePlan.documentId,
      data: {
        state: 'Active',
        startDate: periodStart!,
        endDate: dates.paidUntil,
        currentPeriodStart: dates.current.start,
        currentPeriodEnd: dates.current.end,
        renewalCount: servicePlan.renewalCount + (kind === 'renewal' ? 1 : 0),
        recurringMinor: recurring.amountMinor,
      },
    });
    const covered = dates.current.start === periodStart ? '' : `; covered now by ${dates.current.start} to ${dates.current.end}`;
    return { outcome: 'done', result: `Active from ${periodStart} until ${periodEnd}${covered}` };
  },

  async 'provisioning-log'({ strapi, run }) {
    const { kind, periodStart, periodEnd, servicePlan: id } = prepaidOf(run);
    const servicePlan = await loadServicePlan(strapi, id);
    await writeAudit(strapi, {
      action: 'service-plan.provisioned',
      entityUid: 'api::service-plan.service-plan',
      entityDocumentId: servicePlan.documentId,
      actor: { type: 'system', name: 'plan-renewals' },
      summary: `${servicePlan.plan.name} provisioned for ${servicePlan.customer.name} from ${periodStart} until ${periodEnd}`,
      data: { run: run.documentId, kind, addOns: servicePlan.addOnCodes ?? [] },
      occurredAt: clockNow(),
    });
    return { outcome: 'done', result: 'Provisioning recorded in the audit log' };
  },

  async 'send-confirmation'({ strapi, run }) {
    const prepaid = prepaidOf(run);
    const servicePlan = await loadServicePlan(strapi, prepaid.servicePlan);
    const invoice = (await invoiceOf(strapi, prepaid))!;
    const payment = matchingPayment(invoice);
    const receipt = activationReceipt({
      customerName: servicePlan.customer.name,
      planName: servicePlan.plan.name,
      periodStart: prepaid.periodStart!,
      periodEnd: prepaid.periodEnd!,
      // What this invoice charged: a one-time add-on appears on the purchase's receipt only.
      addOns: invoice.lines.filter((line) => line.kind === 'add-on').map((line) => line.description),
      invoiceNumber: invoice.number,
      currency: invoice.currency,
      lines: invoice.lines,
      totalMinor: invoice.totalMinor,
      paymentReference: payment ? `${payment.provider} ${payment.providerReference}` : 'none',
    });
    // Written in this step's transaction; the outbox dispatcher sends it once it is committed.
    await messages(strapi).enqueue({ channel: 'email', key: `${run.documentId}:activation`, to: servicePlan.customer.email, ...receipt, run: run.documentId });
    return { outcome: 'done', result: `Activation confirmation to ${servicePlan.customer.email} written to the outbox` };
  },

  async 'calculate-mrr'({ strapi }) {
    // The current month in the jobs' time zone, measured now: the live figure the daily job keeps.
    const now = clockNow();
    const month = dateInZone(now, (strapi.config.get('plugin::plan-renewals') as { jobs: JobsConfig }).jobs.timezone).slice(0, 7);
    const figures = await ownService(strapi, 'mrr').refresh(month, now);
    const shown = figures.map((f) => `${format(money(f.mrrMinor, f.currency))} (${counted(f.activePlans, 'plan')})`).join(', ');
    return { outcome: 'done', result: `MRR for ${month}: ${shown || 'none'}` };
  },

  async 'monthly-report'({ today }) {
    return { outcome: 'done', result: `Counted in the monthly report for ${today.slice(0, 7)}` };
  },
};

/**
 * Undoes what an unfinished run did: its Open invoice is voided, the plan goes back where it stood
 * (a renewal closed unpaid leaves it as its paid periods make it: Active while covered).
 */
const unwind = async ({ strapi, run, today }: StepContext) => {
  const prepaid = prepaidOf(run);
  const servicePlan = await loadServicePlan(strapi, prepaid.servicePlan);
  const invoice = prepaid.invoice && (await strapi.documents('api::invoice.invoice').findOne({ documentId: prepaid.invoice.documentId }));
  if (invoice && invoice.state === 'Open') {
    await strapi.documents('api::invoice.invoice').update({ documentId: invoice.documentId, data: { state: 'Void' } });
  }
  const back = stateAfterUnpaidRun({ kind: prepaid.kind, previous: prepaid.previousPlanState ?? null, paidUntil: servicePlan.endDate ?? null, today });
  if (servicePlan.state !== back) {
    await strapi.documents('api::service-plan.service-plan').update({ documentId: servicePlan.documentId, data: { state: back } });
  }
  return { servicePlan, back, voided: invoice?.state === 'Open' ? invoice.number : null };
};

/** The invoice with its transactions; create-invoice issued it before any task or signal. */
const heldInvoice = (strapi: Core.Strapi, run: RunView) =>
  strapi.documents('api::invoice.invoice').findOne({ documentId: prepaidOf(run).invoice!.documentId, populate: ['transactions'] }) as Promise<InvoiceRecord>;

/** The pre-paid plan process's handlers: its steps' effects, the checks of Finance's decisions, and what a rejection or a cancellation undoes. */
export const PREPAID_PLAN_HANDLERS = {
  effects,
  checkOutcome: {
    async 'verify-payment'({ strapi, run, outcome }) {
      const invoice = await heldInvoice(strapi, run);
      const held = (invoice.transactions ?? []).find((t) => t.state === 'Success');
      // A rejection voids the invoice: never while it holds money.
      if (outcome === 'rejected' && held) {
        throw new ConflictError(
          `Invoice ${invoice.number} has a payment of ${format(money(held.amountMinor, held.currency))} recorded (${held.provider} ${held.providerReference}): ` +
            'approve the task, or refund the payment before rejecting it, so that no voided invoice holds money',
          { transaction: held.documentId },
        );
      }
      if (outcome === 'approved' && !matchingPayment(invoice)) {
        throw new errors.ValidationError(
          `Invoice ${invoice.number} has no successful payment of ${format(money(invoice.totalMinor, invoice.currency))}: record the payment before approving`,
        );
      }
    },
  },
  /** Finance rejected the payment: the invoice is voided, the plan put back, the customer told. */
  async onReject(context) {
    const { strapi, run } = context;
    const { servicePlan, back } = await unwind(context);
    const notice = paymentRejectedNotice({ customerName: servicePlan.customer.name, planName: servicePlan.plan.name, kind: prepaidOf(run).kind, invoiceNumber: prepaidOf(run).invoice?.number });
    await messages(strapi).enqueue({ channel: 'email', key: `${run.documentId}:payment-rejected`, to: servicePlan.customer.email, ...notice, run: run.documentId });
    strapi.log.info(`Run ${run.documentId}: payment rejected by ${context.actor.name ?? context.actor.type} (${context.reason}); plan ${servicePlan.documentId} -> ${back}`);
  },
  /** A card payment create-invoice asked for goes to Stripe once the step is committed (never inside it). */
  async afterCommit({ strapi, run }) {
    const invoice = prepaidOf(run).invoice;
    if (!invoice) return;
    const stored: Pick<InvoiceRecord, 'paymentRequest'> | null = await strapi.db.query(INVOICE_UID).findOne({ where: { documentId: invoice.documentId }, select: ['paymentRequest'] });
    if (stored?.paymentRequest === 'pending') await ownService(strapi, 'card-payments').requestPending(new Date(), invoice.documentId);
  },
  /** Cancelled by hand: refused once a payment is recorded (refund it instead), else unwound. */
  async onCancel(context) {
    const invoice = prepaidOf(context.run).invoice && (await heldInvoice(context.strapi, context.run));
    if (invoice && (invoice.state === 'Paid' || matchingPayment(invoice))) {
      throw new ConflictError(`Invoice ${invoice.number} has a recorded payment: refund it instead of cancelling the run`);
    }
    // A run stored before the plan's state was kept, with no invoice yet, moved nothing.
    if (prepaidOf(context.run).invoice || prepaidOf(context.run).previousPlanState) await unwind(context);
  },
} satisfies ProcessHandlers;

export { RUN_UID, TASK_UID, openKeyOf, stepResults };
