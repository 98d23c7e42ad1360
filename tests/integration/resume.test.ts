import type { Core } from '@strapi/strapi';
import { http, signInStaff, startStrapi, stopStrapi } from '../harness/strapi';
import { appModule, createCustomer, createPlan } from '../harness/fixtures';
import { prepaidRunsOf, stepTasksOf } from '../harness/prepaid-runs';

/**
 * Crash and resume: the process is made to fail inside each step in turn (which rolls that step's
 * transaction back, exactly as a crash before its commit would), then resumed. Whatever step it
 * died in, the run ends completed with one invoice, one payment, one task per human step, one
 * email and one audit entry per step.
 */
let strapi: Core.Strapi;
let finance: string;
let customerSuccess: string;
let plan: any;
const handlers = () => appModule('plugins/plan-renewals/server/src/services/steps').PREPAID_PLAN_HANDLERS.effects;
const steps = () => appModule('plugins/plan-renewals/server/src/domain').PREPAID_PLAN_PROCESS.steps as { id: string }[];

beforeAll(async () => {
  strapi = await startStrapi();
  ({ finance, customerSuccess } = await signInStaff(strapi));
  plan = await createPlan(strapi, { code: 'resume-care-12m' });
});
afterAll(() => stopStrapi(strapi));

const api = '/api/plan-renewals';
const engine = () => strapi.plugin('plan-renewals').service('engine');

/** Makes the handler of `stepId` throw once, like a process dying mid-step. */
const crashOnce = (stepId: string) => {
  const table = handlers();
  const original = table[stepId];
  table[stepId] = async () => {
    table[stepId] = original;
    throw new Error(`simulated crash in ${stepId}`);
  };
};

const taskOf = async (token: string, runId: string) =>
  (await http(strapi).get(`${api}/tasks`).set('Authorization', `Bearer ${token}`)).body.data.find((t: any) => t.run === runId);

test.each(steps().map((s) => s.id))('a crash inside %s loses nothing and repeats nothing', async (stepId) => {
  const customer = await createCustomer(strapi);
  crashOnce(stepId);
  const buy = () =>
    http(strapi)
      .post(`${api}/purchases`)
      .set('Authorization', `Bearer ${customerSuccess}`)
      .send({ customer: customer.documentId, plan: plan.code, addOns: [], paymentMethod: 'manual' });
  const planOf = () => strapi.db.query('api::service-plan.service-plan').findOne({ where: { customer: { documentId: customer.documentId } } });
  let response = await buy();
  if (['retrieve-subscription', 'mark-processing'].includes(stepId)) {
    // The first two steps are taken in the transaction that opens the run (and, for a purchase,
    // creates the plan): a crash there leaves neither behind, and the purchase is simply sent again.
    expect(response.status).toBe(500);
    expect(await planOf()).toBeNull();
    response = await buy();
    expect(response.status).toBe(201);
  }

  const servicePlan = await planOf();
  const runRows = await prepaidRunsOf(strapi, servicePlan.documentId);
  expect(runRows).toHaveLength(1);
  const runId = runRows[0].documentId;
  const drive = async () => {
    let run = await engine().advance(runId);
    for (let guard = 0; run.state !== 'completed' && guard < 6; guard += 1) {
      if (run.currentStep === 'verify-payment') {
        const task = await taskOf(finance, runId);
        if (!task) {
          run = await engine().advance(runId);
          continue;
        }
        const invoice: any = await strapi.documents('api::invoice.invoice').findOne({ documentId: run.invoice.documentId, populate: ['transactions'] });
        if (!invoice.transactions.length) {
          await http(strapi)
            .post(`${api}/invoices/${invoice.documentId}/manual-payments`)
            .set('Authorization', `Bearer ${finance}`)
            .send({ amountMinor: invoice.totalMinor, currency: 'USD', reference: `COUNTER-${runId}` });
        }
        await http(strapi).post(`${api}/tasks/${task.documentId}/complete`).set('Authorization', `Bearer ${finance}`).send({ outcome: 'approved' });
      } else if (run.currentStep === 'quality-check') {
        const task = await taskOf(customerSuccess, runId);
        if (task) {
          await http(strapi).post(`${api}/tasks/${task.documentId}/complete`).set('Authorization', `Bearer ${customerSuccess}`).send({ outcome: 'passed' });
        }
      }
      run = await engine().advance(runId);
    }
    return run;
  };
  if (response.status === 201) expect(response.body.data.run.state).not.toBe('completed');
  const run = await drive();

  expect(run.state).toBe('completed');
  const invoices = await strapi.db.query('api::invoice.invoice').findMany({ where: { servicePlan: { id: servicePlan.id } }, populate: { transactions: true } });
  expect(invoices).toHaveLength(1);
  expect(invoices[0].state).toBe('Paid');
  expect(invoices[0].transactions).toHaveLength(1);
  const tasks = await stepTasksOf(strapi, runId);
  expect(tasks.map((t: any) => t.type).sort()).toEqual(['quality-check', 'verify-payment']);
  const emails = await strapi.db.query('plugin::workflows.message').findMany({ where: { run: runId } });
  expect(emails).toHaveLength(1);
  const done = await strapi.db.query('api::audit-log.audit-log').count({ where: { entityDocumentId: runId, action: 'run.step-done' } });
  expect(done).toBe(13);
  const provisioned = await strapi.db.query('api::audit-log.audit-log').count({ where: { entityDocumentId: servicePlan.documentId, action: 'service-plan.provisioned' } });
  expect(provisioned).toBe(1);
  const stored = await strapi.db.query('api::service-plan.service-plan').findOne({ where: { id: servicePlan.id } });
  expect(stored.state).toBe('Active');
});
