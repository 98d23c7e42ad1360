import crypto from 'node:crypto';
import type { Core } from '@strapi/strapi';
import { writeAudit } from '../../../../../guards/audit';
import { errors } from '@strapi/utils';
import type Stripe from 'stripe';
import { z } from 'zod';
import { CalendarDate, afterRefund, format, fromStripeAmount, money, nestedDeeperThan, nulCharacterPath } from '../../../../../domain';
import type { Transaction } from '../../../../../setup/knex';
import type transitCardPayments from '../../../../transit-passes/server/src/services/card-payments';
import type { PrepaidRun } from './steps';
import { Actor, runAs } from '../../../../../guards/actor';
import { METADATA_APP, STRIPE_API_VERSION } from './stripe';
import { loadServicePlan, lockInvoice, prepaidRuns } from './steps';
import type { InvoiceRecord, Payment } from './steps';
import { messages } from '../../../../workflows/server/src/utils';
import { STRIPE_EVENT_TYPES, StripeAction, StripeEventType, StripePayment, actionOf, objectIdOf, subjectOf } from '../domain';
import { ownService } from '../utils';
import { clearing } from '../../../../../setup/documents';
import type { Input } from '../../../../../setup/documents';

/**
 * Stripe webhook events, received once each. A delivery is verified on its raw bytes, checked and
 * stored in the inbox (unique event id) in one statement, and answered 200: a repeated delivery
 * finds its event there and changes nothing. The inbox's workers (services/stripe-inbox.ts) then
 * apply each event once, with `applyEvent`: its effects and its inbox row in one transaction, the
 * runs it lets move on advanced after the commit; a failure is tried again later, and after the
 * last attempt handed to Finance.
 *
 * Handlers are written so the end state does not depend on delivery order: a Success is never
 * downgraded, a refund that arrives before its payment waits in the inbox until the payment is
 * seen, and money that does not match its invoice is never recorded as payment but handed to
 * Finance. Events about objects this application did not create are recorded and ignored.
 *
 * What an event asks for is read from it by the domain's `actionOf`; this service applies it.
 */
export const EVENT_UID = 'plugin::plan-renewals.stripe-event';
const INVOICE_UID = 'api::invoice.invoice';
const TRANSACTION_UID = 'api::transaction.transaction';

/** A Stripe payment's transaction row, with its invoice (`populate: ['invoice']`). */
type StripeTransaction = Payment & { invoice: { documentId: string } };

/** A question the transit-passes plugin answers about a payment of its own. */
type TransitQuestion = Parameters<ReturnType<typeof transitCardPayments>['settlementQuestion']>[0];

export interface Handled {
  outcome: string;
  /** Runs to advance once the event's transaction is committed. */
  advance?: string[];
}

interface EventContext {
  strapi: Core.Strapi;
  event: Stripe.Event;
  trx: Transaction;
  actor: Actor;
  now: Date;
  /** What was asked of Stripe for this event before its transaction began (see `prefetch`). */
  fetched: Fetched;
}

interface Fetched {
  /** The payment method of a completed Checkout session's PaymentIntent. */
  paymentMethod?: string | null;
}

/**
 * Asks Stripe what an event's handler needs and the event does not carry, before the event's
 * transaction begins: no database transaction ever waits for Stripe. A failure here writes
 * nothing, and the inbox tries the event again later.
 */
const prefetch = async (strapi: Core.Strapi, event: Stripe.Event): Promise<Fetched> => {
  if (event.type !== 'checkout.session.completed') return {};
  const action = actionFor(strapi, event);
  if (action.kind !== 'checkout-completed' || !action.intent || !ownService(strapi, 'stripe').configured()) return {};
  return { paymentMethod: await ownService(strapi, 'stripe').paymentMethodOf(action.intent) };
};

/**
 * Saves the card a payment was made with for the customer's off-session renewals, from whichever
 * event carries it; once: saving the same card again changes nothing and writes no audit entry.
 */
const saveCard = async (ctx: EventContext, invoice: InvoiceRecord, paymentMethod: string | null, stripeCustomer: string | null): Promise<string | null> => {
  const { strapi } = ctx;
  if (!paymentMethod) return null;
  const run = await runOf(strapi, invoice);
  const servicePlan = run && (await loadServicePlan(strapi, run.servicePlan.documentId));
  const customer = servicePlan?.customer;
  if (!customer) return null;
  const changes: { stripePaymentMethodId?: string; stripeCustomerId?: string } = {};
  if (customer.stripePaymentMethodId !== paymentMethod) changes.stripePaymentMethodId = paymentMethod;
  if (stripeCustomer && !customer.stripeCustomerId) changes.stripeCustomerId = stripeCustomer;
  if (Object.keys(changes).length === 0) return null;
  await strapi.documents('api::customer.customer').update({ documentId: customer.documentId, data: changes });
  return `card ${paymentMethod} saved for ${customer.email}`;
};


/** What an event (received now, or stored in the inbox) asks of this application. */
const actionFor = (strapi: Core.Strapi, event: Stripe.Event) =>
  actionOf(event, { app: METADATA_APP, livemode: ownService(strapi, 'stripe').livemode() });

const loadInvoice = (strapi: Core.Strapi, documentId: string) =>
  strapi.documents(INVOICE_UID).findOne({ documentId, populate: ['transactions'] }) as Promise<InvoiceRecord | null>;

/** An amount as Stripe reported it, said as money ("USD 1.00"); as Stripe gave it when it is no amount of a currency this application knows. */
const stripeMoney = (reported: { amount: number; currency: string }): string => {
  const amount = fromStripeAmount(reported.amount, reported.currency);
  return amount ? format(money(amount.minor, amount.currency)) : `${reported.amount} ${reported.currency} (Stripe's units)`;
};

const runOf = (strapi: Core.Strapi, invoice: { documentId: string }): Promise<PrepaidRun | null> => prepaidRuns(strapi).ofInvoice(invoice.documentId);

const transactionBy = (strapi: Core.Strapi, reference: string): Promise<StripeTransaction | null> =>
  strapi.db.query(TRANSACTION_UID).findOne({ where: { provider: 'stripe', providerReference: reference }, populate: ['invoice'] });

/** Moves the Stripe payment `reference` of the invoice to `state`: the known transaction, or a new one. */
const recordPayment = async (
  strapi: Core.Strapi,
  known: { documentId: string } | null,
  invoice: { documentId: string },
  payment: { reference: string; state: 'Success' | 'Failed'; amountMinor: number; currency: string; failureReason: string | null; at: Date },
) => {
  if (known) {
    await strapi.documents(TRANSACTION_UID).update({
      documentId: known.documentId,
      data: clearing<typeof TRANSACTION_UID>({ state: payment.state, failureReason: payment.failureReason, occurredAt: payment.at }),
    });
    return;
  }
  await strapi.documents(TRANSACTION_UID).create({
    data: {
      invoice: invoice.documentId,
      amountMinor: payment.amountMinor,
      currency: payment.currency,
      state: payment.state,
      provider: 'stripe',
      providerReference: payment.reference,
      failureReason: payment.failureReason,
      occurredAt: payment.at,
    } as Input<typeof TRANSACTION_UID>, // (null failureReason, as above)
  });
};

/** Money that arrived but cannot count as the invoice's payment: Finance looks into it. */
const mismatch = async (ctx: EventContext, invoice: InvoiceRecord, what: string): Promise<Handled> => {
  await ownService(ctx.strapi, 'follow-ups').open(
    `${ctx.event.id}:payment-mismatch`,
    'payment-mismatch',
    `Stripe ${ctx.event.type} ${objectIdOf(ctx.event)} for invoice ${invoice.number}: ${what}. No payment was recorded.`,
    invoice,
    ctx.now.toISOString().slice(0, 10),
  );
  return { outcome: `not recorded: ${what}; Finance task opened` };
};

/**
 * A full refund of a recorded payment: the transaction and the invoice are Refunded and an open
 * run is cancelled. What it means for the plan is the domain's `afterRefund`: a refunded first
 * purchase cancels the plan; a refunded renewal takes back that period only — the plan keeps the
 * periods still paid (its dates go back to them) and expires when they end.
 */
const applyRefund = async (ctx: EventContext, transaction: StripeTransaction, why: string): Promise<string> => {
  const { strapi } = ctx;
  await strapi.documents(TRANSACTION_UID).update({ documentId: transaction.documentId, data: { state: 'Refunded' } });
  let invoice = (await loadInvoice(strapi, transaction.invoice.documentId))!;
  if (invoice.state === 'Open') {
    // Paid and refunded before the run marked it paid: record both, in order.
    await strapi.documents(INVOICE_UID).update({ documentId: invoice.documentId, data: clearing<typeof INVOICE_UID>({ state: 'Paid', paidAt: ctx.now, nextPaymentAttemptAt: null }) });
    invoice = (await loadInvoice(strapi, invoice.documentId))!;
  }
  if (invoice.state === 'Paid') await strapi.documents(INVOICE_UID).update({ documentId: invoice.documentId, data: { state: 'Refunded' } });
  const run = await runOf(strapi, invoice);
  let planOutcome = 'plan unchanged';
  if (run) {
    await ownService(strapi, 'engine').cancelIn(run.documentId, `payment refunded (${why})`, ctx.actor);
    const servicePlan = await loadServicePlan(strapi, run.servicePlan.documentId);
    if (servicePlan) {
      const stillPaid = (
        await strapi.db.query(INVOICE_UID).findMany({ where: { servicePlan: { id: servicePlan.id }, state: 'Paid' }, select: ['periodStart', 'periodEnd'] })
      ).map((i: { periodStart: CalendarDate; periodEnd: CalendarDate }) => ({ start: i.periodStart, end: i.periodEnd }));
      const next = afterRefund({ kind: run.kind, state: servicePlan.state, stillPaid, today: ctx.now.toISOString().slice(0, 10) });
      const last = stillPaid.find((p) => p.end === next.paidUntil);
      await strapi.documents('api::service-plan.service-plan').update({
        documentId: servicePlan.documentId,
        data: {
          state: next.state,
          ...(last ? { startDate: last.start, endDate: last.end } : {}),
          ...(next.current ? { currentPeriodStart: next.current.start, currentPeriodEnd: next.current.end } : {}),
        },
      });
      planOutcome = next.state === 'Cancelled' ? 'plan cancelled' : `plan ${next.state}, paid until ${next.paidUntil}`;
    }
  }
  await writeAudit(strapi, {
    action: 'payment.refunded',
    entityUid: TRANSACTION_UID,
    entityDocumentId: transaction.documentId,
    actor: ctx.actor,
    summary: `Refund of ${format(money(transaction.amountMinor, transaction.currency))} for invoice ${invoice.number} (${why})`,
    data: { transaction: transaction.documentId, invoice: invoice.documentId, event: ctx.event.id },
    occurredAt: ctx.now,
  });
  return `refunded: invoice ${invoice.number} Refunded, ${planOutcome}`;
};

/**
 * A payment Stripe confirmed (PaymentIntent succeeded, or Checkout paid): checked against the
 * invoice, recorded once as Success, and the run waiting for it approved on Stripe's word.
 */
const confirmPayment = async (ctx: EventContext, loaded: { documentId: string }, payment: StripePayment): Promise<Handled> => {
  const { strapi, event } = ctx;
  await lockInvoice(strapi, ctx.trx, loaded.documentId);
  const invoice = (await loadInvoice(strapi, loaded.documentId))!;
  if (payment.wrongMode) return mismatch(ctx, invoice, payment.wrongMode);
  const paid = payment.amount;
  if (!paid || paid.currency !== invoice.currency || paid.minor !== invoice.totalMinor) {
    const got = paid ? format(money(paid.minor, paid.currency)) : `${payment.reported.amount} ${payment.reported.currency}`;
    return mismatch(ctx, invoice, `paid ${got}, invoice is ${format(money(invoice.totalMinor, invoice.currency))}`);
  }

  let transaction = await transactionBy(strapi, payment.reference);
  if (transaction?.state === 'Success' || transaction?.state === 'Refunded') {
    return { outcome: `payment ${payment.reference} already recorded (${transaction.state})` };
  }
  await recordPayment(strapi, transaction, invoice, { reference: payment.reference, state: 'Success', amountMinor: paid.minor, currency: paid.currency, failureReason: null, at: ctx.now });
  transaction = await transactionBy(strapi, payment.reference);
  if (invoice.nextPaymentAttemptAt) {
    await strapi.documents(INVOICE_UID).update({ documentId: invoice.documentId, data: clearing<typeof INVOICE_UID>({ nextPaymentAttemptAt: null }) });
  }

  // A refund may have arrived first: it was kept in the inbox until this payment was seen.
  const earlierRefund: { eventId: string; payload: Stripe.Event } | null = await strapi.db.query(EVENT_UID).findOne({ where: { objectId: payment.reference, type: 'charge.refunded' } });
  const earlier = earlierRefund && actionFor(strapi, earlierRefund.payload);
  if (earlier && earlier.kind === 'refund' && !earlier.partial) {
    return { outcome: `payment recorded, then ${await applyRefund(ctx, transaction!, `event ${earlierRefund.eventId}, delivered earlier`)}` };
  }
  // Money that arrives for an invoice already paid (two Checkout sessions, a counter payment and
  // a card) is recorded, since Stripe holds it, and handed to Finance to refund.
  const other = (invoice.transactions ?? []).find((t) => t.state === 'Success' && t.providerReference !== payment.reference);
  if (other || (invoice.state !== 'Open' && invoice.state !== 'Uncollectible')) {
    const why = other ? `already paid by ${other.provider} ${other.providerReference}` : `${invoice.state}`;
    await ownService(strapi, 'follow-ups').open(
      `${payment.reference}:refund`,
      'refund',
      `Stripe payment ${payment.reference} of ${format(money(paid.minor, paid.currency))} arrived for invoice ${invoice.number}, which is ${why}. Refund it in Stripe.`,
      invoice,
      ctx.now.toISOString().slice(0, 10),
    );
    return { outcome: `payment ${payment.reference} recorded for invoice ${invoice.number}, which is ${why}; Finance task to refund it opened` };
  }
  await ownService(strapi, 'follow-ups').settle(invoice, `Stripe payment ${payment.reference}`);
  const run = await ownService(strapi, 'engine').signalPaymentIn(ctx.trx, invoice.documentId, { actor: ctx.actor, result: `confirmed by Stripe (${event.id})`, confirmed: true });
  return { outcome: `payment ${payment.reference} recorded for invoice ${invoice.number}`, advance: run ? [run] : [] };
};

type Apply<K extends StripeAction['kind']> = (ctx: EventContext, action: Extract<StripeAction, { kind: K }>) => Promise<Handled>;

/** How each action is applied, in its event's transaction. */
/** A refund or dispute about a transit pass order's card payment: the transit-passes plugin answers it, in this transaction. */
const transitQuestion = (ctx: EventContext, question: TransitQuestion): Promise<string | null> =>
  ctx.strapi.plugin('transit-passes').service('card-payments').settlementQuestion(question, ctx.now);

const APPLY: { [K in StripeAction['kind']]: Apply<K> } = {
  async 'payment-succeeded'(ctx, action) {
    const invoice = await loadInvoice(ctx.strapi, action.invoice);
    if (!invoice) return { outcome: `ignored: no invoice ${action.invoice}` };
    // A payment made to be reused off-session carries its card: saved here, whether or not the
    // Checkout session's event comes too.
    const saved = action.saveCard ? await saveCard(ctx, invoice, action.saveCard.paymentMethod, action.saveCard.customer) : null;
    const confirmed = await confirmPayment(ctx, invoice, action.payment);
    return { ...confirmed, outcome: [saved, confirmed.outcome].filter(Boolean).join('; ') };
  },

  async 'payment-failed'(ctx, { invoice: invoiceId, reference, reason }) {
    const { strapi } = ctx;
    await lockInvoice(strapi, ctx.trx, invoiceId);
    const invoice = await loadInvoice(strapi, invoiceId);
    if (!invoice) return { outcome: `ignored: no invoice ${invoiceId}` };
    const transaction = await transactionBy(strapi, reference);
    if (transaction?.state === 'Success' || transaction?.state === 'Refunded') {
      return { outcome: `stale: payment ${reference} is already ${transaction.state}` };
    }
    if (transaction?.state === 'Failed') return { outcome: `payment ${reference} already recorded as failed` };
    await recordPayment(strapi, transaction, invoice, { reference, state: 'Failed', amountMinor: invoice.totalMinor, currency: invoice.currency, failureReason: reason, at: ctx.now });
    // Dunning follows the latest off-session charge of a renewal (a transaction this application
    // created when charging); a Checkout page lets the customer retry by themselves.
    const latest = [...(invoice.transactions ?? [])].filter((t) => t.provider === 'stripe').sort((a, b) => (b.id as number) - (a.id as number))[0];
    const run = await runOf(strapi, invoice);
    if (run?.kind !== 'renewal' || !transaction || latest?.providerReference !== reference) {
      return { outcome: `payment ${reference} failed: ${reason}` };
    }
    return { outcome: await ownService(strapi, 'card-payments').failed(invoice, reason, ctx.now) };
  },

  async 'requires-action'(ctx, action) {
    const { strapi } = ctx;
    const invoice = await loadInvoice(strapi, action.invoice);
    if (!invoice || invoice.state !== 'Open') return { outcome: 'ignored: no open invoice' };
    const run = await runOf(strapi, invoice);
    // An open invoice of this application's has its run.
    const servicePlan = (await loadServicePlan(strapi, run!.servicePlan.documentId))!;
    const link: string | undefined = action.link ?? invoice.paymentUrl ?? undefined;
    const customer = servicePlan.customer;
    await messages(strapi).enqueue({
      channel: 'email',
      key: `${action.reference}:requires-action`,
      to: customer.email,
      subject: `Please confirm the payment for your ${servicePlan.plan.name}`,
      text:
        `Hello ${customer.name},\n\nYour bank asks you to confirm the payment of ${format(money(invoice.totalMinor, invoice.currency))} for invoice ${invoice.number}.\n` +
        (link ? `Confirm it here: ${link}\n` : 'Please contact us and we will send you a payment link.\n'),
      run: run!.documentId,
    });
    return { outcome: `customer asked to authenticate payment ${action.reference}${link ? '' : ' (no link available)'}` };
  },

  async 'checkout-completed'(ctx, action) {
    const invoice = await loadInvoice(ctx.strapi, action.invoice);
    if (!invoice) return { outcome: `ignored: no invoice ${action.invoice}` };
    const notes: string[] = [];
    // The card was saved for off-session use: renewals charge it without the customer.
    const saved = await saveCard(ctx, invoice, ctx.fetched.paymentMethod ?? null, action.customer);
    if (saved) notes.push(saved);
    if (!action.payment) return { outcome: [...notes, `session ${action.status}: no payment yet`].join('; ') };
    const confirmed = await confirmPayment(ctx, invoice, action.payment);
    return { ...confirmed, outcome: [...notes, confirmed.outcome].join('; ') };
  },

  async refund(ctx, { reference, charge, partial }) {
    const transaction = await transactionBy(ctx.strapi, reference);
    if (!transaction) {
      const transit = await transitQuestion(ctx, { kind: 'refund', reference, charge });
      if (transit) return { outcome: transit };
    }
    if (transaction?.state === 'Refunded') return { outcome: `payment ${reference} already refunded` };
    if (partial) {
      if (!transaction) return { outcome: `partial refund for unknown payment ${reference}: ignored` };
      const invoice = (await loadInvoice(ctx.strapi, transaction.invoice.documentId))!;
      const { refunded, of } = partial;
      return mismatch(ctx, invoice, `partial refund of ${stripeMoney(refunded)} (of ${stripeMoney(of)}): Finance decides what it means for the plan`);
    }
    // Not seen as paid yet (or not ours): kept in the inbox; the payment, if it comes, applies it.
    if (transaction?.state !== 'Success') return { outcome: `refund of ${reference} kept until its payment is seen` };
    return { outcome: await applyRefund(ctx, transaction, `event ${ctx.event.id}`) };
  },

  async dispute(ctx, action) {
    const transaction = await transactionBy(ctx.strapi, action.reference);
    if (!transaction) {
      const transit = await transitQuestion(ctx, { kind: 'dispute', reference: action.reference, dispute: action.dispute, reason: action.reason, due: action.due });
      return { outcome: transit ?? 'ignored: a dispute about a payment this application did not record' };
    }
    const invoice = (await loadInvoice(ctx.strapi, transaction.invoice.documentId))!;
    // Stripe sets the evidence due date; without one, the task is due at once.
    const due = action.due ?? ctx.now.toISOString().slice(0, 10);
    await ownService(ctx.strapi, 'follow-ups').open(
      `${action.dispute}:dispute`,
      'dispute',
      `Dispute ${action.dispute} (${action.reason}) over ${action.reported.amount} ${action.reported.currency} on invoice ${invoice.number}; evidence due by ${due}.`,
      invoice,
      due,
    );
    return { outcome: `dispute ${action.dispute}: Finance task due ${due}` };
  },

  // A transit pass order's payment: the transit-passes plugin applies it, in this transaction.
  async 'transit-payment'(ctx, action) {
    return ctx.strapi.plugin('transit-passes').service('card-payments').applyStripe(action, { event: ctx.event.id, actor: ctx.actor, now: ctx.now });
  },

  async ignore(_ctx, action) {
    return { outcome: `ignored: ${action.reason}` };
  },
};

const applyAction = (ctx: EventContext): Promise<Handled> => {
  const action = actionFor(ctx.strapi, ctx.event);
  return (APPLY[action.kind] as (ctx: EventContext, action: StripeAction) => Promise<Handled>)(ctx, action);
};

/**
 * The event types acted on, each applying what `actionOf` reads from its event. A table looked up
 * on each delivery, so a test can wrap one handler (a database failure mid-handler).
 */
export const WEBHOOK_HANDLERS: Record<string, (ctx: EventContext) => Promise<Handled>> = Object.fromEntries(
  STRIPE_EVENT_TYPES.map((type) => [type, applyAction]),
);

/**
 * The shape of an event, checked once its signature is: the envelope every event has, and for
 * the events acted on, the fields their handlers read. Stripe's own events always match; a
 * payload that does not (signed with a leaked or test secret, or a Stripe API change) is a 400
 * naming the field, and nothing is stored.
 */
const stripeId = z.string().min(1).max(255);
const expandable = z.union([stripeId, z.looseObject({ id: stripeId })]).nullish();
const amount = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const currency = z.string().regex(/^[a-zA-Z]{3}$/, 'must be a three-letter currency code');
const metadata = z.record(z.string(), z.string().max(500)).nullish();

const eventEnvelope = z.looseObject({
  id: z.string().regex(/^evt_[A-Za-z0-9_]{1,251}$/, 'must be a Stripe event id (evt_...)'),
  type: z.string().regex(/^[a-z_]+(\.[a-z_]+)+$/, 'must be a Stripe event type such as payment_intent.succeeded').max(100),
  // Seconds since 1970; beyond 2286 it is not a Stripe timestamp.
  created: z.number().int().min(0).max(9_999_999_999),
  livemode: z.boolean(),
  data: z.looseObject({ object: z.looseObject({ id: stripeId }) }),
});

const paymentIntentObject = z.looseObject({
  id: stripeId,
  metadata,
  customer: expandable,
  payment_method: expandable,
  setup_future_usage: z.string().max(50).nullish(),
  amount,
  amount_received: amount.nullish(),
  currency,
  last_payment_error: z.looseObject({ message: z.string().nullish(), code: z.string().nullish() }).nullish(),
  next_action: z.looseObject({ redirect_to_url: z.looseObject({ url: z.string().max(2048).nullish() }).nullish() }).nullish(),
});

const OBJECT_SCHEMAS: Record<StripeEventType, z.ZodType> = {
  'payment_intent.succeeded': paymentIntentObject,
  'payment_intent.payment_failed': paymentIntentObject,
  'payment_intent.requires_action': paymentIntentObject,
  'checkout.session.completed': z.looseObject({
    id: stripeId,
    metadata,
    payment_intent: expandable,
    customer: expandable,
    payment_status: z.string().max(50),
    amount_total: amount.nullish(),
    currency: currency.nullish(),
  }),
  'checkout.session.expired': z.looseObject({ id: stripeId, metadata, payment_intent: expandable, payment_status: z.string().max(50).nullish() }),
  'charge.refunded': z.looseObject({ id: stripeId, payment_intent: expandable, refunded: z.boolean(), amount, amount_refunded: amount, currency }),
  'charge.dispute.created': z.looseObject({
    id: stripeId,
    payment_intent: expandable,
    reason: z.string().max(100),
    amount,
    currency,
    evidence_details: z.looseObject({ due_by: z.number().int().min(0).max(9_999_999_999).nullish() }).nullish(),
  }),
};

const problemsOf = (error: z.ZodError, prefix: string) =>
  error.issues.map((issue) => `${[prefix, ...issue.path].filter(Boolean).join('.')}: ${issue.message}`).join('; ');

const MAX_EVENT_NESTING = 32;

/** The verified payload as an event this application can store and act on; a ValidationError otherwise. */
export const parseEvent = (payload: unknown): Stripe.Event => {
  // Stripe's events nest about ten levels; checked before anything below walks the payload.
  if (nestedDeeperThan(payload, MAX_EVENT_NESTING)) throw new errors.ValidationError(`Not a Stripe event: nested more than ${MAX_EVENT_NESTING} levels deep`);
  const envelope = eventEnvelope.safeParse(payload);
  if (!envelope.success) throw new errors.ValidationError(`Not a Stripe event: ${problemsOf(envelope.error, '')}`.slice(0, 500));
  const event = envelope.data;
  const object = OBJECT_SCHEMAS[event.type as StripeEventType]?.safeParse(event.data.object);
  if (object && !object.success) {
    throw new errors.ValidationError(`Stripe event ${event.id} (${event.type}) is malformed: ${problemsOf(object.error, 'data.object')}`.slice(0, 500));
  }
  const nul = nulCharacterPath(event);
  if (nul) throw new errors.ValidationError(`Stripe event ${event.id} contains a NUL character at ${nul}`);
  return event as unknown as Stripe.Event;
};

const versionsWarned = new Set<string>();

/**
 * An event of another API version than the one pinned has objects of another shape: logged once
 * per version and process; the admin panel's Settings shows the latest event's version.
 */
const noteApiVersion = (strapi: Core.Strapi, event: Stripe.Event) => {
  const version = (event as { api_version?: string | null }).api_version;
  if (!version || version === STRIPE_API_VERSION || versionsWarned.has(version)) return;
  versionsWarned.add(version);
  strapi.log.warn(
    `Stripe event ${event.id} has API version ${version}; this application reads ${STRIPE_API_VERSION}. ` +
      `Set the webhook endpoint's API version to ${STRIPE_API_VERSION} in the Stripe dashboard.`,
  );
};

/** The inbox's table, written by hand on the acknowledged path (one statement). */
export const INBOX_TABLE = 'plan_renewal_stripe_events';

/** A document id as Strapi makes them (24 lower-case letters and digits). */
const newDocumentId = () => {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(crypto.randomBytes(24), (byte) => alphabet[byte % alphabet.length]).join('');
};

/** An inbox row written with `trx` while an event is applied (the transaction of its effects). */
export interface InboxHooks {
  /** First in the event's transaction: throws (rolling it back) when the claim was lost. */
  begin(trx: Transaction): Promise<void>;
  /** Last in the event's transaction: records what applying it did. */
  end(trx: Transaction, handled: Handled): Promise<void>;
}

/**
 * Applies one event taken from the inbox: what it needs from Stripe is asked first, outside any
 * transaction; its effects and the inbox row's new state are written in one transaction; the runs
 * it lets move on are advanced after the commit. Throws when the event could not be applied:
 * nothing of it was written, and the inbox tries again.
 */
export const applyEvent = async (strapi: Core.Strapi, event: Stripe.Event, inbox: InboxHooks): Promise<Handled> => {
  const actor: Actor = { type: 'stripe', id: event.id, name: 'Stripe' };
  const fetched = await prefetch(strapi, event);
  const handled: Handled = await runAs(actor, () =>
    strapi.db.transaction(async ({ trx }) => {
      await inbox.begin(trx);
      const handler = WEBHOOK_HANDLERS[event.type];
      const result = handler ? await handler({ strapi, event, trx, actor, now: new Date(), fetched }) : { outcome: 'recorded: not an event this application acts on' };
      await inbox.end(trx, result);
      return result;
    }),
  );
  for (const run of handled.advance ?? []) {
    try {
      await runAs(actor, () => ownService(strapi, 'engine').advance(run, actor));
    } catch (error) {
      // The event's effects are committed; the run resumes on its next advance.
      strapi.log.warn(`Run ${run} could not advance after Stripe event ${event.id}: ${(error as Error).message}`);
    }
  }
  await ownService(strapi, 'engine').flushOutbox();
  return handled;
};

let acknowledging = 0;

/** Deliveries this process is acknowledging now: the inbox's worker gives way to them (see stripe-inbox). */
export const acknowledgementsInFlight = () => acknowledging;

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const acknowledge = async (raw: Buffer, signature: string | undefined): Promise<{ duplicate: boolean; event: string }> => {
    const event = parseEvent(ownService(strapi, 'stripe').verify(raw, signature));
    noteApiVersion(strapi, event);
    const now = new Date();
    const inserted = await strapi.db
      .connection(INBOX_TABLE)
      .insert({
        document_id: newDocumentId(),
        event_id: event.id,
        type: event.type,
        livemode: Boolean(event.livemode),
        object_id: subjectOf(event),
        outcome: 'pending',
        state: 'pending',
        attempts: 0,
        stripe_created_at: new Date((event.created ?? 0) * 1000),
        payload: JSON.stringify(event),
        created_at: now,
        updated_at: now,
        published_at: now,
      })
      .onConflict('event_id')
      .ignore()
      .returning('id');
    const duplicate = inserted.length === 0;
    // Applied as soon as the answer is on its way, by this instance's worker.
    if (!duplicate) setImmediate(() => ownService(strapi, 'stripe-inbox').kick());
    return { duplicate, event: event.id };
  };

  return {
    /**
     * Acknowledges one delivery: verified on its raw bytes, checked, and stored in the inbox in one
     * statement (the unique event id makes a repeated delivery a no-op); the inbox's workers apply
     * it after the answer. Throws a ValidationError (400) for a bad signature or body: nothing is stored.
     */
    async receive(raw: Buffer, signature: string | undefined): Promise<{ duplicate: boolean; event: string }> {
      acknowledging += 1;
      try {
        return await acknowledge(raw, signature);
      } finally {
        acknowledging -= 1;
      }
    },
  };
};
