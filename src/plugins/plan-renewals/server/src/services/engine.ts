import type { Core, Modules } from '@strapi/strapi';
import type { Transaction } from '../../../../../setup/knex';
import { errors } from '@strapi/utils';
import { Actor, currentActor } from '../../../../../guards/actor';
import { MoneyError, ServicePlanStatus, buildInvoice, counted, firstRenewalDay, format, money, renewalMayStart, servicePlanMachine } from '../../../../../domain';
import { PREPAID_PLAN_PROCESS, isOpen } from '../domain';
import type { RunKind } from '../domain';
import { ConflictError } from '../errors';
import { now as clockNow, today } from '../clock';
import { getService, messages } from '../../../../workflows/server/src/utils';
import { loadServicePlan, lockInvoice, openKeyOf, prepaidRuns } from './steps';
import type { InvoiceRecord, PrepaidContext, PrepaidRun, PrepaidTask, ServicePlanRecord } from './steps';
import type { JobsConfig } from './jobs';
import { ownService } from '../utils';

/**
 * The pre-paid plan process's way in: what its routes, jobs and webhooks ask of a run, done by the
 * workflows engine, which keeps the runs and their tasks (its `runner` and `tasks` services), with
 * what only this process knows around it: a plan that may be bought or renewed, the run's service
 * plan and invoice in the answers, a counter payment, and the payment signal.
 */
const PROCESS = PREPAID_PLAN_PROCESS;
const SERVICE_PLAN_UID = 'api::service-plan.service-plan';
const SYSTEM: Actor = { type: 'system', name: 'plan-renewals' };

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const runner = () => getService(strapi, 'runner');
  const tasks = () => getService(strapi, 'tasks');
  const runs = () => prepaidRuns(strapi);

  /** The run, as the process shows it; 404 when it is none of this process's. */
  const loadRun = async (documentId: string): Promise<PrepaidRun> => {
    const run = await runs().load(documentId);
    if (!run) throw new errors.NotFoundError(`No run ${documentId}`);
    return run;
  };

  /** A task of this process (a step's or a follow-up), after an action on it; 404 for another process's, or none. */
  const ownTask = async (documentId: string): Promise<PrepaidTask> => {
    const task = await ownService(strapi, 'follow-ups').find(documentId);
    if (!task) throw new errors.NotFoundError(`No task ${documentId}`);
    return task;
  };

  /** Sends what committed work wrote to the outbox; a failure here never fails the run. */
  const flushOutbox = async () => {
    try {
      await messages(strapi).dispatch();
    } catch (error) {
      strapi.log.warn(`Outbox dispatch failed, it will be retried: ${(error as Error).message}`);
    }
  };

  /**
   * Opens a run for a service plan and takes its first two steps, in one transaction (the
   * caller's, if any): a start that fails — the plan changed meanwhile, a guard refused — leaves no
   * run behind holding the plan. A plan the process cannot move to Processing is refused before
   * any run exists. 409 with the open run's id when there is one already.
   */
  const open = async (servicePlanDocumentId: string, kind: RunKind): Promise<string> => {
    const refuse = (existing: { documentId: string }) => {
      throw new ConflictError(`Service plan ${servicePlanDocumentId} already has an open run`, { run: existing.documentId });
    };
    const already = await runs().openOf(servicePlanDocumentId);
    if (already) refuse(already);
    const servicePlan: ServicePlanRecord | null = await loadServicePlan(strapi, servicePlanDocumentId);
    if (!servicePlan) throw new errors.NotFoundError(`No service plan ${servicePlanDocumentId}`);
    if (!servicePlanMachine.transitions[servicePlan.state as ServicePlanStatus].includes('Processing')) {
      throw new errors.ValidationError(
        `Service plan ${servicePlanDocumentId} is ${servicePlan.state}, which is final: it cannot be ${kind === 'new' ? 'bought' : 'renewed'}; sell a new plan instead`,
      );
    }
    // What the run will invoice must be an amount an invoice can hold: refused before anything is written.
    try {
      buildInvoice({ ...servicePlan.plan, addOns: servicePlan.plan.addOns ?? [] }, servicePlan.addOnCodes ?? [], kind);
    } catch (error) {
      if (!(error instanceof MoneyError)) throw error;
      throw new errors.ValidationError(`Service plan ${servicePlanDocumentId} cannot be invoiced: ${error.message}`);
    }
    if (kind === 'renewal') {
      const window = engine.renewalWindow(servicePlan);
      if (!window.mayStart) {
        throw new ConflictError(
          `Service plan ${servicePlanDocumentId} is paid until ${servicePlan.endDate}: its renewal may start from ${window.firstDay} (${counted(window.leadDays, 'day')} before the paid period ends)`,
          { firstRenewalDay: window.firstDay, paidUntil: servicePlan.endDate },
        );
      }
    }
    const actor = currentActor(strapi);
    const context: PrepaidContext = { kind, periodStart: null, periodEnd: null, invoice: null, previousPlanState: servicePlan.state as ServicePlanStatus };
    let opened: string | null = null;
    try {
      return await strapi.db.transaction(async () => {
        const run = await runner().open(PROCESS.id, { subject: { type: SERVICE_PLAN_UID, documentId: servicePlanDocumentId }, context: { ...context }, openKey: openKeyOf(servicePlanDocumentId) }, actor);
        opened = run.documentId;
        await runner().takeStepsIn(run.documentId, actor, 2);
        return run.documentId;
      });
    } catch (error) {
      // Two requests at once: the unique open key lets one run through and refuses the other.
      // (Inside a caller's transaction — a purchase — the run this call opened is still visible.)
      const winner = await runs().openOf(servicePlanDocumentId).catch(() => null);
      if (winner && winner.documentId !== opened) refuse(winner);
      throw error;
    }
  };

  const engine = {
    /** When the plan's renewal may start: from `jobs.renewalLeadDays` before its paid period ends. */
    renewalWindow(servicePlan: { endDate?: string | null }, on: string = today()) {
      const leadDays = (strapi.config.get('plugin::plan-renewals') as { jobs: JobsConfig }).jobs.renewalLeadDays;
      const paidUntil = servicePlan.endDate ?? null;
      return { leadDays, firstDay: firstRenewalDay(paidUntil, leadDays), mayStart: renewalMayStart({ paidUntil, leadDays, today: on }) };
    },

    /**
     * Runs automatic steps until the run waits for a person or a payment, fails or completes; a
     * card payment step 4 asked for goes to Stripe once the step is committed (the process's
     * `afterCommit`), then the run's messages.
     */
    async advance(documentId: string, actor: Actor = SYSTEM): Promise<PrepaidRun> {
      await runner().advance(documentId, actor);
      return loadRun(documentId);
    },

    /** Opens a run for a service plan; 409 with the open run's id when there is one already. */
    async start(servicePlanDocumentId: string, kind: RunKind) {
      const run = await open(servicePlanDocumentId, kind);
      return engine.advance(run, currentActor(strapi));
    },

    /** A new purchase: the service plan (Pending), its run, and the run's first steps up to payment. */
    async purchase(input: { customer: string; plan: string; addOns: string[]; paymentMethod: 'manual' | 'stripe'; vehicle?: string }) {
      const customer = await strapi.documents('api::customer.customer').findOne({ documentId: input.customer });
      if (!customer) throw new errors.ValidationError(`No customer ${input.customer}`);
      const plan = await strapi.documents('api::plan.plan').findFirst({ filters: { code: input.plan } });
      if (!plan) throw new errors.ValidationError(`No plan with code ${input.plan}`);
      if (!plan.active) throw new errors.ValidationError(`Plan ${plan.code} is retired and cannot be bought`);
      // The service plan, its run and the run's first steps are one transaction: a purchase
      // refused on the way leaves neither a plan nor a run behind.
      const { servicePlan, run } = await strapi.db.transaction(async () => {
        const created = await strapi.documents('api::service-plan.service-plan').create({
          data: {
            customer: customer.documentId,
            plan: plan.documentId,
            state: 'Pending',
            addOnCodes: input.addOns,
            paymentMethod: input.paymentMethod,
            vehicle: input.vehicle ?? null,
            autoRenew: true,
            renewalCount: 0,
          } as unknown as Modules.Documents.Params.Data.Input<'api::service-plan.service-plan'>, // a null vehicle: Strapi's input types spell no null
        });
        return { servicePlan: created, run: await open(created.documentId, 'new') };
      });
      return { servicePlan, run: await engine.advance(run, currentActor(strapi)) };
    },

    /**
     * A person completes a task of this process with an outcome, by the engine's task rules: a
     * step's task moves its run on (or ends it, on a rejection), a follow-up just closes. Answers
     * the run afterwards (null for a follow-up).
     */
    async completeTask(taskDocumentId: string, input: { outcome: string; note?: string }, roles: string[]): Promise<PrepaidRun | null> {
      await ownTask(taskDocumentId);
      const run = await tasks().complete(taskDocumentId, input, roles);
      return run ? loadRun(run.documentId) : null;
    },

    /** Takes an open task of one of `roles` on (409 naming whoever holds it). */
    async claimTask(taskDocumentId: string, roles: string[]) {
      await ownTask(taskDocumentId);
      await tasks().claim(taskDocumentId, roles);
      return ownTask(taskDocumentId);
    },

    /** The holder gives a claimed task back to its role. */
    async unclaimTask(taskDocumentId: string, roles: string[]) {
      await ownTask(taskDocumentId);
      await tasks().unclaim(taskDocumentId, roles);
      return ownTask(taskDocumentId);
    },

    /** An admin hands an open task to a staff user of its role, audited with the reason. */
    async reassignTask(taskDocumentId: string, input: { user: string; reason?: string }) {
      await ownTask(taskDocumentId);
      await tasks().reassign(taskDocumentId, input);
      return ownTask(taskDocumentId);
    },

    /**
     * The signal a payment sends the run waiting for it (`payment-succeeded`, the signal its
     * check-payment step awaits); webhooks and counter payments send it, nothing else. Inside the
     * caller's transaction. A payment Stripe `confirmed` (a signed webhook) is its own
     * authorization: the run's open verify-payment task is approved by Stripe. A counter payment
     * is not: Finance still verifies it. Returns the run to advance after commit, or null when no
     * run waits for this invoice's payment.
     */
    async signalPaymentIn(trx: Transaction, invoiceDocumentId: string, input: { actor: Actor; result: string; confirmed: boolean }): Promise<string | null> {
      const run = await runs().ofInvoice(invoiceDocumentId);
      if (!run || !isOpen(run.state)) return null;
      if (run.currentStep === 'check-payment') return run.documentId;
      if (run.currentStep !== 'verify-payment' || !input.confirmed) return null;
      return tasks().completeIn(trx, run.documentId, { type: 'verify-payment', outcome: 'approved', note: input.result }, input.actor);
    },

    /**
     * Inside the caller's transaction: cancels an open run whose invoice and plan the caller
     * already settled (a refund, an expiry), and its open tasks. False when it is not open.
     */
    async cancelIn(runDocumentId: string, reason: string, actor: Actor): Promise<boolean> {
      return await strapi.db.transaction(({ trx }) => runner().cancelIn(trx, runDocumentId, reason, actor));
    },

    /**
     * Cancels an open run by hand (admin panel): its Open invoice is voided and the plan goes back
     * where it stood (the process's `onCancel`). A run whose invoice already has a payment is
     * refused: refund it instead.
     */
    async cancel(runDocumentId: string, reason: string) {
      await loadRun(runDocumentId);
      await runner().cancel(runDocumentId, reason, currentActor(strapi));
      await flushOutbox();
      return loadRun(runDocumentId);
    },

    /** Tries a failed automatic step again (after its cause was fixed) and moves the run on. */
    async retry(runDocumentId: string) {
      await loadRun(runDocumentId);
      await runner().retry(runDocumentId, currentActor(strapi));
      return loadRun(runDocumentId);
    },

    /** Sends what committed work wrote to the outbox. */
    flushOutbox,

    /** Records a counter payment of an Open invoice; a run waiting for it moves on. */
    async recordManualPayment(invoiceDocumentId: string, input: { amountMinor: number; currency: string; reference: string }) {
      const actor = currentActor(strapi);
      const transaction = await strapi.db.transaction(async ({ trx }) => {
        // Under the invoice's row lock, so two payments recorded at once see each other.
        await lockInvoice(strapi, trx, invoiceDocumentId);
        const invoice = (await strapi.documents('api::invoice.invoice').findOne({ documentId: invoiceDocumentId, populate: ['transactions'] })) as InvoiceRecord | null;
        if (!invoice) throw new errors.NotFoundError(`No invoice ${invoiceDocumentId}`);
        if (invoice.state !== 'Open') throw new ConflictError(`Invoice ${invoice.number} is ${invoice.state}, not Open: no payment can be recorded`);
        if (input.currency !== invoice.currency || input.amountMinor !== invoice.totalMinor) {
          throw new errors.ValidationError(
            `Invoice ${invoice.number} is for ${format(money(invoice.totalMinor, invoice.currency))}; the payment must be exactly that amount in that currency`,
          );
        }
        const duplicate = await strapi.db
          .query('api::transaction.transaction')
          .findOne({ where: { provider: 'manual', providerReference: input.reference } });
        if (duplicate) throw new ConflictError(`A manual payment with reference ${input.reference} is already recorded`);
        // One payment per invoice: the successful payments of an invoice never exceed its total.
        const recorded = (invoice.transactions ?? []).filter((t) => t.state === 'Success');
        const paid = recorded.reduce((sum: number, t) => sum + t.amountMinor, 0);
        if (recorded.length > 0 && paid + input.amountMinor > invoice.totalMinor) {
          const first = recorded[0];
          throw new ConflictError(
            `Invoice ${invoice.number} already has a payment of ${format(money(first.amountMinor, first.currency))} recorded (${first.provider} ${first.providerReference}): no second payment can be recorded`,
            { transaction: first.documentId, provider: first.provider, providerReference: first.providerReference },
          );
        }
        const recordedNow = await strapi.documents('api::transaction.transaction').create({
          data: {
            invoice: invoiceDocumentId,
            amountMinor: input.amountMinor,
            currency: input.currency,
            state: 'Success',
            provider: 'manual',
            providerReference: input.reference,
            occurredAt: clockNow(),
          },
        });
        await ownService(strapi, 'follow-ups').settle(invoice, `counter payment ${input.reference}`);
        return recordedNow;
      });
      // The payment committed, its signal follows in a transaction of its own (the invoice's lock
      // is not held while the run's is taken).
      const signalled = await strapi.db.transaction(({ trx }) =>
        engine.signalPaymentIn(trx, invoiceDocumentId, { actor, result: `counter payment ${input.reference}`, confirmed: false }),
      );
      if (signalled) await engine.advance(signalled, actor);
      return transaction;
    },
  };

  return engine;
};
