import crypto from 'node:crypto';
import type { Core } from '@strapi/strapi';
import { fingerprint } from '../harness/database-state';
import { createCustomer } from '../harness/fixtures';
import { http, signIn, signInAdmin, startStrapi, stopStrapi } from '../harness/strapi';

/**
 * The Transit admin API over orders bought and paid through the process: the day's revenue per
 * currency, the passes in force per product and rider category, the orders by state, the card
 * stock, the order list and its filters, the monthly report as JSON and CSV; the admin action each
 * route needs, and refusals that write nothing.
 */
let strapi: Core.Strapi;
const TP = '/api/transit-passes';
const base = '/transit-passes';
const READ = 'plugin::transit-passes.transit.read';
let billing: string;
let reader: string;

const suffix = crypto.randomBytes(3).toString('hex');
const code = (name: string) => `${name}-${suffix}`;

const call = (token: string, path: string) => http(strapi).get(`${base}${path}`).set('Authorization', `Bearer ${token}`);
const bearer = (jwt: string) => ({ Authorization: `Bearer ${jwt}` });

const product = (data: Record<string, unknown>) =>
  strapi.documents('plugin::transit-passes.fare-product' as any).create({
    data: { currency: 'USD', taxRateBps: 0, serviceFeeMinor: 0, activation: 'on-purchase', proofRequired: 'none', active: true, validityKind: 'months', validityAmount: 1, ...data } as any,
  });

/** An order at the desk, then its desk-payment task completed with `outcome` (none: left Pending). */
const buy = async (productCode: string, outcome?: 'paid' | 'declined') => {
  const customer = await createCustomer(strapi, { email: `rider-${crypto.randomBytes(3).toString('hex')}@example.com`, phone: '+15125550142' });
  const created = await http(strapi).post(`${TP}/orders`).set(bearer(billing)).send({ customer: customer.documentId, product: productCode, paymentMethod: 'desk' });
  expect(created.status).toBe(201);
  const order = created.body.data;
  if (outcome) {
    const task = await strapi.db.query('plugin::workflows.task').findOne({ where: { run: { documentId: order.run.documentId }, stepId: 'desk-payment', state: 'open' } });
    const body = outcome === 'declined' ? { outcome, note: 'card refused by the bank' } : { outcome };
    const done = await http(strapi).post(`/api/workflows/tasks/${task.documentId}/complete`).set(bearer(billing)).send(body);
    expect(done.status).toBe(200);
  }
  return (await http(strapi).get(`${TP}/orders/${order.documentId}`).set(bearer(billing))).body.data;
};

const refusedUnchanged = async (send: () => PromiseLike<any>, status: number, message?: RegExp) => {
  const before = await fingerprint(strapi);
  const response = await send();
  expect(response.status).toBe(status);
  if (message) expect(response.body.error.message).toMatch(message);
  expect(await fingerprint(strapi)).toEqual(before);
  return response;
};

const paid: any[] = [];
let pending: any;
let failed: any;
let before: any;

beforeAll(async () => {
  strapi = await startStrapi();
  billing = await signIn(strapi, 'billing');
  reader = (await signInAdmin(strapi, [READ])).token;
  before = (await call(reader, '/overview')).body.data;
  await product({ code: code('adult'), name: 'Adult monthly', riderCategory: 'adult', fareMedium: 'digital', priceMinor: 9_000, serviceFeeMinor: 150, taxRateBps: 500 });
  await product({ code: code('senior'), name: 'Senior monthly', riderCategory: 'senior', fareMedium: 'digital', priceMinor: 4_500 });
  await product({ code: code('student-eur'), name: 'Student monthly (EUR)', riderCategory: 'student', fareMedium: 'digital', currency: 'EUR', priceMinor: 3_000 });
  await product({ code: code('tap'), name: 'Adult 10 days from first tap', riderCategory: 'adult', fareMedium: 'digital', priceMinor: 2_000, validityKind: 'days', validityAmount: 10, activation: 'on-first-use' });
  const card = await product({ code: code('card'), name: 'Reduced weekly card', riderCategory: 'reduced', fareMedium: 'card', priceMinor: 1_200, validityKind: 'days', validityAmount: 7 });
  await strapi.documents('plugin::transit-passes.card-stock' as any).create({ data: { product: card.documentId, onHand: 3, reserved: 0 } as any });

  paid.push(await buy(code('adult'), 'paid'), await buy(code('adult'), 'paid'), await buy(code('senior'), 'paid'));
  paid.push(await buy(code('student-eur'), 'paid'), await buy(code('tap'), 'paid'), await buy(code('card'), 'paid'));
  pending = await buy(code('card'));
  failed = await buy(code('adult'), 'declined');
});
afterAll(() => stopStrapi(strapi));

test('the overview: the day\'s revenue per currency, passes in force per product and rider category, orders by state, card stock', async () => {
  expect(paid.map((o) => o.status)).toEqual(['Paid', 'Paid', 'Paid', 'Paid', 'Paid', 'Paid']);
  expect(pending.status).toBe('Pending');
  expect(failed.status).toBe('Failed');
  const day = paid[0].paidOn;

  const response = await call(reader, `/overview?date=${day}`);
  expect(response.status).toBe(200);
  const overview = response.body.data;
  expect(overview).toMatchObject({ date: day, timezone: 'UTC' });
  // Today in the agency's time zone is the default.
  expect((await call(reader, '/overview')).body.data.date).toBe(day);

  const revenueOf = (data: any, currency: string) => data.revenue.find((r: any) => r.currency === currency) ?? { orders: 0, totalMinor: '0' };
  const usd = paid.filter((o) => o.currency === 'USD');
  const added = (currency: string) => BigInt(revenueOf(overview, currency).totalMinor) - BigInt(before.date === day ? revenueOf(before, currency).totalMinor : '0');
  expect(added('USD')).toBe(BigInt(usd.reduce((n, o) => n + o.totalMinor, 0)));
  expect(added('EUR')).toBe(3_000n);
  expect(typeof revenueOf(overview, 'USD').totalMinor).toBe('string');
  expect(revenueOf(overview, 'USD').orders - (before.date === day ? revenueOf(before, 'USD').orders : 0)).toBe(5);
  // 9,000 + 150 fee, 5 % tax: 9,608 each.
  expect(paid[0].totalMinor).toBe(9_608);

  const line = (suffixed: string) => overview.passes.byProduct.find((p: any) => p.code === code(suffixed));
  expect(line('adult')).toMatchObject({ name: 'Adult monthly', riderCategory: 'adult', fareMedium: 'digital', active: 2, issued: 0 });
  expect(line('senior')).toMatchObject({ riderCategory: 'senior', active: 1 });
  expect(line('student-eur')).toMatchObject({ riderCategory: 'student', active: 1 });
  // On first use: issued, not yet in force.
  expect(line('tap')).toMatchObject({ riderCategory: 'adult', active: 0, issued: 1 });
  expect(line('card')).toMatchObject({ riderCategory: 'reduced', fareMedium: 'card', active: 1 });
  const category = (data: any, name: string) => data.passes.byCategory.find((c: any) => c.riderCategory === name) ?? { active: 0, issued: 0 };
  expect(category(overview, 'adult').active - category(before, 'adult').active).toBe(2);
  expect(category(overview, 'adult').issued - category(before, 'adult').issued).toBe(1);
  expect(category(overview, 'reduced').active - category(before, 'reduced').active).toBe(1);
  expect(overview.passes.active - before.passes.active).toBe(5);

  const state = (data: any, name: string) => data.orders.byState.find((s: any) => s.state === name).count;
  expect(overview.orders.byState.map((s: any) => s.state)).toEqual(['Pending', 'Paid', 'Failed', 'Cancelled']);
  expect(state(overview, 'Paid') - state(before, 'Paid')).toBe(6);
  expect(state(overview, 'Pending') - state(before, 'Pending')).toBe(1);
  expect(state(overview, 'Failed') - state(before, 'Failed')).toBe(1);
  expect(state(overview, 'Cancelled') - state(before, 'Cancelled')).toBe(0);
  expect(overview.orders.total - before.orders.total).toBe(8);

  // Three cards: one sold (off the shelf), one held by the pending order.
  expect(overview.cardStock.find((s: any) => s.product?.code === code('card'))).toEqual({
    product: { code: code('card'), name: 'Reduced weekly card', riderCategory: 'reduced' },
    onHand: 2,
    reserved: 1,
    available: 1,
  });

  // Another day has no revenue of these orders.
  const other = (await call(reader, '/overview?date=2001-01-01')).body.data;
  expect(other.revenue).toEqual([]);
});

test('a pass past its end is no longer counted as in force', async () => {
  const pass = await strapi.db.query('plugin::transit-passes.pass').findOne({ where: { order: { documentId: paid[2].documentId } } });
  const count = async () => (await call(reader, '/overview')).body.data.passes.byProduct.find((p: any) => p.code === code('senior')).active;
  expect(await count()).toBe(1);
  await strapi.db.query('plugin::transit-passes.pass').update({ where: { id: pass.id }, data: { validUntil: new Date(Date.now() - 60_000) } });
  expect(await count()).toBe(0);
  await strapi.db.query('plugin::transit-passes.pass').update({ where: { id: pass.id }, data: { validUntil: pass.validUntil } });
  expect(await count()).toBe(1);
});

test('the order list: newest first, filtered by state, in pages of at most 100', async () => {
  const all = await call(reader, '/orders?pageSize=100');
  expect(all.status).toBe(200);
  const ours = all.body.data.items.filter((o: any) => o.product?.code?.endsWith(suffix));
  // Newest first: the last order made is the first listed.
  expect(ours.map((o: any) => o.documentId)).toEqual([failed, pending, ...[...paid].reverse()].map((o) => o.documentId));
  expect(ours[0]).toMatchObject({ number: failed.number, state: 'Failed', kind: 'new', currency: 'USD', totalMinor: 9_608, product: { code: code('adult'), riderCategory: 'adult' }, customer: { documentId: expect.any(String) } });
  const created = all.body.data.items.map((o: any) => new Date(o.createdAt).getTime());
  expect(created).toEqual([...created].sort((a, b) => b - a));

  const pendingOnly = await call(reader, '/orders?state=Pending');
  expect(pendingOnly.body.data.items.every((o: any) => o.state === 'Pending')).toBe(true);
  expect(pendingOnly.body.data.items.map((o: any) => o.documentId)).toContain(pending.documentId);

  const paged = await call(reader, '/orders?state=Paid&pageSize=2&page=2');
  expect(paged.status).toBe(200);
  expect(paged.body.data.items).toHaveLength(2);
  expect(paged.body.data.pagination).toMatchObject({ page: 2, pageSize: 2 });
  expect(paged.body.data.pagination.total).toBeGreaterThanOrEqual(6);
  expect(paged.body.data.pagination.pageCount).toBe(Math.ceil(paged.body.data.pagination.total / 2));
});

test('the monthly report as JSON and as a CSV file', async () => {
  const month = paid[0].paidOn.slice(0, 7);
  const report = await call(reader, `/reports/${month}`);
  expect(report.status).toBe(200);
  expect(report.body.data).toMatchObject({ month, cancellations: 0 });
  expect(report.body.data.new).toBeGreaterThanOrEqual(6);
  const eur = report.body.data.currencies.find((c: any) => c.currency === 'EUR');
  expect(eur).toMatchObject({ newCount: 1, newMinor: 3_000 });

  const csv = await call(reader, `/reports/${month}/csv`);
  expect(csv.status).toBe(200);
  expect(csv.headers['content-type']).toMatch(/^text\/csv/);
  expect(csv.headers['content-disposition']).toBe(`attachment; filename="transit-${month}.csv"`);
  const lines = csv.text.trimEnd().split('\n');
  expect(lines[0]).toBe('month,currency,new,new_minor,renewals,renewals_minor,cancellations,refunded_minor');
  expect(lines).toContain(`${month},EUR,1,3000,0,0,0,0`);
  expect(lines).toHaveLength(report.body.data.currencies.length + 1);
  // The content API serves the same file.
  const content = await http(strapi).get(`${TP}/reports/monthly/${month}?format=csv`).set(bearer(await signIn(strapi, 'finance')));
  expect(content.text).toBe(csv.text);
});

test('bad queries are a 400 naming the problem, and write nothing', async () => {
  await refusedUnchanged(() => call(reader, '/overview?date=2026-02-30'), 400, /date/);
  await refusedUnchanged(() => call(reader, '/overview?day=2026-02-01'), 400, /day/);
  await refusedUnchanged(() => call(reader, '/orders?state=Paidish'), 400, /state/);
  await refusedUnchanged(() => call(reader, '/orders?pageSize=101'), 400, /pageSize/);
  await refusedUnchanged(() => call(reader, '/orders?page=0'), 400, /page/);
  await refusedUnchanged(() => call(reader, '/orders?sort=createdAt'), 400, /sort/);
  await refusedUnchanged(() => call(reader, '/reports/2026-13'), 400, /month/);
  await refusedUnchanged(() => call(reader, '/reports/2026-01/csv?format=json'), 400, /format/);
});

test('each route needs the transit.read action; the roles reading the pre-paid overview hold it', async () => {
  const without = (await signInAdmin(strapi, ['plugin::workflows.runs.read'])).token;
  const month = paid[0].paidOn.slice(0, 7);
  for (const path of ['/overview', '/orders', `/reports/${month}`, `/reports/${month}/csv`]) {
    await refusedUnchanged(() => call(without, path), 403);
    await refusedUnchanged(() => http(strapi).get(`${base}${path}`), 401);
  }
  // Finance and Customer Success read the pre-paid overview: they read transit too.
  for (const roleCode of ['plan-renewals-finance', 'plan-renewals-customer-success']) {
    const { token } = await signInAdmin(strapi, { roleCode });
    expect((await call(token, '/overview')).status).toBe(200);
  }
  // Granted once: at the next start nothing is missing.
  expect(await strapi.plugin('transit-passes').service('access').grantReadingToHoldersOf('plugin::plan-renewals.dashboard.read')).toEqual([]);
  const superAdmin = await strapi.db.query('admin::role').findOne({ where: { code: 'strapi-super-admin' } });
  expect(await strapi.db.query('admin::permission').count({ where: { role: { id: superAdmin.id }, action: READ } })).toBe(1);
  // Registered with the admin's permissions, so a role can be given it in the settings.
  const registered = strapi.service('admin::permission').actionProvider.get(READ);
  expect(registered).toMatchObject({ displayName: 'Read transit', pluginName: 'transit-passes' });
});
