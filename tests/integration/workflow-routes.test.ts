import type { Core } from '@strapi/strapi';
import { fingerprint } from '../harness/database-state';
import { createCustomer, createPlan } from '../harness/fixtures';
import { WORKFLOW_TASK_UID, openStepTaskOf } from '../harness/prepaid-runs';
import { http, signIn, startStrapi, stopStrapi } from '../harness/strapi';

/**
 * The engine's routes (/api/workflows), over every process: the open tasks of the caller's role,
 * claiming, giving back and completing one, reading a run. Driven here on the pre-paid plan
 * process, whose own routes answer the same records: what one set of routes does, the other sees.
 * Each refusal is checked against a fingerprint of the whole database.
 */
let strapi: Core.Strapi;
let plan: any;
let finance: string;
let otherFinance: string;
let customerSuccess: string;

const WF = '/api/workflows';
const TASK_UID = WORKFLOW_TASK_UID;

const bearer = (jwt: string) => ({ Authorization: `Bearer ${jwt}` });
const get = (jwt: string, path: string) => http(strapi).get(`${WF}${path}`).set(bearer(jwt));
const post = (jwt: string, path: string, body: unknown = {}) => http(strapi).post(`${WF}${path}`).set(bearer(jwt)).send(body as object);

beforeAll(async () => {
  strapi = await startStrapi();
  plan = await createPlan(strapi);
  finance = await signIn(strapi, 'finance');
  otherFinance = await signIn(strapi, 'finance');
  customerSuccess = await signIn(strapi, 'customer-success');
});
afterAll(() => stopStrapi(strapi));

/** A counter purchase requested by Customer Success: its run waits at Finance's payment check. */
const purchase = async () => {
  const customer = await createCustomer(strapi);
  const response = await http(strapi)
    .post('/api/plan-renewals/purchases')
    .set(bearer(customerSuccess))
    .send({ customer: customer.documentId, plan: plan.code, paymentMethod: 'manual' });
  expect(response.status).toBe(201);
  const run = response.body.data.run;
  const task = await openStepTaskOf(strapi, run.documentId);
  expect(task).toMatchObject({ stepId: 'verify-payment', type: 'verify-payment', state: 'open' });
  return { run, task };
};

const refusedUnchanged = async (request: () => PromiseLike<any>, status: number, message?: RegExp) => {
  const before = await fingerprint(strapi);
  const response = await request();
  expect(response.status).toBe(status);
  if (message) expect(response.body.error.message).toMatch(message);
  expect(await fingerprint(strapi)).toEqual(before);
  return response;
};

test('the open tasks of the caller role, in every process, named and with their outcomes', async () => {
  const { run, task } = await purchase();
  const list = await get(finance, '/tasks');
  expect(list.status).toBe(200);
  const listed = list.body.data.find((t: any) => t.documentId === task.documentId);
  expect(listed).toEqual({
    process: 'prepaid-plan',
    documentId: task.documentId,
    type: 'verify-payment',
    title: 'Verify payment',
    role: 'finance',
    state: 'open',
    outcomes: [
      { id: 'approved', label: 'Approved', rejects: false },
      { id: 'rejected', label: 'Rejected', rejects: true },
    ],
    dueDate: expect.any(String),
    details: null,
    claimedBy: null,
    claimedAt: null,
    run: run.documentId,
    subject: null,
  });
  // Customer Success has no Finance task in its list.
  const theirs = await get(customerSuccess, '/tasks');
  expect(theirs.status).toBe(200);
  expect(theirs.body.data.some((t: any) => t.documentId === task.documentId)).toBe(false);
  expect(theirs.body.data.every((t: any) => t.role === 'customer-success')).toBe(true);
  // A query is a mistake, not a filter.
  const filtered = await get(finance, '/tasks?role=customer-success');
  expect(filtered.status).toBe(400);
});

test('claim, a 409 for anyone else, give back; the process list sees each change', async () => {
  const { task } = await purchase();
  await refusedUnchanged(() => post(customerSuccess, `/tasks/${task.documentId}/claim`), 403);
  const claimed = await post(finance, `/tasks/${task.documentId}/claim`);
  expect(claimed.status).toBe(200);
  expect(claimed.body.data).toMatchObject({ process: 'prepaid-plan', documentId: task.documentId, claimedBy: { type: 'user', name: expect.any(String) } });
  const taken = await refusedUnchanged(() => post(otherFinance, `/tasks/${task.documentId}/claim`), 409, /already claimed/);
  expect(taken.body.error.details.claimedBy).toEqual(claimed.body.data.claimedBy);
  await refusedUnchanged(() => post(otherFinance, `/tasks/${task.documentId}/unclaim`), 409);

  // The process's own route shows the same claim.
  const processList = await http(strapi).get('/api/plan-renewals/tasks').set(bearer(otherFinance));
  expect(processList.body.data.find((t: any) => t.documentId === task.documentId).claimedBy).toEqual(claimed.body.data.claimedBy);

  const given = await post(finance, `/tasks/${task.documentId}/unclaim`);
  expect([given.status, given.body.data.claimedBy]).toEqual([200, null]);
  expect((await strapi.db.query(TASK_UID).findOne({ where: { documentId: task.documentId } })).claimedBy).toBeNull();
});

test('complete: the run moves on and is answered; a rejection needs a note; a done task is a 409', async () => {
  const { run, task } = await purchase();
  const invoice: any = await strapi.documents('api::invoice.invoice').findOne({ documentId: run.invoice.documentId });
  const paid = await http(strapi)
    .post(`/api/plan-renewals/invoices/${invoice.documentId}/manual-payments`)
    .set(bearer(finance))
    .send({ amountMinor: invoice.totalMinor, currency: invoice.currency, reference: `DESK-${invoice.number}` });
  expect(paid.status).toBe(201);

  await refusedUnchanged(() => post(finance, `/tasks/${task.documentId}/complete`, { outcome: 'rejected' }), 400, /note/);
  await refusedUnchanged(() => post(finance, `/tasks/${task.documentId}/complete`, { outcome: 'passed' }), 400);
  await refusedUnchanged(() => post(customerSuccess, `/tasks/${task.documentId}/complete`, { outcome: 'approved' }), 403);
  await refusedUnchanged(() => post(finance, `/tasks/${task.documentId}/complete`, { outcome: 'approved', extra: 1 }), 400, /extra/);

  const done = await post(finance, `/tasks/${task.documentId}/complete`, { outcome: 'approved', note: 'paid at the desk' });
  expect(done.status).toBe(200);
  expect(done.body.data).toMatchObject({
    process: 'prepaid-plan',
    documentId: run.documentId,
    state: 'waiting',
    currentStep: 'quality-check',
    subject: { type: 'api::service-plan.service-plan', documentId: run.servicePlan.documentId },
    context: { kind: 'new', invoice: { documentId: invoice.documentId, number: invoice.number } },
  });
  expect(await strapi.db.query('api::invoice.invoice').findOne({ where: { documentId: invoice.documentId } })).toMatchObject({ state: 'Paid' });
  const verify = done.body.data.steps.find((step: any) => step.id === 'verify-payment');
  expect(verify).toMatchObject({ kind: 'human-task', title: 'Verify payment authorization', state: 'done' });
  await refusedUnchanged(() => post(finance, `/tasks/${task.documentId}/complete`, { outcome: 'approved', note: 'again' }), 409);

  // The quality check is Customer Success's, in the same list route.
  const next = (await get(customerSuccess, '/tasks')).body.data.find((t: any) => t.run === run.documentId);
  expect(next).toMatchObject({ type: 'quality-check', title: 'Quality check', outcomes: [{ id: 'passed' }, { id: 'failed' }] });
  const checked = await post(customerSuccess, `/tasks/${next.documentId}/complete`, { outcome: 'passed' });
  expect(checked.status).toBe(200);
  const finished = await get(finance, `/runs/${run.documentId}`);
  expect(finished.body.data).toMatchObject({ documentId: run.documentId, state: 'completed', outcome: 'accepted', currentStep: null });
  expect(finished.body.data.steps.every((step: any) => step.state === 'done')).toBe(true);
});

test('a rejection completes the run with the outcome rejected, the steps after it skipped', async () => {
  const { run, task } = await purchase();
  const rejected = await post(finance, `/tasks/${task.documentId}/complete`, { outcome: 'rejected', note: 'cheque bounced' });
  expect(rejected.status).toBe(200);
  const ended = (await get(finance, `/runs/${run.documentId}`)).body.data;
  expect(rejected.body.data).toEqual(ended);
  expect(ended).toMatchObject({ state: 'completed', outcome: 'rejected', currentStep: null, context: { invoice: { documentId: run.invoice.documentId } } });
  expect(await strapi.db.query('api::invoice.invoice').findOne({ where: { documentId: run.invoice.documentId } })).toMatchObject({ state: 'Void' });
  expect(ended.steps.filter((step: any) => step.state === 'skipped')).toHaveLength(8);
});

test('a run of any process by document id, with its steps; unknown ids and malformed ones are refused', async () => {
  const { run } = await purchase();
  const found = await get(customerSuccess, `/runs/${run.documentId}`);
  expect(found.status).toBe(200);
  expect(found.body.data).toMatchObject({ process: 'prepaid-plan', version: 1, documentId: run.documentId, state: 'waiting', currentStep: 'verify-payment', outcome: null });
  expect(found.body.data.steps.map((step: any) => step.id)).toHaveLength(13);
  expect((await get(finance, '/runs/abcdefghij0123456789abcd')).status).toBe(404);
  expect((await get(finance, '/runs/NOT-AN-ID')).status).toBe(400);
  expect((await post(finance, '/tasks/abcdefghij0123456789abcd/claim')).status).toBe(404);
});

test('nobody without a staff task role: anonymous, a plain user, an API token; nothing written', async () => {
  const { run, task } = await purchase();
  const plain = await signIn(strapi, 'authenticated');
  const token: any = await strapi.service('admin::api-token').create({ name: 'workflows-full', type: 'full-access', lifespan: null });
  // Strapi notes when a token was last used; everything else must stay as it was.
  const state = async () => {
    const { strapi_api_tokens: _used, ...rest } = await fingerprint(strapi);
    return rest;
  };
  const before = await state();
  for (const [path, method] of [
    ['/tasks', 'get'],
    [`/tasks/${task.documentId}/claim`, 'post'],
    [`/tasks/${task.documentId}/unclaim`, 'post'],
    [`/tasks/${task.documentId}/complete`, 'post'],
    [`/runs/${run.documentId}`, 'get'],
  ] as const) {
    expect([401, 403]).toContain((await (http(strapi) as any)[method](`${WF}${path}`).send({ outcome: 'approved' })).status);
    expect((await (http(strapi) as any)[method](`${WF}${path}`).set(bearer(plain)).send({ outcome: 'approved' })).status).toBe(403);
    if (!path.startsWith('/runs')) {
      const response = await (http(strapi) as any)[method](`${WF}${path}`).set(bearer(token.accessKey)).send({ outcome: 'approved' });
      // A full-access token passes the permission check; the task routes still refuse it (no role).
      expect([response.status, response.body.error?.name]).toEqual([403, 'ForbiddenError']);
    }
  }
  expect(await state()).toEqual(before);
});
