import type { Core, Data, Modules } from '@strapi/strapi';
import type { Transaction } from '../../../../../setup/knex';
import { writeAudit } from '../../../../../guards/audit';
import { buildInvoice, counted, dateInZone, datesAfterPayment, format, money, nextPeriod, recurringPerTerm } from '../../../../../domain';
import type { AddOn, CalendarDate, InvoiceLine, ServicePlanStatus } from '../../../../../domain';
import { StepDefinition } from '../../../../workflows/server/src/domain';
import { RUN_UID, TASK_UID, activationReceipt, stepResults, stepTask } from '../domain';
import type { RunKind, RunProgress, RunState, RunStep, StepActor } from '../domain';
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

/** A run of the pre-paid plan process as stored, its JSON columns read back as the engine writes them. */
export type PrepaidRun = Reading<
  Data.ContentType<typeof RUN_UID>,
  {
    kind: RunKind;
    state: RunState;
    outcome?: RunProgress['outcome'] | null;
    currentStep: string | null;
    steps: RunStep[];
    startedBy?: StepActor | null;
    previousPlanState?: ServicePlanStatus | null;
    /** Set by calculate-total. */
    periodStart: CalendarDate | null;
    periodEnd: CalendarDate | null;
    createdAt: string;
    updatedAt: string;
  }
>;

/** A run with its service plan (every run has one) and its invoice once issued, as the engine loads it. */
export type LoadedRun = Reading<
  PrepaidRun,
  { servicePlan: Stored<Data.ContentType<'api::service-plan.service-plan'>, 'state'>; invoice?: InvoiceRecord | null }
>;

/** A task as stored, its JSON columns read back as the engine writes them; its run when populated. */
export type PrepaidTask = Reading<
  Stored<Data.ContentType<typeof TASK_UID>, 'type' | 'role' | 'state'>,
  {
    claimedBy?: StepActor | null;
    completedBy?: StepActor | null;
    claimedAt?: string | null;
    completedAt?: string | null;
    dueDate?: CalendarDate | null;
    createdAt: string;
    updatedAt: string;
    run?: PrepaidRun | null;
  }
>;

/**
 * What each step of the pre-paid plan process does. A handler runs inside the transaction that
 * also records the step's outcome, so a step's effects and its "done" are committed together:
 * after a crash a step is either fully done or not started, never half done.
 */
export interface StepContext {
  strapi: Core.Strapi;
  run: LoadedRun;
  step: StepDefinition;
  today: string;
  config: { taskDueBusinessDays: Record<string, number> };
}

export type StepOutcome =
  | { outcome: 'done'; result: string; runChanges?: Record<string, unknown> }
  | { outcome: 'wait'; result: string }
  | { outcome: 'fail'; result: string };

/** The service plan; a run's always exists (a plan with runs is never deleted), an id from elsewhere may name none (null). */
export const loadServicePlan = (strapi: Core.Strapi, documentId: string) =>
  strapi.documents('api::service-plan.service-plan').findOne({
    documentId,
    populate: { plan: { populate: ['addOns'] }, customer: true },
  }) as Promise<ServicePlanRecord>;

/** The run's invoice with its lines and transactions; null before create-invoice issued it. */
const invoiceOf = (strapi: Core.Strapi, run: LoadedRun) =>
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

const ensureTask = async (ctx: StepContext): Promise<StepOutcome> => {
  const { strapi, run, step } = ctx;
  const task = stepTask({ runDocumentId: run.documentId, step, today: ctx.today, taskDueBusinessDays: ctx.config.taskDueBusinessDays });
  const existing = await strapi.db.query(TASK_UID).findOne({ where: { taskKey: task.taskKey } });
  // The process's task types and roles are the schema's enumerations (its definition names no other).
  if (!existing) await strapi.documents(TASK_UID).create({ data: { ...task, run: run.documentId } as Modules.Documents.Params.Data.Input<typeof TASK_UID> });
  return { outcome: 'wait', result: stepResults.waitingFor(step) };
};

export const PREPAID_PLAN_HANDLERS: Record<string, (ctx: StepContext) => Promise<StepOutcome>> = {
  async 'retrieve-subscription'({ strapi, run }) {
    const servicePlan = await loadServicePlan(strapi, run.servicePlan.documentId);
    if (!servicePlan?.customer) return { outcome: 'fail', result: 'The service plan has no customer' };
    if (!servicePlan.customer.email) return { outcome: 'fail', result: `Customer ${servicePlan.customer.name} has no email address` };
    if (!servicePlan.plan) return { outcome: 'fail', result: 'The service plan has no catalog plan' };
    if (!servicePlan.plan.active) return { outcome: 'fail', result: `Plan ${servicePlan.plan.code} is retired and cannot be bought or renewed` };
    return { outcome: 'done', result: stepResults.retrieved(servicePlan.customer, servicePlan.plan) };
  },

  async 'mark-processing'({ strapi, run }) {
    const servicePlan = await loadServicePlan(strapi, run.servicePlan.documentId);
    if (servicePlan.state !== 'Processing') {
      await strapi.documents('api::service-plan.service-plan').update({
        documentId: servicePlan.documentId,
        data: { state: 'Processing' },
      });
    }
    return { outcome: 'done', result: stepResults.processing(servicePlan.state) };
  },

  async 'calculate-total'({ strapi, run, today }) {
    const servicePlan = await loadServicePlan(strapi, run.servicePlan.documentId);
    const totals = buildInvoice({ ...servicePlan.plan, addOns: servicePlan.plan.addOns ?? [] }, servicePlan.addOnCodes ?? [], run.kind);
    const period = nextPeriod({
      termMonths: servicePlan.plan.termMonths,
      today,
      previousEnd: run.kind === 'renewal' ? servicePlan.endDate : null,
    });
    return {
      outcome: 'done',
      result: stepResults.calculated(totals, period),
      runChanges: { periodStart: period.start, periodEnd: period.end },
    };
  },

  async 'create-invoice'({ strapi, run, today }) {
    if (run.invoice) return { outcome: 'done', result: `Invoice ${run.invoice.number} already issued` };
    const servicePlan = await loadServicePlan(strapi, run.servicePlan.documentId);
    const invoice = await strapi.service('api::invoice.invoice').issue({
      customer: servicePlan.customer,
      servicePlan,
      plan: servicePlan.plan,
      kind: run.kind,
      period: { start: run.periodStart, end: run.periodEnd },
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
      runChanges: { invoice: invoice.documentId },
    };
  },

  'verify-payment': ensureTask,

  async 'check-payment'({ strapi, run }) {
    // create-invoice issued it.
    const invoice = (await invoiceOf(strapi, run))!;
    const payment = matchingPayment(invoice);
    if (!payment) return { outcome: 'wait', result: `Waiting for a successful payment of ${format(money(invoice.totalMinor, invoice.currency))}` };
    return { outcome: 'done', result: `Paid: ${payment.provider} ${payment.providerReference}` };
  },

  async 'mark-invoice-paid'({ strapi, run }) {
    // create-invoice issued it.
    const invoice = (await invoiceOf(strapi, run))!;
    if (invoice.state !== 'Paid') {
      await strapi.documents('api::invoice.invoice').update({ documentId: invoice.documentId, data: { state: 'Paid', paidAt: clockNow() } });
    }
    return { outcome: 'done', result: `Invoice ${invoice.number} Paid` };
  },

  async 'activate-plan'({ strapi, run, today }) {
    const servicePlan = await loadServicePlan(strapi, run.servicePlan.documentId);
    const recurring = recurringPerTerm({
      ...servicePlan.plan,
      addOns: servicePlan.plan.addOns ?? [],
      chosenAddOnCodes: servicePlan.addOnCodes ?? [],
    });
    // A renewal paid early extends what is paid for (endDate); the customer stays covered by the
    // current period, which the expiry job moves on to the renewal's when it ends.
    const current = servicePlan.currentPeriodStart && servicePlan.currentPeriodEnd ? { start: servicePlan.currentPeriodStart, end: servicePlan.currentPeriodEnd } : null;
    const dates = datesAfterPayment({
      current: run.kind === 'renewal' ? current : null,
      paidUntil: run.kind === 'renewal' ? servicePlan.endDate : null,
      paid: { start: run.periodStart!, end: run.periodEnd! },
      today,
    });
    await strapi.documents('api::service-plan.service-plan').update({
      documentId: servicePlan.documentId,
      data: {
        state: 'Active',
        startDate: run.periodStart!,
        endDate: dates.paidUntil,
        currentPeriodStart: dates.current.start,
        currentPeriodEnd: dates.current.end,
        renewalCount: servicePlan.renewalCount + (run.kind === 'renewal' ? 1 : 0),
        recurringMinor: recurring.amountMinor,
      },
    });
    const covered = dates.current.start === run.periodStart ? '' : `; covered now by ${dates.current.start} to ${dates.current.end}`;
    return { outcome: 'done', result: `Active from ${run.periodStart} until ${run.periodEnd}${covered}` };
  },

  async 'provisioning-log'({ strapi, run }) {
    const servicePlan = await loadServicePlan(strapi, run.servicePlan.documentId);
    await writeAudit(strapi, {
      action: 'service-plan.provisioned',
      entityUid: 'api::service-plan.service-plan',
      entityDocumentId: servicePlan.documentId,
      actor: { type: 'system', name: 'plan-renewals' },
      summary: `${servicePlan.plan.name} provisioned for ${servicePlan.customer.name} from ${run.periodStart} until ${run.periodEnd}`,
      data: { run: run.documentId, kind: run.kind, addOns: servicePlan.addOnCodes ?? [] },
      occurredAt: clockNow(),
    });
    return { outcome: 'done', result: 'Provisioning recorded in the audit log' };
  },

  async 'send-confirmation'({ strapi, run }) {
    const servicePlan = await loadServicePlan(strapi, run.servicePlan.documentId);
    const invoice = (await invoiceOf(strapi, run))!;
    const payment = matchingPayment(invoice);
    const receipt = activationReceipt({
      customerName: servicePlan.customer.name,
      planName: servicePlan.plan.name,
      periodStart: run.periodStart!,
      periodEnd: run.periodEnd!,
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

  'quality-check': ensureTask,

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

export { RUN_UID, TASK_UID, stepResults };
