import { CurrencyCode, fromStripeAmount } from '../../../../../domain';

/**
 * What a Stripe webhook event asks of this application, read once and here: every Stripe field
 * the webhook service acts on is read by `actionOf`, which turns a verified event into an action;
 * the service only applies actions. Pure: the event comes in already checked by the service's
 * schemas, and what needs the database (the invoice, the recorded payment) is the service's.
 *
 * A payment is keyed by its PaymentIntent id (the `reference`), whichever event reports it.
 */

/** The event types this application acts on; the others are recorded and left alone. */
export const STRIPE_EVENT_TYPES = [
  'payment_intent.succeeded',
  'payment_intent.payment_failed',
  'payment_intent.requires_action',
  'checkout.session.completed',
  'checkout.session.expired',
  'charge.refunded',
  'charge.dispute.created',
] as const;
export type StripeEventType = (typeof STRIPE_EVENT_TYPES)[number];

/** The part of a Stripe event read here (Stripe's own `Stripe.Event` has this shape). */
export interface StripeEvent {
  type: string;
  livemode: boolean;
  data: { object: object };
}

/** An amount as Stripe reports it: in Stripe's smallest unit, with its lower-case currency. */
export interface StripeAmount {
  amount: number;
  currency: string;
}

/** A payment Stripe says was made (a PaymentIntent succeeded, or a Checkout session was paid). */
export interface StripePayment {
  /** The PaymentIntent id. */
  reference: string;
  /** In ISO minor units; null when Stripe's amount is not a whole number of them or the currency is unknown. */
  amount: { minor: number; currency: CurrencyCode } | null;
  reported: StripeAmount;
  /** Why the payment is of the other mode (test or live) than this application; null when it is not. */
  wrongMode: string | null;
}

export type StripeAction =
  | {
      kind: 'payment-succeeded';
      /** The invoice's document id, from this application's metadata. */
      invoice: string;
      payment: StripePayment;
      /** A payment made to be reused off-session: its card, to save for the customer's renewals. */
      saveCard?: { paymentMethod: string; customer: string | null };
    }
  | { kind: 'payment-failed'; invoice: string; reference: string; reason: string }
  | { kind: 'requires-action'; invoice: string; reference: string; link: string | null }
  | {
      kind: 'checkout-completed';
      invoice: string;
      session: string;
      /** The session's PaymentIntent, whose payment method is the card to save. */
      intent: string | null;
      customer: string | null;
      status: string;
      /** Null while the session is not paid. */
      payment: StripePayment | null;
    }
  | {
      kind: 'refund';
      reference: string;
      charge: string;
      /** Null for a full refund. */
      partial: { refunded: StripeAmount; of: StripeAmount } | null;
    }
  | { kind: 'dispute'; dispute: string; reference: string; reason: string; reported: StripeAmount; due: string | null }
  | {
      /**
       * A payment of a transit pass order (`metadata.transitOrder`), applied by the transit-passes
       * plugin: `paid` (with what Stripe received), `failed` (the Checkout session expired unpaid),
       * `declined` (one attempt refused; the customer may try another card on the same page), or
       * `pending` (nothing settled yet).
       */
      kind: 'transit-payment';
      order: string;
      result: 'paid' | 'failed' | 'declined' | 'pending';
      /** The PaymentIntent id, when there is one. */
      reference: string | null;
      session: string | null;
      payment: StripePayment | null;
      reason: string | null;
      /** A payment made to be reused off-session (a Checkout payment): its card, kept for the pass's renewals. */
      card?: string;
    }
  | { kind: 'ignore'; reason: string };

export interface StripeSettings {
  /** The `app` metadata this application puts on the Stripe objects it creates. */
  app: string;
  /** Whether this application runs on live keys (it then expects live events). */
  livemode: boolean;
}

/** The most of a failure reason kept: it is stored and shown to staff. */
export const FAILURE_REASON_LENGTH = 400;

type Expandable = string | { id?: string | null } | null | undefined;

/** The id of a field Stripe sends either as an id or, expanded, as the object. */
export const idOf = (value: unknown): string | null => {
  if (typeof value === 'string') return value;
  const id = (value as { id?: unknown } | null | undefined)?.id;
  return typeof id === 'string' ? id : null;
};

/** The id of the object an event carries. */
export const objectIdOf = (event: StripeEvent): string | null => idOf(event.data?.object);

/** The object an event is about, as this application keys payments: the PaymentIntent. */
export const subjectOf = (event: StripeEvent): string | null => {
  const object = (event.data?.object ?? {}) as { id?: string; payment_intent?: Expandable; charge?: Expandable };
  const intent = idOf(object.payment_intent);
  if (event.type.startsWith('payment_intent.')) return object.id ?? null;
  if (event.type.startsWith('checkout.session.')) return intent ?? object.id ?? null;
  if (event.type.startsWith('charge.dispute.')) return intent ?? idOf(object.charge);
  if (event.type.startsWith('charge.')) return intent ?? object.id ?? null;
  return object.id ?? null;
};

interface Metadata {
  [key: string]: string | undefined;
}

interface IntentObject {
  id: string;
  metadata?: Metadata | null;
  customer?: Expandable;
  payment_method?: Expandable;
  setup_future_usage?: string | null;
  amount: number;
  amount_received?: number | null;
  currency: string;
  last_payment_error?: { message?: string | null; code?: string | null } | null;
  next_action?: { redirect_to_url?: { url?: string | null } | null } | null;
}

interface SessionObject {
  id: string;
  metadata?: Metadata | null;
  payment_intent?: Expandable;
  customer?: Expandable;
  payment_status: string;
  amount_total?: number | null;
  currency?: string | null;
}

interface ChargeObject {
  id: string;
  payment_intent?: Expandable;
  refunded: boolean;
  amount: number;
  amount_refunded: number;
  currency: string;
}

interface DisputeObject {
  id: string;
  payment_intent?: Expandable;
  reason: string;
  amount: number;
  currency: string;
  evidence_details?: { due_by?: number | null } | null;
}

/** The invoice an object of this application is for; null for objects this application did not create. */
const invoiceOf = (metadata: Metadata | null | undefined, app: string): string | null =>
  metadata?.app === app && typeof metadata.invoice === 'string' ? metadata.invoice : null;

/** The transit pass order an object of this application is for; null when it is not about one. */
const transitOrderOf = (metadata: Metadata | null | undefined, app: string): string | null =>
  metadata?.app === app && typeof metadata.transitOrder === 'string' && metadata.transitOrder ? metadata.transitOrder : null;

const mode = (live: boolean) => (live ? 'live' : 'test');

const payment = (event: StripeEvent, settings: StripeSettings, reference: string, reported: StripeAmount): StripePayment => ({
  reference,
  amount: fromStripeAmount(reported.amount, reported.currency),
  reported,
  wrongMode: event.livemode === settings.livemode ? null : `a ${mode(event.livemode)}-mode payment for a ${mode(settings.livemode)}-mode application`,
});

/** A day (YYYY-MM-DD, UTC) from Stripe's seconds since 1970; null when Stripe gave none. */
const dayOf = (unixSeconds: number | null | undefined): string | null =>
  unixSeconds ? new Date(unixSeconds * 1000).toISOString().slice(0, 10) : null;

const NOT_OURS = { kind: 'ignore', reason: 'not a payment of this application' } as const;

/** What `event` asks of this application. */
export const actionOf = (event: StripeEvent, settings: StripeSettings): StripeAction => {
  const transit = transitActionOf(event, settings);
  if (transit) return transit;
  switch (event.type) {
    case 'payment_intent.succeeded': {
      const intent = event.data.object as IntentObject;
      const invoice = invoiceOf(intent.metadata, settings.app);
      if (!invoice) return NOT_OURS;
      const paymentMethod = idOf(intent.payment_method);
      return {
        kind: 'payment-succeeded',
        invoice,
        // Stripe reports what it received; an intent not yet captured has only its amount.
        payment: payment(event, settings, intent.id, { amount: intent.amount_received || intent.amount, currency: intent.currency }),
        ...(intent.setup_future_usage === 'off_session' && paymentMethod ? { saveCard: { paymentMethod, customer: idOf(intent.customer) } } : {}),
      };
    }
    case 'payment_intent.payment_failed': {
      const intent = event.data.object as IntentObject;
      const invoice = invoiceOf(intent.metadata, settings.app);
      if (!invoice) return NOT_OURS;
      const error = intent.last_payment_error;
      return { kind: 'payment-failed', invoice, reference: intent.id, reason: (error?.message ?? error?.code ?? 'declined').slice(0, FAILURE_REASON_LENGTH) };
    }
    case 'payment_intent.requires_action': {
      const intent = event.data.object as IntentObject;
      const invoice = invoiceOf(intent.metadata, settings.app);
      if (!invoice) return NOT_OURS;
      return { kind: 'requires-action', invoice, reference: intent.id, link: intent.next_action?.redirect_to_url?.url ?? null };
    }
    case 'checkout.session.completed': {
      const session = event.data.object as SessionObject;
      const invoice = invoiceOf(session.metadata, settings.app);
      if (!invoice) return { kind: 'ignore', reason: 'not a Checkout session of this application' };
      const intent = idOf(session.payment_intent);
      const paid =
        session.payment_status === 'paid' && intent && session.amount_total != null && session.currency
          ? payment(event, settings, intent, { amount: session.amount_total, currency: session.currency })
          : null;
      return {
        kind: 'checkout-completed',
        invoice,
        session: session.id,
        intent,
        customer: idOf(session.customer),
        status: session.payment_status,
        payment: paid,
      };
    }
    case 'checkout.session.expired':
      return { kind: 'ignore', reason: 'a Checkout session expired unpaid: the invoice stays open' };
    case 'charge.refunded': {
      // A charge carries no metadata of ours: whether it is ours is whether its payment was recorded.
      const charge = event.data.object as ChargeObject;
      const reference = idOf(charge.payment_intent);
      if (!reference) return { kind: 'ignore', reason: 'a charge without a PaymentIntent' };
      return {
        kind: 'refund',
        reference,
        charge: charge.id,
        partial: charge.refunded
          ? null
          : { refunded: { amount: charge.amount_refunded, currency: charge.currency }, of: { amount: charge.amount, currency: charge.currency } },
      };
    }
    case 'charge.dispute.created': {
      const dispute = event.data.object as DisputeObject;
      const reference = idOf(dispute.payment_intent);
      if (!reference) return { kind: 'ignore', reason: 'a dispute about a payment this application did not record' };
      return {
        kind: 'dispute',
        dispute: dispute.id,
        reference,
        reason: dispute.reason,
        reported: { amount: dispute.amount, currency: dispute.currency },
        due: dayOf(dispute.evidence_details?.due_by),
      };
    }
    default:
      return { kind: 'ignore', reason: 'not an event this application acts on' };
  }
};

/** A payment of a transit pass order (its object carries `metadata.transitOrder`); null for anything else. */
const transitActionOf = (event: StripeEvent, settings: StripeSettings): StripeAction | null => {
  const object = event.data.object as { id: string; metadata?: Metadata | null };
  const order = transitOrderOf(object.metadata, settings.app);
  if (!order) return null;
  const base = { kind: 'transit-payment' as const, order, reference: null, session: null, payment: null, reason: null };
  switch (event.type) {
    case 'payment_intent.succeeded': {
      const intent = event.data.object as IntentObject;
      const reported = { amount: intent.amount_received || intent.amount, currency: intent.currency };
      const card = intent.setup_future_usage === 'off_session' ? idOf(intent.payment_method) : null;
      return { ...base, result: 'paid', reference: intent.id, payment: payment(event, settings, intent.id, reported), ...(card ? { card } : {}) };
    }
    case 'payment_intent.payment_failed': {
      const intent = event.data.object as IntentObject;
      const error = intent.last_payment_error;
      return { ...base, result: 'declined', reference: intent.id, reason: (error?.message ?? error?.code ?? 'declined').slice(0, FAILURE_REASON_LENGTH) };
    }
    case 'payment_intent.requires_action': {
      const intent = event.data.object as IntentObject;
      return { ...base, result: 'pending', reference: intent.id, reason: 'the bank asks the customer to authenticate the payment' };
    }
    case 'checkout.session.completed': {
      const session = event.data.object as SessionObject;
      const intent = idOf(session.payment_intent);
      const paid = session.payment_status === 'paid' && intent && session.amount_total != null && session.currency;
      return {
        ...base,
        result: paid ? 'paid' : 'pending',
        reference: intent,
        session: session.id,
        payment: paid ? payment(event, settings, intent, { amount: session.amount_total!, currency: session.currency! }) : null,
        reason: paid ? null : `session ${session.payment_status}: no payment yet`,
      };
    }
    case 'checkout.session.expired': {
      const session = event.data.object as SessionObject;
      return { ...base, result: 'failed', reference: idOf(session.payment_intent), session: session.id, reason: 'the Checkout session expired unpaid' };
    }
    default:
      return null;
  }
};
