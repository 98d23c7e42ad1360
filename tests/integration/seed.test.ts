import type { Core } from '@strapi/strapi';
import { snapshot, startStrapi, stopStrapi } from '../harness/strapi';
import { appModule } from '../harness/fixtures';
import { PREPAID_PROCESS_ID, SERVICE_PLAN_UID, WORKFLOW_RUN_UID, WORKFLOW_TASK_UID, prepaidRunsOf } from '../harness/prepaid-runs';

/** The demo data: seeded on first start of an empty database, realistic, consistent, idempotent. */
let strapi: Core.Strapi;

beforeAll(async () => {
  process.env.SEED_DEMO_DATA = 'true';
  strapi = await startStrapi();
  process.env.SEED_DEMO_DATA = 'false';
});
afterAll(() => stopStrapi(strapi));

const count = (uid: string, where = {}) => strapi.db.query(uid as any).count({ where });

test('the first start of an empty database seeds an auto repair shop, through the process itself', async () => {
  expect(await count('api::plan.plan')).toBe(5);
  const terms = (await strapi.db.query('api::plan.plan').findMany({ select: ['termMonths'] })).map((p: any) => p.termMonths);
  expect(new Set(terms)).toEqual(new Set([1, 6, 12]));
  expect(await count('api::customer.customer')).toBe(12);
  expect(await count('api::service-plan.service-plan')).toBe(12);
  // Every status a plan rests in (Pending lasts only until the purchase's second step).
  for (const status of ['Processing', 'Active', 'PastDue', 'Expired', 'Cancelled']) {
    expect(await count('api::service-plan.service-plan', { state: status })).toBeGreaterThan(0);
  }
  expect(await count('api::invoice.invoice')).toBe(14);
  expect(await count('api::invoice.invoice', { kind: 'renewal' })).toBe(2);
  // Purchases and renewals are runs of the engine: twelve purchases and two renewals, each with its thirteen steps.
  const runs = await strapi.db.query(WORKFLOW_RUN_UID).findMany({ where: { processId: PREPAID_PROCESS_ID } });
  expect(runs.filter((run: any) => run.context?.kind === 'new')).toHaveLength(12);
  expect(runs.filter((run: any) => run.context?.kind === 'renewal')).toHaveLength(2);
  expect(runs).toHaveLength(14);
  expect(runs.every((run: any) => run.subjectType === SERVICE_PLAN_UID && run.steps.length === 13)).toBe(true);
  // Ten accepted; one purchase whose payment Finance rejected ends completed with that outcome.
  expect(await count(WORKFLOW_RUN_UID, { processId: PREPAID_PROCESS_ID, state: 'completed' })).toBe(11);
  expect(await count(WORKFLOW_RUN_UID, { processId: PREPAID_PROCESS_ID, state: 'completed', outcome: 'rejected' })).toBe(1);
  // Nothing is written where the process kept its runs and tasks before.
  expect(await count('plugin::plan-renewals.run')).toBe(0);
  expect(await count('plugin::plan-renewals.task')).toBe(0);
});

test('nothing the UI cannot explain: every open plan has its open run, every PastDue plan its Finance task', async () => {
  const plans = await strapi.db.query('api::service-plan.service-plan').findMany({ populate: { invoices: true } });
  for (const plan of plans) {
    const runs = await prepaidRunsOf(strapi, plan.documentId);
    expect(runs.length).toBeGreaterThan(0);
    if (plan.state === 'Processing') {
      const open = runs.find((run: any) => run.openKey === `${SERVICE_PLAN_UID}:${plan.documentId}`);
      expect(open).toBeTruthy();
      expect(await count(WORKFLOW_TASK_UID, { run: { id: open!.id }, state: 'open' })).toBe(1);
    }
    if (plan.state === 'PastDue') {
      const owed = plan.invoices.find((i: any) => i.kind === 'renewal' && i.state === 'Open');
      // A follow-up: the engine's task of the process, about the invoice.
      expect(await count('plugin::workflows.task', { processId: 'prepaid-plan', type: 'collect-payment', subjectId: owed.documentId, state: 'open' })).toBe(1);
      expect(plan.endDate <= new Date().toISOString().slice(0, 10)).toBe(true); // only once the paid period ended
    }
  }
  const cancelled = plans.find((p: any) => p.state === 'Cancelled');
  expect(cancelled.invoices.map((i: any) => i.state)).toEqual(['Void']);
});

test('every seeded invoice adds up, and every paid one has a matching successful payment, paid on its date', async () => {
  const { invoiceTotalsProblem } = appModule('domain');
  const invoices = await strapi.db.query('api::invoice.invoice').findMany({ populate: { lines: true, transactions: true } });
  for (const invoice of invoices) {
    expect(invoiceTotalsProblem(invoice)).toBeNull();
    if (invoice.state === 'Paid') {
      const paid = invoice.transactions.filter((t: any) => t.state === 'Success');
      expect(paid.map((t: any) => [t.amountMinor, t.currency])).toEqual([[invoice.totalMinor, invoice.currency]]);
      expect(new Date(invoice.paidAt).toISOString().slice(0, 10)).toBe(new Date(invoice.issuedAt).toISOString().slice(0, 10));
    }
  }
  const numbers = invoices.map((i: any) => i.number);
  expect(new Set(numbers).size).toBe(numbers.length);
});

test('active plans are covered today, and renewals continue from the previous end', async () => {
  const today = new Date().toISOString().slice(0, 10);
  const active = await strapi.db.query('api::service-plan.service-plan').findMany({ where: { state: 'Active' } });
  for (const plan of active) {
    expect(plan.currentPeriodStart <= today && today < plan.currentPeriodEnd).toBe(true);
    expect(plan.endDate >= plan.currentPeriodEnd).toBe(true);
  }
  const renewed = await strapi.db.query('api::service-plan.service-plan').findOne({
    where: { renewalCount: 1 },
    populate: { invoices: true },
  });
  const [first, second] = renewed.invoices.sort((a: any, b: any) => a.periodStart.localeCompare(b.periodStart));
  expect(second.kind).toBe('renewal');
  expect(second.periodStart).toBe(first.periodEnd);
  // Its first period is over: the renewal's is the one covering today.
  expect([renewed.currentPeriodStart, renewed.currentPeriodEnd]).toEqual([second.periodStart, second.periodEnd]);
});

test('the story of each plan is in the audit log, written by the demo data and the expiry job', async () => {
  const entries = await strapi.db.query('api::audit-log.audit-log').findMany({ where: { action: { $endsWith: 'status-changed' } } });
  expect(entries.length).toBeGreaterThan(30);
  expect(new Set(entries.map((e: any) => e.actorName))).toEqual(new Set(['demo data', 'expiry']));
});

/** Each seeded plan as the domain's MRR rule reads it: its state, term, recurring revenue and paid periods. */
const mrrPlans = async () => {
  const plans = await strapi.db.query('api::service-plan.service-plan').findMany({ populate: { plan: true, customer: true, invoices: true } });
  return plans.map((sp: any) => ({
    customer: sp.customer.id,
    state: sp.state,
    currency: sp.plan.currency,
    termMonths: sp.plan.termMonths,
    recurringMinor: sp.recurringMinor ?? 0,
    paid: sp.invoices.filter((i: any) => i.state === 'Paid').map((i: any) => ({ start: i.periodStart, end: i.periodEnd })),
  }));
};

test('MRR summed by the database equals the domain rule applied plan by plan', async () => {
  const { mrrOn } = appModule('domain');
  const today = new Date().toISOString().slice(0, 10);
  const expected = mrrOn(await mrrPlans(), today);
  const figures = await strapi.plugin('plan-renewals').service('mrr').current();
  expect(figures).toEqual(expected.map((e: any) => ({ currency: e.currency, mrrMinor: e.mrrMinor, arrMinor: e.mrrMinor * 12, activePlans: e.plans })));
});

test('seeding again changes nothing', async () => {
  const before = await snapshot(strapi);
  const result = await appModule('seed').seedDemoData(strapi);
  expect(result.customersWithPlans).toBe(0);
  expect(await snapshot(strapi)).toEqual(before);
});

test('the past eleven months of MRR are closed at their ends, by the same rule', async () => {
  const { addCalendarMonths, lastDayOfMonth, mrrOn } = appModule('domain');
  const month = new Date().toISOString().slice(0, 7);
  const plans = await mrrPlans();
  let withRevenue = 0;
  for (let back = 11; back >= 1; back -= 1) {
    const period = addCalendarMonths(month, -back);
    const expected = mrrOn(plans, lastDayOfMonth(period)).reduce((sum: number, e: any) => sum + e.mrrMinor, 0);
    const snapshots = await strapi.db.query('plugin::plan-renewals.mrr-snapshot').findMany({ where: { period } });
    expect(snapshots.reduce((sum: number, s: any) => sum + Number(s.mrrMinor), 0)).toBe(expected);
    expect(snapshots.every((s: any) => s.closedAt && s.measuredOn === lastDayOfMonth(period))).toBe(true);
    if (expected > 0) withRevenue += 1;
  }
  expect(withRevenue).toBeGreaterThan(3);
  // A month already stored is left alone; the current month is not a past one.
  const mrr = strapi.plugin('plan-renewals').service('mrr');
  expect(await mrr.backfill(addCalendarMonths(month, -1))).toBeNull();
  await expect(mrr.backfill(month)).rejects.toThrow('Only a finished month can be filled in');
});

test('last month\'s report reconciles with its MRR movements', async () => {
  const { addCalendarMonths } = appModule('domain');
  const previous = addCalendarMonths(new Date().toISOString().slice(0, 7), -1);
  const report = await strapi.plugin('plan-renewals').service('reports').find(previous);
  for (const m of report.mrr.movements) {
    expect(m.startMinor + m.newMinor + m.expansionMinor + m.reactivationMinor - m.contractionMinor - m.churnMinor).toBe(m.endMinor);
  }
  const end = report.mrr.end.reduce((sum: number, f: any) => sum + f.mrrMinor, 0);
  expect(report.mrr.movements.reduce((sum: number, m: any) => sum + m.endMinor, 0)).toBe(end);
});

test('the demo repair estimates went through the approval process: approved, rejected by Compliance, over the limit and approved, waiting for the executive', async () => {
  const requests = await strapi.db.query('plugin::repair-approvals.request').findMany({ populate: ['customer'], orderBy: { submittedAt: 'asc' } });
  expect(requests.map((r: any) => [r.customer.email, r.state])).toEqual([
    ['maria.gonzalez@example.com', 'Approved'],
    ['james.oconnor@example.com', 'Rejected'],
    ['chen.wei@example.com', 'Approved'],
    ['olivia.brown@example.com', 'UnderReview'],
  ]);
  expect(requests[2].creditCheck).toMatchObject({ over: true });
  const runs = await strapi.db.query('plugin::workflows.run').findMany({ where: { processId: 'repair-approval' } });
  expect(runs.map((r: any) => r.state).sort()).toEqual(['completed', 'completed', 'completed', 'waiting']);
  const waiting = runs.find((r: any) => r.state === 'waiting');
  expect(waiting.currentStep).toBe('executive-approval');
  expect(await strapi.db.query('plugin::workflows.task').count({ where: { run: { id: waiting.id }, stepId: 'executive-approval', state: 'open' } })).toBe(1);
  expect(await strapi.db.query('plugin::repair-approvals.certificate').count()).toBe(2);
});

test('the demo transit agency: its products, card stock, and orders made through the pass process', async () => {
  expect(await strapi.db.query('plugin::transit-passes.fare-product').count()).toBe(5);
  const orders = await strapi.db.query('plugin::transit-passes.order').findMany({ populate: ['customer', 'product'], orderBy: { id: 'asc' } });
  expect(orders.map((o: any) => [o.customer.email, o.product.code, o.state])).toEqual([
    ['maria.gonzalez@example.com', 'adult-monthly', 'Paid'],
    ['daniel.kim@example.com', 'student-weekly', 'Paid'],
    ['sofia.rossi@example.com', 'resident-monthly-card', 'Paid'],
    ['liam.novak@example.com', 'adult-single', 'Paid'],
    ['hannah.schmidt@example.com', 'senior-monthly', 'Pending'],
  ]);
  const open = await strapi.db.query('plugin::workflows.task').findMany({ where: { processId: 'transit-pass', state: 'open' } });
  expect(open.map((t: any) => t.stepId).sort()).toEqual(['desk-payment', 'verify-eligibility']);
  expect(await strapi.db.query('plugin::transit-passes.verification').count()).toBe(1);
  expect(await strapi.db.query('plugin::transit-passes.pass').count({ where: { state: 'Active' } })).toBe(4);
  expect(await strapi.db.query('plugin::transit-passes.card-stock').findOne({ where: {} })).toMatchObject({ onHand: 24, reserved: 0 });
});
