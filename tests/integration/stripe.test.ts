import type { Core } from '@strapi/strapi';
import { http, signInStaff, snapshot, startStrapi, stopStrapi } from '../harness/strapi';
import { createCustomer, createPlan, setRenewalLeadDays } from '../harness/fixtures';
import { prepaidRun, prepaidRunsOf, stepTasksOf } from '../harness/prepaid-runs';
import { OLD_SECRET, StripeStandIn, acknowledge, checkoutCompleted, deliver, drainInbox, intentEvent, newId, signature, startStripe, stopStripe, stripeEvent } from '../harness/stripe';

/**
 * Card payments through the real `stripe` client and a local Stripe stand-in; payments confirmed
 * only by signed webhook events built from Stripe's published example objects.
 */
let strapi: Core.Strapi;
let stripe: StripeStandIn;
let finance: string;
let customerSuccess: string;
let plan: any;

beforeAll(async () => {
  stripe = await startStripe();
  strapi = await startStrapi();
  ({ finance, customerSuccess } = await signInStaff(strapi));
  plan = await createPlan(strapi, { code: 'complete-care-card' });
  // The renewals here are of plans bought a moment earlier.
  setRenewalLeadDays(strapi);
});
afterAll(async () => {
  await stopStrapi(strapi);
  await stopStripe(stripe);
});

const api = '/api/plan-renewals';
const as = (token: string) => ({ Authorization: `Bearer ${token}` });

const invoiceOf = (documentId: string): Promise<any> =>
  strapi.documents('api::invoice.invoice').findOne({ documentId, populate: ['transactions'] }) as any;
const runOf = (documentId: string): Promise<any> => prepaidRun(strapi, documentId);
/** The one renewal run of a service plan. */
const renewalRunOf = async (servicePlanDocumentId: string): Promise<any> => {
  const runs = await prepaidRunsOf(strapi, servicePlanDocumentId, { kind: 'renewal' });
  expect(runs).toHaveLength(1);
  return runs[0];
};
const planOf = (documentId: string): Promise<any> => strapi.documents('api::service-plan.service-plan').findOne({ documentId }) as any;
const stripeTransactions = (invoice: any) => invoice.transactions.map((t: any) => [t.state, t.providerReference]);
const inboxRow = (eventId: string): Promise<any> => strapi.db.query('plugin::plan-renewals.stripe-event').findOne({ where: { eventId } });
const inbox = () => strapi.plugin('plan-renewals').service('stripe-inbox');

/** A first purchase paid by card: answered with a Stripe Checkout URL. */
const cardPurchase = async () => {
  const customer = await createCustomer(strapi);
  const response = await http(strapi)
    .post(`${api}/purchases`)
    .set(as(customerSuccess))
    .send({ customer: customer.documentId, plan: plan.code, addOns: ['roadside'], paymentMethod: 'stripe' });
  expect(response.status).toBe(201);
  const { run, checkoutUrl } = response.body.data;
  return { customer, run, checkoutUrl, invoice: await invoiceOf(run.invoice.documentId) };
};

const completeQualityCheck = async (runId: string) => {
  const tasks = (await http(strapi).get(`${api}/tasks`).set(as(customerSuccess))).body.data;
  const check = tasks.find((task: any) => task.run === runId);
  const done = await http(strapi).post(`${api}/tasks/${check.documentId}/complete`).set(as(customerSuccess)).send({ outcome: 'passed' });
  expect(done.status).toBe(200);
  return done.body.data;
};

/** A card purchase taken to completed through Checkout; the card is then on file. */
const cardCustomerWithActivePlan = async () => {
  const purchase = await cardPurchase();
  const intentId = newId('pi');
  stripe.remember({ id: intentId, object: 'payment_intent', payment_method: newId('pm') });
  const customer: any = await strapi.documents('api::customer.customer').findOne({ documentId: purchase.customer.documentId });
  expect((await deliver(strapi, checkoutCompleted(purchase.invoice, intentId, customer.stripeCustomerId))).status).toBe(200);
  await completeQualityCheck(purchase.run.documentId);
  return { ...purchase, servicePlanId: purchase.run.servicePlan.documentId };
};

/** A renewal charged off-session on the saved card; returns the run, invoice and PaymentIntent id. */
const cardRenewal = async (outcome = 'processing') => {
  const active = await cardCustomerWithActivePlan();
  stripe.script.push(outcome);
  const response = await http(strapi).post(`${api}/service-plans/${active.servicePlanId}/renewals`).set(as(customerSuccess));
  expect(response.status).toBe(201);
  const invoice = await invoiceOf(response.body.data.invoice.documentId);
  return { ...active, run: response.body.data, invoice, intentId: invoice.transactions[0]?.providerReference as string };
};

describe('a first purchase through Stripe Checkout', () => {
  test('is answered with a Checkout URL and completes once the signed webhook says it is paid', async () => {
    stripe.received.length = 0;
    const { customer, run, checkoutUrl, invoice } = await cardPurchase();
    expect(checkoutUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/checkout\/cs_test_/);
    expect([run.state, run.currentStep]).toEqual(['waiting', 'verify-payment']);
    expect(invoice.transactions).toEqual([]); // nothing is paid until Stripe says so

    const [createCustomerRequest, session] = stripe.received;
    expect([createCustomerRequest.path, createCustomerRequest.idempotencyKey]).toEqual(['/v1/customers', `customer:${customer.documentId}`]);
    expect(createCustomerRequest.params.email).toBe(customer.email);
    expect(session.path).toBe('/v1/checkout/sessions');
    expect(session.idempotencyKey).toBe(`checkout:${run.documentId}:${invoice.number}`);
    expect(session.params).toMatchObject({
      mode: 'payment',
      client_reference_id: invoice.documentId,
      line_items: { '0': { quantity: '1', price_data: { currency: 'usd', unit_amount: '65429' } } },
      payment_intent_data: { setup_future_usage: 'off_session', metadata: { app: 'plan-renewals', invoice: invoice.documentId, run: run.documentId } },
      metadata: { invoiceNumber: invoice.number },
    });

    const intentId = newId('pi');
    const paymentMethod = newId('pm');
    stripe.remember({ id: intentId, object: 'payment_intent', payment_method: paymentMethod });
    const stored: any = await strapi.documents('api::customer.customer').findOne({ documentId: customer.documentId });
    const completed = await deliver(strapi, checkoutCompleted(invoice, intentId, stored.stripeCustomerId));
    expect(completed.status).toBe(200);
    expect(completed.body.outcome).toMatch(/card pm_.* saved/);

    const after: any = await strapi.documents('api::customer.customer').findOne({ documentId: customer.documentId });
    expect(after.stripePaymentMethodId).toBe(paymentMethod);
    const paid = await invoiceOf(invoice.documentId);
    expect([paid.state, stripeTransactions(paid)]).toEqual(['Paid', [['Success', intentId]]]);
    const waiting = await runOf(run.documentId);
    expect([waiting.state, waiting.currentStep]).toEqual(['waiting', 'quality-check']);
    expect(waiting.steps[4].actor).toMatchObject({ type: 'stripe' }); // approved on Stripe's word

    // Stripe also sends payment_intent.succeeded for the same payment: no second effect.
    const again = await deliver(strapi, intentEvent('payment_intent.succeeded', invoice, { id: intentId }));
    expect([again.status, again.body.outcome]).toEqual([200, expect.stringMatching(/already recorded/)]);
    expect(stripeTransactions(await invoiceOf(invoice.documentId))).toHaveLength(1);

    expect((await completeQualityCheck(run.documentId)).state).toBe('completed');
    expect((await planOf(run.servicePlan.documentId)).state).toBe('Active');
  });

  test('asks Stripe only after the step is committed; if Stripe is unreachable, the payment-retries job sends it later', async () => {
    const saved = process.env.STRIPE_API_BASE;
    process.env.STRIPE_API_BASE = 'http://127.0.0.1:9'; // nothing listens there
    let purchase: Awaited<ReturnType<typeof cardPurchase>>;
    try {
      purchase = await cardPurchase();
    } finally {
      process.env.STRIPE_API_BASE = saved;
    }
    expect(purchase.checkoutUrl).toBeNull();
    expect([purchase.run.state, purchase.run.currentStep]).toEqual(['waiting', 'verify-payment']); // the run went on
    expect((await invoiceOf(purchase.invoice.documentId)).paymentRequest).toBe('pending');

    const job = await strapi.plugin('plan-renewals').service('jobs').runNow('payment-retries');
    expect(job.outcome).toMatch(/^1 payment request sent/);
    const sent = await invoiceOf(purchase.invoice.documentId);
    expect([sent.paymentRequest, sent.paymentUrl]).toEqual(['requested', expect.stringMatching(/\/checkout\/cs_test_/)]);
    const sessions = stripe.received.filter((r) => r.path === '/v1/checkout/sessions' && r.params.client_reference_id === purchase.invoice.documentId);
    expect(sessions).toHaveLength(1);
  });
});

describe('a renewal on the saved card', () => {
  test('is charged off-session with a deterministic key and completes on the signed webhook alone', async () => {
    stripe.received.length = 0;
    const { run, invoice, intentId, servicePlanId, customer } = await cardRenewal();
    const before = await planOf(servicePlanId);
    const charge = stripe.received.find((r) => r.path === '/v1/payment_intents')!;
    expect(charge.idempotencyKey).toBe(`charge:${run.documentId}:${invoice.number}:1`);
    const stored: any = await strapi.documents('api::customer.customer').findOne({ documentId: customer.documentId });
    expect(charge.params).toMatchObject({
      amount: '65429',
      currency: 'usd',
      customer: stored.stripeCustomerId,
      payment_method: stored.stripePaymentMethodId,
      off_session: 'true',
      confirm: 'true',
      metadata: { app: 'plan-renewals', invoice: invoice.documentId, invoiceNumber: invoice.number, run: run.documentId },
    });
    expect(stripeTransactions(invoice)).toEqual([['Pending', intentId]]);

    const response = await deliver(strapi, intentEvent('payment_intent.succeeded', invoice, { id: intentId, off_session: true }));
    expect(response.status).toBe(200);
    const paid = await invoiceOf(invoice.documentId);
    expect([paid.state, stripeTransactions(paid)]).toEqual(['Paid', [['Success', intentId]]]);
    expect((await completeQualityCheck(run.documentId)).state).toBe('completed');
    const renewed = await planOf(servicePlanId);
    expect([renewed.state, renewed.startDate, renewed.renewalCount]).toEqual(['Active', before.endDate, 1]);
  });
});

describe('webhook deliveries', () => {
  const someInvoice = async () => (await cardPurchase()).invoice;

  test('a duplicate delivery answers 200 and changes nothing', async () => {
    const invoice = await someInvoice();
    const event = intentEvent('payment_intent.succeeded', invoice);
    expect((await deliver(strapi, event)).status).toBe(200);
    const before = await snapshot(strapi);
    const again = await deliver(strapi, event);
    expect([again.status, again.body.duplicate]).toEqual([200, true]);
    expect(await snapshot(strapi)).toEqual(before);
    expect(stripeTransactions(await invoiceOf(invoice.documentId))).toHaveLength(1);
  });

  test('concurrent duplicates: one effect, no error', async () => {
    const invoice = await someInvoice();
    const event = intentEvent('payment_intent.succeeded', invoice);
    const responses = await Promise.all(Array.from({ length: 4 }, () => deliver(strapi, event)));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(responses.filter((r) => !r.body.duplicate)).toHaveLength(1);
    expect(stripeTransactions(await invoiceOf(invoice.documentId))).toHaveLength(1);
    expect(await strapi.db.query('plugin::plan-renewals.stripe-event').count({ where: { eventId: event.id } })).toBe(1);
  });

  test.each([
    ['a tampered body', (payload: string) => ({ payload: payload.replace('"livemode":false', '"livemode":true'), header: signature(payload) })],
    ['a wrong secret', (payload: string) => ({ payload, header: signature(payload, 'whsec_notours0000000000000000') })],
    ['a stale timestamp', (payload: string) => ({ payload, header: signature(payload, undefined, Math.floor(Date.now() / 1000) - 301) })],
    ['a malformed header', (payload: string) => ({ payload, header: 't=abc,v1=' })],
    ['no header', (payload: string) => ({ payload, header: '' })],
  ])('%s is a 400 that writes nothing', async (_what, forge) => {
    const invoice = await someInvoice();
    const { payload, header } = forge(JSON.stringify(intentEvent('payment_intent.succeeded', invoice)));
    const before = await snapshot(strapi);
    const request = http(strapi).post(`${api}/stripe/webhook`).set('Content-Type', 'application/json');
    const response = await (header ? request.set('Stripe-Signature', header) : request).send(payload);
    expect(response.status).toBe(400);
    expect(response.body.error.message).toMatch(/Stripe signature|Stripe-Signature/);
    expect(await snapshot(strapi)).toEqual(before);
  });

  test('an event signed with the previous secret is accepted during a rotation', async () => {
    const invoice = await someInvoice();
    const response = await deliver(strapi, intentEvent('payment_intent.succeeded', invoice), { secret: OLD_SECRET });
    expect(response.status).toBe(200);
    expect(stripeTransactions(await invoiceOf(invoice.documentId))).toHaveLength(1);
  });

  test('the raw bytes are verified: unicode and odd whitespace survive the middleware stack', async () => {
    const invoice = await someInvoice();
    const event = intentEvent('payment_intent.succeeded', invoice, { description: 'Révision complète — 車検 ☕ \u2028 “quoted”' });
    const payload = JSON.stringify(event, null, '\t').replace(/\n/g, '\r\n  ') + '\n\n';
    const response = await deliver(strapi, event, { payload });
    expect(response.status).toBe(200);
    const stored = await strapi.db.query('plugin::plan-renewals.stripe-event').findOne({ where: { eventId: event.id } });
    expect(stored.payload.data.object.description).toBe('Révision complète — 車検 ☕ \u2028 “quoted”');
  });

  test('an event type the application does not act on is recorded with no effect', async () => {
    const before = await snapshot(strapi);
    const event = stripeEvent('customer.created', 'customer', {});
    const response = await deliver(strapi, event);
    expect([response.status, response.body.outcome]).toEqual([200, expect.stringMatching(/not an event this application acts on/)]);
    const after = await snapshot(strapi);
    expect(after.plan_renewal_stripe_events).toHaveLength(before.plan_renewal_stripe_events.length + 1);
    expect({ ...after, plan_renewal_stripe_events: null }).toEqual({ ...before, plan_renewal_stripe_events: null });
  });

  test("events about objects this application did not create are ignored", async () => {
    const before = await snapshot(strapi);
    const foreign = stripeEvent('payment_intent.succeeded', 'payment_intent', { id: newId('pi'), metadata: { order_id: '123' } });
    const response = await deliver(strapi, foreign);
    expect([response.status, response.body.outcome]).toEqual([200, expect.stringMatching(/ignored/)]);
    expect((await snapshot(strapi)).transactions).toEqual(before.transactions);
  });

  test('a database failure mid-handler rolls the event back; it is acknowledged, tried again and applied once', async () => {
    const invoice = await someInvoice();
    const event = intentEvent('payment_intent.succeeded', invoice);
    const handlers = require('../../dist/src/plugins/plan-renewals/server/src/services/webhooks').WEBHOOK_HANDLERS;
    const original = handlers['payment_intent.succeeded'];
    handlers['payment_intent.succeeded'] = async (ctx: any) => {
      await original(ctx); // the effects are written...
      throw new Error('connection lost'); // ...and then the database goes away
    };
    const before = await snapshot(strapi);
    try {
      const failed = await deliver(strapi, event);
      expect([failed.status, failed.body.duplicate, failed.body.state]).toEqual([200, false, 'pending']);
    } finally {
      handlers['payment_intent.succeeded'] = original;
    }
    // Nothing but the inbox row, which waits for its next attempt.
    const after = await snapshot(strapi);
    expect({ ...after, plan_renewal_stripe_events: null }).toEqual({ ...before, plan_renewal_stripe_events: null });
    const stored = await inboxRow(event.id);
    expect([stored.state, stored.attempts, stored.lastError, stored.nextAttemptAt === null]).toEqual(['pending', 1, 'connection lost', false]);
    await drainInbox(strapi, { ignoreBackoff: true });
    expect((await inboxRow(event.id)).state).toBe('applied');
    expect(stripeTransactions(await invoiceOf(invoice.documentId))).toEqual([['Success', event.data.object.id]]);
  });
});

describe('the inbox', () => {
  const someInvoice = async () => (await cardPurchase()).invoice;
  const handlers = () => require('../../dist/src/plugins/plan-renewals/server/src/services/webhooks').WEBHOOK_HANDLERS;

  test('an event is acknowledged pending, then applied once even by two workers at once', async () => {
    const invoices = await Promise.all(Array.from({ length: 4 }, someInvoice));
    const events = invoices.map((invoice) => intentEvent('payment_intent.succeeded', invoice));
    for (const event of events) {
      const response = await acknowledge(strapi, event);
      expect([response.status, response.body]).toEqual([200, { received: true, event: event.id, duplicate: false }]);
    }
    const passes = await Promise.all([inbox().work(), inbox().work(), inbox().drain()]);
    await drainInbox(strapi);
    expect(passes[0].applied + passes[1].applied + passes[2].applied).toBeLessThanOrEqual(events.length);
    for (const [i, event] of events.entries()) {
      const row = await inboxRow(event.id);
      expect([row.state, row.attempts, row.claimedUntil, row.outcome]).toEqual(['applied', 1, null, expect.stringMatching(/^payment pi_.* recorded/)]);
      expect(stripeTransactions(await invoiceOf(invoices[i].documentId))).toEqual([['Success', event.data.object.id]]);
    }
    const audits = await strapi.db.query('api::audit-log.audit-log').count({ where: { action: 'transaction.created', actorId: { $in: events.map((e) => e.id) } } });
    expect(audits).toBe(events.length);
  });

  test('one pass over more events than it applies at once applies each, once (no lane takes past the last)', async () => {
    await inbox().stop(); // this instance's own worker would take some first
    try {
      const invoices = await Promise.all(Array.from({ length: 7 }, someInvoice));
      const events = invoices.map((invoice) => intentEvent('payment_intent.succeeded', invoice));
      for (const event of events) expect((await acknowledge(strapi, event)).status).toBe(200);
      // Four at once on PostgreSQL (one on SQLite), each giving way before every event to the
      // acknowledgements in flight: deliveries repeated meanwhile keep some in flight.
      let delivering = true;
      const deliveries = Promise.all(
        Array.from({ length: 4 }, async () => {
          while (delivering) await acknowledge(strapi, events[0]);
        }),
      );
      const pass = await inbox()
        .work()
        .finally(() => (delivering = false));
      await deliveries;
      expect(pass).toEqual({ applied: 7, failed: 0, dead: 0, taken: 0 });
      for (const event of events) expect((await inboxRow(event.id)).state).toBe('applied');
    } finally {
      inbox().start();
    }
  });

  test('a delivery repeated before its event is applied is a duplicate: one row, one effect', async () => {
    const invoice = await someInvoice();
    const event = intentEvent('payment_intent.succeeded', invoice);
    const [first, second] = await Promise.all([acknowledge(strapi, event), acknowledge(strapi, event)]);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect([first.body.duplicate, second.body.duplicate].sort()).toEqual([false, true]);
    await drainInbox(strapi);
    expect(await strapi.db.query('plugin::plan-renewals.stripe-event').count({ where: { eventId: event.id } })).toBe(1);
    expect(stripeTransactions(await invoiceOf(invoice.documentId))).toHaveLength(1);
  });

  test("a crashed worker's claim is taken again once its lease has ended", async () => {
    const invoice = await someInvoice();
    const event = intentEvent('payment_intent.succeeded', invoice);
    await inbox().stop(); // this instance's own worker would apply it first
    try {
      expect((await acknowledge(strapi, event)).status).toBe(200);
      const claimed = { claimed_by: 'crashed:worker', attempts: 1 };
      const table = () => strapi.db.connection('plan_renewal_stripe_events').where({ event_id: event.id });
      await table().update({ ...claimed, claimed_until: new Date(Date.now() + 60_000) });
      await drainInbox(strapi);
      expect((await inboxRow(event.id)).state).toBe('pending'); // still held
      await table().update({ claimed_until: new Date(Date.now() - 1000) });
      await drainInbox(strapi);
      expect([(await inboxRow(event.id)).state, (await inboxRow(event.id)).attempts]).toEqual(['applied', 2]);
      expect(stripeTransactions(await invoiceOf(invoice.documentId))).toHaveLength(1);
    } finally {
      inbox().start();
    }
  });

  test('events about one payment are applied in the order they arrived: a later one waits for a failing earlier one', async () => {
    const { invoice, intentId } = await cardRenewal();
    const original = handlers()['payment_intent.payment_failed'];
    handlers()['payment_intent.payment_failed'] = async () => {
      throw new Error('deadlock detected');
    };
    const failure = intentEvent('payment_intent.payment_failed', invoice, { id: intentId });
    const success = intentEvent('payment_intent.succeeded', invoice, { id: intentId });
    try {
      await acknowledge(strapi, failure);
      await acknowledge(strapi, success);
      await drainInbox(strapi);
      expect([(await inboxRow(failure.id)).state, (await inboxRow(success.id)).state]).toEqual(['pending', 'pending']);
      expect((await invoiceOf(invoice.documentId)).state).toBe('Open');
    } finally {
      handlers()['payment_intent.payment_failed'] = original;
    }
    await drainInbox(strapi, { ignoreBackoff: true });
    const [first, second] = [await inboxRow(failure.id), await inboxRow(success.id)];
    expect([first.state, first.attempts, second.state, second.appliedAt >= first.appliedAt]).toEqual(['applied', 2, 'applied', true]);
    const after = await invoiceOf(invoice.documentId);
    expect([after.state, stripeTransactions(after)]).toEqual(['Paid', [['Success', intentId]]]);
  });

  test('an event that keeps failing is tried again, then dead-lettered with a Finance task and an audit entry', async () => {
    const invoice = await someInvoice();
    const event = intentEvent('payment_intent.succeeded', invoice);
    const original = handlers()['payment_intent.succeeded'];
    handlers()['payment_intent.succeeded'] = async () => {
      throw new Error('the invoice table is corrupt');
    };
    const { maxAttempts } = strapi.plugin('plan-renewals').config('webhooks') as { maxAttempts: number };
    try {
      expect((await acknowledge(strapi, event)).status).toBe(200);
      await drainInbox(strapi);
      const waiting = await inboxRow(event.id);
      expect([waiting.state, waiting.attempts, waiting.lastError]).toEqual(['pending', 1, 'the invoice table is corrupt']);
      expect(new Date(waiting.nextAttemptAt).getTime()).toBeGreaterThan(Date.now());
      await drainInbox(strapi, { ignoreBackoff: true });
    } finally {
      handlers()['payment_intent.succeeded'] = original;
    }
    const dead = await inboxRow(event.id);
    expect([dead.state, dead.attempts, dead.outcome]).toEqual(['dead', maxAttempts, `not applied after ${maxAttempts} attempts: the invoice table is corrupt`]);
    const task = await strapi.db.query('plugin::workflows.task').findOne({ where: { taskKey: `${event.id}:stripe-event` } });
    expect([task.processId, task.type, task.role, task.state, task.details]).toEqual(['prepaid-plan', 'stripe-event', 'finance', 'open', expect.stringContaining(event.id)]);
    const audit = await strapi.db.query('api::audit-log.audit-log').findMany({ where: { action: 'stripe-event.dead-lettered', entityDocumentId: dead.documentId } });
    expect(audit).toHaveLength(1);
    expect(stripeTransactions(await invoiceOf(invoice.documentId))).toEqual([]);
    // A dead event holds back nothing: the next event about the same payment is applied.
    const again = await deliver(strapi, intentEvent('payment_intent.succeeded', invoice, { id: event.data.object.id }));
    expect(again.body.state).toBe('applied');
    expect(stripeTransactions(await invoiceOf(invoice.documentId))).toEqual([['Success', event.data.object.id]]);
  });

  test.each([
    ['a negative amount', { amount: -1 }, /data\.object\.amount/],
    ['a currency that is not one', { currency: 'dollars' }, /three-letter currency code/],
  ])('a signed event with %s is a 400 that writes nothing', async (_what, overrides, message) => {
    const invoice = await someInvoice();
    const before = await snapshot(strapi);
    const response = await acknowledge(strapi, intentEvent('payment_intent.succeeded', invoice, overrides));
    expect([response.status, response.body.error?.message]).toEqual([400, expect.stringMatching(message)]);
    await drainInbox(strapi);
    expect(await snapshot(strapi)).toEqual(before);
  });
});

describe('order and trust', () => {
  test('a failure delivered after the success does not downgrade the payment', async () => {
    const { invoice, intentId, run } = await cardRenewal();
    expect((await deliver(strapi, intentEvent('payment_intent.succeeded', invoice, { id: intentId }))).status).toBe(200);
    const stale = await deliver(strapi, intentEvent('payment_intent.payment_failed', invoice, { id: intentId }));
    expect([stale.status, stale.body.outcome]).toEqual([200, expect.stringMatching(/stale/)]);
    const after = await invoiceOf(invoice.documentId);
    expect([after.state, stripeTransactions(after), after.nextPaymentAttemptAt]).toEqual(['Paid', [['Success', intentId]], null]);
    expect((await runOf(run.documentId)).currentStep).toBe('quality-check');
  });

  test('a success delivered after a failure still pays the invoice and stops the retries', async () => {
    const { invoice, intentId } = await cardRenewal();
    await deliver(strapi, intentEvent('payment_intent.payment_failed', invoice, { id: intentId }));
    expect((await invoiceOf(invoice.documentId)).nextPaymentAttemptAt).not.toBeNull();
    await deliver(strapi, intentEvent('payment_intent.succeeded', invoice, { id: intentId }));
    const after = await invoiceOf(invoice.documentId);
    expect([after.state, stripeTransactions(after), after.nextPaymentAttemptAt]).toEqual(['Paid', [['Success', intentId]], null]);
  });

  const refundEvent = (intentId: string, invoice: any) =>
    stripeEvent('charge.refunded', 'charge', {
      id: newId('ch'),
      payment_intent: intentId,
      amount: invoice.totalMinor,
      amount_refunded: invoice.totalMinor,
      refunded: true,
      currency: 'usd',
    });

  test.each([['succeeded, then refunded'], ['refunded, then succeeded']])('a renewal %s: the same end state, only the renewal taken back', async (order) => {
    const { invoice, intentId, run, servicePlanId } = await cardRenewal();
    const before = await planOf(servicePlanId);
    const paid = intentEvent('payment_intent.succeeded', invoice, { id: intentId });
    const refunded = refundEvent(intentId, invoice);
    for (const event of order.startsWith('succeeded') ? [paid, refunded] : [refunded, paid]) {
      expect((await deliver(strapi, event)).status).toBe(200);
    }
    const after = await invoiceOf(invoice.documentId);
    expect([after.state, stripeTransactions(after)]).toEqual(['Refunded', [['Refunded', intentId]]]);
    // The first period stays paid: the plan is covered until it ends, then expires.
    const kept = await planOf(servicePlanId);
    expect([kept.state, kept.startDate, kept.endDate, kept.currentPeriodStart, kept.currentPeriodEnd]).toEqual(['Active', before.startDate, before.endDate, before.startDate, before.endDate]);
    expect((await runOf(run.documentId)).state).toBe('cancelled');
    const audit = await strapi.db.query('api::audit-log.audit-log').findMany({ where: { action: 'payment.refunded', actorType: 'stripe' } });
    expect(audit.some((entry: any) => entry.data.invoice === invoice.documentId)).toBe(true);
  });

  test.each([
    ['an amount that is not the invoice total', { amount: 100, amount_received: 100 }, {}, /paid USD 1.00, invoice is USD 654.29/],
    ['another currency', { currency: 'eur' }, {}, /paid EUR 654.29, invoice is USD 654.29/],
    ['a live-mode event for a test-mode application', {}, { livemode: true }, /live-mode payment/],
  ])('%s records no payment and gives Finance a task', async (_what, overrides, eventOverrides, message) => {
    const { invoice, run } = await cardPurchase();
    const event = intentEvent('payment_intent.succeeded', invoice, overrides, eventOverrides);
    const response = await deliver(strapi, event);
    expect([response.status, response.body.outcome]).toEqual([200, expect.stringMatching(message)]);
    const after = await invoiceOf(invoice.documentId);
    expect([after.state, after.transactions]).toEqual(['Open', []]);
    expect((await runOf(run.documentId)).currentStep).toBe('verify-payment');
    const tasks = (await http(strapi).get(`${api}/tasks`).set(as(finance))).body.data;
    const task = tasks.find((t: any) => t.type === 'payment-mismatch' && t.invoice === invoice.documentId);
    expect(task.details).toMatch(message);
    const closed = await http(strapi).post(`${api}/tasks/${task.documentId}/complete`).set(as(finance)).send({ outcome: 'resolved', note: 'refunded by hand' });
    expect(closed.status).toBe(200);
  });

  test('a partial refund made in Stripe gives Finance a task that says both amounts as money', async () => {
    const { invoice, intentId } = await cardRenewal();
    await deliver(strapi, intentEvent('payment_intent.succeeded', invoice, { id: intentId }));
    const partial = stripeEvent('charge.refunded', 'charge', { id: newId('ch'), payment_intent: intentId, amount: invoice.totalMinor, amount_refunded: 100, refunded: false, currency: 'usd' });
    expect((await deliver(strapi, partial)).status).toBe(200);
    const tasks = (await http(strapi).get(`${api}/tasks`).set(as(finance))).body.data;
    const task = tasks.find((t: any) => t.type === 'payment-mismatch' && t.invoice === invoice.documentId);
    expect(task.details).toMatch(/partial refund of USD 1\.00 \(of USD \d+\.\d\d\): Finance decides/);
  });

  test('a dispute gives Finance a task due when the evidence is due', async () => {
    const { invoice, intentId } = await cardRenewal();
    await deliver(strapi, intentEvent('payment_intent.succeeded', invoice, { id: intentId }));
    const dueBy = Math.floor(Date.UTC(2027, 0, 15, 23, 59, 59) / 1000);
    const dispute = stripeEvent('charge.dispute.created', 'dispute', {
      id: newId('dp'),
      payment_intent: intentId,
      amount: invoice.totalMinor,
      currency: 'usd',
      evidence_details: { due_by: dueBy, has_evidence: false, past_due: false, submission_count: 0 },
    });
    expect((await deliver(strapi, dispute)).status).toBe(200);
    const tasks = (await http(strapi).get(`${api}/tasks`).set(as(finance))).body.data;
    const task = tasks.find((t: any) => t.type === 'dispute' && t.invoice === invoice.documentId);
    expect([task.role, task.dueDate]).toEqual(['finance', '2027-01-15']);
  });

  test('a payment that needs authentication emails the customer a link', async () => {
    const { invoice, intentId, customer } = await cardRenewal();
    const event = intentEvent('payment_intent.requires_action', invoice, {
      id: intentId,
      status: 'requires_action',
      next_action: { type: 'redirect_to_url', redirect_to_url: { url: 'https://hooks.stripe.com/3d_secure/abc', return_url: null } },
    });
    expect((await deliver(strapi, event)).status).toBe(200);
    const emails = await strapi.db.query('plugin::workflows.message').findMany({ where: { to: customer.email, messageKey: `${intentId}:requires-action` } });
    expect(emails).toHaveLength(1);
    expect(emails[0].text).toMatch('https://hooks.stripe.com/3d_secure/abc');
  });
});

describe('a refund of the first purchase', () => {
  test('cancels the plan', async () => {
    const purchase = await cardPurchase();
    const intentId = newId('pi');
    stripe.remember({ id: intentId, object: 'payment_intent', payment_method: newId('pm') });
    const customer: any = await strapi.documents('api::customer.customer').findOne({ documentId: purchase.customer.documentId });
    expect((await deliver(strapi, checkoutCompleted(purchase.invoice, intentId, customer.stripeCustomerId))).status).toBe(200);
    expect((await planOf(purchase.run.servicePlan.documentId)).state).toBe('Active');
    const refund = stripeEvent('charge.refunded', 'charge', { id: newId('ch'), payment_intent: intentId, amount: purchase.invoice.totalMinor, amount_refunded: purchase.invoice.totalMinor, refunded: true, currency: 'usd' });
    const response = await deliver(strapi, refund);
    expect([response.status, response.body.outcome]).toEqual([200, expect.stringMatching(/plan cancelled$/)]);
    expect((await planOf(purchase.run.servicePlan.documentId)).state).toBe('Cancelled');
    expect((await invoiceOf(purchase.invoice.documentId)).state).toBe('Refunded');
  });
});

describe('dunning', () => {
  test('a declined renewal is retried after 1, 3 and 5 days with new keys; the plan stays covered, PastDue only once the paid period ended', async () => {
    const { invoice, intentId, run, servicePlanId, customer } = await cardRenewal('declined');
    const payments = () => strapi.plugin('plan-renewals').service('card-payments');
    const day = 24 * 60 * 60 * 1000;
    let now = Date.now();
    let current = intentId;
    for (const wait of [1, 3, 5]) {
      expect((await deliver(strapi, intentEvent('payment_intent.payment_failed', invoice, { id: current }))).status).toBe(200);
      const scheduled = await invoiceOf(invoice.documentId);
      expect(new Date(scheduled.nextPaymentAttemptAt).getTime() - Date.now()).toBeGreaterThan((wait - 0.01) * day);
      expect(await payments().retryDue(new Date(now))).toEqual({ charged: 0 }); // not due yet
      now += wait * day + 60_000;
      stripe.script.push('declined');
      expect(await payments().retryDue(new Date(now + (wait === 1 ? 0 : 0)))).toEqual({ charged: 1 });
      const after = await invoiceOf(invoice.documentId);
      current = after.transactions.sort((a: any, b: any) => b.id - a.id)[0].providerReference;
    }
    expect((await deliver(strapi, intentEvent('payment_intent.payment_failed', invoice, { id: current }))).status).toBe(200);

    const charges = stripe.received.filter((r) => r.path === '/v1/payment_intents' && r.params.metadata?.invoice === invoice.documentId);
    expect(charges.map((c) => c.idempotencyKey)).toEqual([1, 2, 3, 4].map((n) => `charge:${run.documentId}:${invoice.number}:${n}`));
    const final = await invoiceOf(invoice.documentId);
    expect([final.state, final.paymentAttempts, final.nextPaymentAttemptAt]).toEqual(['Open', 4, null]);
    expect(final.transactions.map((t: any) => t.state)).toEqual(['Failed', 'Failed', 'Failed', 'Failed']);
    // Retries exhausted, but the paid period runs on: still covered (its renewal in progress).
    const pastDue = await planOf(servicePlanId);
    expect(pastDue.state).toBe('Processing');
    const tasks = (await http(strapi).get(`${api}/tasks`).set(as(finance))).body.data;
    expect(tasks.filter((t: any) => t.type === 'collect-payment' && t.invoice === invoice.documentId)).toHaveLength(1);
    const emails = await strapi.db.query('plugin::workflows.message').findMany({ where: { to: customer.email }, orderBy: { id: 'asc' } });
    expect(emails.map((e: any) => e.subject).filter((s: string) => /could not charge|past due/.test(s))).toHaveLength(4);
    // The customer has a phone: the past-due notices also go by SMS (the failed attempts before do not).
    const texts = async () =>
      (await strapi.db.query('plugin::workflows.message').findMany({ where: { channel: 'sms', run: run.documentId }, orderBy: { id: 'asc' } })).map((t: any) => [t.messageKey, t.to]);
    expect(await texts()).toEqual([[`${invoice.number}:charge-failed:final:sms`, '+15125550101']]);

    expect(await payments().expireLapsed(new Date(Date.parse(pastDue.endDate) - day).toISOString().slice(0, 10))).toEqual({ expired: 0, pastDue: 0 });
    // The paid period has ended, the renewal is still owed: PastDue, the run still open for a late payment.
    // (Every plan of this file bought today ends that day too; this one is among them.)
    expect((await payments().expireLapsed(pastDue.endDate)).pastDue).toBeGreaterThanOrEqual(1);
    expect((await planOf(servicePlanId)).state).toBe('PastDue');
    expect((await texts()).map(([key]) => key)).toEqual([`${invoice.number}:charge-failed:final:sms`, `${servicePlanId}:past-due:${pastDue.endDate}:sms`]);
    expect((await invoiceOf(invoice.documentId)).state).toBe('Open');
    expect((await runOf(run.documentId)).state).toBe('waiting');
    expect((await http(strapi).get(`${api}/tasks`).set(as(finance))).body.data.filter((t: any) => t.type === 'collect-payment' && t.invoice === invoice.documentId)).toHaveLength(1);
    expect(await payments().expireLapsed(pastDue.endDate)).toMatchObject({ pastDue: 0 });
    // Finance writes the renewal off: nothing is owed any more, the plan expires, the run is closed.
    await strapi.documents('api::invoice.invoice').update({ documentId: invoice.documentId, data: { state: 'Uncollectible' } as any });
    expect((await payments().expireLapsed(pastDue.endDate)).expired).toBeGreaterThanOrEqual(1);
    expect((await planOf(servicePlanId)).state).toBe('Expired');
    expect((await runOf(run.documentId)).state).toBe('cancelled');
    expect(await payments().expireLapsed(pastDue.endDate)).toEqual({ expired: 0, pastDue: 0 });
  });
  test('a retry whose card is gone is not made: no charge without a card, not scheduled again, one Finance task to collect', async () => {
    const { invoice, intentId, customer } = await cardRenewal('declined');
    const payments = () => strapi.plugin('plan-renewals').service('card-payments');
    expect((await deliver(strapi, intentEvent('payment_intent.payment_failed', invoice, { id: intentId }))).status).toBe(200);
    expect((await invoiceOf(invoice.documentId)).nextPaymentAttemptAt).not.toBeNull();
    // The customer's saved card is removed before the retry is due.
    await strapi.db.query('api::customer.customer').update({ where: { documentId: customer.documentId }, data: { stripePaymentMethodId: null } });
    stripe.received.length = 0;
    const later = new Date(Date.now() + 2 * 24 * 60 * 60 * 1000);
    expect(await payments().retryDue(later)).toEqual({ charged: 0 });
    expect(await payments().retryDue(later)).toEqual({ charged: 0 });
    expect(stripe.received).toEqual([]);
    const after = await invoiceOf(invoice.documentId);
    expect([after.state, after.paymentAttempts, after.nextPaymentAttemptAt]).toEqual(['Open', 1, null]);
    const tasks = (await http(strapi).get(`${api}/tasks`).set(as(finance))).body.data.filter((t: any) => t.type === 'collect-payment' && t.invoice === invoice.documentId);
    expect(tasks).toHaveLength(1);
    expect(tasks[0].details).toMatch(/the card retry due was not made, as .* has no saved card any more/);

    // Finance collects it at the counter: the request to collect it closes itself.
    const paid = await http(strapi).post(`${api}/invoices/${invoice.documentId}/manual-payments`).set(as(finance)).send({ amountMinor: after.totalMinor, currency: after.currency, reference: `counter-${invoice.number}` });
    expect(paid.status).toBe(201);
    expect(await strapi.db.query('plugin::workflows.task').findOne({ where: { documentId: tasks[0].documentId } })).toMatchObject({
      state: 'completed',
      outcome: 'resolved',
      note: `Paid: counter payment counter-${invoice.number}`,
    });
  });
});

describe('the renewal wave', () => {
  const normalized = (text: string, customer: any) =>
    text.replaceAll(customer.name, 'NAME').replaceAll(customer.email, 'EMAIL').replace(/INV-\d{4}-\d{6}/g, 'INV').replace(/\d{4}-\d{2}-\d{2}/g, 'DATE');
  const auditOf = async (documentId: string, customer: any) =>
    (await strapi.db.query('api::audit-log.audit-log').findMany({ where: { entityDocumentId: documentId }, orderBy: { id: 'asc' } })).map((a: any) => [
      a.action,
      normalized(a.summary, customer),
      a.actorType,
    ]);

  test('renewals-due charges every due card under Stripe\'s rate limit, each renewal as the engine alone leaves it', async () => {
    const alone = await cardRenewal();
    const aloneCustomer: any = await strapi.documents('api::customer.customer').findOne({ documentId: alone.customer.documentId });
    const cards = [];
    for (let i = 0; i < 3; i += 1) cards.push(await cardCustomerWithActivePlan());
    // The wave starts what is due within the configured lead time, 14 days.
    setRenewalLeadDays(strapi, 14);
    const dueOn = new Date(Date.now() + 5 * 24 * 60 * 60 * 1000).toISOString().slice(0, 10);
    for (const card of cards) {
      await strapi.db.query('api::service-plan.service-plan').update({ where: { documentId: card.servicePlanId }, data: { endDate: dueOn } });
    }
    stripe.received.length = 0;
    const before = { ...stripe.stats };
    stripe.limit(1); // one request a second: the wave's charges meet 429s and must wait their turn
    try {
      const { outcome } = await strapi.plugin('plan-renewals').service('jobs').runNow('renewals-due');
      expect(outcome).toBe('3 renewal runs started of 3 plans due');
    } finally {
      stripe.limit(0);
    }
    expect(stripe.stats.rateLimited - before.rateLimited).toBeGreaterThanOrEqual(2);

    const charges = stripe.received.filter((r) => r.path === '/v1/payment_intents');
    expect(charges).toHaveLength(3);
    for (const card of cards) {
      const run = await renewalRunOf(card.servicePlanId);
      const invoice = await invoiceOf(run.invoice.documentId);
      const customer: any = await strapi.documents('api::customer.customer').findOne({ documentId: card.customer.documentId });
      const charge = charges.filter((c) => c.params.metadata.invoice === invoice.documentId);
      expect(charge.map((c) => [c.idempotencyKey, c.params.amount, c.params.payment_method, c.params.off_session])).toEqual([
        [`charge:${run.documentId}:${invoice.number}:1`, String(invoice.totalMinor), customer.stripePaymentMethodId, 'true'],
      ]);
      expect([invoice.state, invoice.paymentRequest, invoice.paymentAttempts, stripeTransactions(invoice)]).toEqual([
        'Open',
        'requested',
        1,
        [['Pending', stripe.paymentIntents.get(stripeTransactions(invoice)[0][1])?.id]],
      ]);

      // The same run, invoice, task and audit trail as a renewal started on its own.
      const aloneRun = await runOf(alone.run.documentId);
      const view = (r: any, c: any) => [r.state, r.currentStep, r.periodStart === null, r.steps.map((st: any) => [st.id, st.state, normalized(st.result ?? '', c)])];
      expect(view(await runOf(run.documentId), customer)).toEqual(view(aloneRun, aloneCustomer));
      // Started by the system, as the job's own renewals are: any Finance member may approve its payment.
      expect((await runOf(run.documentId)).startedBy).toEqual({ type: 'system', name: 'job renewals-due' });
      const aloneInvoice = await strapi.documents('api::invoice.invoice').findOne({ documentId: alone.invoice.documentId, populate: ['lines'] });
      const lines = await strapi.documents('api::invoice.invoice').findOne({ documentId: invoice.documentId, populate: ['lines', 'customer', 'servicePlan'] });
      expect((lines as any).lines.map(({ id, ...line }: any) => line)).toEqual((aloneInvoice as any).lines.map(({ id, ...line }: any) => line));
      expect([(lines as any).customer.documentId, (lines as any).servicePlan.documentId]).toEqual([card.customer.documentId, card.servicePlanId]);
      const withoutActor = (entries: any[]) => entries.map(([action, summary]) => [action, summary]);
      expect(withoutActor(await auditOf(run.documentId, customer))).toEqual(withoutActor(await auditOf(alone.run.documentId, aloneCustomer)));
      expect((await auditOf(invoice.documentId, customer)).slice(0, 1)).toEqual([['invoice.created', 'Invoice created as Open', 'system']]);
      expect((await auditOf(card.servicePlanId, customer)).pop()).toEqual(['service-plan.status-changed', 'Service plan Active -> Processing', 'system']);
      const tasks = await stepTasksOf(strapi, run.documentId);
      expect(tasks.map((t: any) => [t.type, t.role, t.state, t.taskKey])).toEqual([['verify-payment', 'finance', 'open', `${run.documentId}:verify-payment`]]);
      expect((await planOf(card.servicePlanId)).state).toBe('Processing');
    }

    // Stripe's webhook alone takes a wave's renewal to the end, as any other.
    const [first, second] = cards;
    const run = await renewalRunOf(first.servicePlanId);
    const invoice = await invoiceOf(run.invoice.documentId);
    expect((await deliver(strapi, intentEvent('payment_intent.succeeded', invoice, { id: invoice.transactions[0].providerReference, off_session: true }))).status).toBe(200);
    expect((await invoiceOf(invoice.documentId)).state).toBe('Paid');
    expect((await completeQualityCheck(run.documentId)).state).toBe('completed');
    expect([(await planOf(first.servicePlanId)).state, (await planOf(first.servicePlanId)).startDate]).toEqual(['Active', dueOn]);

    // Never two runs for one period: a rejected renewal puts its plan back, due again, and nothing starts.
    const rejectedRun = await renewalRunOf(second.servicePlanId);
    const task = (await http(strapi).get(`${api}/tasks`).set(as(finance))).body.data.find((t: any) => t.run === rejectedRun.documentId);
    expect((await http(strapi).post(`${api}/tasks/${task.documentId}/complete`).set(as(finance)).send({ outcome: 'rejected', note: 'the customer asked to stop' })).status).toBe(200);
    expect((await planOf(second.servicePlanId)).state).toBe('Active');
    stripe.received.length = 0;
    expect((await strapi.plugin('plan-renewals').service('jobs').runNow('renewals-due')).outcome).toBe('0 renewal runs started of 1 plan due');
    expect(stripe.received).toHaveLength(0);
  });
});
