import type { Core } from '@strapi/strapi';
import { http, signInStaff, startStrapi, stopStrapi } from '../harness/strapi';
import { auditEntries, createCustomer, createPlan, setRenewalLeadDays } from '../harness/fixtures';
import { StripeStandIn, checkoutCompleted, deliver, intentEvent, newId, startStripe, stopStripe } from '../harness/stripe';

/**
 * Money and cards through Stripe as it is today: the real `stripe` client against the local
 * stand-in, webhook events signed the way Stripe signs them.
 */
let strapi: Core.Strapi;
let stripe: StripeStandIn;
let customerSuccess: string;
let admin: string;
let plan: any;

beforeAll(async () => {
  stripe = await startStripe();
  strapi = await startStrapi();
  ({ customerSuccess } = await signInStaff(strapi));
  plan = await createPlan(strapi, { code: 'complete-care-integrity' });
  const registered = await http(strapi)
    .post('/admin/register-admin')
    .send({ firstname: 'Sam', lastname: 'Super', email: 'sam@shop.test', password: 'Str0ng-Passw0rd!' });
  admin = registered.body.data.token;
});
afterAll(async () => {
  await stopStrapi(strapi);
  await stopStripe(stripe);
});

const api = '/api/plan-renewals';
const as = (token: string) => ({ Authorization: `Bearer ${token}` });
const invoiceOf = (documentId: string): Promise<any> =>
  strapi.documents('api::invoice.invoice').findOne({ documentId, populate: ['transactions'] }) as any;
const customerOf = (documentId: string): Promise<any> => strapi.documents('api::customer.customer').findOne({ documentId }) as any;

const cardPurchase = async () => {
  const customer = await createCustomer(strapi);
  const response = await http(strapi)
    .post(`${api}/purchases`)
    .set(as(customerSuccess))
    .send({ customer: customer.documentId, plan: plan.code, addOns: ['roadside'], paymentMethod: 'stripe' });
  expect(response.status).toBe(201);
  const { run } = response.body.data;
  return { customer, run, invoice: await invoiceOf(run.invoice.documentId) };
};

const succeeded = (invoice: any, overrides: Record<string, unknown> = {}, eventOverrides: Record<string, unknown> = {}) =>
  intentEvent('payment_intent.succeeded', invoice, overrides, eventOverrides);

describe('4. a second payment arriving from Stripe', () => {
  test('is recorded and handed to Finance to refund; the invoice is paid once', async () => {
    const { customer, invoice } = await cardPurchase();
    const first = newId('pi');
    stripe.remember({ id: first, object: 'payment_intent', payment_method: newId('pm') });
    const stored = await customerOf(customer.documentId);
    expect((await deliver(strapi, checkoutCompleted(invoice, first, stored.stripeCustomerId))).status).toBe(200);
    const second = await deliver(strapi, succeeded(invoice));
    expect([second.status, second.body.outcome]).toEqual([200, expect.stringMatching(/already paid by stripe .*; Finance task to refund it opened/)]);
    const tasks = await strapi.db.query('plugin::workflows.task').findMany({ where: { processId: 'prepaid-plan', type: 'refund', subjectType: 'api::invoice.invoice', subjectId: invoice.documentId } });
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ role: 'finance', state: 'open' });
    const paid = await invoiceOf(invoice.documentId);
    expect(paid.state).toBe('Paid');
    expect(paid.transactions.filter((t: any) => t.state === 'Success')).toHaveLength(2);
  });
});

describe('6. no database transaction waits for Stripe', () => {
  test('while Stripe is slow to answer a webhook handler, an unrelated write is not held up', async () => {
    const { invoice } = await cardPurchase();
    const intentId = newId('pi');
    const paymentMethod = newId('pm');
    stripe.remember({ id: intentId, object: 'payment_intent', payment_method: paymentMethod });
    stripe.faults.push({ delayMs: 3000, method: 'GET', path: `/v1/payment_intents/${intentId}` });
    const delivery = deliver(strapi, checkoutCompleted(invoice, intentId, null));
    // Until the stand-in has been asked, the handler has not reached Stripe yet.
    for (let i = 0; i < 100 && !stripe.received.some((r) => r.method === 'GET' && r.path === `/v1/payment_intents/${intentId}`); i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    if (strapi.db.dialect.client === 'postgres') {
      const { rows } = await strapi.db.connection.raw(
        "select count(*)::int as n from pg_stat_activity where datname = current_database() and state like 'idle in transaction%'",
      );
      expect(rows[0].n).toBe(0);
    }
    const started = Date.now();
    await createCustomer(strapi);
    expect(Date.now() - started).toBeLessThan(1500);
    const response = await delivery;
    expect([response.status, response.body.outcome]).toEqual([200, expect.stringMatching(new RegExp(`card ${paymentMethod} saved`))]);
  });
});

describe('7. the card is saved from whichever event carries it', () => {
  test('payment_intent.succeeded with setup_future_usage saves the card, once', async () => {
    const { customer, invoice } = await cardPurchase();
    const stored = await customerOf(customer.documentId);
    const paymentMethod = newId('pm');
    const intentId = newId('pi');
    const event = () => succeeded(invoice, { id: intentId, setup_future_usage: 'off_session', payment_method: paymentMethod, customer: stored.stripeCustomerId });
    const response = await deliver(strapi, event());
    expect([response.status, response.body.outcome]).toEqual([200, expect.stringMatching(new RegExp(`card ${paymentMethod} saved`))]);
    expect((await customerOf(customer.documentId)).stripePaymentMethodId).toBe(paymentMethod);
    const entries = (await auditEntries(strapi, customer.documentId)).filter((e: any) => e.changes?.stripePaymentMethodId);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actorType: 'stripe', changes: { stripePaymentMethodId: { before: null, after: `…${paymentMethod.slice(-4)}` } } });

    // The same payment told again (another event of it): nothing changes, nothing more is audited.
    expect((await deliver(strapi, event())).status).toBe(200);
    expect((await auditEntries(strapi, customer.documentId)).filter((e: any) => e.changes?.stripePaymentMethodId)).toHaveLength(1);
  });
});

describe('9. Stripe as it is today', () => {
  test('an off-session renewal charge asks for payment methods without redirects, on the pinned API version', async () => {
    const { customer, run, invoice } = await cardPurchase();
    const stored = await customerOf(customer.documentId);
    const paymentMethod = newId('pm');
    expect((await deliver(strapi, succeeded(invoice, { setup_future_usage: 'off_session', payment_method: paymentMethod, customer: stored.stripeCustomerId }))).status).toBe(200);
    const tasks = (await http(strapi).get(`${api}/tasks`).set(as(customerSuccess))).body.data;
    const check = tasks.find((task: any) => task.run === run.documentId);
    expect((await http(strapi).post(`${api}/tasks/${check.documentId}/complete`).set(as(customerSuccess)).send({ outcome: 'passed' })).status).toBe(200);

    stripe.received.length = 0;
    // Renewed at once, the plan is a year from its end: the lead time is widened for this test.
    const restoreLeadDays = setRenewalLeadDays(strapi);
    const renewal = await http(strapi).post(`${api}/service-plans/${run.servicePlan.documentId}/renewals`).set(as(customerSuccess));
    restoreLeadDays();
    expect(renewal.status).toBe(201);
    const charge = stripe.received.find((r) => r.method === 'POST' && r.path === '/v1/payment_intents')!;
    expect(charge.params).toMatchObject({
      payment_method: paymentMethod,
      off_session: 'true',
      confirm: 'true',
      automatic_payment_methods: { enabled: 'true', allow_redirects: 'never' },
    });
    expect(charge.version).toBe('2026-10-28.endive');
  });

  test('an event of another API version is logged once and shown in Settings', async () => {
    const { invoice } = await cardPurchase();
    const warn = jest.spyOn(strapi.log, 'warn');
    try {
      for (let i = 0; i < 2; i += 1) {
        const event = succeeded(invoice, { metadata: { app: 'someone-else' } }, { api_version: '2020-08-27' });
        expect((await deliver(strapi, event)).status).toBe(200);
      }
      expect(warn.mock.calls.filter(([message]) => /API version 2020-08-27/.test(String(message)))).toHaveLength(1);
    } finally {
      warn.mockRestore();
    }
    const settings = await http(strapi).get('/plan-renewals/settings').set(as(admin));
    expect(settings.status).toBe(200);
    expect(settings.body.data.stripe).toMatchObject({ apiVersion: '2026-10-28.endive', eventApiVersion: '2020-08-27', apiVersionMismatch: true });
  });
});
