import type { Core } from '@strapi/strapi';
import { http, signInStaff, snapshot, startStrapi, stopStrapi } from '../harness/strapi';
import { appModule, createActivePlan, createCustomer, createPlan } from '../harness/fixtures';
import { SERVICE_PLAN_UID, WORKFLOW_TASK_UID, openStepTaskOf, prepaidRun, prepaidRunsOf } from '../harness/prepaid-runs';

/** Each scheduled job's effect, run through `runNow` as `npm run job` and the API do. */
let strapi: Core.Strapi;
let finance: string;
let customerSuccess: string;

beforeAll(async () => {
  strapi = await startStrapi();
  ({ finance, customerSuccess } = await signInStaff(strapi));
});
afterAll(() => stopStrapi(strapi));

const jobs = () => strapi.plugin('plan-renewals').service('jobs');
const day = 24 * 60 * 60 * 1000;
const today = () => new Date().toISOString().slice(0, 10);
const shift = (days: number) => new Date(Date.now() + days * day).toISOString().slice(0, 10);

const activePlan = (endsIn: number, overrides: Record<string, unknown> = {}) => createActivePlan(strapi, endsIn, overrides);

test('renewals-due starts one renewal per plan period within the lead time, never two', async () => {
  const due = await activePlan(10);
  const later = await activePlan(40);
  const manual = await activePlan(5, { autoRenew: false });
  const first = await jobs().runNow('renewals-due');
  expect(first.outcome).toMatch(/^1 renewal run started/);
  const runsOf = (servicePlan: any) => prepaidRunsOf(strapi, servicePlan.documentId);
  expect(await runsOf(due.servicePlan)).toHaveLength(1);
  expect(await runsOf(later.servicePlan)).toHaveLength(0);
  expect(await runsOf(manual.servicePlan)).toHaveLength(0);
  const [run] = await runsOf(due.servicePlan);
  // The wave's run records its process and the version it started on, as a run started by hand does.
  expect([run.kind, run.periodStart, run.processId, run.processVersion]).toEqual(['renewal', shift(10), 'prepaid-plan', 1]);
  expect([run.subjectType, run.openKey]).toEqual([SERVICE_PLAN_UID, `${SERVICE_PLAN_UID}:${due.servicePlan.documentId}`]);

  // The payment is rejected (the run ends, rejected): the plan is Active and due again, but that period had its run.
  const task = await openStepTaskOf(strapi, run.documentId);
  expect(task).toMatchObject({ stepId: 'verify-payment', type: 'verify-payment', role: 'finance' });
  const rejected = await http(strapi)
    .post(`/api/plan-renewals/tasks/${task.documentId}/complete`)
    .set('Authorization', `Bearer ${finance}`)
    .send({ outcome: 'rejected', note: 'the customer asked to stop' });
  expect(rejected.status).toBe(200);
  expect((await jobs().runNow('renewals-due')).outcome).toMatch(/^0 renewal runs started/);
  expect(await runsOf(due.servicePlan)).toHaveLength(1);
});

test('expiry: a plan past its end date without a paid renewal expires, and the customer is told', async () => {
  const { servicePlan, customer } = await activePlan(0, { autoRenew: false });
  const kept = await activePlan(1);
  expect((await jobs().runNow('expiry')).outcome).toMatch(/^1 plan expired/);
  const expired: any = await strapi.documents('api::service-plan.service-plan').findOne({ documentId: servicePlan.documentId });
  expect(expired.state).toBe('Expired');
  expect(((await strapi.documents('api::service-plan.service-plan').findOne({ documentId: kept.servicePlan.documentId })) as any).state).toBe('Active');
  const emails = await strapi.db.query('plugin::workflows.message').findMany({ where: { to: customer.email } });
  expect(emails.map((e: any) => e.subject)).toEqual([expect.stringMatching(/has expired/)]);
  const audit = await strapi.db.query('api::audit-log.audit-log').findMany({ where: { entityDocumentId: servicePlan.documentId, action: 'service-plan.status-changed' }, orderBy: { id: 'asc' } });
  expect(audit.map((a: any) => [a.summary, a.actorType, a.actorName]).pop()).toEqual(['Service plan Active -> Expired', 'system', 'expiry']);
});

test('stuck-runs resumes a run left mid-step', async () => {
  const plan = await createPlan(strapi);
  const customer = await createCustomer(strapi);
  const table = appModule('plugins/plan-renewals/server/src/services/steps').PREPAID_PLAN_HANDLERS.effects;
  const original = table['calculate-total'];
  table['calculate-total'] = async () => {
    table['calculate-total'] = original;
    throw new Error('the process died here');
  };
  await http(strapi)
    .post('/api/plan-renewals/purchases')
    .set('Authorization', `Bearer ${customerSuccess}`)
    .send({ customer: customer.documentId, plan: plan.code });
  const servicePlan = await strapi.db.query(SERVICE_PLAN_UID).findOne({ where: { customer: { id: customer.id } } });
  const [run] = await prepaidRunsOf(strapi, servicePlan.documentId);
  expect([run.state, run.currentStep]).toEqual(['running', 'calculate-total']);
  expect((await jobs().runNow('stuck-runs')).outcome).toBe('0 stuck runs resumed'); // too recent to be stuck
  const later = new Date(Date.now() + 16 * 60_000);
  expect((await jobs().runNow('stuck-runs', later)).outcome).toBe('1 stuck run resumed');
  const resumed = (await prepaidRun(strapi, run.documentId))!;
  expect([resumed.state, resumed.currentStep]).toEqual(['waiting', 'verify-payment']);
});

test('overdue-tasks escalates each overdue task once, by email to its role, with an audit entry', async () => {
  const plan = await createPlan(strapi);
  const customer = await createCustomer(strapi);
  const bought = await http(strapi)
    .post('/api/plan-renewals/purchases')
    .set('Authorization', `Bearer ${customerSuccess}`)
    .send({ customer: customer.documentId, plan: plan.code });
  const task = await openStepTaskOf(strapi, bought.body.data.run.documentId);
  expect(task.stepId).toBe('verify-payment');
  await strapi.db.query(WORKFLOW_TASK_UID).update({ where: { id: task.id }, data: { dueDate: shift(-2) } });
  const outcome = (await jobs().runNow('overdue-tasks')).outcome;
  expect(outcome).toMatch(/^[1-9]\d* overdue tasks? escalated/);
  const financeUsers = await strapi.db.query('plugin::users-permissions.user').findMany({ where: { role: { type: 'finance' } } });
  const emails = await strapi.db.query('plugin::workflows.message').findMany({ where: { messageKey: { $startsWith: `${task.documentId}:overdue:` } } });
  expect(emails.map((e: any) => e.to).sort()).toEqual(financeUsers.map((u: any) => u.email).sort());
  const audit = await strapi.db.query('api::audit-log.audit-log').findMany({ where: { entityDocumentId: task.documentId, action: 'task.overdue' } });
  expect(audit).toHaveLength(1);
  await jobs().runNow('overdue-tasks');
  expect(await strapi.db.query('api::audit-log.audit-log').count({ where: { entityDocumentId: task.documentId, action: 'task.overdue' } })).toBe(1);
});

test('outbox and daily-mrr run their services; every run is recorded as a fire', async () => {
  expect((await jobs().runNow('outbox')).outcome).toMatch(/^sent \d+, preview \d+/);
  expect((await jobs().runNow('daily-mrr')).outcome).toMatch(new RegExp(`^MRR ${today().slice(0, 7)}: `));
  expect((await jobs().runNow('payment-retries')).outcome).toBe('0 payment requests sent, 0 renewal charges retried');
  const fires = await strapi.db.query('plugin::plan-renewals.job-fire').findMany({ where: { job: 'daily-mrr', trigger: 'manual' } });
  expect(fires.length).toBeGreaterThanOrEqual(1);
  expect(fires[0]).toMatchObject({ failed: false, outcome: expect.stringMatching(/^MRR/) });
});

test('catch-up: a daily snapshot missed while every instance was down is produced once', async () => {
  const fires = () => strapi.db.query('plugin::plan-renewals.job-fire').findMany({ where: { job: 'daily-mrr', trigger: 'catch-up' } });
  const old = new Date(Date.now() + 3 * day); // three days later, nothing ran in between
  expect(await jobs().catchUp(old)).toContain('daily-mrr'); // (and last month's report, if there was none)
  expect(await jobs().catchUp(old)).toEqual([]); // a second instance booting: nothing to do
  expect(await jobs().catchUp(new Date(old.getTime() + 60_000))).toEqual([]);
  expect(await fires()).toHaveLength(1);
});

test('running a job over the API is for Finance; unknown jobs are refused', async () => {
  const ok = await http(strapi).post('/api/plan-renewals/jobs/daily-mrr/run').set('Authorization', `Bearer ${finance}`);
  expect([ok.status, ok.body.data.job]).toEqual([200, 'daily-mrr']);
  expect((await http(strapi).post('/api/plan-renewals/jobs/daily-mrr/run').set('Authorization', `Bearer ${customerSuccess}`)).status).toBe(403);
  expect((await http(strapi).post('/api/plan-renewals/jobs/daily-mrr/run')).status).toBe(403);
  const before = await snapshot(strapi);
  const fires = await strapi.db.query('plugin::plan-renewals.job-fire').count();
  const unknown = await http(strapi).post('/api/plan-renewals/jobs/rm-rf/run').set('Authorization', `Bearer ${finance}`);
  expect([unknown.status, unknown.body.error.name]).toEqual([404, 'NotFoundError']);
  expect(await snapshot(strapi)).toEqual(before);
  expect(await strapi.db.query('plugin::plan-renewals.job-fire').count()).toBe(fires);
});

test('the bootstrap migration fills in the current period of plans stored before it existed, once', async () => {
  const { servicePlan } = await activePlan(100);
  const SP = 'api::service-plan.service-plan';
  // As a plan stored before the fields existed: no current period.
  await strapi.db.connection('service_plans').where({ id: servicePlan.id }).update({ current_period_start: null, current_period_end: null });
  const planDates = strapi.plugin('plan-renewals').service('plan-dates');
  expect((await planDates.migrate()).migrated).toBeGreaterThanOrEqual(1);
  const migrated: any = await strapi.db.query(SP).findOne({ where: { id: servicePlan.id } });
  // No paid invoice to read it from: the plan's own dates.
  expect([migrated.currentPeriodStart, migrated.currentPeriodEnd]).toEqual([migrated.startDate, migrated.endDate]);
  expect(await planDates.migrate()).toEqual({ migrated: 0 });
});

test('a renewal of a plan that had expired is not past due before its invoice is', async () => {
  const payments = () => strapi.plugin('plan-renewals').service('card-payments');
  const today = new Date().toISOString().slice(0, 10);
  const { servicePlan } = await createActivePlan(strapi, -30);
  await payments().expireLapsed(today);
  const planOf = () => strapi.db.query('api::service-plan.service-plan').findOne({ where: { id: servicePlan.id } });
  expect((await planOf()).state).toBe('Expired');

  const renewal = await http(strapi).post(`/api/plan-renewals/service-plans/${servicePlan.documentId}/renewals`).set('Authorization', `Bearer ${customerSuccess}`);
  expect(renewal.status).toBe(201);
  const invoice = await strapi.db.query('api::invoice.invoice').findOne({ where: { documentId: renewal.body.data.invoice.documentId } });
  expect(invoice.dueDate > today).toBe(true);
  const collect = () => strapi.db.query('plugin::workflows.task').count({ where: { type: 'collect-payment', subjectId: invoice.documentId } });

  // (Other plans of this file may lapse on these days: only this one is looked at.)
  await payments().expireLapsed(today);
  expect((await planOf()).state).toBe('Processing');
  await payments().expireLapsed(invoice.dueDate);
  expect((await planOf()).state).toBe('Processing');
  expect(await collect()).toBe(0);

  const dayAfter = new Date(Date.parse(invoice.dueDate) + 24 * 60 * 60 * 1000).toISOString().slice(0, 10);
  await payments().expireLapsed(dayAfter);
  expect((await planOf()).state).toBe('PastDue');
  expect(await collect()).toBe(1);
});
