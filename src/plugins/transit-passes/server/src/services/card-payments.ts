import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { formatAmount, isCurrencyCode } from '../../../../../domain';
import type { Actor } from '../../../../../guards/actor';
import { writeAudit } from '../../../../../guards/audit';
import type { StripeAction } from '../../../../plan-renewals/server/src/domain';
import { METADATA_APP, StripeMetadata } from '../../../../plan-renewals/server/src/services/stripe';
import { lockRow } from '../../../../workflows/server/src/services/runner';
import { getService } from '../../../../workflows/server/src/utils';
import { ORDER_UID } from './steps';

/**
 * Pass orders paid by card, through the Stripe machinery of the pre-paid plans (its paced client,
 * its signed webhooks and their inbox): a Checkout session for the order's total, asked for once
 * the order is committed, and Stripe's word on it, which settles the order's card payment and
 * signals the run's `card-payment` step. The run then goes on as after a payment at the desk, or,
 * when the session expired unpaid, through the reject branch (order Failed, card released).
 *
 * Money that cannot count as the order's payment (another amount or currency, the other mode, a
 * second payment, a payment for an order that already failed) is never recorded as paid: Finance
 * gets a task to look into it (refund it in Stripe), the order keeps waiting and says why.
 */
export const ORDER_TABLE = 'transit_pass_orders';
export const PAYMENT_SIGNAL = 'payment-settled';

/** Deterministic: a request repeated (a retry, a second instance) gets back the session Stripe made the first time. */
export const checkoutKey = (run: string, orderNumber: string) => `transit-checkout:${run}:${orderNumber}`;

export type TransitPayment = Extract<StripeAction, { kind: 'transit-payment' }>;

export interface TransitMetadata extends StripeMetadata {
  transitOrder: string;
  orderNumber: string;
  run: string;
}

const amount = (minor: number, currency: string) => (isCurrencyCode(currency) ? formatAmount(minor, currency) : `${minor} ${currency}`);

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const stripe = () => strapi.plugin('plan-renewals').service('stripe');
  const load = (documentId: string): Promise<any> => strapi.documents(ORDER_UID as any).findOne({ documentId, populate: { customer: true, product: true } as any });
  const update = (documentId: string, data: Record<string, unknown>) => strapi.documents(ORDER_UID as any).update({ documentId, data: data as any });
  const financeTask = (key: string, type: 'payment-mismatch' | 'refund' | 'dispute', details: string, now: Date, due?: string) =>
    strapi.plugin('plan-renewals').service('card-payments').financeTask(key, type, details, null, null, due ?? now.toISOString().slice(0, 10));

  /** After the caller's commit, the run moves on (a failure leaves it for its next advance or the stuck-runs sweep). */
  const advanceAfterCommit = (onCommit: (cb: () => void) => void, run: string, actor: Actor) =>
    onCommit(() => {
      getService(strapi, 'runner')
        .advance(run, actor)
        .catch((error: Error) => strapi.log.warn(`Transit run ${run} could not advance after its card payment: ${error.message}`));
    });

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
      const order = await strapi.db.query(ORDER_UID as any).findOne({ where: { stripePaymentIntent: question.reference } });
      if (!order) return null;
      if (question.kind === 'refund') {
        await financeTask(
          `${question.charge}:transit:stripe-refund`,
          'refund',
          `Stripe refunded the card payment ${question.reference} of pass order ${order.number}: decide whether its pass is revoked and record the refund.`,
          now,
        );
        return `refund of pass order ${order.number}'s payment: Finance task`;
      }
      const due = question.due ?? now.toISOString().slice(0, 10);
      await financeTask(
        `${question.dispute}:dispute`,
        'dispute',
        `Dispute ${question.dispute} (${question.reason}) over the card payment ${question.reference} of pass order ${order.number}; evidence due by ${due}.`,
        now,
        due,
      );
      return `dispute ${question.dispute} on pass order ${order.number}: Finance task due ${due}`;
    },

    refundDue: (order: any, now: Date) =>
      financeTask(
        `${order.stripePaymentIntent}:transit:refund`,
        'refund',
        `Pass order ${order.number} was cancelled after its card payment ${order.stripePaymentIntent}: refund ${amount(order.totalMinor, order.currency)} to the card in Stripe.`,
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
        if (order.cardPayment === 'paid' && order.stripePaymentIntent === payment.reference) {
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
            now,
          );
          if (!elsewhere) await update(order.documentId, { paymentIssue: `not recorded: ${what}` });
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
          { cardPayment: 'paid', stripePaymentIntent: payment.reference, ...(action.session ? { stripeSession: action.session } : {}), paymentIssue: null },
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
      const missing: any[] = await strapi.db.query(ORDER_UID as any).findMany({
        where: { paymentMethod: 'stripe', state: 'Pending', cardPayment: null, checkoutUrl: null, createdAt: { $lt: new Date(now.getTime() - 60_000) } },
        select: ['documentId', 'number'],
        limit: 100,
      });
      let asked = 0;
      for (const order of missing) {
        try {
          if (await service.requestCheckout(order.documentId)) {
            await update(order.documentId, { paymentIssue: null });
            asked += 1;
          }
        } catch (error) {
          strapi.log.warn(`Checkout session for transit order ${order.number} still could not be created: ${(error as Error).message}`);
        }
      }
      return { missing: missing.length, asked };
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
