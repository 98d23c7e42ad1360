import fs from 'node:fs';
import type { CurrencyCode } from '../../src/domain';
import path from 'node:path';
import {
  STRIPE_EVENT_TYPES,
  StripeAction,
  StripeEvent,
  StripePayment,
  actionOf,
  idOf,
  subjectOf,
} from '../../src/plugins/plan-renewals/server/src/domain/stripe-events';

/**
 * Stripe events read into actions, built as tests/harness/stripe.ts builds them: around Stripe's
 * published example objects (scripts/stripe-examples.json), with the fields a case is about set.
 */
const examples = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', 'scripts', 'stripe-examples.json'), 'utf8')).resources;

const event = (type: string, object: string, overrides: Record<string, unknown> = {}, livemode = false): StripeEvent => ({
  ...structuredClone(examples.event),
  id: 'evt_test',
  type,
  livemode,
  data: { object: { ...structuredClone(examples[object]), ...overrides } },
});

const APP = 'plan-renewals';
const testApp = { app: APP, livemode: false };
const ours = { app: APP, invoice: 'inv-doc-1', invoiceNumber: 'INV-2026-000001', run: 'run-doc-1' };
const pi = 'pi_3Q0example';
const paymentMethod = examples.payment_method;
const customer = examples.customer;

/** The payment read from a PaymentIntent `pi` of `amount` `currency`: `minor` ISO minor units, or null. */
const paid = (amount: number, currency: string, minor: number | null): StripePayment => ({
  reference: pi,
  amount: minor === null ? null : { minor, currency: currency.toUpperCase() as CurrencyCode },
  reported: { amount, currency },
  wrongMode: null,
});

const succeeded = (overrides: Record<string, unknown>) =>
  event('payment_intent.succeeded', 'payment_intent', { id: pi, metadata: ours, status: 'succeeded', amount: 1099, amount_received: 1099, ...overrides });

describe('payment_intent.succeeded', () => {
  test.each<[string, StripeEvent, StripeAction]>([
    ['a payment of this application', succeeded({}), { kind: 'payment-succeeded', invoice: 'inv-doc-1', payment: paid(1099, 'usd', 1099) }],
    ['nothing received yet: the amount asked', succeeded({ amount_received: 0 }), { kind: 'payment-succeeded', invoice: 'inv-doc-1', payment: paid(1099, 'usd', 1099) }],
    // Stripe's minor units are not always ISO's: the domain's fromStripeAmount converts.
    ['zero-decimal JPY', succeeded({ amount: 5000, amount_received: 5000, currency: 'jpy' }), { kind: 'payment-succeeded', invoice: 'inv-doc-1', payment: paid(5000, 'jpy', 5000) }],
    ['three-decimal KWD', succeeded({ amount: 12340, amount_received: 12340, currency: 'kwd' }), { kind: 'payment-succeeded', invoice: 'inv-doc-1', payment: paid(12340, 'kwd', 12340) }],
    ['three-decimal BHD', succeeded({ amount: 5000, amount_received: 5000, currency: 'bhd' }), { kind: 'payment-succeeded', invoice: 'inv-doc-1', payment: paid(5000, 'bhd', 5000) }],
    ['ISK, two decimals at Stripe, none in ISO', succeeded({ amount: 990000, amount_received: 990000, currency: 'isk' }), { kind: 'payment-succeeded', invoice: 'inv-doc-1', payment: paid(990000, 'isk', 9900) }],
    ['ISK that is not whole krónur: no amount', succeeded({ amount: 990050, amount_received: 990050, currency: 'isk' }), { kind: 'payment-succeeded', invoice: 'inv-doc-1', payment: paid(990050, 'isk', null) }],
    ['an unknown currency: no amount', succeeded({ currency: 'xts' }), { kind: 'payment-succeeded', invoice: 'inv-doc-1', payment: paid(1099, 'xts', null) }],
    [
      'a live payment for a test-mode application',
      { ...succeeded({}), livemode: true },
      { kind: 'payment-succeeded', invoice: 'inv-doc-1', payment: { ...paid(1099, 'usd', 1099), wrongMode: 'a live-mode payment for a test-mode application' } },
    ],
    [
      'off-session card saving, ids as strings',
      succeeded({ setup_future_usage: 'off_session', payment_method: 'pm_card', customer: 'cus_1' }),
      { kind: 'payment-succeeded', invoice: 'inv-doc-1', payment: paid(1099, 'usd', 1099), saveCard: { paymentMethod: 'pm_card', customer: 'cus_1' } },
    ],
    [
      'off-session card saving, ids expanded',
      succeeded({ setup_future_usage: 'off_session', payment_method: paymentMethod, customer }),
      { kind: 'payment-succeeded', invoice: 'inv-doc-1', payment: paid(1099, 'usd', 1099), saveCard: { paymentMethod: paymentMethod.id, customer: customer.id } },
    ],
    [
      'off-session without a customer',
      succeeded({ setup_future_usage: 'off_session', payment_method: 'pm_card', customer: null }),
      { kind: 'payment-succeeded', invoice: 'inv-doc-1', payment: paid(1099, 'usd', 1099), saveCard: { paymentMethod: 'pm_card', customer: null } },
    ],
    ['off-session without a payment method: nothing to save', succeeded({ setup_future_usage: 'off_session', payment_method: null }), { kind: 'payment-succeeded', invoice: 'inv-doc-1', payment: paid(1099, 'usd', 1099) }],
    ['on-session: the card is not kept', succeeded({ setup_future_usage: 'on_session', payment_method: 'pm_card' }), { kind: 'payment-succeeded', invoice: 'inv-doc-1', payment: paid(1099, 'usd', 1099) }],
    ["another application's metadata", succeeded({ metadata: { app: 'shop', invoice: 'inv-doc-1' } }), { kind: 'ignore', reason: 'not a payment of this application' }],
    ["Stripe's example, without metadata", event('payment_intent.succeeded', 'payment_intent'), { kind: 'ignore', reason: 'not a payment of this application' }],
    ['our app without an invoice', succeeded({ metadata: { app: APP } }), { kind: 'ignore', reason: 'not a payment of this application' }],
  ])('%s', (_case, given, expected) => {
    expect(actionOf(given, testApp)).toEqual(expected);
  });

  test.each([
    [true, false, 'a live-mode payment for a test-mode application'],
    [false, true, 'a test-mode payment for a live-mode application'],
    [true, true, null],
    [false, false, null],
  ])('an event of livemode %s for an application of livemode %s: %p', (eventLive, appLive, wrongMode) => {
    const action = actionOf({ ...succeeded({}), livemode: eventLive }, { app: APP, livemode: appLive });
    expect(action.kind === 'payment-succeeded' && action.payment.wrongMode).toBe(wrongMode);
  });
});

describe('payment_intent.payment_failed', () => {
  const failed = (lastPaymentError: unknown, metadata: unknown = ours) =>
    event('payment_intent.payment_failed', 'payment_intent', { id: pi, metadata, last_payment_error: lastPaymentError });

  test.each<[string, StripeEvent, StripeAction]>([
    [
      "the bank's message",
      failed({ type: 'card_error', code: 'card_declined', message: 'Your card was declined.' }),
      { kind: 'payment-failed', invoice: 'inv-doc-1', reference: pi, reason: 'Your card was declined.' },
    ],
    ['only a code', failed({ type: 'card_error', code: 'expired_card' }), { kind: 'payment-failed', invoice: 'inv-doc-1', reference: pi, reason: 'expired_card' }],
    ["Stripe's example error, with neither", failed(examples.payment_intent.last_payment_error), { kind: 'payment-failed', invoice: 'inv-doc-1', reference: pi, reason: 'declined' }],
    ['no error at all', failed(null), { kind: 'payment-failed', invoice: 'inv-doc-1', reference: pi, reason: 'declined' }],
    ["another application's metadata", failed({ message: 'declined' }, { app: 'shop', invoice: 'x' }), { kind: 'ignore', reason: 'not a payment of this application' }],
  ])('%s', (_case, given, expected) => {
    expect(actionOf(given, testApp)).toEqual(expected);
  });

  test('a long reason is cut to 400 characters', () => {
    const action = actionOf(failed({ message: 'x'.repeat(1000) }), testApp);
    expect(action.kind === 'payment-failed' && action.reason).toBe('x'.repeat(400));
  });

  test('the mode does not matter to a failure', () => {
    expect(actionOf({ ...failed(null), livemode: true }, testApp).kind).toBe('payment-failed');
  });
});

describe('payment_intent.requires_action', () => {
  const requires = (nextAction: unknown, metadata: unknown = ours) =>
    event('payment_intent.requires_action', 'payment_intent', { id: pi, metadata, status: 'requires_action', next_action: nextAction });

  test.each<[string, StripeEvent, StripeAction]>([
    [
      "the bank's page",
      requires({ type: 'redirect_to_url', redirect_to_url: { url: 'https://hooks.stripe.com/3d_secure/x', return_url: 'https://shop.example/return' } }),
      { kind: 'requires-action', invoice: 'inv-doc-1', reference: pi, link: 'https://hooks.stripe.com/3d_secure/x' },
    ],
    ["Stripe's example next action, without a page", requires(examples.payment_intent.next_action), { kind: 'requires-action', invoice: 'inv-doc-1', reference: pi, link: null }],
    ['no next action', requires(null), { kind: 'requires-action', invoice: 'inv-doc-1', reference: pi, link: null }],
    ["another application's metadata", requires(null, { app: 'shop', invoice: 'x' }), { kind: 'ignore', reason: 'not a payment of this application' }],
  ])('%s', (_case, given, expected) => {
    expect(actionOf(given, testApp)).toEqual(expected);
  });
});

describe('checkout.session.completed', () => {
  const session = 'cs_test_a1example';
  const completed = (overrides: Record<string, unknown>, livemode = false) =>
    event(
      'checkout.session.completed',
      'checkout.session',
      { id: session, status: 'complete', payment_status: 'paid', amount_total: 1099, currency: 'usd', payment_intent: pi, customer: 'cus_1', metadata: ours, ...overrides },
      livemode,
    );
  const base = { kind: 'checkout-completed', invoice: 'inv-doc-1', session, intent: pi, customer: 'cus_1', status: 'paid' } as const;

  test.each<[string, StripeEvent, StripeAction]>([
    ['paid', completed({}), { ...base, payment: paid(1099, 'usd', 1099) }],
    ['paid, ids expanded', completed({ payment_intent: { ...examples.payment_intent, id: pi }, customer }), { ...base, customer: customer.id, payment: paid(1099, 'usd', 1099) }],
    ['paid in JPY', completed({ amount_total: 3000, currency: 'jpy' }), { ...base, payment: paid(3000, 'jpy', 3000) }],
    ['paid in KWD', completed({ amount_total: 25500, currency: 'kwd' }), { ...base, payment: paid(25500, 'kwd', 25500) }],
    ['paid live, for a test-mode application', completed({}, true), { ...base, payment: { ...paid(1099, 'usd', 1099), wrongMode: 'a live-mode payment for a test-mode application' } }],
    ['not paid yet (a delayed method)', completed({ payment_status: 'unpaid' }), { ...base, status: 'unpaid', payment: null }],
    ['paid but without a PaymentIntent', completed({ payment_intent: null }), { ...base, intent: null, payment: null }],
    ['paid but without an amount', completed({ amount_total: null }), { ...base, payment: null }],
    ['without a customer', completed({ customer: null }), { ...base, customer: null, payment: paid(1099, 'usd', 1099) }],
    ["Stripe's example, not of this application", event('checkout.session.completed', 'checkout.session'), { kind: 'ignore', reason: 'not a Checkout session of this application' }],
    ["another application's metadata", completed({ metadata: { app: 'shop', invoice: 'inv-doc-1' } }), { kind: 'ignore', reason: 'not a Checkout session of this application' }],
  ])('%s', (_case, given, expected) => {
    expect(actionOf(given, testApp)).toEqual(expected);
  });
});

describe('charge.refunded', () => {
  const charge = examples.charge.id;
  const refunded = (overrides: Record<string, unknown>) =>
    event('charge.refunded', 'charge', { payment_intent: pi, amount: 10000, amount_captured: 10000, amount_refunded: 10000, refunded: true, ...overrides });

  test.each<[string, StripeEvent, StripeAction]>([
    ['a full refund', refunded({}), { kind: 'refund', reference: pi, charge, partial: null }],
    ['a full refund, the PaymentIntent expanded', refunded({ payment_intent: { ...examples.payment_intent, id: pi } }), { kind: 'refund', reference: pi, charge, partial: null }],
    [
      'a partial refund, with its amounts as Stripe reports them',
      refunded({ amount_refunded: 2500, refunded: false }),
      { kind: 'refund', reference: pi, charge, partial: { refunded: { amount: 2500, currency: 'usd' }, of: { amount: 10000, currency: 'usd' } } },
    ],
    [
      'a partial refund in JPY',
      refunded({ amount: 5000, amount_refunded: 1000, currency: 'jpy', refunded: false }),
      { kind: 'refund', reference: pi, charge, partial: { refunded: { amount: 1000, currency: 'jpy' }, of: { amount: 5000, currency: 'jpy' } } },
    ],
    ["Stripe's example: a charge without a PaymentIntent", event('charge.refunded', 'charge'), { kind: 'ignore', reason: 'a charge without a PaymentIntent' }],
  ])('%s', (_case, given, expected) => {
    expect(actionOf(given, testApp)).toEqual(expected);
  });
});

describe('charge.dispute.created', () => {
  const dispute = examples.dispute.id;
  const created = (overrides: Record<string, unknown>) => event('charge.dispute.created', 'dispute', { payment_intent: pi, ...overrides });

  test.each<[string, StripeEvent, StripeAction]>([
    // Stripe's example: evidence due by 1723679999, the last second of 2024-08-14 (UTC).
    ['evidence due by its due_by', created({}), { kind: 'dispute', dispute, reference: pi, reason: 'general', reported: { amount: 1000, currency: 'usd' }, due: '2024-08-14' }],
    ['the PaymentIntent expanded', created({ payment_intent: { ...examples.payment_intent, id: pi } }), { kind: 'dispute', dispute, reference: pi, reason: 'general', reported: { amount: 1000, currency: 'usd' }, due: '2024-08-14' }],
    [
      'no due date',
      created({ reason: 'fraudulent', amount: 7000, currency: 'jpy', evidence_details: { ...examples.dispute.evidence_details, due_by: null } }),
      { kind: 'dispute', dispute, reference: pi, reason: 'fraudulent', reported: { amount: 7000, currency: 'jpy' }, due: null },
    ],
    ["Stripe's example: a dispute without a PaymentIntent", event('charge.dispute.created', 'dispute'), { kind: 'ignore', reason: 'a dispute about a payment this application did not record' }],
  ])('%s', (_case, given, expected) => {
    expect(actionOf(given, testApp)).toEqual(expected);
  });
});

describe('events this application does not act on', () => {
  test.each([
    ["Stripe's example event (plan.created)", { ...structuredClone(examples.event) }],
    ['payment_intent.created', event('payment_intent.created', 'payment_intent', { metadata: ours })],
    ['charge.succeeded', event('charge.succeeded', 'charge', { payment_intent: pi })],
    ['charge.dispute.closed', event('charge.dispute.closed', 'dispute', { payment_intent: pi })],
  ])('%s is ignored', (_case, given) => {
    expect(actionOf(given, testApp)).toEqual({ kind: 'ignore', reason: 'not an event this application acts on' });
  });

  test('every type acted on is read into something other than "not acted on"', () => {
    const objects: Record<string, string> = { payment_intent: 'payment_intent', checkout: 'checkout.session', charge: 'charge' };
    for (const type of STRIPE_EVENT_TYPES) {
      const object = type === 'charge.dispute.created' ? 'dispute' : objects[type.split('.')[0]];
      expect(actionOf(event(type, object, { metadata: ours, payment_intent: pi }), testApp)).not.toEqual({ kind: 'ignore', reason: 'not an event this application acts on' });
    }
  });
});

describe('payments of transit pass orders', () => {
  const transit = { app: APP, transitOrder: 'order-doc-1', orderNumber: 'PO-2026-000001', run: 'run-doc-2' };
  const cs = 'cs_test_transit';
  const base = { kind: 'transit-payment', order: 'order-doc-1', reference: null, session: null, payment: null, reason: null };
  const intent = (type: string, overrides: Record<string, unknown> = {}) =>
    event(type, 'payment_intent', { id: pi, amount: 2500, amount_received: 2500, currency: 'usd', metadata: transit, ...overrides });
  const session = (type: string, overrides: Record<string, unknown> = {}) =>
    event(type, 'checkout.session', { id: cs, payment_intent: pi, payment_status: 'paid', amount_total: 2500, currency: 'usd', metadata: transit, ...overrides });
  test.each<[string, StripeEvent, StripeAction]>([
    ['a PaymentIntent succeeded', intent('payment_intent.succeeded'), { ...base, result: 'paid', reference: pi, payment: paid(2500, 'usd', 2500) }] as any,
    [
      'a Checkout payment made to be reused off-session: its card, kept for renewals',
      intent('payment_intent.succeeded', { payment_method: 'pm_saved', setup_future_usage: 'off_session' }),
      { ...base, result: 'paid', reference: pi, payment: paid(2500, 'usd', 2500), card: 'pm_saved' },
    ] as any,
    ['a payment not made to be reused: no card', intent('payment_intent.succeeded', { payment_method: 'pm_once', setup_future_usage: null }), { ...base, result: 'paid', reference: pi, payment: paid(2500, 'usd', 2500) }] as any,
    ['a PaymentIntent succeeded for another amount: read as received (the plugin compares)', intent('payment_intent.succeeded', { amount_received: 2400 }), { ...base, result: 'paid', reference: pi, payment: paid(2400, 'usd', 2400) }],
    ['a Checkout session paid', session('checkout.session.completed'), { ...base, result: 'paid', reference: pi, session: cs, payment: paid(2500, 'usd', 2500) }],
    [
      'a Checkout session completed, not yet paid',
      session('checkout.session.completed', { payment_status: 'unpaid' }),
      { ...base, result: 'pending', reference: pi, session: cs, reason: 'session unpaid: no payment yet' },
    ],
    ['a Checkout session expired', session('checkout.session.expired', { payment_intent: null, payment_status: 'unpaid' }), { ...base, result: 'failed', session: cs, reason: 'the Checkout session expired unpaid' }],
    ['one attempt declined', intent('payment_intent.payment_failed', { last_payment_error: { message: 'Your card was declined.' } }), { ...base, result: 'declined', reference: pi, reason: 'Your card was declined.' }],
    ['the bank asks for authentication', intent('payment_intent.requires_action'), { ...base, result: 'pending', reference: pi, reason: 'the bank asks the customer to authenticate the payment' }],
    ['a live-mode payment for a test application', { ...intent('payment_intent.succeeded'), livemode: true }, { ...base, result: 'paid', reference: pi, payment: { ...paid(2500, 'usd', 2500), wrongMode: 'a live-mode payment for a test-mode application' } }],
  ])('%s', (_case, given, expected) => {
    expect(actionOf(given, testApp)).toEqual(expected);
  });

  test.each<[string, StripeEvent, StripeAction]>([
    ['another app', intent('payment_intent.succeeded', { metadata: { ...transit, app: 'someone-else' } }), { kind: 'ignore', reason: 'not a payment of this application' }],
    ['an empty order id', intent('payment_intent.succeeded', { metadata: { ...ours, transitOrder: '' } }), expect.objectContaining({ kind: 'payment-succeeded', invoice: 'inv-doc-1' })],
    ["a plan's Checkout session expired", event('checkout.session.expired', 'checkout.session', { metadata: ours }), { kind: 'ignore', reason: 'a Checkout session expired unpaid: the invoice stays open' }],
    ['a refund (no metadata on charges): as before', event('charge.refunded', 'charge', { payment_intent: pi, metadata: transit }), expect.objectContaining({ kind: 'refund' })],
  ])('%s', (_case, given, expected) => {
    expect(actionOf(given, testApp)).toEqual(expected);
  });
});

describe('the object an event is about', () => {
  const session = examples['checkout.session'];
  test.each<[string, StripeEvent, string | null]>([
    ['a PaymentIntent event: the intent', event('payment_intent.succeeded', 'payment_intent', { id: pi }), pi],
    ['a Checkout session: its PaymentIntent', event('checkout.session.completed', 'checkout.session', { payment_intent: pi }), pi],
    ['a Checkout session, its PaymentIntent expanded', event('checkout.session.completed', 'checkout.session', { payment_intent: { ...examples.payment_intent, id: pi } }), pi],
    ['a Checkout session without a PaymentIntent: the session', event('checkout.session.completed', 'checkout.session', { payment_intent: null }), session.id],
    ['a charge: its PaymentIntent', event('charge.refunded', 'charge', { payment_intent: pi }), pi],
    ['a charge without a PaymentIntent: the charge', event('charge.refunded', 'charge'), examples.charge.id],
    ['a dispute: its PaymentIntent', event('charge.dispute.created', 'dispute', { payment_intent: pi }), pi],
    ['a dispute without a PaymentIntent: its charge', event('charge.dispute.created', 'dispute'), examples.dispute.charge],
    ['a dispute, its charge expanded', event('charge.dispute.created', 'dispute', { charge: examples.charge }), examples.charge.id],
    ['any other event: its object', structuredClone(examples.event), examples.event.data.object.id],
  ])('%s', (_case, given, expected) => {
    expect(subjectOf(given)).toBe(expected);
  });
});

describe('ids Stripe sends as strings or expanded objects', () => {
  test.each([
    ['pm_1', 'pm_1'],
    [{ id: 'pm_1', object: 'payment_method' }, 'pm_1'],
    [null, null],
    [undefined, null],
    [{ object: 'payment_method' }, null],
    [{ id: 42 }, null],
  ])('%p is %p', (value, expected) => {
    expect(idOf(value)).toBe(expected);
  });
});
