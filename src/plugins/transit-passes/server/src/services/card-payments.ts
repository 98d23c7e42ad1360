import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { formatAmount, isCurrencyCode } from '../../../../../domain';
import type { Actor } from '../../../../../guards/actor';
import { writeAudit } from '../../../../../guards/audit';
import type { StripeAction } from '../../../../plan-renewals/server/src/domain';
import { METADATA_APP, StripeMetadata } from '../../../../plan-renewals/server/src/services/stripe';
import { ConflictError } from '../../../../workflows/server/src/errors';
import { lockRow } from '../../../../workflows/server/src/services/runner';
import { getService, messages } from '../../../../workflows/server/src/utils';
import { PROCESS_ID } from '../domain';
import { ORDER_UID } from './steps';
import type { LoadedOrder, OrderChanges, OrderUpdate, PassOrder } from './steps';
import { ownService } from '../utils';

/**
 * Pass orders paid by card, through the Stripe machinery of the pre-paid plans (its paced client,
 * its signed webhooks and their inbox): a Checkout session for the order's total, asked for once
 * the order is committed, and Stripe's word on it, which settles the order's card payment and
 * signals the run's `card-payment` step. The run then goes on as after a payment at the desk, or,
 * when the session expired unpaid, through the reject branch (order Failed, card released).
 *
 * Money that cannot count as the order's payment (another amount or currency, the other mode, a
 * second payment, a payment for an order that already failed) is never recorded as paid: Finance
 * gets a task to look into it, the order keeps waiting and says why, and the payment is listed on
 * the order (`unmatchedPayments`) until Finance resolves it (`resolveUnmatched`): accepted as the
 * order's payment (the run goes on as after any card payment), or refunded in Stripe (a Pending
 * order then fails through the reject branch: its card released, the customer told).
 *
 * A Checkout payment keeps its card for later (Checkout asks Stripe to save it for off-session
 * use): the order records it (`savedCard`), and the renewals job charges it without the customer
 * (`chargeSaved`), once per renewal order (a deterministic idempotency key). Stripe's webhook
 * settles that charge as it settles a Checkout payment; a decline (or a bank asking for
 * authentication) sends the customer a Checkout link for the same order instead, whose expiry
 * unpaid fails the order as any Checkout session's does.
 */
export const ORDER_TABLE = 'transit_pass_orders';
export const PAYMENT_SIGNAL = 'payment-settled';

/** Deterministic: a request repeated (a retry, a second instance) gets back the session Stripe made the first time. */
export const checkoutKey = (run: string, orderNumber: string) => `transit-checkout:${run}:${orderNumber}`;
/** Deterministic: one off-session charge per renewal order, however often it is asked for. */
export const chargeKey = (run: string, orderNumber: string) => `transit-charge:${run}:${orderNumber}`;
/** Deterministic: one refund per unmatched payment. */
export const refundKey = (reference: string) => `transit-refund:${reference}`;

/** A payment Stripe received for an order that was not recorded as its payment, until Finance resolves it. */
export interface UnmatchedPayment {
  reference: string;
  event: string;
  /** Why it was not recorded. */
  what: string;
  reported: { amount: number; currency: string };
  /** In ISO minor units; null when Stripe's amount is not a whole number of them or the currency is unknown. */
  minor: number | null;
  currency: string | null;
  wrongMode: boolean;
  at: string;
  decision?: 'accepted' | 'refunded';
  decidedBy?: string;
  decidedAt?: string;
  note?: string;
  refund?: string;
}

const SYSTEM: Actor = { type: 'system', name: 'pass renewals' };

export type TransitPayment = Extract<StripeAction, { kind: 'transit-payment' }>;

export interface TransitMetadata extends StripeMetadata {
  transitOrder: string;
  orderNumber: string;
  run: string;
}

const amount = (minor: number, currency: string) => (isCurrencyCode(currency) ? formatAmount(minor, currency) : `${minor} ${currency}`);

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const stripe = () => strapi.plugin('plan-renewals').service('stripe');
  const load = (documentId: string) => strapi.documents(ORDER_UID).findOne({ documentId, populate: { customer: true, product: true } }) as Promise<LoadedOrder | null>;
  const update = (documentId: string, data: OrderChanges) => strapi.documents(ORDER_UID).update({ documentId, data: data as OrderUpdate });
  /** A Finance follow-up about a pass order's card payment (the engine's task, once per key). */
  const financeTask = (key: string, type: 'payment-mismatch' | 'refund' | 'dispute', details: string, order: { documentId: string }, now: Date, due?: string) =>
    getService(strapi, 'tasks').ensure({ process: PROCESS_ID, type, key, details, dueDate: due ?? now.toISOString().slice(0, 10), subject: { type: ORDER_UID, documentId: order.documentId } });

  /** After the caller's commit, the run moves on (a failure leaves it for its next advance or the stuck-runs sweep). */
  const advanceAfterCommit = (onCommit: (cb: () => void) => void, run: string, actor: Actor) =>
    onCommit(() => {
      getService(strapi, 'runner')
        .advance(run, actor)
        .catch((error: Error) => strapi.log.warn(`Transit run ${run} could not advance after its card payment: ${error.message}`));
    });

  /** A renewal charged (or to be charged) off-session whose charge is not settled yet. */
  const chargingOffSession = (order: PassOrder, reference: string | null) =>
    order.state === 'Pending' &&
    !order.cardPayment &&
    Boolean(order.savedCard) &&
    order.offSession !== 'declined' &&
    (!order.stripePaymentIntent || !reference || order.stripePaymentIntent === reference);

  /**
   * The saved card was declined (or its bank asks the customer to authenticate), in the caller's
   * transaction: the order keeps waiting, now for a Checkout payment, which the caller asks for
   * once this is committed (`offerCheckout`).
   */
  const offSessionDeclined = async (order: PassOrder, reference: string | null, reason: string, actor: Actor, now: Date) => {
    await update(order.documentId, {
      offSession: 'declined',
      ...(reference ? { stripePaymentIntent: reference } : {}),
      paymentIssue: `renewal charge declined: ${reason}`.slice(0, 1000),
    });
    await writeAudit(strapi, {
      action: 'transit.renewal-charge-declined',
      entityUid: ORDER_UID,
      entityDocumentId: order.documentId,
      actor,
      summary: `Renewal ${order.number}: the saved card was declined (${reason}); the customer is sent a Checkout link`,
      data: { order: order.documentId, reference, reason },
      occurredAt: now,
    });
  };

  const offerAfterCommit = (onCommit: (cb: () => void) => void, documentId: string) =>
    onCommit(() => {
      service.offerCheckout(documentId).catch((error: Error) => strapi.log.warn(`Checkout link for declined renewal ${documentId} not sent yet (the retry job sends it): ${error.message}`));
    });

  /** Lists a payment that is not the order's on the order (once per payment), in the caller's transaction. */
  const listUnmatched = async (order: PassOrder, entry: UnmatchedPayment) => {
    const list: UnmatchedPayment[] = Array.isArray(order.unmatchedPayments) ? order.unmatchedPayments : [];
    if (list.some((known) => known.reference === entry.reference)) return;
    await update(order.documentId, { unmatchedPayments: [...list, entry] });
  };

  const service = {
    /** Whether card payments can be taken at all (a Stripe secret key is configured). */
    configured: (): boolean => stripe().configured(),

    /**
     * A card-paid order cancelled after its payment: the money is at Stripe, so Finance gets a
     * refund task (once per payment), in the caller's transaction. Answers the task.
     */
    /**
     * A refund made in Stripe, or a dispute opened, about a pass order's card payment (a charge
     * carries none of our metadata: the order is found by its PaymentIntent). Finance decides what
     * it means for the pass: a task, once per refund or dispute, in the caller's transaction.
     * Answers the outcome, or null when no order was paid by that payment.
     */
    async settlementQuestion(
      question: { kind: 'refund'; reference: string; charge: string } | { kind: 'dispute'; reference: string; dispute: string; reason: string; due: string | null },
      now: Date,
    ): Promise<string | null> {
      const order: PassOrder | null = await strapi.db.query(ORDER_UID).findOne({ where: { stripePaymentIntent: question.reference } });
      if (!order) return null;
      if (question.kind === 'refund') {
        await financeTask(
          `${question.charge}:transit:stripe-refund`,
          'refund',
          `Stripe refunded the card payment ${question.reference} of pass order ${order.number}: decide whether its pass is revoked and record the refund.`,
          order,
          now,
        );
        return `refund of pass order ${order.number}'s payment: Finance task`;
      }
      const due = question.due ?? now.toISOString().slice(0, 10);
      await financeTask(
        `${question.dispute}:dispute`,
        'dispute',
        `Dispute ${question.dispute} (${question.reason}) over the card payment ${question.reference} of pass order ${order.number}; evidence due by ${due}.`,
        order,
        now,
        due,
      );
      return `dispute ${question.dispute} on pass order ${order.number}: Finance task due ${due}`;
    },

    refundDue: (order: PassOrder, now: Date) =>
      financeTask(
        `${order.stripePaymentIntent}:transit:refund`,
        'refund',
        `Pass order ${order.number} was cancelled after its card payment ${order.stripePaymentIntent}: refund ${amount(order.totalMinor, order.currency)} to the card in Stripe.`,
        order,
        now,
      ),

    /**
     * The order's Checkout session (created once: the key is the run's and the order number's);
     * answers its URL. Called after the order's transaction committed, never inside one.
     */
    async requestCheckout(documentId: string): Promise<string | null> {
      if (strapi.db.inTransaction()) throw new Error('A Checkout session is asked for after commit, never inside a transaction');
      const order = await load(documentId);
      if (!order || order.paymentMethod !== 'stripe' || order.state !== 'Pending' || order.cardPayment) return null;
      if (order.checkoutUrl) return order.checkoutUrl;
      const customerId = await stripe().ensureCustomer(order.customer);
      const metadata: TransitMetadata = { app: METADATA_APP, transitOrder: order.documentId, orderNumber: order.number, run: order.run };
      const session = await stripe().checkout({
        invoice: order,
        customerId,
        description: `${order.product.name}, order ${order.number}`,
        metadata,
        key: checkoutKey(order.run, order.number),
        returnQuery: `order=${encodeURIComponent(order.number)}`,
      });
      await update(order.documentId, { checkoutUrl: session.url, stripeSession: session.id });
      return session.url as string;
    },

    /**
     * Stripe's word on an order's payment, in the webhook's transaction: settles the order's card
     * payment once and signals its run (advanced after commit). Safe to apply twice, in any order.
     */
    async applyStripe(action: TransitPayment, input: { event: string; actor: Actor; now: Date }): Promise<{ outcome: string }> {
      const { event, actor, now } = input;
      return strapi.db.transaction(async ({ trx, onCommit }) => {
        await lockRow(strapi, trx, ORDER_TABLE, action.order);
        const order = await load(action.order);
        if (!order) return { outcome: `ignored: no transit order ${action.order}` };
        const label = `transit order ${order.number}`;
        const settle = async (data: Record<string, unknown>, result: string) => {
          await update(order.documentId, data);
          await getService(strapi, 'runner').signalIn(trx, order.run, PAYMENT_SIGNAL, { actor, result });
          advanceAfterCommit(onCommit, order.run, actor);
        };

        // An off-session renewal charge refused, or held for the customer's authentication (who is not there).
        if ((action.result === 'declined' || (action.result === 'pending' && !action.session)) && chargingOffSession(order, action.reference)) {
          await offSessionDeclined(order, action.reference, action.reason ?? 'declined', actor, now);
          offerAfterCommit(onCommit, order.documentId);
          return { outcome: `${label}: the renewal charge on the saved card was declined (${action.reason}); the customer is sent a Checkout link` };
        }
        if (order.offSession === 'declined' && action.reference && action.reference === order.stripePaymentIntent && action.result !== 'paid') {
          return { outcome: `${label}: the declined renewal charge ${action.reference} was already handled (a Checkout link was sent)` };
        }
        if (action.result === 'pending') return { outcome: `${label}: ${action.reason}` };
        if (action.result === 'declined') {
          if (order.state === 'Pending' && !order.cardPayment) await update(order.documentId, { paymentIssue: `declined: ${action.reason}` });
          return { outcome: `${label}: an attempt was declined (${action.reason}); the customer may try again until the session expires` };
        }
        if (action.result === 'failed') {
          if (order.state !== 'Pending' || order.cardPayment) return { outcome: `${label} is ${order.state}: the session's expiry changes nothing` };
          await settle({ cardPayment: 'failed', paymentIssue: action.reason }, `Card payment failed: ${action.reason} (Stripe ${event})`);
          return { outcome: `${label}: ${action.reason}; the order fails and its card is released` };
        }

        const payment = action.payment!;
        // A Checkout payment's card, saved for off-session use: the pass's renewals charge it.
        const card = action.card && action.card !== order.savedCard ? { savedCard: action.card } : {};
        if (order.cardPayment === 'paid' && order.stripePaymentIntent === payment.reference) {
          if (action.card && action.card !== order.savedCard) {
            await update(order.documentId, card);
            return { outcome: `${label}: payment ${payment.reference} already recorded; its card kept for renewals` };
          }
          return { outcome: `${label}: payment ${payment.reference} already recorded` };
        }
        const paid = payment.amount;
        const due = amount(order.totalMinor, order.currency);
        const mismatch =
          payment.wrongMode ??
          (!paid || paid.currency !== order.currency || paid.minor !== order.totalMinor
            ? `paid ${paid ? amount(paid.minor, paid.currency) : `${payment.reported.amount} ${payment.reported.currency}`}, the order is ${due}`
            : null);
        const elsewhere =
          order.cardPayment === 'paid'
            ? `already paid by ${order.stripePaymentIntent}`
            : order.state !== 'Pending' || order.cardPayment === 'failed'
              ? `${order.state}`
              : null;
        if (mismatch || elsewhere) {
          const what = mismatch ?? `a payment for an order ${elsewhere}`;
          await financeTask(
            `${payment.reference}:transit:${mismatch ? 'payment-mismatch' : 'refund'}`,
            mismatch ? 'payment-mismatch' : 'refund',
            `Stripe payment ${payment.reference} (event ${event}) for pass order ${order.number}: ${what}. It was not recorded as the order's payment; refund it in Stripe or settle it with the customer.`,
            order,
            now,
          );
          if (!elsewhere) await update(order.documentId, { paymentIssue: `not recorded: ${what}` });
          await listUnmatched(order, {
            reference: payment.reference,
            event,
            what,
            reported: payment.reported,
            minor: paid?.minor ?? null,
            currency: paid?.currency ?? null,
            wrongMode: Boolean(payment.wrongMode),
            at: now.toISOString(),
          });
          await writeAudit(strapi, {
            action: 'transit.payment-not-recorded',
            entityUid: ORDER_UID,
            entityDocumentId: order.documentId,
            actor,
            summary: `Stripe payment ${payment.reference} for order ${order.number} not recorded: ${what}`,
            data: { order: order.documentId, reference: payment.reference, event, reported: payment.reported },
            occurredAt: now,
          });
          return { outcome: `not recorded: ${what}; Finance task opened` };
        }
        await settle(
          { cardPayment: 'paid', stripePaymentIntent: payment.reference, ...(action.session ? { stripeSession: action.session } : {}), ...card, paymentIssue: null },
          `Paid by card: ${due}, ${payment.reference} (Stripe ${event})`,
        );
        return { outcome: `${label}: payment ${payment.reference} of ${due} recorded` };
      });
    },

    /**
     * Card orders left without a Checkout session (Stripe could not be reached when they were
     * made, more than a minute ago) get one now; the deterministic key makes a request that did
     * reach Stripe then answer the same session. Safe on every instance.
     */
    async requestMissing(now: Date = new Date()) {
      if (!stripe().configured()) return { missing: 0, asked: 0 };
      const missing: Pick<PassOrder, 'documentId' | 'number' | 'savedCard' | 'offSession'>[] = await strapi.db.query(ORDER_UID).findMany({
        where: {
          paymentMethod: 'stripe',
          state: 'Pending',
          cardPayment: null,
          checkoutUrl: null,
          // A renewal whose off-session charge was sent waits for Stripe's webhook, not for a link.
          $or: [{ offSession: null }, { offSession: 'declined' }],
          createdAt: { $lt: new Date(now.getTime() - 60_000) },
        },
        select: ['documentId', 'number', 'savedCard', 'offSession'],
        limit: 100,
      });
      let asked = 0;
      for (const order of missing) {
        try {
          // A renewal to charge off-session whose charge was never sent (Stripe unreachable, or the
          // process stopped after the order's commit): sent now, with the same key.
          if (order.savedCard && !order.offSession) {
            await service.chargeSaved(order.documentId);
            asked += 1;
          } else if (order.offSession === 'declined') {
            if (await service.offerCheckout(order.documentId)) asked += 1;
          } else if (await service.requestCheckout(order.documentId)) {
            await update(order.documentId, { paymentIssue: null });
            asked += 1;
          }
        } catch (error) {
          strapi.log.warn(`Checkout session for transit order ${order.number} still could not be created: ${(error as Error).message}`);
        }
      }
      return { missing: missing.length, asked };
    },

    /**
     * A renewal's off-session charge of the card saved by the pass's last card payment, after the
     * order's commit (never inside a transaction), once: the key is the run's and the order
     * number's, so a repeated call gets Stripe's first answer. What Stripe answered is recorded;
     * its webhook settles the order. A decline answered at once is handled here as its webhook
     * would: the customer is sent a Checkout link for the order. Stripe unreachable: the order
     * says so and the retry job (`requestMissing`) sends the charge again.
     */
    async chargeSaved(documentId: string, actor: Actor = SYSTEM): Promise<string> {
      if (strapi.db.inTransaction()) throw new Error('An off-session charge is sent after commit, never inside a transaction');
      const order = await load(documentId);
      if (!order || order.state !== 'Pending' || !order.savedCard || order.offSession || order.cardPayment) return 'nothing to charge';
      let intent: { id: string; status: string; error: string | null };
      try {
        const customerId = await stripe().ensureCustomer(order.customer);
        const metadata: TransitMetadata = { app: METADATA_APP, transitOrder: order.documentId, orderNumber: order.number, run: order.run };
        intent = await stripe().chargeOffSession({
          invoice: order,
          customerId,
          paymentMethodId: order.savedCard,
          description: `${order.product.name}, renewal ${order.number}`,
          metadata,
          key: chargeKey(order.run, order.number),
        });
      } catch (error) {
        await update(order.documentId, { paymentIssue: `Stripe could not be reached: ${(error as Error).message}`.slice(0, 1000) });
        throw error;
      }
      const refused = intent.error ?? (['requires_action', 'requires_payment_method'].includes(intent.status) ? 'the bank asks the customer to authenticate the payment' : null);
      const outcome = await strapi.db.transaction(async ({ trx }) => {
        await lockRow(strapi, trx, ORDER_TABLE, documentId);
        // Read above; an order is never deleted.
        const current = (await load(documentId))!;
        // Stripe's webhook may have settled it meanwhile: what it recorded stands.
        if (!chargingOffSession(current, intent.id) || current.offSession) return `renewal ${order.number}: charge ${intent.id} already settled`;
        if (refused) {
          await offSessionDeclined(current, intent.id, refused, actor, new Date());
          return `renewal ${order.number}: the saved card was declined (${refused})`;
        }
        await update(documentId, { offSession: 'charged', stripePaymentIntent: intent.id, paymentIssue: null });
        return `renewal ${order.number}: the saved card charged (${intent.id}, ${intent.status}); Stripe's webhook settles it`;
      });
      if (refused) await service.offerCheckout(documentId);
      return outcome;
    },

    /**
     * A renewal whose saved card was declined: its Checkout session (once, after commit) and an
     * email to the customer with its link (once per order). Answers the link.
     */
    async offerCheckout(documentId: string): Promise<string | null> {
      const url = await service.requestCheckout(documentId);
      if (!url) return null;
      // There is a link: requestCheckout read the order.
      const order = (await load(documentId))!;
      if (order.offSession !== 'declined' || order.state !== 'Pending' || order.cardPayment) return url;
      const reason = String(order.paymentIssue ?? '').replace(/^renewal charge declined: /, '');
      await strapi.db.transaction(() =>
        messages(strapi).enqueue({
          channel: 'email',
          key: `${order.documentId}:renewal-checkout`,
          to: order.customer.email,
          subject: `Your ${order.product.name} renewal: please pay by card (order ${order.number})`,
          text:
            `Hello ${order.customer.name},\n\nWe could not charge your saved card for the renewal of your ${order.product.name} ` +
            `(${amount(order.totalMinor, order.currency)}, order ${order.number}): ${reason || 'declined'}.\n` +
            `Pay securely here: ${url}\nYour current pass stays valid until its end; the renewal is cancelled if the link expires unpaid.`,
          run: order.run,
        }),
      );
      return url;
    },

    /**
     * Finance's decision on a payment Stripe received for the order that was not recorded as its
     * payment (another amount, the other mode, a second payment, one for an order that had
     * failed): `accept` records it as the order's payment (only for a Pending order, in the
     * order's currency and mode; the run goes on: Paid, the card taken from stock, the pass
     * issued); `refund` asks Stripe for a full refund (before the transaction: its key makes a
     * repeated request answer the same refund), and a Pending order then fails (its card
     * released, the customer told). Closes the Finance task about that payment; answers the order.
     */
    async resolveUnmatched(documentId: string, input: { payment: string; decision: 'accept' | 'refund'; note?: string }, actor: Actor) {
      const pending = (order: PassOrder) => order.state === 'Pending' && !order.cardPayment;
      const check = (order: LoadedOrder | null): UnmatchedPayment => {
        if (!order) throw new errors.NotFoundError(`No order ${documentId}`);
        const entry = ((order.unmatchedPayments ?? []) as UnmatchedPayment[]).find((e) => e.reference === input.payment);
        if (!entry) throw new errors.NotFoundError(`Order ${order.number} has no unmatched payment ${input.payment}`);
        if (entry.decision) throw new ConflictError(`Payment ${input.payment} was already ${entry.decision} by ${entry.decidedBy} on ${entry.decidedAt?.slice(0, 10)}`);
        if (input.decision === 'accept') {
          if (!pending(order)) throw new ConflictError(`Order ${order.number} is ${order.cardPayment === 'paid' ? 'already paid' : order.state}: this payment can only be refunded`);
          if (entry.wrongMode || entry.minor == null || entry.currency !== order.currency) {
            throw new ConflictError(`Payment ${input.payment} (${entry.what}) cannot stand for order ${order.number} in ${order.currency}: refund it`);
          }
        }
        return entry;
      };
      // check throws when it is missing.
      const first = (await load(documentId))!;
      check(first);
      const refund =
        input.decision === 'refund'
          ? await stripe().refund({
              paymentIntent: input.payment,
              metadata: { app: METADATA_APP, transitOrder: first.documentId, orderNumber: first.number, run: first.run },
              key: refundKey(input.payment),
            })
          : null;
      const now = new Date();
      const run = await strapi.db.transaction(async ({ trx }) => {
        await lockRow(strapi, trx, ORDER_TABLE, documentId);
        // check throws when it is missing.
        const order = (await load(documentId))!;
        const entry = check(order);
        const decided: UnmatchedPayment = {
          ...entry,
          decision: input.decision === 'accept' ? 'accepted' : 'refunded',
          decidedBy: actor.name ?? actor.type,
          decidedAt: now.toISOString(),
          ...(input.note ? { note: input.note } : {}),
          ...(refund ? { refund: refund.id } : {}),
        };
        const list = (order.unmatchedPayments as UnmatchedPayment[]).map((e) => (e.reference === entry.reference ? decided : e));
        const due = amount(order.totalMinor, order.currency);
        const paid = entry.minor != null && entry.currency ? amount(entry.minor, entry.currency) : `${entry.reported.amount} ${entry.reported.currency}`;
        let signal: string | null = null;
        if (input.decision === 'accept') {
          await update(documentId, { unmatchedPayments: list, cardPayment: 'paid', stripePaymentIntent: entry.reference, paymentIssue: `accepted by Finance: ${entry.what}`.slice(0, 1000) });
          signal = `Paid by card: ${paid} for ${due}, accepted by ${decided.decidedBy} (${entry.reference})`;
        } else if (pending(order)) {
          await update(documentId, { unmatchedPayments: list, cardPayment: 'failed', paymentIssue: `refunded: ${entry.what}`.slice(0, 1000) });
          signal = `Card payment refunded by ${decided.decidedBy}: ${entry.what} (${entry.reference}, refund ${refund!.id})`;
        } else {
          await update(documentId, { unmatchedPayments: list });
        }
        if (signal) await getService(strapi, 'runner').signalIn(trx, order.run, PAYMENT_SIGNAL, { actor, result: signal });
        // The Finance task about this payment is done.
        await getService(strapi, 'tasks').close(
          [`${entry.reference}:transit:payment-mismatch`, `${entry.reference}:transit:refund`],
          { outcome: 'resolved', note: `${decided.decision}${input.note ? `: ${input.note}` : ''}` },
          actor,
        );
        await writeAudit(strapi, {
          action: input.decision === 'accept' ? 'transit.payment-accepted' : 'transit.payment-refunded',
          entityUid: ORDER_UID,
          entityDocumentId: order.documentId,
          actor,
          summary:
            input.decision === 'accept'
              ? `Stripe payment ${entry.reference} (${paid}) accepted as order ${order.number}'s payment of ${due}`
              : `Stripe payment ${entry.reference} (${paid}) of order ${order.number} refunded (${refund!.id})${signal ? '; the order fails' : ''}`,
          data: { order: order.documentId, reference: entry.reference, decision: decided.decision, refund: refund?.id ?? null, note: input.note ?? null },
          occurredAt: now,
        });
        return signal ? order.run : null;
      });
      if (run) {
        await getService(strapi, 'runner')
          .advance(run, actor)
          .catch((error: Error) => strapi.log.warn(`Transit run ${run} could not advance after Finance's decision: ${error.message}`));
      }
      return ownService(strapi, 'orders').find(documentId);
    },

    /** Refuses a card payment when Stripe is not configured (before anything is written). */
    assertConfigured() {
      if (!stripe().configured()) {
        throw new errors.ValidationError('Card payments need Stripe (STRIPE_SECRET_KEY): choose paymentMethod "desk" (Billing takes the payment)');
      }
    },
  };
  return service;
};
