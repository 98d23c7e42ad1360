import type { Core } from '@strapi/strapi';
import { CalendarDate, counted, currentPeriod, format, lapse, money, toE164 } from '../../../../../domain';
import { runAs } from '../../../../../guards/actor';
import { messages } from '../../../../workflows/server/src/utils';
import { PaymentMetadata, METADATA_APP } from './stripe';
import { isOpen, pendingCardTransaction } from '../domain';
import type { FollowUpType } from '../domain';
import { loadServicePlan, lockInvoice, prepaidRuns, stepResults } from './steps';
import type { Customer, InvoiceRecord, PrepaidRun, ServicePlanRecord } from './steps';
import { ownService } from '../utils';
import { clearing } from '../../../../../setup/documents';

/**
 * Card payments around an invoice: asking Stripe for the money (step 4), and dunning when a
 * renewal charge fails — retries on the configured schedule, each with a new idempotency key,
 * then a Finance task to collect; the customer stays covered until the paid period ends, and only
 * then is the plan PastDue (renewal still owed) or Expired (nothing owed).
 *
 * Idempotency keys are derived from the run and the invoice number (and the attempt), never
 * random: a step re-run after a crash, or two instances retrying the same invoice, send the same
 * key and Stripe answers with the object it already made.
 */
export const idempotencyKeys = {
  checkout: (runId: string, invoiceNumber: string) => `checkout:${runId}:${invoiceNumber}`,
  charge: (runId: string, invoiceNumber: string, attempt: number) => `charge:${runId}:${invoiceNumber}:${attempt}`,
};

/** A run row of the query engine with its service plan (`populate: ['servicePlan']`). */

/** A service plan row with its current period and its Paid invoices' periods. */
interface PlanPeriods {
  id: number;
  currentPeriodStart: CalendarDate | null;
  invoices?: { periodStart: CalendarDate; periodEnd: CalendarDate }[];
}

const INVOICE_UID = 'api::invoice.invoice';
const LAPSING = ['Active', 'Processing', 'PastDue'];
const dayMs = 24 * 60 * 60 * 1000;

const metadataOf = (run: { documentId: string }, invoice: { documentId: string; number: string }): PaymentMetadata => ({
  app: METADATA_APP,
  invoice: invoice.documentId,
  invoiceNumber: invoice.number,
  run: run.documentId,
});

/** What an off-session charge of an invoice asks Stripe besides the customer and the card: the same from the engine's step and the renewal wave. */
export const offSessionCharge = (run: { documentId: string }, invoice: { documentId: string; number: string }, planName: string, attempt: number) => ({
  description: `${planName}, invoice ${invoice.number}`,
  metadata: metadataOf(run, invoice),
  key: idempotencyKeys.charge(run.documentId, invoice.number, attempt),
});

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const stripe = () => ownService(strapi, 'stripe');
  const config = () => strapi.config.get('plugin::plan-renewals') as { paymentRetryDays: number[]; jobs: { stuckRunMinutes: number } };

  /**
   * A past-due notice by SMS beside its email, to a customer with a phone number: short, the
   * email has the details. A number stored before phones were checked that is not E.164 gets none.
   */
  const pastDueSms = async (key: string, customer: Customer, text: string, run?: string) => {
    const to = typeof customer.phone === 'string' ? toE164(customer.phone) : null;
    if (to) await messages(strapi).enqueue({ channel: 'sms', key, to, text, run });
  };

  /** Opens a Finance follow-up the process declares (the engine's task, once per key) about an invoice. */
  const financeTask = (taskKey: string, type: FollowUpType, details: string, invoice: { documentId: string } | null, dueDate: CalendarDate) =>
    ownService(strapi, 'follow-ups').open(taskKey, type, details, invoice, dueDate);

  /** One off-session charge of the saved card; the transaction waits for Stripe's webhook. */
  const charge = async (run: PrepaidRun, invoice: InvoiceRecord, servicePlan: ServicePlanRecord, attempt: number) => {
    const customer = servicePlan.customer;
    const customerId = await stripe().ensureCustomer(customer);
    const intent = await stripe().chargeOffSession({
      invoice,
      customerId,
      // Only a customer with a saved card is charged off-session.
      paymentMethodId: customer.stripePaymentMethodId as string,
      ...offSessionCharge(run, invoice, servicePlan.plan.name, attempt),
    });
    // The Stripe call is made outside any database transaction; what it answered is recorded now
    // (the webhook about this PaymentIntent may be recording it at the same moment).
    await strapi.db.transaction(async ({ trx }) => {
      await lockInvoice(strapi, trx, invoice.documentId);
      const known = await strapi.db.query('api::transaction.transaction').findOne({ where: { provider: 'stripe', providerReference: intent.id } });
      if (!known) {
        await strapi.documents('api::transaction.transaction').create({
          data: { ...pendingCardTransaction({ invoice, intentId: intent.id, occurredAt: new Date() }), invoice: invoice.documentId },
        });
      }
      await strapi.documents(INVOICE_UID).update({
        documentId: invoice.documentId,
        data: clearing<typeof INVOICE_UID>({ paymentAttempts: attempt, nextPaymentAttemptAt: null }),
      });
    });
    return intent;
  };

  /** A Checkout session for the invoice (after commit); its URL is stored, and emailed for a renewal. */
  const checkout = async (run: PrepaidRun, invoice: InvoiceRecord, servicePlan: ServicePlanRecord) => {
    const customerId = await stripe().ensureCustomer(servicePlan.customer);
    const session = await stripe().checkout({
      invoice,
      customerId,
      description: `${servicePlan.plan.name}, invoice ${invoice.number}`,
      metadata: metadataOf(run, invoice),
      key: idempotencyKeys.checkout(run.documentId, invoice.number),
    });
    await strapi.db.transaction(async () => {
      await strapi.documents(INVOICE_UID).update({ documentId: invoice.documentId, data: { paymentUrl: session.url } });
      if (run.kind === 'renewal') {
        await messages(strapi).enqueue({
          channel: 'email',
          key: `${run.documentId}:checkout`,
          to: servicePlan.customer.email,
          subject: `Renew your ${servicePlan.plan.name}: invoice ${invoice.number}`,
          text: `Hello ${servicePlan.customer.name},\n\nYour ${servicePlan.plan.name} is up for renewal: ${format(money(invoice.totalMinor, invoice.currency))} (invoice ${invoice.number}).\nPay securely here: ${session.url}\n`,
          run: run.documentId,
        });
      }
    });
  };

  return {
    /**
     * Step 4's card payment, inside the step's transaction: the invoice is marked as waiting for
     * its payment request, which `requestPending` sends once the step is committed.
     */
    async request(run: { documentId: string }, invoice: { documentId: string }): Promise<string> {
      if (!stripe().configured()) {
        return 'card payment awaits a Stripe webhook (no STRIPE_SECRET_KEY: nothing was requested from Stripe)';
      }
      await strapi.documents(INVOICE_UID).update({ documentId: invoice.documentId, data: { paymentRequest: 'pending' } });
      return stepResults.cardRequested;
    },

    /**
     * Sends the committed payment requests (all of them, or one invoice's): an off-session charge
     * when the customer has a saved card and this is a renewal, a Checkout link otherwise. Each
     * invoice is claimed first, so one instance sends it; a failure puts it back for the next try,
     * and the deterministic keys make a repeated request return what Stripe made the first time.
     * A claim without an outcome after `jobs.stuckRunMinutes` (the process died mid-request, as
     * a run left mid-step) is retried: the same key makes a request still in flight harmless.
     */
    async requestPending(now: Date = new Date(), invoiceDocumentId?: string) {
      if (!stripe().configured()) return { requested: 0 };
      const stale = new Date(now.getTime() - config().jobs.stuckRunMinutes * 60_000);
      const due: InvoiceRecord[] = await strapi.db.query(INVOICE_UID).findMany({
        where: {
          state: 'Open',
          ...(invoiceDocumentId ? { documentId: invoiceDocumentId } : {}),
          $or: [{ paymentRequest: 'pending' }, { paymentRequest: 'requested', paymentRequestedAt: { $lt: stale }, paymentUrl: null, paymentAttempts: 0 }],
        },
        limit: 50,
      });
      let requested = 0;
      for (const row of due) {
        const run = await prepaidRuns(strapi).ofInvoice(row.documentId);
        // A run still moving (or left mid-step, until the sweeper resumes it) sends its own
        // request once step 5 has opened the payment task: sent earlier, Stripe's webhook could
        // come back before that task exists, find nothing to approve, and leave the run waiting.
        if (!invoiceDocumentId && run?.state !== 'waiting') continue;
        const claimed = await strapi.db
          .connection('invoices')
          .where({ id: row.id, payment_request: row.paymentRequest })
          .update({ payment_request: 'requested', payment_requested_at: strapi.db.dialect.client === 'sqlite' ? now.getTime() : now });
        if (claimed !== 1) continue;
        try {
          const invoice = (await strapi.documents(INVOICE_UID).findOne({ documentId: row.documentId })) as InvoiceRecord;
          const servicePlan = (await loadServicePlan(strapi, run!.servicePlan.documentId))!;
          if (run!.kind === 'renewal' && servicePlan.customer.stripePaymentMethodId) {
            await charge(run!, invoice, servicePlan, 1);
          } else {
            await checkout(run!, invoice, servicePlan);
          }
          requested += 1;
        } catch (error) {
          await strapi.db.connection('invoices').where({ id: row.id, payment_request: 'requested' }).update({ payment_request: 'pending' });
          strapi.log.warn(`Payment request for invoice ${row.number} failed, it will be retried: ${(error as Error).message}`);
        }
      }
      return { requested };
    },

    /**
     * A renewal charge failed (inside the webhook's transaction): schedule the next attempt, or,
     * after the last one, put the plan PastDue, tell the customer and give Finance a task.
     */
    async failed(invoice: InvoiceRecord, reason: string, now: Date) {
      const run = await prepaidRuns(strapi).ofInvoice(invoice.documentId);
      const servicePlan = run && (await loadServicePlan(strapi, run.servicePlan.documentId));
      if (!run || !servicePlan || invoice.state !== 'Open') return 'no open invoice to collect';
      const schedule = config().paymentRetryDays;
      const attempt = invoice.paymentAttempts || 1;
      const customer = servicePlan.customer;
      const amount = format(money(invoice.totalMinor, invoice.currency));
      if (run.kind === 'renewal' && attempt <= schedule.length) {
        const next = new Date(now.getTime() + schedule[attempt - 1] * dayMs);
        await strapi.documents(INVOICE_UID).update({ documentId: invoice.documentId, data: { nextPaymentAttemptAt: next } });
        await messages(strapi).enqueue({
          channel: 'email',
          key: `${invoice.number}:charge-failed:${attempt}`,
          to: customer.email,
          subject: `We could not charge your card for your ${servicePlan.plan.name}`,
          text: `Hello ${customer.name},\n\nThe charge of ${amount} for invoice ${invoice.number} did not go through (${reason}).\nWe will try again on ${next.toISOString().slice(0, 10)}. You can also update your card or pay at the counter.\n`,
          run: run.documentId,
        });
        return `attempt ${attempt} failed (${reason}); next attempt ${next.toISOString()}`;
      }
      // Paid means covered: PastDue only once the paid period has ended with the renewal unpaid.
      const today = now.toISOString().slice(0, 10);
      const next = run.kind === 'renewal' ? lapse({ state: servicePlan.state, paidUntil: servicePlan.endDate ?? null, today, renewalOwed: true }) : null;
      if (next) {
        await strapi.documents('api::service-plan.service-plan').update({ documentId: servicePlan.documentId, data: { state: next } });
      }
      await messages(strapi).enqueue({
        channel: 'email',
        key: `${invoice.number}:charge-failed:final`,
        to: customer.email,
        subject: `Your renewal payment for your ${servicePlan.plan.name} is past due`,
        text: `Hello ${customer.name},\n\nWe could not collect ${amount} for invoice ${invoice.number} after ${counted(attempt, 'attempt')} (${reason}).\nYour plan stays valid until ${servicePlan.endDate ?? 'the end of its period'}; please pay before then to keep it.\n`,
        run: run.documentId,
      });
      await pastDueSms(
        `${invoice.number}:charge-failed:final:sms`,
        customer,
        `Your ${servicePlan.plan.name} renewal payment of ${amount} (invoice ${invoice.number}) is past due: we could not charge your card. Your plan stays valid until ${servicePlan.endDate ?? 'the end of its period'}; please pay before then. Details by email.`,
        run.documentId,
      );
      await financeTask(
        `${invoice.documentId}:collect-payment`,
        'collect-payment',
        `Invoice ${invoice.number} (${amount}) could not be charged after ${counted(attempt, 'attempt')}: ${reason.replace(/[.\s]+$/, '')}. Customer ${customer.name} <${customer.email}>.`,
        invoice,
        now.toISOString().slice(0, 10),
      );
      return `attempt ${attempt} failed (${reason}); retries exhausted, ${next ? `plan ${next}` : `plan covered until ${servicePlan.endDate}`}, Finance asked to collect`;
    },

    /** Charges the invoices whose next attempt is due; each claimed first, so one instance does it. */
    async retryDue(now: Date = new Date(), limit = 50) {
      const due: InvoiceRecord[] = await strapi.db.query(INVOICE_UID).findMany({
        where: { state: 'Open', nextPaymentAttemptAt: { $lte: now } },
        orderBy: { nextPaymentAttemptAt: 'asc' },
        limit,
      });
      let charged = 0;
      for (const row of due) {
        const claimed = await strapi.db
          .connection('invoices')
          .where({ id: row.id, payment_attempts: row.paymentAttempts })
          .whereNotNull('next_payment_attempt_at')
          .update({ next_payment_attempt_at: null });
        if (claimed !== 1) continue;
        try {
          const made = await runAs({ type: 'system', name: 'payment retries' }, async () => {
            const invoice = (await strapi.documents(INVOICE_UID).findOne({ documentId: row.documentId })) as InvoiceRecord;
            const run = await prepaidRuns(strapi).ofInvoice(invoice.documentId);
            const servicePlan = run && (await loadServicePlan(strapi, run.servicePlan.documentId));
            // What changed since the decline that scheduled it: no retry is made, and it is not
            // scheduled again (asking Stripe would fail the same way each time); Finance collects.
            const stopped = !run || !servicePlan
              ? 'no run waits for its payment'
              : !isOpen(run.state)
                ? `its run is ${run.state}`
                : !servicePlan.customer.stripePaymentMethodId
                  ? `${servicePlan.customer.name} has no saved card any more`
                  : null;
            if (stopped || !run || !servicePlan) {
              await financeTask(
                `${invoice.documentId}:retry-stopped`,
                'collect-payment',
                `Invoice ${invoice.number}: the card retry due was not made, as ${stopped}. Collect the payment another way, or void or write off the invoice.`,
                invoice,
                now.toISOString().slice(0, 10),
              );
              strapi.log.warn(`Retry of invoice ${invoice.number} not made: ${stopped}; a Finance task is open`);
              return false;
            }
            await charge(run, invoice, servicePlan, (invoice.paymentAttempts || 1) + 1);
            return true;
          });
          if (made) charged += 1;
        } catch (error) {
          // Stripe unreachable: the attempt stays due (same attempt number, so the same key).
          await strapi.db.connection('invoices').where({ id: row.id }).whereNull('next_payment_attempt_at').update({ next_payment_attempt_at: strapi.db.dialect.client === 'sqlite' ? now.getTime() : now });
          strapi.log.warn(`Retry of invoice ${row.number} failed, it stays due: ${(error as Error).message}`);
        }
      }
      return { charged };
    },

    /**
     * Plans whose paid period has ended (endDate, the date paid until) and that were not renewed
     * in time lapse, by the domain's `lapse` rule. A renewal still owed (its run open, its invoice
     * Open) makes the plan PastDue: the run stays open so a late payment still renews it, and
     * Finance has a task to collect. Nothing owed (no renewal, or one written off or voided):
     * Expired, the open run cancelled, the customer told.
     */
    async expireLapsed(today: string = new Date().toISOString().slice(0, 10)) {
      let expired = 0;
      let pastDue = 0;
      let after = 0;
      for (;;) {
        const lapsed: { id: number; documentId: string }[] = await strapi.db.query('api::service-plan.service-plan').findMany({
          where: { state: { $in: LAPSING }, endDate: { $lte: today }, id: { $gt: after } },
          orderBy: { id: 'asc' },
          limit: 200,
        });
        if (!lapsed.length) break;
        after = lapsed[lapsed.length - 1].id;
        for (const plan of lapsed) {
          const outcome = await runAs({ type: 'system', name: 'expiry' }, () =>
            strapi.db.transaction(async () => {
              const servicePlan = (await loadServicePlan(strapi, plan.documentId))!;
              const run = await prepaidRuns(strapi).openOf(servicePlan.documentId);
              const owed = run?.kind === 'renewal' && run.invoice?.state === 'Open';
              // A renewal of a plan that had already expired owes nothing late before its invoice is due.
              const lateRenewalDue = owed && run.previousPlanState === 'Expired' ? ((run.invoice!.dueDate as CalendarDate | undefined) ?? null) : null;
              const next = lapse({ state: servicePlan.state, paidUntil: servicePlan.endDate ?? null, today, renewalOwed: owed, lateRenewalDue });
              if (!next) return null;
              await strapi.documents('api::service-plan.service-plan').update({ documentId: servicePlan.documentId, data: { state: next } });
              if (next === 'PastDue') {
                // PastDue only with a renewal owed: the run and its invoice are there.
                const amount = format(money(run!.invoice!.totalMinor, run!.invoice!.currency));
                await financeTask(
                  `${run!.invoice!.documentId}:collect-payment`,
                  'collect-payment',
                  `Invoice ${run!.invoice!.number} (${amount}) is unpaid and the plan's paid period ended on ${servicePlan.endDate}. Customer ${servicePlan.customer.name} <${servicePlan.customer.email}>.`,
                  run!.invoice!,
                  today,
                );
                await messages(strapi).enqueue({
                  channel: 'email',
                  key: `${servicePlan.documentId}:past-due:${servicePlan.endDate}`,
                  to: servicePlan.customer.email,
                  subject: `Your ${servicePlan.plan.name} is past due`,
                  text: `Hello ${servicePlan.customer.name},\n\nYour ${servicePlan.plan.name} was paid until ${servicePlan.endDate} and its renewal (invoice ${run!.invoice!.number}, ${amount}) is still unpaid. Pay it to continue the plan.\n`,
                  run: run!.documentId,
                });
                await pastDueSms(
                  `${servicePlan.documentId}:past-due:${servicePlan.endDate}:sms`,
                  servicePlan.customer,
                  `Your ${servicePlan.plan.name} is past due: it was paid until ${servicePlan.endDate} and its renewal (invoice ${run!.invoice!.number}, ${amount}) is unpaid. Pay it to continue the plan. Details by email.`,
                  run!.documentId,
                );
                return 'PastDue';
              }
              if (run) {
                if (run.invoice?.state === 'Open') {
                  await strapi.documents(INVOICE_UID).update({ documentId: run.invoice.documentId, data: clearing<typeof INVOICE_UID>({ state: 'Uncollectible', nextPaymentAttemptAt: null }) });
                }
                await ownService(strapi, 'engine').cancelIn(run.documentId, `plan expired on ${servicePlan.endDate}, renewal unpaid`, { type: 'system', name: 'expiry' });
              }
              await messages(strapi).enqueue({
                channel: 'email',
                key: `${servicePlan.documentId}:expired:${servicePlan.endDate}`,
                to: servicePlan.customer.email,
                subject: `Your ${servicePlan.plan.name} has expired`,
                text: `Hello ${servicePlan.customer.name},\n\nYour ${servicePlan.plan.name} ended on ${servicePlan.endDate} and could not be renewed. Visit us or reply to this email to start a new one.\n`,
                run: run?.documentId,
              });
              return 'Expired';
            }),
          );
          if (outcome === 'Expired') expired += 1;
          if (outcome === 'PastDue') pastDue += 1;
        }
      }
      return { expired, pastDue };
    },

    /**
     * Plans whose current period has ended while a later paid period covers today: the renewal
     * paid early becomes the current period. Returns how many moved on.
     */
    async advanceCurrentPeriods(today: string = new Date().toISOString().slice(0, 10)) {
      const due: PlanPeriods[] = await strapi.db.query('api::service-plan.service-plan').findMany({
        where: { currentPeriodEnd: { $lte: today }, endDate: { $gt: today }, state: { $ne: 'Cancelled' } },
        populate: { invoices: { where: { state: 'Paid' }, select: ['periodStart', 'periodEnd'] } },
        limit: 1000,
      });
      let moved = 0;
      for (const plan of due) {
        const current = currentPeriod((plan.invoices ?? []).map((i) => ({ start: i.periodStart, end: i.periodEnd })), today);
        if (!current || current.start === plan.currentPeriodStart) continue;
        await runAs({ type: 'system', name: 'expiry' }, () =>
          strapi.db.query('api::service-plan.service-plan').update({ where: { id: plan.id }, data: { currentPeriodStart: current.start, currentPeriodEnd: current.end } }),
        );
        moved += 1;
      }
      return { moved };
    },
  };
};
