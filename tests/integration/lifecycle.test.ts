import type { Core } from '@strapi/strapi';
import { http, signInStaff, startStrapi, stopStrapi } from '../harness/strapi';
import { appModule, createCustomer, createPlan, setRenewalLeadDays } from '../harness/fixtures';
import { stepTasksOf } from '../harness/prepaid-runs';
import { StandIn, startSendGridStandIn } from '../harness/sendgrid-stand-in';

/**
 * A customer's whole year through the HTTP API alone: Customer Success sells a plan, Finance
 * records the counter payment and approves it, Customer Success checks the car; a year later the
 * same again as a renewal. Receipts go out through the real @sendgrid/mail client to a local
 * SendGrid stand-in. Every record is asserted at the end of each run.
 */
let strapi: Core.Strapi;
let sendgrid: StandIn;
let finance: string;
let customerSuccess: string;

beforeAll(async () => {
  sendgrid = await startSendGridStandIn();
  process.env.SENDGRID_API_KEY = 'SG.lifecycle-key';
  process.env.SENDGRID_API_BASE = sendgrid.base;
  strapi = await startStrapi();
  ({ finance, customerSuccess } = await signInStaff(strapi));
});
afterAll(async () => {
  await stopStrapi(strapi);
  await sendgrid.close();
  delete process.env.SENDGRID_API_KEY;
  delete process.env.SENDGRID_API_BASE;
});

const api = '/api/plan-renewals';
const as = (token: string) => ({ Authorization: `Bearer ${token}` });
const ok = async (pending: PromiseLike<any>, status = 200) => {
  const response = await pending;
  if (response.status !== status) throw new Error(`${status} expected, got ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body.data;
};

const STEP_IDS = [
  'retrieve-subscription',
  'mark-processing',
  'calculate-total',
  'create-invoice',
  'verify-payment',
  'check-payment',
  'mark-invoice-paid',
  'activate-plan',
  'provisioning-log',
  'send-confirmation',
  'quality-check',
  'calculate-mrr',
  'monthly-report',
];

/** Takes an started run through payment, approval and the quality check, over HTTP only. */
const complete = async (run: any, reference: string) => {
  const tasks = await ok(http(strapi).get(`${api}/tasks`).set(as(finance)));
  const verify = tasks.find((task: any) => task.run === run.documentId);
  expect([verify.type, verify.role, verify.state]).toEqual(['verify-payment', 'finance', 'open']);
  const invoice = await ok(http(strapi).get(`/api/invoices/${run.invoice.documentId}`).set(as(finance)));
  expect(invoice.state).toBe('Open');
  await ok(
    http(strapi)
      .post(`${api}/invoices/${run.invoice.documentId}/manual-payments`)
      .set(as(finance))
      .send({ amountMinor: invoice.totalMinor, currency: invoice.currency, reference }),
    201,
  );
  await ok(http(strapi).post(`${api}/tasks/${verify.documentId}/complete`).set(as(finance)).send({ outcome: 'approved', note: 'counted' }));
  const checks = await ok(http(strapi).get(`${api}/tasks`).set(as(customerSuccess)));
  const check = checks.find((task: any) => task.run === run.documentId);
  expect([check.type, check.role]).toEqual(['quality-check', 'customer-success']);
  const done = await ok(http(strapi).post(`${api}/tasks/${check.documentId}/complete`).set(as(customerSuccess)).send({ outcome: 'passed' }));
  expect(done.state).toBe('completed');
  return ok(http(strapi).get(`${api}/runs/${run.documentId}`).set(as(finance)));
};

/** Every record a finished run leaves behind, read back from the database. */
const recordsOf = async (run: any) => {
  const invoice: any = await strapi.documents('api::invoice.invoice').findOne({
    documentId: run.invoice.documentId,
    populate: ['transactions', 'lines'],
  });
  const tasks = await stepTasksOf(strapi, run.documentId);
  const emails = await strapi.db.query('plugin::workflows.message').findMany({ where: { run: run.documentId } });
  const audit = await strapi.db.query('api::audit-log.audit-log').findMany({
    where: { entityDocumentId: run.documentId },
    orderBy: { id: 'asc' },
  });
  return { invoice, tasks, emails, audit };
};

test('a purchase and its renewal, each from start to completed, leave every record right', async () => {
  const plan = await createPlan(strapi, {
    code: 'complete-care-annual',
    addOns: [
      { code: 'roadside', name: 'Roadside assistance', feeMinor: 6000, taxable: false, billing: 'recurring' },
      { code: 'setup', name: 'Vehicle inspection', feeMinor: 2500, taxable: true, billing: 'one-time' },
    ],
  });
  const customer = await createCustomer(strapi, { name: 'Dana Whitfield' });
  const today = new Date().toISOString().slice(0, 10);
  const month = today.slice(0, 7);

  // --- the purchase
  const bought = await ok(
    http(strapi)
      .post(`${api}/purchases`)
      .set(as(customerSuccess))
      .send({ customer: customer.documentId, plan: plan.code, addOns: ['roadside', 'setup'], paymentMethod: 'manual', vehicle: '2019 Honda Civic' }),
    201,
  );
  const servicePlanId = bought.servicePlan.documentId;
  expect(bought.servicePlan.state).toBe('Processing'); // created Pending, moved on by step 2 before the answer
  const first = await complete(bought.run, 'COUNTER-1001');
  expect(first.steps.map((s: any) => [s.id, s.state])).toEqual(STEP_IDS.map((id) => [id, 'done']));

  let servicePlan: any = await strapi.documents('api::service-plan.service-plan').findOne({ documentId: servicePlanId });
  const yearLater = first.periodEnd;
  expect([servicePlan.state, servicePlan.startDate, servicePlan.endDate, servicePlan.renewalCount]).toEqual(['Active', today, yearLater, 0]);
  // tax rounded per line: 8.25 % of 549.00 = 45.29, of the 25.00 inspection = 2.06; roadside untaxed
  let records = await recordsOf(first);
  expect([records.invoice.kind, records.invoice.state, records.invoice.subtotalMinor, records.invoice.taxMinor, records.invoice.totalMinor]).toEqual([
    'new',
    'Paid',
    63400,
    4735,
    68135,
  ]);
  expect(records.invoice.transactions.map((t: any) => [t.provider, t.state, t.amountMinor, t.providerReference])).toEqual([
    ['manual', 'Success', 68135, 'COUNTER-1001'],
  ]);
  expect(records.tasks.map((t: any) => [t.type, t.state, t.outcome])).toEqual([
    ['verify-payment', 'completed', 'approved'],
    ['quality-check', 'completed', 'passed'],
  ]);
  expect(records.emails.map((e: any) => e.state)).toEqual(['sent']);
  const stepAudit = (audit: any[]) => audit.filter((a) => a.action.startsWith('run.step-')).map((a) => [a.action, a.data.step]);
  expect(stepAudit(records.audit)).toEqual([
    ['run.step-done', 'retrieve-subscription'],
    ['run.step-done', 'mark-processing'],
    ['run.step-done', 'calculate-total'],
    ['run.step-done', 'create-invoice'],
    ['run.step-waiting', 'verify-payment'],
    ['run.step-done', 'verify-payment'],
    ['run.step-done', 'check-payment'],
    ['run.step-done', 'mark-invoice-paid'],
    ['run.step-done', 'activate-plan'],
    ['run.step-done', 'provisioning-log'],
    ['run.step-done', 'send-confirmation'],
    ['run.step-waiting', 'quality-check'],
    ['run.step-done', 'quality-check'],
    ['run.step-done', 'calculate-mrr'],
    ['run.step-done', 'monthly-report'],
  ]);
  // The run's own entries, as the engine records them.
  expect([...new Set(records.audit.filter((a) => a.action.startsWith('run.step-')).map((a) => a.entityUid))]).toEqual(['plugin::workflows.run']);
  // Each step is attributed to the person whose request set it off: the sale, the approval, the check.
  const by = (audit: any[]) => audit.filter((a) => a.action === 'run.step-done').map((a) => `${a.actorType}:${a.actorName.split('-')[0]}`);
  const [sale, approval, check] = ['user:customer', 'user:finance', 'user:customer'];
  expect(by(records.audit)).toEqual([...Array(4).fill(sale), ...Array(6).fill(approval), ...Array(3).fill(check)]);
  const planHistory = await strapi.db.query('api::audit-log.audit-log').findMany({
    where: { entityDocumentId: servicePlanId, action: 'service-plan.status-changed' },
    orderBy: { id: 'asc' },
  });
  expect(planHistory.map((a: any) => a.summary)).toEqual([expect.stringMatching(/Pending -> Processing/), expect.stringMatching(/Processing -> Active/)]);

  // (549.00 + 60.00) / 12 = 50.75 a month; tax and the one-time inspection excluded
  const mrr = () => strapi.db.query('plugin::plan-renewals.mrr-snapshot').findOne({ where: { period: month, currency: 'USD' } });
  expect([Number((await mrr()).mrrMinor), (await mrr()).activePlans]).toEqual([5075, 1]);

  // --- too early: a renewal may start from 14 days (renewalLeadDays) before the paid period ends
  const early = await http(strapi).post(`${api}/service-plans/${servicePlanId}/renewals`).set(as(customerSuccess));
  expect([early.status, early.body.error.details.firstRenewalDay]).toEqual([409, appModule('domain').addDays(yearLater, -14)]);

  // --- the renewal, a year's worth later (a lead time stretched to stand for the wait): no inspection fee this time
  const restoreLead = setRenewalLeadDays(strapi);
  const renewal = await ok(http(strapi).post(`${api}/service-plans/${servicePlanId}/renewals`).set(as(customerSuccess)), 201);
  expect([renewal.kind, renewal.periodStart]).toEqual(['renewal', yearLater]);
  const second = await complete(renewal, 'COUNTER-2001');
  restoreLead();
  expect(second.steps.map((s: any) => s.state)).toEqual(Array(13).fill('done'));

  servicePlan = await strapi.documents('api::service-plan.service-plan').findOne({ documentId: servicePlanId });
  expect([servicePlan.state, servicePlan.startDate, servicePlan.endDate, servicePlan.renewalCount]).toEqual([
    'Active',
    yearLater,
    second.periodEnd,
    1,
  ]);
  expect(second.periodEnd.slice(0, 4)).toBe(String(Number(yearLater.slice(0, 4)) + 1));
  records = await recordsOf(second);
  expect([records.invoice.kind, records.invoice.state, records.invoice.subtotalMinor, records.invoice.taxMinor, records.invoice.totalMinor]).toEqual([
    'renewal',
    'Paid',
    60900,
    4529,
    65429,
  ]);
  expect([records.invoice.periodStart, records.invoice.periodEnd]).toEqual([yearLater, second.periodEnd]);
  expect(records.invoice.transactions.map((t: any) => [t.state, t.amountMinor, t.providerReference])).toEqual([['Success', 65429, 'COUNTER-2001']]);
  expect(records.tasks.map((t: any) => [t.type, t.state, t.outcome])).toEqual([
    ['verify-payment', 'completed', 'approved'],
    ['quality-check', 'completed', 'passed'],
  ]);
  expect(records.emails.map((e: any) => e.state)).toEqual(['sent']);
  expect(stepAudit(records.audit).filter(([action]) => action === 'run.step-done').map(([, step]) => step)).toEqual(STEP_IDS);
  expect(Number((await mrr()).mrrMinor)).toBe(5075); // the same plan renewed: MRR unchanged, still one plan

  // Two receipts reached SendGrid, one per run, each with what the customer paid.
  expect(sendgrid.received).toHaveLength(2);
  const [purchaseMail, renewalMail] = sendgrid.received.map((r) => r.body);
  for (const mail of [purchaseMail, renewalMail]) {
    expect(mail.personalizations[0].to[0].email).toBe(customer.email);
    expect(mail.content.map((c: any) => c.type)).toEqual(['text/plain', 'text/html']);
  }
  expect(purchaseMail.content[0].value).toMatch(/Total paid: USD 681.35/);
  expect(purchaseMail.content[0].value).toMatch(/Vehicle inspection/);
  expect(purchaseMail.content[0].value).toMatch(/manual COUNTER-1001/);
  expect(renewalMail.content[0].value).toMatch(/Total paid: USD 654.29/);
  expect(renewalMail.content[0].value).not.toMatch(/Vehicle inspection/);
  expect(renewalMail.content[0].value).toMatch(new RegExp(`${yearLater}`));
});
