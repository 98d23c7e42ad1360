import crypto from 'node:crypto';
import type { Core } from '@strapi/strapi';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { fingerprint } from '../harness/database-state';
import { createCustomer } from '../harness/fixtures';
import { http, signIn, startStrapi, stopStrapi } from '../harness/strapi';
import { StripeStandIn, deliver, newId, startStripe, stopStripe, stripeEvent } from '../harness/stripe';

/**
 * The transit pass process over HTTP with real role JWTs: a purchase paid at the desk, the pass
 * and its validity, the day's revenue, the verification task (skipped with its reason, verified,
 * rejected with the order refunded and the pass revoked), card stock under concurrency, renewals,
 * the monthly report, the clean-up of expired single-use passes, and refusals that write nothing;
 * and orders paid by card, through the real `stripe` client against the local Stripe stand-in and
 * signed webhook events.
 */
let strapi: Core.Strapi;
let stripe: StripeStandIn;
const TP = '/api/transit-passes';
const WF = '/api/workflows';
let billing: string;
let verification: string;
let customerSuccess: string;
let finance: string;

const bearer = (jwt: string) => ({ Authorization: `Bearer ${jwt}` });
const get = (jwt: string, url: string) => http(strapi).get(url).set(bearer(jwt));
const post = (jwt: string, url: string, body: unknown = {}) => http(strapi).post(url).set(bearer(jwt)).send(body as object);

const product = (data: Record<string, unknown>) =>
  strapi.documents('plugin::transit-passes.fare-product' as any).create({
    data: { currency: 'USD', taxRateBps: 0, serviceFeeMinor: 0, activation: 'on-purchase', proofRequired: 'none', active: true, ...data } as any,
  });
const unique = () => crypto.randomBytes(3).toString('hex');
/** What a phone's camera reads from a base64 PNG: the QR code's text, or null. */
const scanQr = (base64: string): string | null => {
  const image = PNG.sync.read(Buffer.from(base64, 'base64'));
  return jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data ?? null;
};

let card: any;

beforeAll(async () => {
  stripe = await startStripe();
  strapi = await startStrapi();
  billing = await signIn(strapi, 'billing');
  verification = await signIn(strapi, 'verification');
  customerSuccess = await signIn(strapi, 'customer-success');
  finance = await signIn(strapi, 'finance');
  await product({ code: 'adult-monthly', name: 'Adult monthly', riderCategory: 'adult', fareMedium: 'digital', priceMinor: 9_000, serviceFeeMinor: 150, taxRateBps: 500, validityKind: 'months', validityAmount: 1 });
  await product({ code: 'senior-monthly', name: 'Senior monthly', riderCategory: 'senior', fareMedium: 'digital', priceMinor: 4_500, validityKind: 'months', validityAmount: 1, proofRequired: 'age' });
  await product({ code: 'adult-single', name: 'Single ride', riderCategory: 'adult', fareMedium: 'digital', priceMinor: 250, validityKind: 'single-use', validityAmount: 90 });
  card = await product({ code: 'adult-weekly-card', name: 'Adult weekly card', riderCategory: 'adult', fareMedium: 'card', priceMinor: 2_500, validityKind: 'days', validityAmount: 7 });
  await strapi.documents('plugin::transit-passes.card-stock' as any).create({ data: { product: card.documentId, onHand: 1, reserved: 0 } as any });
});
afterAll(async () => {
  await stopStrapi(strapi);
  await stopStripe(stripe);
});

const refusedUnchanged = async (send: () => PromiseLike<any>, status: number, message: RegExp) => {
  const before = await fingerprint(strapi);
  const response = await send();
  expect(response.status).toBe(status);
  expect(response.body.error.message).toMatch(message);
  expect(await fingerprint(strapi)).toEqual(before);
};

const buy = async (productCode: string, customer?: any) => {
  const who = customer ?? (await createCustomer(strapi, { email: `rider-${unique()}@example.com`, phone: '+15125550142' }));
  const response = await post(billing, `${TP}/orders`, { customer: who.documentId, product: productCode, paymentMethod: 'desk' });
  return { customer: who, response };
};

const openTask = async (run: string, stepId: string) =>
  strapi.db.query('plugin::workflows.task').findOne({ where: { run: { documentId: run }, stepId, state: 'open' } });
const payAtDesk = async (order: any, outcome = 'paid', note?: string) => {
  const task = await openTask(order.run.documentId, 'desk-payment');
  return post(billing, `${WF}/tasks/${task.documentId}/complete`, { outcome, ...(note ? { note } : {}) });
};
const order = async (documentId: string) => (await get(billing, `${TP}/orders/${documentId}`)).body.data;

test('a monthly pass bought and paid at the desk: order Paid, pass Active with its code, revenue counted, email and SMS sent', async () => {
  const { customer, response } = await buy('adult-monthly');
  expect(response.status).toBe(201);
  const created = response.body.data;
  // 9,000 + 150 fee, 5 % tax on both: 457.5 -> 458 (half away from zero).
  expect(created).toMatchObject({ status: 'Pending', number: expect.stringMatching(/^PO-\d{4}-\d{6}$/), subtotalMinor: 9_150, taxMinor: 458, totalMinor: 9_608, pass: null });
  expect(created.run).toMatchObject({ state: 'waiting', currentStep: 'desk-payment' });
  expect(created.run.steps.find((s: any) => s.id === 'card-payment')).toMatchObject({ state: 'pending' });

  const paid = await payAtDesk(created);
  expect(paid.status).toBe(200);
  expect(paid.body.data).toMatchObject({ state: 'completed', outcome: 'accepted' });
  const after = await order(created.documentId);
  expect(after).toMatchObject({ status: 'Paid', pass: { status: 'Active', temporary: false } });
  expect(after.pass.code).toMatch(/^[A-Za-z0-9_-]{22}$/);
  const skipped = Object.fromEntries(paid.body.data.steps.filter((s: any) => s.state === 'skipped').map((s: any) => [s.id, s.result]));
  expect(skipped).toMatchObject({ 'card-payment': 'Skipped: paid at the desk', 'verify-eligibility': 'Skipped: Adult monthly needs no proof', 'undo-order': expect.any(String) });

  const validity = await get(billing, `${TP}/passes/${after.pass.code}/validity`);
  expect(validity.status).toBe(200);
  expect(validity.body.data).toMatchObject({ valid: true, reason: 'valid', product: { code: 'adult-monthly', riderCategory: 'adult' } });
  expect(JSON.stringify(validity.body.data)).not.toMatch(new RegExp(customer.email));
  // A month from now, on the same day and time (clamped at a month's end).
  expect(new Date(after.pass.validUntil).getTime() - new Date(after.pass.validFrom).getTime()).toBeGreaterThanOrEqual(28 * 86_400_000);

  const day = after.paidOn;
  const revenue = await get(finance, `${TP}/revenue/daily/${day}`);
  expect(revenue.status).toBe(200);
  expect(revenue.body.data.currencies.find((c: any) => c.currency === 'USD').totalMinor).toBeGreaterThanOrEqual(9_608);

  const messages = await strapi.db.query('plugin::workflows.message').findMany({ where: { run: created.run.documentId }, orderBy: { id: 'asc' } });
  expect(messages.map((m: any) => m.channel)).toEqual(['email', 'sms']);
  expect(messages[0].text).toContain(after.pass.code);
  // The email shows the pass as a QR code (an inline image) that scans back to the pass code.
  expect(messages[0].html).toContain('<img src="cid:pass-qr"');
  expect(messages[0].images.map((image: any) => image.cid)).toEqual(['pass-qr']);
  expect(scanQr(messages[0].images[0].png)).toBe(after.pass.code);
  expect(await strapi.documents('api::customer.customer').findOne({ documentId: customer.documentId })).toMatchObject({ transitStatus: 'Active' });
});

test('bad input is a clear 4xx and writes nothing', async () => {
  const customer = await createCustomer(strapi);
  await refusedUnchanged(() => post(billing, `${TP}/orders`, { customer: customer.documentId, product: 'no-such-product' }), 400, /No fare product/);
  await refusedUnchanged(() => post(billing, `${TP}/orders`, { customer: customer.documentId, product: 'adult-monthly', paymentMethod: 'cash' }), 400, /paymentMethod/);
  await refusedUnchanged(() => post(billing, `${TP}/orders`, { customer: customer.documentId, product: 'adult-monthly', price: 1 }), 400, /price/);
  await refusedUnchanged(() => post(verification, `${TP}/orders`, { customer: customer.documentId, product: 'adult-monthly' }), 403, /Forbidden/);
  await refusedUnchanged(() => get(billing, `${TP}/passes/not-a-code/validity`), 400, /^path: must be a pass code/);
  await refusedUnchanged(() => get(billing, `${TP}/passes/${'A'.repeat(22)}/validity`), 404, /No pass/);
  await refusedUnchanged(() => get(billing, `${TP}/revenue/daily/2026-02-30`), 400, /date/);
  await refusedUnchanged(() => get(verification, `${TP}/reports/monthly/2026-01`), 403, /Forbidden/);
});

test('two buyers of the last card at the same instant: one order, one clear refusal, the stock never negative', async () => {
  const [a, b] = await Promise.all([buy('adult-weekly-card'), buy('adult-weekly-card')]);
  const statuses = [a.response.status, b.response.status].sort();
  expect(statuses).toEqual([201, 409]);
  const refused = a.response.status === 409 ? a.response : b.response;
  expect(refused.body.error.message).toMatch(/No Adult weekly card card is available/);
  const stock = await strapi.db.query('plugin::transit-passes.card-stock').findOne({ where: { product: { id: card.id } } });
  expect(stock).toMatchObject({ onHand: 1, reserved: 1 });
  expect(await strapi.db.query('plugin::transit-passes.order').count({ where: { product: { id: card.id } } })).toBe(1);
  expect(await strapi.db.query('plugin::workflows.run').count({ where: { processId: 'transit-pass', state: 'failed' } })).toBe(0);

  // Declined at the desk: the order Fails and its card goes back to the shelf.
  const won = (a.response.status === 201 ? a : b).response.body.data;
  await refusedUnchanged(() => payAtDesk(won, 'declined'), 400, /note/);
  const declined = await payAtDesk(won, 'declined', 'card refused by the bank');
  expect(declined.body.data).toMatchObject({ state: 'completed', outcome: 'rejected' });
  expect(await order(won.documentId)).toMatchObject({ status: 'Failed', pass: null });
  expect(await strapi.db.query('plugin::transit-passes.card-stock').findOne({ where: { product: { id: card.id } } })).toMatchObject({ onHand: 1, reserved: 0 });
});

test('a senior pass needs proof of age: verified once, it is not asked again; a rejection revokes the pass and refunds the order', async () => {
  const { customer, response } = await buy('senior-monthly');
  await payAtDesk(response.body.data);
  let current = await order(response.body.data.documentId);
  expect(current.run).toMatchObject({ state: 'waiting', currentStep: 'verify-eligibility' });
  const check = await openTask(current.run.documentId, 'verify-eligibility');
  expect(check).toMatchObject({ role: 'verification', type: 'eligibility-check' });
  await refusedUnchanged(() => post(billing, `${WF}/tasks/${check.documentId}/complete`, { outcome: 'verified' }), 403, /verification role/);
  await refusedUnchanged(() => post(verification, `${WF}/tasks/${check.documentId}/complete`, { outcome: 'verified', data: { method: '' } }), 400, /method must say/);
  const verified = await post(verification, `${WF}/tasks/${check.documentId}/complete`, { outcome: 'verified', data: { method: 'ID card at the desk', evidenceRef: 'desk-log-77' } });
  expect(verified.body.data).toMatchObject({ state: 'completed', outcome: 'accepted' });
  const record = await strapi.db.query('plugin::transit-passes.verification').findOne({ where: { customer: { documentId: customer.documentId } } });
  expect(record).toMatchObject({ category: 'age', method: 'ID card at the desk', evidenceRef: 'desk-log-77' });

  // The same customer again: the check is skipped, saying why.
  const again = await buy('senior-monthly', customer);
  const paid = await payAtDesk(again.response.body.data);
  expect(paid.body.data.steps.find((s: any) => s.id === 'verify-eligibility')).toMatchObject({ state: 'skipped', result: expect.stringMatching(/^Skipped: age verified on/) });

  // Another rider, whose proof is rejected.
  const other = await buy('senior-monthly');
  await payAtDesk(other.response.body.data);
  current = await order(other.response.body.data.documentId);
  const task = await openTask(current.run.documentId, 'verify-eligibility');
  const rejected = await post(verification, `${WF}/tasks/${task.documentId}/complete`, { outcome: 'rejected', note: 'document expired' });
  expect(rejected.body.data).toMatchObject({ state: 'completed', outcome: 'rejected' });
  current = await order(other.response.body.data.documentId);
  expect(current).toMatchObject({ status: 'Cancelled', refundedMinor: current.totalMinor, pass: { status: 'Revoked' } });
  const validity = await get(billing, `${TP}/passes/${current.pass.code}/validity`);
  expect(validity.body.data).toMatchObject({ valid: false, reason: 'revoked' });
  const mails = await strapi.db.query('plugin::workflows.message').findMany({ where: { run: current.run.documentId }, orderBy: { id: 'asc' } });
  expect(mails[mails.length - 1].text).toMatch(/could not verify your eligibility \(document expired\)/);
});

test('a period pass is renewed near its end, from where it ends; one renewal at a time', async () => {
  const { response } = await buy('adult-monthly');
  await payAtDesk(response.body.data);
  const first = await order(response.body.data.documentId);
  // Far from its end: not yet.
  await refusedUnchanged(() => post(customerSuccess, `${TP}/passes/${first.pass.documentId}/renewals`), 409, /renewal opens 7 days before/);
  const soon = new Date(Date.now() + 3 * 86_400_000);
  await strapi.db.connection('transit_passes').where({ document_id: first.pass.documentId }).update({ valid_until: soon });
  const renewal = await post(customerSuccess, `${TP}/passes/${first.pass.documentId}/renewals`);
  expect(renewal.status).toBe(201);
  expect(renewal.body.data).toMatchObject({ kind: 'renewal', status: 'Pending' });
  await refusedUnchanged(() => post(customerSuccess, `${TP}/passes/${first.pass.documentId}/renewals`), 409, /already has an open run/);
  await payAtDesk(renewal.body.data);
  const renewed = await order(renewal.body.data.documentId);
  expect(new Date(renewed.pass.validFrom).getTime()).toBe(soon.getTime());
});

test('the monthly subscription report counts new passes, renewals and cancellations, JSON and CSV', async () => {
  const month = new Date().toISOString().slice(0, 7);
  const report = await get(finance, `${TP}/reports/monthly/${month}`);
  expect(report.status).toBe(200);
  expect(report.body.data).toMatchObject({ month });
  expect(report.body.data.new).toBeGreaterThanOrEqual(4);
  expect(report.body.data.renewals).toBe(1);
  expect(report.body.data.cancellations).toBe(1);
  const csv = await get(billing, `${TP}/reports/monthly/${month}?format=csv`);
  expect(csv.headers['content-type']).toMatch(/text\/csv/);
  expect(csv.text.split('\n')[0]).toBe('month,currency,new,new_minor,renewals,renewals_minor,cancellations,refunded_minor');
});

test('expired single-use passes are removed once, and the audit log keeps them', async () => {
  const { response } = await buy('adult-single');
  await payAtDesk(response.body.data);
  const bought = await order(response.body.data.documentId);
  expect(bought.pass).toMatchObject({ temporary: true, status: 'Active' });
  expect(new Date(bought.pass.validUntil).getTime() - new Date(bought.pass.validFrom).getTime()).toBe(90 * 60_000);
  await strapi.db.connection('transit_passes').where({ document_id: bought.pass.documentId }).update({ valid_until: new Date(Date.now() - 60_000) });
  expect((await get(billing, `${TP}/passes/${bought.pass.code}/validity`)).body.data).toMatchObject({ valid: false, reason: 'expired' });
  const { removeExpiredTemporary } = require('../../dist/src/plugins/transit-passes/server/src/services/steps');
  expect(await removeExpiredTemporary(strapi, new Date())).toBe(1);
  expect(await removeExpiredTemporary(strapi, new Date())).toBe(0);
  expect(await strapi.db.query('plugin::transit-passes.pass').findOne({ where: { documentId: bought.pass.documentId } })).toBeNull();
  expect(await strapi.db.query('api::audit-log.audit-log').count({ where: { action: 'pass.removed', entityDocumentId: bought.pass.documentId } })).toBe(1);
});

test('the renewals job opens one renewal for each auto-renewing period pass ending within the lead time, once', async () => {
  const { response } = await buy('adult-monthly');
  await payAtDesk(response.body.data);
  const bought = await order(response.body.data.documentId);
  expect(bought.pass).toMatchObject({ autoRenew: true });
  const orders = strapi.plugin('transit-passes').service('orders');
  // Far from its end: not due.
  const before = await orders.openDueRenewals();
  expect(before.opened).toBe(0);
  await strapi.db.connection('transit_passes').where({ document_id: bought.pass.documentId }).update({ valid_until: new Date(Date.now() + 2 * 86_400_000) });
  const first = await orders.openDueRenewals();
  expect(first.opened).toBeGreaterThanOrEqual(1);
  const renewals = await strapi.db.query('plugin::transit-passes.order').findMany({ where: { renewalOf: bought.pass.documentId } });
  expect(renewals).toHaveLength(1);
  expect(renewals[0]).toMatchObject({ kind: 'renewal', state: 'Pending' });
  // Run again (another instance, the next day): nothing more.
  expect((await orders.openDueRenewals()).opened).toBe(0);
  expect(await strapi.db.query('plugin::transit-passes.order').count({ where: { renewalOf: bought.pass.documentId } })).toBe(1);
  const task = await openTask(renewals[0].run, 'desk-payment');
  expect(task).toMatchObject({ role: 'billing', state: 'open' });
});

describe('paid by card through Stripe Checkout', () => {
  let weekly: any;
  beforeAll(async () => {
    weekly = await product({ code: 'reduced-weekly-card', name: 'Reduced weekly card', riderCategory: 'reduced', fareMedium: 'card', priceMinor: 1_250, serviceFeeMinor: 100, taxRateBps: 800, validityKind: 'days', validityAmount: 7 });
    await strapi.documents('plugin::transit-passes.card-stock' as any).create({ data: { product: weekly.documentId, onHand: 5, reserved: 0 } as any });
  });

  const stock = async () => {
    const row: any = await strapi.db.query('plugin::transit-passes.card-stock').findOne({ where: { product: { documentId: weekly.documentId } } });
    return { onHand: row.onHand, reserved: row.reserved };
  };
  const byCard = async (productCode = 'reduced-weekly-card') => {
    const customer = await createCustomer(strapi, { email: `card-rider-${unique()}@example.com`, phone: '+15125550177' });
    const response = await post(billing, `${TP}/orders`, { customer: customer.documentId, product: productCode, paymentMethod: 'stripe' });
    expect(response.status).toBe(201);
    return { customer, created: response.body.data };
  };
  /** What this application puts on the Checkout session of an order. */
  const metadataOf = (created: any) => ({ app: 'plan-renewals', transitOrder: created.documentId, orderNumber: created.number, run: created.run.documentId });
  const sessionEvent = (type: string, created: any, overrides: Record<string, unknown> = {}) =>
    stripeEvent(type, 'checkout.session', {
      id: newId('cs_test'),
      mode: 'payment',
      status: type === 'checkout.session.expired' ? 'expired' : 'complete',
      payment_status: type === 'checkout.session.expired' ? 'unpaid' : 'paid',
      amount_total: created.totalMinor,
      currency: created.currency.toLowerCase(),
      customer: null,
      payment_intent: type === 'checkout.session.expired' ? null : newId('pi'),
      metadata: metadataOf(created),
      ...overrides,
    });
  /** Webhook effects may be applied after the answer: the order is read until `done` holds (or 10 s pass). */
  const until = async (documentId: string, done: (o: any) => boolean) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const found = await order(documentId);
      if (done(found) || Date.now() > deadline) return found;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  test('order -> Checkout URL -> signed webhook -> Paid, revenue counted, pass issued, card taken from stock; a repeated or second event for the same payment changes nothing', async () => {
    const before = await stock();
    stripe.received.length = 0;
    const { customer, created } = await byCard();
    // 12.50 + 1.00 fee, 8 % tax on both: 1.08 -> 13.58.
    expect(created).toMatchObject({ status: 'Pending', paymentMethod: 'stripe', totalMinor: 1_458, cardPayment: null, paymentIssue: null, pass: null });
    expect(created.checkoutUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/checkout\/cs_test_/);
    expect(created.run).toMatchObject({ state: 'waiting', currentStep: 'card-payment', version: 2 });
    expect(created.run.steps.find((s: any) => s.id === 'desk-payment')).toMatchObject({ state: 'skipped', result: 'Skipped: paid by card' });
    expect(await stock()).toEqual({ onHand: before.onHand, reserved: before.reserved + 1 });

    const session = stripe.received.find((r) => r.path === '/v1/checkout/sessions')!;
    expect(session.idempotencyKey).toBe(`transit-checkout:${created.run.documentId}:${created.number}`);
    expect(session.params).toMatchObject({
      mode: 'payment',
      client_reference_id: created.documentId,
      line_items: { '0': { quantity: '1', price_data: { currency: 'usd', unit_amount: '1458' } } },
      metadata: { app: 'plan-renewals', transitOrder: created.documentId, orderNumber: created.number, run: created.run.documentId },
    });
    expect(session.params.success_url).toContain(`order=${created.number}`);
    expect(session.params.metadata.invoice).toBeUndefined();
    // Asked again (a retry): the same key, so Stripe answers the same session; no second one is asked.
    const again = await strapi.plugin('transit-passes').service('card-payments').requestCheckout(created.documentId);
    expect(again).toBe(created.checkoutUrl);
    expect(stripe.received.filter((r) => r.path === '/v1/checkout/sessions')).toHaveLength(1);

    const paid = sessionEvent('checkout.session.completed', created);
    const delivered = await deliver(strapi, paid);
    expect(delivered.status).toBe(200);
    const after = await until(created.documentId, (o) => o.status === 'Paid' && o.run.state === 'completed');
    expect(after).toMatchObject({ status: 'Paid', cardPayment: 'paid', paymentIssue: null, pass: { status: 'Active', temporary: false } });
    expect(after.run).toMatchObject({ state: 'completed', outcome: 'accepted' });
    const steps = Object.fromEntries(after.run.steps.map((s: any) => [s.id, s]));
    expect(steps['card-payment']).toMatchObject({ state: 'done', actor: { type: 'stripe' } });
    expect(steps['card-payment'].result).toContain(paid.data.object.payment_intent);
    expect(steps['card-outcome']).toMatchObject({ state: 'done', branch: 'paid' });
    expect(steps['mark-paid'].result).toMatch(/paid by card/);
    expect(steps['undo-order'].state).toBe('skipped');
    expect(await stock()).toEqual({ onHand: before.onHand - 1, reserved: before.reserved });
    const revenue = await get(finance, `${TP}/revenue/daily/${after.paidOn}`);
    expect(revenue.body.data.currencies.find((c: any) => c.currency === 'USD').totalMinor).toBeGreaterThanOrEqual(1_458);
    const messages = await strapi.db.query('plugin::workflows.message').findMany({ where: { run: created.run.documentId }, orderBy: { id: 'asc' } });
    expect(messages.map((m: any) => m.channel)).toEqual(['email', 'sms']);
    expect(messages[0].text).toContain(after.pass.code);
    expect(await strapi.documents('api::customer.customer').findOne({ documentId: customer.documentId })).toMatchObject({ transitStatus: 'Active' });

    // The same delivery again, and Stripe's payment_intent.succeeded for the same payment: applied once.
    const repeated = await deliver(strapi, paid);
    expect([repeated.status, repeated.body.duplicate]).toEqual([200, true]);
    const intent = stripeEvent('payment_intent.succeeded', 'payment_intent', {
      id: paid.data.object.payment_intent,
      amount: 1_458,
      amount_received: 1_458,
      currency: 'usd',
      status: 'succeeded',
      metadata: metadataOf(created),
    });
    const second = await deliver(strapi, intent);
    expect(second.status).toBe(200);
    if (second.body.outcome) expect(second.body.outcome).toMatch(/already recorded/);
    const settled = await order(created.documentId);
    expect(settled).toMatchObject({ status: 'Paid', paidAt: after.paidAt, pass: { documentId: after.pass.documentId } });
    expect(settled.run.steps).toEqual(after.run.steps);
    expect(await strapi.db.query('plugin::transit-passes.pass').count({ where: { order: { documentId: created.documentId } } })).toBe(1);
    expect(await stock()).toEqual({ onHand: before.onHand - 1, reserved: before.reserved });
  });

  test('money that does not match the order is not recorded as its payment: the order waits, Finance has a task', async () => {
    const { created } = await byCard();
    const short = sessionEvent('checkout.session.completed', created, { amount_total: created.totalMinor - 1 });
    expect((await deliver(strapi, short)).status).toBe(200);
    const flagged = await until(created.documentId, (o) => Boolean(o.paymentIssue));
    expect(flagged).toMatchObject({ status: 'Pending', cardPayment: null, pass: null, paymentIssue: 'not recorded: paid USD 14.57, the order is USD 14.58' });
    expect(flagged.run).toMatchObject({ state: 'waiting', currentStep: 'card-payment' });
    const euros = sessionEvent('checkout.session.completed', created, { currency: 'eur' });
    expect((await deliver(strapi, euros)).status).toBe(200);
    const tasks = await strapi.db.query('plugin::workflows.task').findMany({ where: { type: 'payment-mismatch', details: { $contains: created.number } } });
    expect(tasks).toHaveLength(2);
    expect(tasks.map((t: any) => t.role)).toEqual(['finance', 'finance']);
    expect((await order(created.documentId)).status).toBe('Pending');
  });

  test('a Checkout session that expires unpaid fails the order and releases its card; a payment after that is not recorded', async () => {
    const before = await stock();
    const { created } = await byCard();
    expect(await stock()).toEqual({ onHand: before.onHand, reserved: before.reserved + 1 });
    // One declined attempt does not end it: the customer may try another card on the same page.
    const declined = stripeEvent('payment_intent.payment_failed', 'payment_intent', {
      id: newId('pi'),
      amount: created.totalMinor,
      currency: 'usd',
      status: 'requires_payment_method',
      metadata: metadataOf(created),
      last_payment_error: { type: 'card_error', code: 'card_declined', message: 'Your card was declined.' },
    });
    expect((await deliver(strapi, declined)).status).toBe(200);
    expect(await until(created.documentId, (o) => Boolean(o.paymentIssue))).toMatchObject({ status: 'Pending', paymentIssue: 'declined: Your card was declined.' });

    expect((await deliver(strapi, sessionEvent('checkout.session.expired', created))).status).toBe(200);
    const failed = await until(created.documentId, (o) => o.run.state === 'completed');
    expect(failed).toMatchObject({ status: 'Failed', cardPayment: 'failed', pass: null });
    expect(failed.run).toMatchObject({ state: 'completed', outcome: 'rejected' });
    expect(failed.run.steps.find((s: any) => s.id === 'card-outcome')).toMatchObject({ state: 'rejected', branch: 'failed' });
    expect(await stock()).toEqual(before);
    const told = await strapi.db.query('plugin::workflows.message').findMany({ where: { run: created.run.documentId } });
    expect(told.map((m: any) => m.text).join('\n')).toMatch(/did not go through \(the Checkout session expired unpaid\); nothing was charged/);

    // Paid on a page left open after all: not recorded; Finance refunds it.
    const late = sessionEvent('checkout.session.completed', created);
    expect((await deliver(strapi, late)).status).toBe(200);
    expect(await strapi.db.query('plugin::workflows.task').count({ where: { type: 'refund', details: { $contains: created.number } } })).toBe(1);
    expect(await order(created.documentId)).toMatchObject({ status: 'Failed', pass: null });
  });

  test('a run a person cancels undoes its order: a pending one Failed with its card released; a paid one Cancelled, refunded and its pass revoked', async () => {
    const before = await stock();
    const runner = strapi.plugin('workflows').service('runner');
    const { created: pending } = await byCard();
    expect(await stock()).toEqual({ onHand: before.onHand, reserved: before.reserved + 1 });
    const cancelled = await runner.cancel(pending.run.documentId, 'the customer left', { type: 'user', id: '1', name: 'desk lead' });
    expect(cancelled).toMatchObject({ state: 'cancelled' });
    expect(await order(pending.documentId)).toMatchObject({ status: 'Failed', pass: null });
    expect(await stock()).toEqual(before);
    const entry = await strapi.db.query('api::audit-log.audit-log').findOne({ where: { entityDocumentId: pending.run.documentId, action: 'run.step-cancelled' } });
    expect(entry.summary).toMatch(/the customer left; Order .* Failed, its card released/);

    const { created: paidOrder } = await byCard('senior-monthly');
    expect((await deliver(strapi, sessionEvent('checkout.session.completed', paidOrder))).status).toBe(200);
    const waiting = await until(paidOrder.documentId, (o) => o.status === 'Paid' && o.run.currentStep === 'verify-eligibility' && o.run.state === 'waiting');
    expect(waiting.pass).toMatchObject({ status: 'Active' });
    await runner.cancel(paidOrder.run.documentId, 'bought by mistake', { type: 'user', id: '1', name: 'desk lead' });
    const after = await order(paidOrder.documentId);
    expect(after).toMatchObject({ status: 'Cancelled', refundedMinor: after.totalMinor, pass: { status: 'Revoked' } });
    const refunds = await strapi.db.query('plugin::workflows.task').findMany({ where: { type: 'refund', details: { $contains: paidOrder.number } } });
    expect(refunds.map((t: any) => [t.processId, t.state])).toEqual([['transit-pass', 'open']]);
    expect(await openTask(paidOrder.run.documentId, 'verify-eligibility')).toBeNull();
  });

  test('a card-paid pass whose proof is rejected: the order is cancelled and Finance refunds the card in Stripe, once', async () => {
    const { created } = await byCard('senior-monthly');
    const paid = sessionEvent('checkout.session.completed', created);
    expect((await deliver(strapi, paid)).status).toBe(200);
    const waiting = await until(created.documentId, (o) => o.status === 'Paid' && o.run.currentStep === 'verify-eligibility' && o.run.state === 'waiting');
    const task = await openTask(waiting.run.documentId, 'verify-eligibility');
    const rejected = await post(verification, `${WF}/tasks/${task.documentId}/complete`, { outcome: 'rejected', note: 'no proof of age' });
    expect(rejected.body.data).toMatchObject({ state: 'completed', outcome: 'rejected' });
    const after = await order(created.documentId);
    expect(after).toMatchObject({ status: 'Cancelled', refundedMinor: after.totalMinor, pass: { status: 'Revoked' } });
    expect(after.run.steps.find((s: any) => s.id === 'undo-order').result).toMatch(/to refund to the card \(a Finance task\)/);
    const { stripePaymentIntent } = await strapi.db.query('plugin::transit-passes.order').findOne({ where: { documentId: created.documentId } });
    expect(stripePaymentIntent).toBe(paid.data.object.payment_intent);
    const refunds = await strapi.db.query('plugin::workflows.task').findMany({ where: { type: 'refund', role: 'finance', details: { $contains: created.number } } });
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toMatchObject({ state: 'open', taskKey: `${stripePaymentIntent}:transit:refund` });
    expect(refunds[0].details).toContain(stripePaymentIntent);
    const told = await strapi.db.query('plugin::workflows.message').findMany({ where: { run: created.run.documentId }, orderBy: { id: 'asc' } });
    expect(told[told.length - 1].text).toMatch(/could not verify your eligibility \(no proof of age\); your order is cancelled and its amount will be refunded to your card/);
  });

  test("a refund made in Stripe or a dispute about a pass order's card payment gives Finance a task, once each", async () => {
    const { created } = await byCard();
    const paid = sessionEvent('checkout.session.completed', created);
    expect((await deliver(strapi, paid)).status).toBe(200);
    await until(created.documentId, (o) => o.status === 'Paid' && o.run.state === 'completed');
    const intent = paid.data.object.payment_intent;
    const refund = stripeEvent('charge.refunded', 'charge', { id: newId('ch'), payment_intent: intent, amount: created.totalMinor, amount_refunded: created.totalMinor, refunded: true, currency: 'usd' });
    const dispute = stripeEvent('charge.dispute.created', 'dispute', {
      id: newId('dp'),
      payment_intent: intent,
      amount: created.totalMinor,
      currency: 'usd',
      reason: 'fraudulent',
      evidence_details: { due_by: Math.floor(Date.UTC(2027, 0, 15, 23, 59, 59) / 1000), has_evidence: false, past_due: false, submission_count: 0 },
    });
    for (const event of [refund, dispute, refund]) expect((await deliver(strapi, event)).status).toBe(200);
    const tasks = await strapi.db.query('plugin::workflows.task').findMany({ where: { details: { $contains: `pass order ${created.number}` }, type: { $in: ['refund', 'dispute'] } }, orderBy: { id: 'asc' } });
    expect(tasks.map((t: any) => [t.processId, t.type, t.role, t.state, t.stepId, t.subjectType, t.subjectId])).toEqual([
      ['transit-pass', 'refund', 'finance', 'open', null, 'plugin::transit-passes.order', created.documentId],
      ['transit-pass', 'dispute', 'finance', 'open', null, 'plugin::transit-passes.order', created.documentId],
    ]);
    // Finance finds them with its other work, as this process's follow-ups.
    const listed = (await get(finance, `${WF}/tasks`)).body.data.filter((t: any) => tasks.some((task: any) => task.documentId === t.documentId));
    expect(listed.map((t: any) => [t.process, t.title])).toEqual([
      ['transit-pass', 'Refund a card payment'],
      ['transit-pass', 'Answer a card dispute'],
    ]);
    expect(tasks[1].dueDate).toBe('2027-01-15');
    // The order itself is Finance's to change: the event alone does not touch it.
    expect(await order(created.documentId)).toMatchObject({ status: 'Paid', pass: { status: 'Active' } });
  });

  test('Stripe unreachable when the order is made: the order stands without a link, and the retry job asks again with the same key', async () => {
    // stripe-node tries three times (two retries): Stripe answers 500 to each.
    for (let i = 0; i < 3; i += 1) stripe.faults.push({ status: 500, path: '/v1/checkout/sessions' });
    stripe.received.length = 0;
    const { created } = await byCard();
    expect(created).toMatchObject({ status: 'Pending', checkoutUrl: null, paymentIssue: expect.stringMatching(/^Stripe could not be reached/) });
    expect(created.run).toMatchObject({ state: 'waiting', currentStep: 'card-payment' });
    const payments = strapi.plugin('transit-passes').service('card-payments');
    // Within its first minute the order is left alone (its own request may still be under way).
    expect(await payments.requestMissing()).toMatchObject({ asked: 0 });
    const later = new Date(Date.now() + 2 * 60_000);
    expect(await payments.requestMissing(later)).toEqual({ missing: 1, asked: 1 });
    const fixed = await order(created.documentId);
    expect(fixed).toMatchObject({ status: 'Pending', paymentIssue: null, checkoutUrl: expect.stringMatching(/\/checkout\/cs_test_/) });
    const keys = stripe.received.filter((r) => r.path === '/v1/checkout/sessions').map((r) => r.idempotencyKey);
    expect(new Set(keys)).toEqual(new Set([`transit-checkout:${created.run.documentId}:${created.number}`]));
    expect(await payments.requestMissing(later)).toEqual({ missing: 0, asked: 0 });
  });

  test('a refused card order writes nothing and asks nothing of Stripe', async () => {
    const customer = await createCustomer(strapi);
    const row: any = await strapi.db.query('plugin::transit-passes.card-stock').findOne({ where: { product: { documentId: weekly.documentId } } });
    const stockTable = () => strapi.db.connection('transit_card_stock').where({ id: row.id });
    stripe.received.length = 0;
    try {
      // No card left: refused in the order's transaction, before any Stripe request.
      await stockTable().update({ on_hand: row.reserved });
      await refusedUnchanged(() => post(billing, `${TP}/orders`, { customer: customer.documentId, product: 'reduced-weekly-card', paymentMethod: 'stripe' }), 409, /sold out/);
      await strapi.documents('plugin::transit-passes.fare-product' as any).update({ documentId: weekly.documentId, data: { active: false } as any });
      await refusedUnchanged(() => post(billing, `${TP}/orders`, { customer: customer.documentId, product: 'reduced-weekly-card', paymentMethod: 'stripe' }), 400, /not on sale/);
      const key = process.env.STRIPE_SECRET_KEY;
      delete process.env.STRIPE_SECRET_KEY;
      try {
        await refusedUnchanged(() => post(billing, `${TP}/orders`, { customer: customer.documentId, product: 'adult-monthly', paymentMethod: 'stripe' }), 400, /STRIPE_SECRET_KEY/);
      } finally {
        process.env.STRIPE_SECRET_KEY = key;
      }
      expect(stripe.received).toEqual([]);
    } finally {
      await stockTable().update({ on_hand: row.onHand });
      await strapi.documents('plugin::transit-passes.fare-product' as any).update({ documentId: weekly.documentId, data: { active: true } as any });
    }
  });

  // ----- renewals charged to the saved card, off-session ------------------------------------------

  test('more cards come in for the tests that follow', async () => {
    const row: any = await strapi.db.query('plugin::transit-passes.card-stock').findOne({ where: { product: { documentId: weekly.documentId } } });
    await strapi.db.connection('transit_card_stock').where({ id: row.id }).update({ on_hand: row.onHand + 50 });
    expect(await stock()).toEqual({ onHand: row.onHand + 50, reserved: row.reserved });
  });

  const orderRow = (documentId: string): Promise<any> => strapi.db.query('plugin::transit-passes.order').findOne({ where: { documentId } });
  const auditOf = async (documentId: string) =>
    (await strapi.db.query('api::audit-log.audit-log').findMany({ where: { entityDocumentId: documentId }, orderBy: { id: 'asc' } })).map((a: any) => a.action);
  const messagesOf = (run: string) => strapi.db.query('plugin::workflows.message').findMany({ where: { run }, orderBy: { id: 'asc' } });
  const intentEvent = (type: string, created: any, overrides: Record<string, unknown> = {}) =>
    stripeEvent(type, 'payment_intent', {
      id: newId('pi'),
      amount: created.totalMinor,
      amount_received: type === 'payment_intent.succeeded' ? created.totalMinor : 0,
      currency: 'usd',
      status: type === 'payment_intent.succeeded' ? 'succeeded' : 'requires_payment_method',
      metadata: metadataOf(created),
      last_payment_error: type === 'payment_intent.payment_failed' ? { type: 'card_error', code: 'card_declined', message: 'Your card was declined.' } : null,
      ...overrides,
    });

  /** A weekly card pass paid on its Checkout page, its card saved by Stripe for later, and due for renewal in two days. */
  const passWithSavedCard = async () => {
    const { customer, created } = await byCard();
    const card = newId('pm');
    const paid = intentEvent('payment_intent.succeeded', created, { payment_method: card, setup_future_usage: 'off_session' });
    const delivered = await deliver(strapi, paid);
    expect(delivered.body.outcome).toMatch(/recorded/);
    const bought = await until(created.documentId, (o) => o.status === 'Paid' && o.run.state === 'completed');
    expect(bought.pass).toMatchObject({ status: 'Active', autoRenew: true });
    expect(await orderRow(created.documentId)).toMatchObject({ savedCard: card, stripePaymentIntent: paid.data.object.id, cardPayment: 'paid' });
    const endsAt = new Date(Date.now() + 2 * 86_400_000);
    endsAt.setUTCMilliseconds(0);
    await strapi.db.connection('transit_passes').where({ document_id: bought.pass.documentId }).update({ valid_until: endsAt });
    await onlyDue(bought.pass.documentId);
    const stripeCustomer = (await strapi.db.query('api::customer.customer').findOne({ where: { documentId: customer.documentId } })).stripeCustomerId;
    expect(stripeCustomer).toMatch(/^cus_/);
    return { customer, created, card, pass: bought.pass, endsAt, stripeCustomer };
  };
  /** The renewals job sees this one pass due: the other passes of these tests stop renewing by themselves. */
  const onlyDue = (pass: string) => strapi.db.connection('transit_passes').whereNot({ document_id: pass }).update({ auto_renew: false });
  const renewalOf = async (pass: string) => {
    const rows = await strapi.db.query('plugin::transit-passes.order').findMany({ where: { renewalOf: pass } });
    expect(rows).toHaveLength(1);
    return rows[0];
  };

  test("the renewals job charges a card-paid pass's saved card off-session, once; Stripe's webhook settles it: Paid, the pass continued from its end", async () => {
    const { customer, card, pass, endsAt, stripeCustomer } = await passWithSavedCard();
    const before = await stock();
    stripe.received.length = 0;
    const jobs = strapi.plugin('transit-passes').service('orders');
    expect((await jobs.openDueRenewals()).opened).toBe(1);
    const renewal = await renewalOf(pass.documentId);
    expect(renewal).toMatchObject({ kind: 'renewal', state: 'Pending', paymentMethod: 'stripe', savedCard: card, offSession: 'charged', cardPayment: null, checkoutUrl: null, paymentIssue: null, cardReserved: true, totalMinor: 1_458 });
    const charges = stripe.received.filter((r) => r.path === '/v1/payment_intents');
    expect(charges).toHaveLength(1);
    expect(charges[0].idempotencyKey).toBe(`transit-charge:${renewal.run}:${renewal.number}`);
    expect(charges[0].params).toMatchObject({
      amount: '1458',
      currency: 'usd',
      customer: stripeCustomer,
      payment_method: card,
      off_session: 'true',
      confirm: 'true',
      metadata: { app: 'plan-renewals', transitOrder: renewal.documentId, orderNumber: renewal.number, run: renewal.run },
    });
    expect(renewal.stripePaymentIntent).toBe(charges[0].created);
    expect(stripe.received.filter((r) => r.path === '/v1/checkout/sessions')).toEqual([]);
    const waiting = await order(renewal.documentId);
    expect(waiting.run).toMatchObject({ state: 'waiting', currentStep: 'card-payment' });
    expect(waiting.run.steps.find((s: any) => s.id === 'card-payment').result).toBe('Waiting for Stripe: the saved card is charged');
    expect(await openTask(renewal.run, 'desk-payment')).toBeNull();
    expect(await stock()).toEqual({ onHand: before.onHand, reserved: before.reserved + 1 });

    // Asked again (the job on another instance, the retry job): no second charge.
    const payments = strapi.plugin('transit-passes').service('card-payments');
    expect(await payments.chargeSaved(renewal.documentId)).toBe('nothing to charge');
    expect((await jobs.openDueRenewals()).opened).toBe(0);
    await payments.requestMissing(new Date(Date.now() + 2 * 60_000));
    expect(stripe.received.filter((r) => r.path === '/v1/payment_intents' || r.path === '/v1/checkout/sessions')).toHaveLength(1);

    const succeeded = intentEvent('payment_intent.succeeded', { ...renewal, run: { documentId: renewal.run } }, { id: renewal.stripePaymentIntent, payment_method: card, customer: stripeCustomer });
    expect((await deliver(strapi, succeeded)).body.outcome).toMatch(/recorded/);
    const paid = await until(renewal.documentId, (o) => o.status === 'Paid' && o.run.state === 'completed');
    expect(paid).toMatchObject({ status: 'Paid', kind: 'renewal', cardPayment: 'paid', offSession: 'charged', paymentIssue: null, pass: { status: 'Active', autoRenew: true } });
    expect(paid.run.steps.find((s: any) => s.id === 'card-payment')).toMatchObject({ state: 'done', actor: { type: 'stripe' } });
    expect(paid.run.steps.find((s: any) => s.id === 'card-payment').result).toContain(renewal.stripePaymentIntent);
    // The new period starts where the old one ends: 7 days.
    expect(new Date(paid.pass.validFrom).toISOString()).toBe(endsAt.toISOString());
    expect(new Date(paid.pass.validUntil).getTime() - endsAt.getTime()).toBe(7 * 86_400_000);
    expect(paid.pass.code).not.toBe(pass.code);
    expect(await strapi.db.query('plugin::transit-passes.pass').findOne({ where: { documentId: pass.documentId } })).toMatchObject({ state: 'Active' });
    expect(await stock()).toEqual({ onHand: before.onHand - 1, reserved: before.reserved });
    // The renewal keeps the card for the next one.
    expect(await orderRow(renewal.documentId)).toMatchObject({ savedCard: card, stripePaymentIntent: renewal.stripePaymentIntent });
    const revenue = await get(finance, `${TP}/revenue/daily/${paid.paidOn}`);
    expect(revenue.body.data.currencies.find((c: any) => c.currency === 'USD').totalMinor).toBeGreaterThanOrEqual(1_458 * 2);
    const sent = await messagesOf(renewal.run);
    expect(sent.map((m: any) => [m.channel, m.to])).toEqual([
      ['email', customer.email],
      ['sms', '+15125550177'],
    ]);
    expect(sent[0].text).toContain(paid.pass.code);
    expect(await auditOf(renewal.documentId)).not.toContain('transit.renewal-charge-declined');
    // The same event again: nothing changes.
    expect((await deliver(strapi, succeeded)).body.duplicate).toBe(true);
    expect(await strapi.db.query('plugin::transit-passes.pass').count({ where: { order: { documentId: renewal.documentId } } })).toBe(1);
  });

  test('a saved card declined at once: the customer is emailed a Checkout link for the renewal; unpaid, the renewal fails and its card goes back', async () => {
    const { customer, card, pass, endsAt } = await passWithSavedCard();
    const before = await stock();
    stripe.received.length = 0;
    stripe.script.push('declined');
    await strapi.plugin('transit-passes').service('orders').openDueRenewals();
    const renewal = await renewalOf(pass.documentId);
    const charge = stripe.received.find((r) => r.path === '/v1/payment_intents')!;
    expect(charge).toMatchObject({ idempotencyKey: `transit-charge:${renewal.run}:${renewal.number}`, params: { payment_method: card, off_session: 'true' } });
    expect(renewal).toMatchObject({ state: 'Pending', offSession: 'declined', cardPayment: null, stripePaymentIntent: charge.created, paymentIssue: 'renewal charge declined: Your card was declined.' });
    expect(renewal.checkoutUrl).toMatch(/\/checkout\/cs_test_/);
    const session = stripe.received.find((r) => r.path === '/v1/checkout/sessions')!;
    expect(session.idempotencyKey).toBe(`transit-checkout:${renewal.run}:${renewal.number}`);
    expect(session.params.line_items['0'].price_data.unit_amount).toBe('1458');
    expect(await stock()).toEqual({ onHand: before.onHand, reserved: before.reserved + 1 });
    const link = (await messagesOf(renewal.run)).filter((m: any) => m.channel === 'email');
    expect(link).toHaveLength(1);
    expect(link[0]).toMatchObject({ to: customer.email, messageKey: `${renewal.documentId}:renewal-checkout` });
    expect(link[0].text).toContain(renewal.checkoutUrl);
    expect(link[0].text).toContain('Your card was declined.');
    expect(await auditOf(renewal.documentId)).toContain('transit.renewal-charge-declined');
    const run = await order(renewal.documentId);
    expect(run.run).toMatchObject({ state: 'waiting', currentStep: 'card-payment' });

    // Stripe's own word on the declined charge changes nothing more; no second link, no second email.
    const failed = intentEvent('payment_intent.payment_failed', { ...renewal, run: { documentId: renewal.run } }, { id: charge.created, payment_method: card });
    expect((await deliver(strapi, failed)).body.outcome).toMatch(/already handled/);
    expect(stripe.received.filter((r) => r.path === '/v1/checkout/sessions')).toHaveLength(1);
    expect((await messagesOf(renewal.run)).filter((m: any) => m.channel === 'email')).toHaveLength(1);

    // The link expires unpaid: the renewal Fails through the reject branch; the old pass still runs to its end.
    const expired = stripeEvent('checkout.session.expired', 'checkout.session', {
      id: renewal.stripeSession,
      status: 'expired',
      payment_status: 'unpaid',
      amount_total: 1_458,
      currency: 'usd',
      payment_intent: null,
      metadata: { app: 'plan-renewals', transitOrder: renewal.documentId, orderNumber: renewal.number, run: renewal.run },
    });
    expect((await deliver(strapi, expired)).status).toBe(200);
    const ended = await until(renewal.documentId, (o) => o.run.state === 'completed');
    expect(ended).toMatchObject({ status: 'Failed', cardPayment: 'failed', pass: null });
    expect(ended.run).toMatchObject({ outcome: 'rejected' });
    expect(await stock()).toEqual(before);
    const told = await messagesOf(renewal.run);
    expect(told[told.length - 1].text).toMatch(/did not go through \(the Checkout session expired unpaid\); nothing was charged/);
    const old: any = await strapi.db.query('plugin::transit-passes.pass').findOne({ where: { documentId: pass.documentId } });
    expect(old).toMatchObject({ state: 'Active' });
    expect(new Date(old.validUntil).toISOString()).toBe(endsAt.toISOString());
    expect(stripe.received.filter((r) => r.path === '/v1/payment_intents')).toHaveLength(1);

    // The job's next run does not charge the declined card again: Billing follows the pass up at the desk.
    expect((await strapi.plugin('transit-passes').service('orders').openDueRenewals()).opened).toBe(1);
    const next = await strapi.db.query('plugin::transit-passes.order').findOne({ where: { renewalOf: pass.documentId, state: 'Pending' } });
    expect(next).toMatchObject({ paymentMethod: 'desk', savedCard: null, offSession: null });
    expect(await openTask(next.run, 'desk-payment')).toMatchObject({ role: 'billing', state: 'open' });
    expect(stripe.received.filter((r) => r.path === '/v1/payment_intents')).toHaveLength(1);
    // It holds a card of its own: released when Billing's task is declined.
    expect((await payAtDesk({ run: { documentId: next.run } }, 'declined', 'customer not reached')).status).toBe(200);
    expect(await stock()).toEqual(before);
  });

  test('a decline Stripe reports later by webhook: the Checkout link is sent then; paid on it, the renewal completes and the new card is kept', async () => {
    const { card, pass, endsAt } = await passWithSavedCard();
    stripe.received.length = 0;
    await strapi.plugin('transit-passes').service('orders').openDueRenewals();
    const renewal = await renewalOf(pass.documentId);
    expect(renewal).toMatchObject({ offSession: 'charged', checkoutUrl: null });
    // Other due passes may be renewed by the same job: the stock is counted from this renewal on.
    const reservedNow = await stock();
    const asAuthenticate = intentEvent('payment_intent.payment_failed', { ...renewal, run: { documentId: renewal.run } }, {
      id: renewal.stripePaymentIntent,
      payment_method: card,
      last_payment_error: { type: 'card_error', code: 'authentication_required', message: 'Your card requires authentication.' },
    });
    expect((await deliver(strapi, asAuthenticate)).body.outcome).toMatch(/declined .*Checkout link/);
    // The link is asked of Stripe after the event's commit.
    const offered = await until(renewal.documentId, (o) => Boolean(o.checkoutUrl));
    expect(offered).toMatchObject({ status: 'Pending', offSession: 'declined', paymentIssue: 'renewal charge declined: Your card requires authentication.' });
    const deadline = Date.now() + 5_000;
    while ((await messagesOf(renewal.run)).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const link = await messagesOf(renewal.run);
    expect(link.map((m: any) => m.messageKey)).toEqual([`${renewal.documentId}:renewal-checkout`]);
    expect(link[0].text).toContain(offered.checkoutUrl);

    const newCard = newId('pm');
    const paid = intentEvent('payment_intent.succeeded', { ...renewal, run: { documentId: renewal.run } }, { payment_method: newCard, setup_future_usage: 'off_session' });
    expect((await deliver(strapi, paid)).status).toBe(200);
    const done = await until(renewal.documentId, (o) => o.status === 'Paid' && o.run.state === 'completed');
    expect(done).toMatchObject({ cardPayment: 'paid', paymentIssue: null, pass: { status: 'Active' } });
    expect(new Date(done.pass.validFrom).toISOString()).toBe(endsAt.toISOString());
    expect(await orderRow(renewal.documentId)).toMatchObject({ savedCard: newCard, stripePaymentIntent: paid.data.object.id });
    expect(await stock()).toEqual({ onHand: reservedNow.onHand - 1, reserved: reservedNow.reserved - 1 });
    expect(stripe.received.filter((r) => r.path === '/v1/payment_intents' && r.params.metadata?.transitOrder === renewal.documentId)).toHaveLength(1);
    expect(await auditOf(renewal.documentId)).toContain('transit.renewal-charge-declined');
  });

  test('passes without a saved card are still renewed at the desk by the job', async () => {
    const { created } = await byCard();
    // Paid by Checkout without a card kept for later (no setup_future_usage on the payment).
    expect((await deliver(strapi, sessionEvent('checkout.session.completed', created))).status).toBe(200);
    const bought = await until(created.documentId, (o) => o.status === 'Paid' && o.run.state === 'completed');
    await strapi.db.connection('transit_passes').where({ document_id: bought.pass.documentId }).update({ valid_until: new Date(Date.now() + 86_400_000) });
    await onlyDue(bought.pass.documentId);
    stripe.received.length = 0;
    await strapi.plugin('transit-passes').service('orders').openDueRenewals();
    const renewal = await renewalOf(bought.pass.documentId);
    expect(renewal).toMatchObject({ paymentMethod: 'desk', savedCard: null, offSession: null });
    expect(await openTask(renewal.run, 'desk-payment')).toMatchObject({ role: 'billing', state: 'open' });
    expect(stripe.received.filter((r) => r.params?.metadata?.transitOrder === renewal.documentId)).toEqual([]);
  });

  // ----- Finance resolves a payment that does not match its order ---------------------------------

  const resolve = (jwt: string, created: any, reference: string, body: unknown) => post(jwt, `${TP}/orders/${created.documentId}/unmatched-payments/${reference}`, body);
  const financeTasks = (reference: string) => strapi.db.query('plugin::workflows.task').findMany({ where: { taskKey: { $startsWith: `${reference}:transit:` } } });

  test('Finance accepts a short card payment as the order\'s: Paid, card taken from stock, pass issued, its task closed, once', async () => {
    const before = await stock();
    const { created } = await byCard();
    const short = sessionEvent('checkout.session.completed', created, { amount_total: created.totalMinor - 8 });
    const reference = short.data.object.payment_intent as string;
    expect((await deliver(strapi, short)).status).toBe(200);
    const flagged = await until(created.documentId, (o) => Boolean(o.paymentIssue));
    expect(flagged).toMatchObject({ status: 'Pending', unmatchedPayments: [{ reference, minor: 1_450, currency: 'USD', what: 'paid USD 14.50, the order is USD 14.58', wrongMode: false }] });
    expect(await stock()).toEqual({ onHand: before.onHand, reserved: before.reserved + 1 });
    stripe.received.length = 0;

    // Billing may not decide it; Finance must say why it accepts less.
    await refusedUnchanged(() => resolve(billing, created, reference, { decision: 'accept', note: 'goodwill' }), 403, /Forbidden/);
    await refusedUnchanged(() => resolve(finance, created, reference, { decision: 'accept' }), 400, /needs a note/);
    await refusedUnchanged(() => resolve(finance, created, 'pi_unknown', { decision: 'accept', note: 'x' }), 404, /no unmatched payment pi_unknown/);

    const accepted = await resolve(finance, created, reference, { decision: 'accept', note: 'eight cents short: written off' });
    expect(accepted.status).toBe(200);
    expect(accepted.body.data).toMatchObject({ status: 'Paid', cardPayment: 'paid', paymentIssue: 'accepted by Finance: paid USD 14.50, the order is USD 14.58', pass: { status: 'Active' } });
    expect(accepted.body.data.run).toMatchObject({ state: 'completed', outcome: 'accepted' });
    expect(accepted.body.data.run.steps.find((s: any) => s.id === 'card-payment').result).toMatch(/USD 14\.50 for USD 14\.58, accepted by/);
    expect(accepted.body.data.unmatchedPayments[0]).toMatchObject({ reference, decision: 'accepted', note: 'eight cents short: written off' });
    expect(await orderRow(created.documentId)).toMatchObject({ stripePaymentIntent: reference, state: 'Paid' });
    expect(await stock()).toEqual({ onHand: before.onHand - 1, reserved: before.reserved });
    const tasks = await financeTasks(reference);
    expect(tasks.map((t: any) => [t.type, t.state, t.outcome])).toEqual([['payment-mismatch', 'completed', 'resolved']]);
    expect(tasks[0].note).toBe('accepted: eight cents short: written off');
    expect(await auditOf(created.documentId)).toContain('transit.payment-accepted');
    expect((await messagesOf(created.run.documentId)).map((m: any) => m.channel)).toEqual(['email', 'sms']);
    expect(stripe.received).toEqual([]);
    // Decided once.
    await refusedUnchanged(() => resolve(finance, created, reference, { decision: 'refund' }), 409, /already accepted/);
  });

  test('Finance refunds a payment in another currency: refunded in Stripe once, the order Failed, its card released, the customer told', async () => {
    const before = await stock();
    const { created } = await byCard();
    const euros = sessionEvent('checkout.session.completed', created, { currency: 'eur' });
    const reference = euros.data.object.payment_intent as string;
    expect((await deliver(strapi, euros)).status).toBe(200);
    await until(created.documentId, (o) => o.unmatchedPayments.length === 1);
    stripe.received.length = 0;
    // Euros cannot stand for a dollar order.
    await refusedUnchanged(() => resolve(finance, created, reference, { decision: 'accept', note: 'fine' }), 409, /cannot stand for order .* in USD: refund it/);

    const refunded = await resolve(finance, created, reference, { decision: 'refund', note: 'paid in euros' });
    expect(refunded.status).toBe(200);
    expect(refunded.body.data).toMatchObject({ status: 'Failed', cardPayment: 'failed', pass: null, paymentIssue: 'refunded: paid EUR 14.58, the order is USD 14.58' });
    expect(refunded.body.data.run).toMatchObject({ state: 'completed', outcome: 'rejected' });
    const requests = stripe.received.filter((r) => r.path === '/v1/refunds');
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ idempotencyKey: `transit-refund:${reference}`, params: { payment_intent: reference, metadata: { transitOrder: created.documentId } } });
    expect(refunded.body.data.unmatchedPayments[0]).toMatchObject({ reference, decision: 'refunded', refund: requests[0].created, note: 'paid in euros' });
    expect(await stock()).toEqual(before);
    const tasks = await financeTasks(reference);
    expect(tasks.map((t: any) => [t.type, t.state, t.outcome])).toEqual([['payment-mismatch', 'completed', 'resolved']]);
    expect(await auditOf(created.documentId)).toEqual(expect.arrayContaining(['transit.payment-not-recorded', 'transit.payment-refunded']));
    const told = await messagesOf(created.run.documentId);
    expect(told.map((m: any) => m.channel)).toEqual(['email']);
    expect(told[0].text).toMatch(/did not match the order \(paid EUR 14\.58, the order is USD 14\.58\); it is refunded to your card and the order is cancelled/);
    expect(await strapi.db.query('plugin::transit-passes.daily-revenue').count({ where: { currency: 'EUR' } })).toBe(0);

    // Asked again: refused, and Stripe is not asked twice.
    await refusedUnchanged(() => resolve(finance, created, reference, { decision: 'refund' }), 409, /already refunded/);
    expect(stripe.received.filter((r) => r.path === '/v1/refunds')).toHaveLength(1);
  });
});
