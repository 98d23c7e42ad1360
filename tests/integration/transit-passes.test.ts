import crypto from 'node:crypto';
import type { Core } from '@strapi/strapi';
import { fingerprint } from '../harness/database-state';
import { createCustomer } from '../harness/fixtures';
import { http, signIn, startStrapi, stopStrapi } from '../harness/strapi';

/**
 * The transit pass process over HTTP with real role JWTs: a purchase paid at the desk, the pass
 * and its validity, the day's revenue, the verification task (skipped with its reason, verified,
 * rejected with the order refunded and the pass revoked), card stock under concurrency, renewals,
 * the monthly report, the clean-up of expired single-use passes, and refusals that write nothing.
 */
let strapi: Core.Strapi;
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

let monthly: any;
let senior: any;
let single: any;
let card: any;

beforeAll(async () => {
  strapi = await startStrapi();
  billing = await signIn(strapi, 'billing');
  verification = await signIn(strapi, 'verification');
  customerSuccess = await signIn(strapi, 'customer-success');
  finance = await signIn(strapi, 'finance');
  monthly = await product({ code: 'adult-monthly', name: 'Adult monthly', riderCategory: 'adult', fareMedium: 'digital', priceMinor: 9_000, serviceFeeMinor: 150, taxRateBps: 500, validityKind: 'months', validityAmount: 1 });
  senior = await product({ code: 'senior-monthly', name: 'Senior monthly', riderCategory: 'senior', fareMedium: 'digital', priceMinor: 4_500, validityKind: 'months', validityAmount: 1, proofRequired: 'age' });
  single = await product({ code: 'adult-single', name: 'Single ride', riderCategory: 'adult', fareMedium: 'digital', priceMinor: 250, validityKind: 'single-use', validityAmount: 90 });
  card = await product({ code: 'adult-weekly-card', name: 'Adult weekly card', riderCategory: 'adult', fareMedium: 'card', priceMinor: 2_500, validityKind: 'days', validityAmount: 7 });
  await strapi.documents('plugin::transit-passes.card-stock' as any).create({ data: { product: card.documentId, onHand: 1, reserved: 0 } as any });
});
afterAll(() => stopStrapi(strapi));

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
  expect(await strapi.documents('api::customer.customer').findOne({ documentId: customer.documentId })).toMatchObject({ transitStatus: 'Active' });
});

test('bad input is a clear 4xx and writes nothing', async () => {
  const customer = await createCustomer(strapi);
  await refusedUnchanged(() => post(billing, `${TP}/orders`, { customer: customer.documentId, product: 'no-such-product' }), 400, /No fare product/);
  await refusedUnchanged(() => post(billing, `${TP}/orders`, { customer: customer.documentId, product: 'adult-monthly', paymentMethod: 'cash' }), 400, /paymentMethod/);
  await refusedUnchanged(() => post(billing, `${TP}/orders`, { customer: customer.documentId, product: 'adult-monthly', price: 1 }), 400, /price/);
  await refusedUnchanged(() => post(verification, `${TP}/orders`, { customer: customer.documentId, product: 'adult-monthly' }), 403, /Forbidden/);
  await refusedUnchanged(() => get(billing, `${TP}/passes/not-a-code/validity`), 400, /pass code/);
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
