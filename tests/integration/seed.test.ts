import type { Core } from '@strapi/strapi';
import { snapshot, startStrapi, stopStrapi } from '../harness/strapi';
import { appModule } from '../harness/fixtures';

/** The demo data: seeded on first start of an empty database, realistic, consistent, idempotent. */
let strapi: Core.Strapi;

beforeAll(async () => {
  process.env.SEED_DEMO_DATA = 'true';
  strapi = await startStrapi();
  process.env.SEED_DEMO_DATA = 'false';
});
afterAll(() => stopStrapi(strapi));

const count = (uid: string, where = {}) => strapi.db.query(uid as any).count({ where });

test('the first start of an empty database seeds an auto repair shop', async () => {
  expect(await count('api::plan.plan')).toBe(5);
  const terms = (await strapi.db.query('api::plan.plan').findMany({ select: ['termMonths'] })).map((p: any) => p.termMonths);
  expect(new Set(terms)).toEqual(new Set([1, 6, 12]));
  expect(await count('api::customer.customer')).toBe(12);
  expect(await count('api::service-plan.service-plan')).toBe(12);
  for (const status of ['Pending', 'Processing', 'Active', 'PastDue', 'Expired', 'Cancelled']) {
    expect(await count('api::service-plan.service-plan', { state: status })).toBeGreaterThan(0);
  }
  expect(await count('api::invoice.invoice')).toBe(13);
  expect(await count('api::invoice.invoice', { kind: 'renewal' })).toBe(2);
  expect(await count('api::transaction.transaction', { state: 'Failed' })).toBe(1);
});

test('every seeded invoice adds up, and every paid one has a matching successful payment', async () => {
  const { invoiceTotalsProblem } = appModule('domain');
  const invoices = await strapi.db.query('api::invoice.invoice').findMany({ populate: { lines: true, transactions: true } });
  for (const invoice of invoices) {
    expect(invoiceTotalsProblem(invoice)).toBeNull();
    if (invoice.state === 'Paid') {
      const paid = invoice.transactions.filter((t: any) => t.state === 'Success');
      expect(paid.map((t: any) => [t.amountMinor, t.currency])).toEqual([[invoice.totalMinor, invoice.currency]]);
      expect(invoice.paidAt).toBeTruthy();
    }
  }
  const numbers = invoices.map((i: any) => i.number);
  expect(new Set(numbers).size).toBe(numbers.length);
});

test('active plans cover today, and renewals continue from the previous end', async () => {
  const today = new Date().toISOString().slice(0, 10);
  const active = await strapi.db.query('api::service-plan.service-plan').findMany({ where: { state: 'Active' } });
  for (const plan of active) {
    expect(plan.startDate <= today && today < plan.endDate).toBe(true);
  }
  const renewed = await strapi.db.query('api::service-plan.service-plan').findOne({
    where: { renewalCount: 1 },
    populate: { invoices: true },
  });
  const [first, second] = renewed.invoices.sort((a: any, b: any) => a.periodStart.localeCompare(b.periodStart));
  expect(second.kind).toBe('renewal');
  expect(second.periodStart).toBe(first.periodEnd);
});

test('the story of each plan is in the audit log, written as the demo data actor', async () => {
  const entries = await strapi.db.query('api::audit-log.audit-log').findMany({ where: { action: { $endsWith: 'status-changed' } } });
  expect(entries.length).toBeGreaterThan(30);
  expect(new Set(entries.map((e: any) => e.actorName))).toEqual(new Set(['demo data']));
});

test('MRR summed by the database equals the domain rule applied plan by plan', async () => {
  const { monthlyRecurringRevenue, recurringPerTerm } = appModule('domain');
  const active = await strapi.db
    .query('api::service-plan.service-plan')
    .findMany({ where: { state: 'Active' }, populate: { plan: { populate: { addOns: true } } } });
  let expected = 0;
  for (const servicePlan of active) {
    const perTerm = recurringPerTerm({ ...servicePlan.plan, chosenAddOnCodes: servicePlan.addOnCodes ?? [] });
    expect(servicePlan.recurringMinor).toBe(perTerm.amountMinor);
    expected += monthlyRecurringRevenue(perTerm, servicePlan.plan.termMonths).amountMinor;
  }
  const figures = await strapi.plugin('plan-renewals').service('mrr').current();
  expect(figures).toEqual([{ currency: 'USD', mrrMinor: expected, arrMinor: expected * 12, activePlans: active.length }]);
});

test('seeding again changes nothing', async () => {
  const before = await snapshot(strapi);
  const result = await appModule('seed').seedDemoData(strapi);
  expect(result.customersWithPlans).toBe(0);
  expect(await snapshot(strapi)).toEqual(before);
});

test('the past eleven months of MRR are filled in from what the seeded invoices paid for', async () => {
  const { addCalendarMonths } = appModule('domain');
  const month = new Date().toISOString().slice(0, 7);
  const invoices = await strapi.db.query('api::invoice.invoice').findMany({
    where: { state: 'Paid' },
    populate: { servicePlan: { populate: ['plan'] } },
  });
  let withRevenue = 0;
  for (let back = 11; back >= 1; back -= 1) {
    const period = addCalendarMonths(month, -back);
    const lastDay = new Date(Date.parse(`${addCalendarMonths(period, 1)}-01T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    // Recomputed here from the documents: each plan paid for on the month's last day, its
    // recurring revenue per term spread over the term's months (half away from zero).
    const plans = new Map<number, any>();
    for (const invoice of invoices) {
      if (invoice.periodStart <= lastDay && invoice.periodEnd > lastDay) plans.set(invoice.servicePlan.id, invoice.servicePlan);
    }
    const expected = [...plans.values()].reduce((sum, sp) => sum + Math.floor(((sp.recurringMinor ?? 0) * 2 + sp.plan.termMonths) / (sp.plan.termMonths * 2)), 0);
    const snapshots = await strapi.db.query('plugin::plan-renewals.mrr-snapshot').findMany({ where: { period } });
    expect(snapshots.reduce((sum: number, s: any) => sum + Number(s.mrrMinor), 0)).toBe(expected);
    if (expected > 0) withRevenue += 1;
  }
  expect(withRevenue).toBeGreaterThan(3);
  // A month already stored is left alone; the current month is not a past one.
  const mrr = strapi.plugin('plan-renewals').service('mrr');
  expect(await mrr.backfill(addCalendarMonths(month, -1))).toBeNull();
  await expect(mrr.backfill(month)).rejects.toThrow('Only a finished month can be filled in');
});
