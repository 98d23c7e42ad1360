import type { Core } from '@strapi/strapi';
import { http, signInStaff, snapshot, startStrapi, stopStrapi } from '../harness/strapi';
import { createActivePlan, createCustomer, createPlan, setRenewalLeadDays } from '../harness/fixtures';
import { prepaidRun, prepaidRunsOf, stepTasksOf } from '../harness/prepaid-runs';

/** A purchase, a renewal and a rejection driven through the HTTP API by Finance and Customer Success. */
let strapi: Core.Strapi;
let finance: string;
let customerSuccess: string;
let plan: any;

beforeAll(async () => {
  strapi = await startStrapi();
  ({ finance, customerSuccess } = await signInStaff(strapi));
  plan = await createPlan(strapi, { code: 'complete-care-12m' });
  // These tests renew plans they have just bought; the lead time itself is tested on its own below.
  setRenewalLeadDays(strapi);
});
afterAll(() => stopStrapi(strapi));

const api = '/api/plan-renewals';
const as = (token: string) => ({ Authorization: `Bearer ${token}` });

const purchase = async () => {
  const customer = await createCustomer(strapi);
  const response = await http(strapi)
    .post(`${api}/purchases`)
    .set(as(customerSuccess))
    .send({ customer: customer.documentId, plan: plan.code, addOns: ['roadside'], paymentMethod: 'manual' });
  expect(response.status).toBe(201);
  return { customer, ...response.body.data };
};

const openTask = async (token: string, runId: string) => {
  const response = await http(strapi).get(`${api}/tasks`).set(as(token));
  expect(response.status).toBe(200);
  return response.body.data.find((task: any) => task.run === runId);
};

const pay = (invoiceId: string, amountMinor: number, reference = `COUNTER-${Math.random().toString(36).slice(2, 8)}`) =>
  http(strapi)
    .post(`${api}/invoices/${invoiceId}/manual-payments`)
    .set(as(finance))
    .send({ amountMinor, currency: 'USD', reference });

/** A purchase taken to completed: paid, approved, checked. Returns its run with the service plan. */
const completedPurchase = async (): Promise<any> => {
  const { run } = await purchase();
  const task = await openTask(finance, run.documentId);
  await pay(run.invoice.documentId, 65429);
  await http(strapi).post(`${api}/tasks/${task.documentId}/complete`).set(as(finance)).send({ outcome: 'approved' });
  const check = await openTask(customerSuccess, run.documentId);
  await http(strapi).post(`${api}/tasks/${check.documentId}/complete`).set(as(customerSuccess)).send({ outcome: 'passed' });
  const stored = await prepaidRun(strapi, run.documentId);
  expect(stored).toMatchObject({ state: 'completed', outcome: 'accepted' });
  return stored;
};

test('a new purchase runs all thirteen steps to completed', async () => {
  const { run: started, servicePlan } = await purchase();
  expect(started.state).toBe('waiting');
  expect(started.currentStep).toBe('verify-payment');
  expect(started.steps.slice(0, 4).map((s: any) => s.state)).toEqual(['done', 'done', 'done', 'done']);
  const invoiceId = started.invoice.documentId;
  const invoice: any = await strapi.documents('api::invoice.invoice').findOne({ documentId: invoiceId });
  // 549.00 + 60.00 roadside (untaxed) + 8.25 % of 549.00 = 45.29
  expect([invoice.state, invoice.totalMinor, invoice.taxMinor]).toEqual(['Open', 65429, 4529]);

  const task = await openTask(finance, started.documentId);
  expect(task.type).toBe('verify-payment');
  expect(await openTask(customerSuccess, started.documentId)).toBeUndefined();

  const early = await http(strapi).post(`${api}/tasks/${task.documentId}/complete`).set(as(finance)).send({ outcome: 'approved' });
  expect(early.status).toBe(400);
  expect(early.body.error.message).toMatch(/has no successful payment of USD 654.29: record the payment before approving/);

  const wrongRole = await http(strapi).post(`${api}/tasks/${task.documentId}/complete`).set(as(customerSuccess)).send({ outcome: 'approved' });
  expect(wrongRole.status).toBe(403);

  const before = await snapshot(strapi);
  const wrongAmount = await pay(invoiceId, 65428);
  expect(wrongAmount.status).toBe(400);
  expect(await snapshot(strapi)).toEqual(before);
  expect((await pay(invoiceId, 65429, 'COUNTER-0042')).status).toBe(201);

  const approved = await http(strapi)
    .post(`${api}/tasks/${task.documentId}/complete`)
    .set(as(finance))
    .send({ outcome: 'approved', note: 'cash counted' });
  expect(approved.status).toBe(200);
  expect([approved.body.data.state, approved.body.data.currentStep]).toEqual(['waiting', 'quality-check']);

  const again = await http(strapi).post(`${api}/tasks/${task.documentId}/complete`).set(as(finance)).send({ outcome: 'approved' });
  expect(again.status).toBe(409);

  const check = await openTask(customerSuccess, started.documentId);
  const badOutcome = await http(strapi).post(`${api}/tasks/${check.documentId}/complete`).set(as(customerSuccess)).send({ outcome: 'approved' });
  expect(badOutcome.status).toBe(400);
  expect(badOutcome.body.error.message).toMatch('must be one of passed, failed, not approved');
  const passed = await http(strapi).post(`${api}/tasks/${check.documentId}/complete`).set(as(customerSuccess)).send({ outcome: 'passed' });
  expect(passed.status).toBe(200);
  expect(passed.body.data.state).toBe('completed');

  const run = (await http(strapi).get(`${api}/runs/${started.documentId}`).set(as(finance))).body.data;
  expect(run.steps.map((s: any) => s.state)).toEqual(Array(13).fill('done'));
  expect(run.steps[4].actor).toMatchObject({ type: 'user' });

  const stored: any = await strapi.documents('api::service-plan.service-plan').findOne({ documentId: servicePlan.documentId });
  const today = new Date().toISOString().slice(0, 10);
  expect([stored.state, stored.startDate]).toEqual(['Active', today]);
  const paid: any = await strapi.documents('api::invoice.invoice').findOne({ documentId: invoiceId, populate: ['transactions'] });
  expect([paid.state, paid.transactions.length]).toEqual(['Paid', 1]);
  const emails = await strapi.db.query('plugin::workflows.message').findMany({ where: { run: started.documentId } });
  expect(emails).toHaveLength(1);
  expect(emails[0].state).toBe('preview'); // no SENDGRID_API_KEY in this test: kept for preview
  expect(emails[0].text).toMatch(/Total paid: USD 654.29/);
  expect(emails[0].text).toMatch(/Payment reference: manual COUNTER-0042/);
  const tasks = await stepTasksOf(strapi, started.documentId);
  expect(tasks.map((t: any) => [t.type, t.state, t.outcome])).toEqual([
    ['verify-payment', 'completed', 'approved'],
    ['quality-check', 'completed', 'passed'],
  ]);
  const audit = await strapi.db.query('api::audit-log.audit-log').findMany({
    where: { entityDocumentId: started.documentId, action: 'run.step-done' },
    orderBy: { id: 'asc' },
  });
  expect(audit).toHaveLength(13);
  // 549.00 + 60.00 recurring roadside over 12 months = 50.75 of MRR, the only active plan so far.
  const mrrSnapshot = await strapi.db
    .query('plugin::plan-renewals.mrr-snapshot')
    .findOne({ where: { period: today.slice(0, 7), currency: 'USD' } });
  expect([Number(mrrSnapshot.mrrMinor), mrrSnapshot.activePlans]).toEqual([5075, 1]);
  expect(run.steps[11].result).toBe(`MRR for ${today.slice(0, 7)}: USD 50.75 (1 plan)`);
});

test('a renewal continues from the previous end; a second one at the same time is a 409', async () => {
  const stored = await completedPurchase();
  const servicePlanId = stored.servicePlan.documentId;
  const previous: any = await strapi.documents('api::service-plan.service-plan').findOne({ documentId: servicePlanId });

  const renewal = await http(strapi).post(`${api}/service-plans/${servicePlanId}/renewals`).set(as(customerSuccess));
  expect(renewal.status).toBe(201);
  expect(renewal.body.data.periodStart).toBe(previous.endDate);
  const second = await http(strapi).post(`${api}/service-plans/${servicePlanId}/renewals`).set(as(finance));
  expect(second.status).toBe(409);
  expect(second.body.error.details.run).toBe(renewal.body.data.documentId);
});

test('a renewal may start from renewalLeadDays before the paid period ends; earlier is a 409 naming that day, and writes nothing', async () => {
  const restore = setRenewalLeadDays(strapi, 14);
  try {
    const { servicePlan } = await createActivePlan(strapi, 30);
    const plan: any = await strapi.documents('api::service-plan.service-plan').findOne({ documentId: servicePlan.documentId });
    const { addDays } = require('../../dist/src/domain');
    const firstDay = addDays(plan.endDate, -14);
    const before = await snapshot(strapi);
    const early = await http(strapi).post(`${api}/service-plans/${servicePlan.documentId}/renewals`).set(as(customerSuccess));
    expect(early.status).toBe(409);
    expect(early.body.error.message).toMatch(`its renewal may start from ${firstDay}`);
    expect(early.body.error.details).toEqual({ firstRenewalDay: firstDay, paidUntil: plan.endDate });
    expect(await snapshot(strapi)).toEqual(before);

    const due = await createActivePlan(strapi, 14);
    expect((await http(strapi).post(`${api}/service-plans/${due.servicePlan.documentId}/renewals`).set(as(customerSuccess))).status).toBe(201);
  } finally {
    restore();
  }
});

test('a renewal paid early extends the paid-through date; the customer stays covered by the current period', async () => {
  const stored = await completedPurchase();
  const servicePlanId = stored.servicePlan.documentId;
  const bought: any = await strapi.documents('api::service-plan.service-plan').findOne({ documentId: servicePlanId });
  expect([bought.currentPeriodStart, bought.currentPeriodEnd]).toEqual([bought.startDate, bought.endDate]);
  const renewal = await http(strapi).post(`${api}/service-plans/${servicePlanId}/renewals`).set(as(customerSuccess));
  const task = await openTask(finance, renewal.body.data.documentId);
  await pay(renewal.body.data.invoice.documentId, 65429);
  await http(strapi).post(`${api}/tasks/${task.documentId}/complete`).set(as(finance)).send({ outcome: 'approved' });
  const renewed: any = await strapi.documents('api::service-plan.service-plan').findOne({ documentId: servicePlanId });
  expect([renewed.state, renewed.currentPeriodStart, renewed.currentPeriodEnd, renewed.startDate, renewed.endDate]).toEqual([
    'Active',
    bought.startDate,
    bought.endDate,
    bought.endDate,
    renewal.body.data.periodEnd,
  ]);
  // The day the first period ends, the renewal's period becomes the current one.
  const payments = strapi.plugin('plan-renewals').service('card-payments');
  expect(await payments.advanceCurrentPeriods(bought.endDate)).toEqual({ moved: expect.any(Number) });
  const moved: any = await strapi.documents('api::service-plan.service-plan').findOne({ documentId: servicePlanId });
  expect([moved.currentPeriodStart, moved.currentPeriodEnd]).toEqual([bought.endDate, renewal.body.data.periodEnd]);
});

test('Finance rejecting the payment voids the invoice, cancels a new purchase and tells the customer', async () => {
  const { run, servicePlan, customer } = await purchase();
  const task = await openTask(finance, run.documentId);
  const rejected = await http(strapi)
    .post(`${api}/tasks/${task.documentId}/complete`)
    .set(as(finance))
    .send({ outcome: 'rejected', note: 'cheque bounced' });
  expect(rejected.status).toBe(200);
  const stored: any = await prepaidRun(strapi, run.documentId);
  // A decision, not an error: the run is completed with the outcome `rejected`, the steps after
  // the payment check skipped, each saying why.
  expect([stored.state, stored.outcome, stored.currentStep]).toEqual(['completed', 'rejected', null]);
  const states = Object.fromEntries(stored.steps.map((step: any) => [step.id, step.state]));
  expect([states['create-invoice'], states['verify-payment'], states['check-payment'], states['monthly-report']]).toEqual(['done', 'rejected', 'skipped', 'skipped']);
  expect(stored.steps.find((step: any) => step.id === 'activate-plan').result).toBe('Skipped: the run was rejected at "Verify payment authorization"');
  expect(
    (await strapi.db.query('api::audit-log.audit-log').findMany({ where: { entityDocumentId: run.documentId, action: 'run.step-rejected' } })).map((entry: any) => [entry.entityUid, entry.summary]),
  ).toEqual([['plugin::workflows.run', 'Pre-paid plan purchase or renewal: step "Verify payment authorization" rejected: rejected: cheque bounced']]);
  const invoice: any = await strapi.documents('api::invoice.invoice').findOne({ documentId: run.invoice.documentId });
  expect(invoice.state).toBe('Void');
  const plan: any = await strapi.documents('api::service-plan.service-plan').findOne({ documentId: servicePlan.documentId });
  expect(plan.state).toBe('Cancelled');
  const emails = await strapi.db.query('plugin::workflows.message').findMany({ where: { to: customer.email } });
  expect(emails.map((e: any) => e.subject)).toEqual([expect.stringMatching(/could not confirm the payment/)]);
});

test.each([
  [{ customer: 'x', plan: 'complete-care-12m' }, /customer: must be a document id/],
  [{ customer: 'abcdefghijklmnop', plan: 'complete-care-12m', extra: 1 }, /Unrecognized key/],
  [{ customer: 'abcdefghijklmnop', plan: 'no-such-plan' }, /No customer|No plan/],
])('a bad purchase %p is a 400 that writes nothing', async (body, message) => {
  const before = await snapshot(strapi);
  const response = await http(strapi).post(`${api}/purchases`).set(as(customerSuccess)).send(body);
  expect(response.status).toBe(400);
  expect(response.body.error.message).toMatch(message);
  expect(await snapshot(strapi)).toEqual(before);
});

test('nobody unauthenticated reaches the process routes', async () => {
  expect((await http(strapi).post(`${api}/purchases`).send({})).status).toBe(403);
  expect((await http(strapi).get(`${api}/tasks`)).status).toBe(403);
});

test('two renewal requests at the same moment open one run', async () => {
  const stored = await completedPurchase();
  const url = `${api}/service-plans/${stored.servicePlan.documentId}/renewals`;

  const responses = await Promise.all([http(strapi).post(url).set(as(finance)), http(strapi).post(url).set(as(customerSuccess))]);
  expect(responses.map((r) => r.status).sort()).toEqual([201, 409]);
  const runs = await prepaidRunsOf(strapi, stored.servicePlan.documentId, { kind: 'renewal' });
  expect(runs).toHaveLength(1);
  const conflict = responses.find((r) => r.status === 409)!;
  expect(conflict.body.error.details.run).toBe(runs[0].documentId);
  const invoices = await strapi.db.query('api::invoice.invoice').count({ where: { servicePlan: { documentId: stored.servicePlan.documentId } } });
  expect(invoices).toBe(2);
});

test('Finance rejecting a renewal payment puts the plan back as it was, still Active', async () => {
  const stored = await completedPurchase();
  const servicePlanId = stored.servicePlan.documentId;
  const before: any = await strapi.documents('api::service-plan.service-plan').findOne({ documentId: servicePlanId });
  const renewal = await http(strapi).post(`${api}/service-plans/${servicePlanId}/renewals`).set(as(customerSuccess));
  expect(renewal.status).toBe(201);
  const task = await openTask(finance, renewal.body.data.documentId);
  const rejected = await http(strapi).post(`${api}/tasks/${task.documentId}/complete`).set(as(finance)).send({ outcome: 'rejected', note: 'card declined at the counter' });
  expect(rejected.status).toBe(200);
  const after: any = await strapi.documents('api::service-plan.service-plan').findOne({ documentId: servicePlanId });
  expect([after.state, after.startDate, after.endDate, after.renewalCount]).toEqual(['Active', before.startDate, before.endDate, 0]);
  const invoice: any = await strapi.documents('api::invoice.invoice').findOne({ documentId: renewal.body.data.invoice.documentId });
  expect([invoice.kind, invoice.state]).toEqual(['renewal', 'Void']);
  const again = await http(strapi).post(`${api}/service-plans/${servicePlanId}/renewals`).set(as(customerSuccess));
  expect(again.status).toBe(201); // the failed run is closed: a new renewal may start
});
