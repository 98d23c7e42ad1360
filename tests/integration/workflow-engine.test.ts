import fs from 'node:fs';
import path from 'node:path';
import type { Core } from '@strapi/strapi';
import { fingerprint } from '../harness/database-state';
import { createCustomer } from '../harness/fixtures';
import { CEILING, INSPECTION, registerInspection } from '../harness/inspection-process';
import { http, signIn, startStrapi, stopStrapi } from '../harness/strapi';

/**
 * The engine runs a process it was never told about: the inspection process is declared only in
 * the tests and registered as a process plugin would. Its runs go through the real runner (one
 * step per transaction), its tasks through the engine's real routes with real role JWTs: a
 * decision and its branches, a parallel pair of reviews, a step skipped by its condition, a signal,
 * an SMS and an email through the outbox, the reject branch, and separation of duties.
 */
let strapi: Core.Strapi;
const WF = '/api/workflows';
const RUN_UID = 'plugin::workflows.run';
const TASK_UID = 'plugin::workflows.task';
const MESSAGE_UID = 'plugin::workflows.message';

interface Staff {
  jwt: string;
  id: string;
}
let requester: Staff;
let inspectorA: Staff;
let inspectorB: Staff;
let approver: Staff;
let finance: Staff;

const bearer = (jwt: string) => ({ Authorization: `Bearer ${jwt}` });
const get = (who: Staff, url: string) => http(strapi).get(`${WF}${url}`).set(bearer(who.jwt));
const post = (who: Staff, url: string, body: unknown = {}) => http(strapi).post(`${WF}${url}`).set(bearer(who.jwt)).send(body as object);

const staff = async (role: string): Promise<Staff> => {
  const jwt = await signIn(strapi, role);
  const me = await http(strapi).get('/api/users/me').set(bearer(jwt));
  return { jwt, id: String(me.body.id) };
};

beforeAll(async () => {
  strapi = await startStrapi({ register: registerInspection });
  requester = await staff('inspector');
  inspectorA = await staff('inspector');
  inspectorB = await staff('inspector');
  approver = await staff('approver');
  finance = await staff('finance');
});
afterAll(() => stopStrapi(strapi));

const runner = () => strapi.plugin('workflows').service('runner');

/** A request for an inspection, started by the requester (an inspector) as its process plugin would. */
const request = async (amountMinor: number) => {
  const customer = await createCustomer(strapi, { phone: '+1 512 555 0101' });
  return runner().start(
    INSPECTION.id,
    { subject: { type: 'api::customer.customer', documentId: customer.documentId }, context: { amountMinor, phone: customer.phone, email: customer.email }, openKey: `inspection:${customer.documentId}` },
    { type: 'user', id: requester.id, name: 'requester' },
  );
};

const tasksOf = (run: string) => strapi.db.query(TASK_UID).findMany({ where: { run: { documentId: run } }, orderBy: { id: 'asc' } });
const taskOf = async (run: string, taskId: string | null, stepId?: string) =>
  (await tasksOf(run)).find((t: any) => t.taskId === taskId && (!stepId || t.stepId === stepId));
const stepOf = (run: any, id: string) => run.steps.find((s: any) => s.id === id);
const messagesOf = (run: string) => strapi.db.query(MESSAGE_UID).findMany({ where: { run }, orderBy: { id: 'asc' } });

const refusedUnchanged = async (send: () => PromiseLike<any>, status: number, message: RegExp) => {
  const before = await fingerprint(strapi);
  const response = await send();
  expect(response.status).toBe(status);
  expect(response.body.error.message).toMatch(message);
  expect(await fingerprint(strapi)).toEqual(before);
};

test('the roles a registered process declares become staff roles with the engine routes', async () => {
  for (const [type, name] of [['inspector', 'Inspector'], ['approver', 'Approver']]) {
    const role = await strapi.db.query('plugin::users-permissions.role').findOne({ where: { type }, populate: ['permissions'] });
    expect(role.name).toBe(name);
    const actions = role.permissions.map((p: any) => p.action);
    expect(actions).toEqual(expect.arrayContaining(['plugin::workflows.tasks.find', 'plugin::workflows.tasks.complete', 'plugin::workflows.runs.findOne']));
    expect(actions.some((a: string) => a.startsWith('api::') || a.startsWith('plugin::plan-renewals.'))).toBe(false);
  }
});

test('the review path: a decision, a parallel pair with separation of duties, a sign-off over the limit, a signal, an SMS', async () => {
  const started = await request(80_000);
  expect(started).toMatchObject({ process: INSPECTION.id, version: 1, state: 'waiting', currentStep: 'reviews', subject: { type: 'api::customer.customer' } });
  expect(stepOf(started, 'assess')).toMatchObject({ state: 'done', branch: 'review' });
  expect(started.context).toMatchObject({ amountMinor: 80_000, assessed: 'review' });

  // Both reviews are open at once, listed to every inspector, with the outcomes they may choose.
  const list = await get(inspectorA, '/tasks');
  expect(list.status).toBe(200);
  const mine = list.body.data.filter((t: any) => t.run === started.documentId);
  expect(mine.map((t: any) => t.title).sort()).toEqual(['Cost review', 'Safety review']);
  expect(mine[0]).toMatchObject({ process: INSPECTION.id, role: 'inspector', state: 'open' });
  expect(mine[0].outcomes).toEqual([
    { id: 'approved', label: 'Approved', rejects: false },
    { id: 'rejected', label: 'Rejected', rejects: true },
  ]);
  // Another role sees none of them, and may not touch them.
  expect((await get(finance, '/tasks')).body.data.some((t: any) => t.run === started.documentId)).toBe(false);
  const safety = await taskOf(started.documentId, 'safety');
  const cost = await taskOf(started.documentId, 'cost');
  await refusedUnchanged(() => post(finance, `/tasks/${safety.documentId}/complete`, { outcome: 'approved' }), 403, /inspector role/);

  // The requester may not review their own request.
  await refusedUnchanged(() => post(requester, `/tasks/${safety.documentId}/complete`, { outcome: 'approved' }), 403, /Separation of duties/);
  // A claim is the claimer's: another inspector can neither claim nor complete it.
  expect((await post(inspectorA, `/tasks/${safety.documentId}/claim`)).status).toBe(200);
  await refusedUnchanged(() => post(inspectorB, `/tasks/${safety.documentId}/claim`), 409, /already claimed/);
  await refusedUnchanged(() => post(inspectorB, `/tasks/${safety.documentId}/complete`, { outcome: 'approved' }), 409, /claimed by/);
  await refusedUnchanged(() => post(inspectorA, `/tasks/${safety.documentId}/complete`, { outcome: 'maybe' }), 400, /approved, rejected/);
  await refusedUnchanged(() => post(inspectorA, `/tasks/${safety.documentId}/complete`, { outcome: 'approved', data: { x: 1 } }), 400, /takes no data/);

  const half = await post(inspectorA, `/tasks/${safety.documentId}/complete`, { outcome: 'approved' });
  expect(half.status).toBe(200);
  expect(half.body.data).toMatchObject({ state: 'waiting', currentStep: 'reviews' });
  expect(stepOf(half.body.data, 'reviews').tasks.map((t: any) => [t.id, t.state])).toEqual([
    ['safety', 'done'],
    ['cost', 'pending'],
  ]);
  // Nobody completes both reviews of one request.
  await refusedUnchanged(() => post(inspectorA, `/tasks/${cost.documentId}/complete`, { outcome: 'approved' }), 403, /another person/);

  const both = await post(inspectorB, `/tasks/${cost.documentId}/complete`, { outcome: 'approved', note: 'quote checked' });
  expect(both.status).toBe(200);
  expect(both.body.data).toMatchObject({ state: 'waiting', currentStep: 'sign-off' });
  const signOff = await taskOf(started.documentId, null, 'sign-off');
  expect(signOff).toMatchObject({ role: 'approver', type: 'sign-off', state: 'open' });
  expect(signOff.dueDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);

  // What a task takes besides its outcome is the process's to check.
  await refusedUnchanged(() => post(approver, `/tasks/${signOff.documentId}/complete`, { outcome: 'approved', data: { maxCostMinor: 'lots' } }), 400, /maxCostMinor must be/);
  const signed = await post(approver, `/tasks/${signOff.documentId}/complete`, { outcome: 'approved', data: { maxCostMinor: 90_000 } });
  expect(signed.status).toBe(200);
  expect(signed.body.data.context.decisions).toMatchObject({
    'reviews:safety': { outcome: 'approved', role: 'inspector', by: { id: inspectorA.id }, data: null },
    'reviews:cost': { outcome: 'approved', note: 'quote checked', by: { id: inspectorB.id } },
    'sign-off': { outcome: 'approved', role: 'approver', by: { id: approver.id }, data: { maxCostMinor: 90_000 } },
  });
  expect(signed.body.data).toMatchObject({ state: 'waiting', currentStep: 'parts' });
  expect(await messagesOf(started.documentId)).toEqual([]);

  const done = await runner().signal(started.documentId, 'parts-arrived', { actor: { type: 'system', name: 'parts desk' } });
  expect(done).toMatchObject({ state: 'completed', outcome: 'accepted', currentStep: null });
  expect(stepOf(done, 'refusal-email')).toMatchObject({ state: 'skipped', result: 'Skipped: runs only after a rejection' });
  const messages = await messagesOf(started.documentId);
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatchObject({ channel: 'sms', to: '+15125550101', messageKey: `${started.documentId}:text-customer` });
  expect((await tasksOf(started.documentId)).map((t: any) => t.state)).toEqual(['completed', 'completed', 'completed']);

  // The run as the engine's route shows it, and its audit trail: an entry per step change.
  const shown = await get(approver, `/runs/${started.documentId}`);
  expect(shown.status).toBe(200);
  expect(shown.body.data.steps.map((s: any) => [s.id, s.state])).toEqual([
    ['assess', 'done'],
    ['reviews', 'done'],
    ['sign-off', 'done'],
    ['parts', 'done'],
    ['text-customer', 'done'],
    ['refusal-email', 'skipped'],
  ]);
  const audit = await strapi.db.query('api::audit-log.audit-log').findMany({ where: { entityDocumentId: started.documentId }, orderBy: { id: 'asc' } });
  expect(audit.map((a: any) => a.action)).toEqual([
    'run.step-done', // assess
    'run.step-waiting', // reviews
    'run.step-task-done', // safety
    'run.step-done', // cost, and with it the step
    'run.step-waiting', // sign-off
    'run.step-done',
    'run.step-waiting', // parts
    'run.step-done',
    'run.step-done', // the SMS (the refusal email is skipped with it: the run was not rejected)
  ]);
  const tasksAudit = (await strapi.db.query('api::audit-log.audit-log').findMany({ where: { entityUid: TASK_UID } })).filter((a: any) => a.data.run === started.documentId);
  expect(tasksAudit.map((a: any) => a.action).sort()).toEqual(['task.claimed', 'task.completed', 'task.completed', 'task.completed']);
  // A completed run frees its subject: a new one may start.
  expect(await strapi.db.query(RUN_UID).findOne({ where: { documentId: started.documentId } })).toMatchObject({ openKey: null });
});

test('a routine request skips the reviews by its branch; one within the limit skips the sign-off by its condition', async () => {
  const routine = await request(5_000);
  expect(routine).toMatchObject({ state: 'waiting', currentStep: 'parts' });
  expect(stepOf(routine, 'reviews')).toMatchObject({ state: 'skipped', result: expect.stringMatching(/branch routine of "Assess the request" goes to "Wait for the parts"/) });
  expect(stepOf(routine, 'sign-off').state).toBe('skipped');
  expect(await tasksOf(routine.documentId)).toEqual([]);

  const modest = await request(30_000);
  for (const id of ['safety', 'cost']) {
    const task = await taskOf(modest.documentId, id);
    expect((await post(id === 'safety' ? inspectorA : inspectorB, `/tasks/${task.documentId}/complete`, { outcome: 'approved' })).status).toBe(200);
  }
  const after = (await get(inspectorA, `/runs/${modest.documentId}`)).body.data;
  expect(after).toMatchObject({ state: 'waiting', currentStep: 'parts' });
  expect(stepOf(after, 'sign-off')).toMatchObject({ state: 'skipped', result: 'Skipped: 30000 is within the sign-off limit of 50000' });
});

test('a review rejected (with its note) closes the other review and ends the run through the reject branch', async () => {
  const run = await request(80_000);
  const safety = await taskOf(run.documentId, 'safety');
  const cost = await taskOf(run.documentId, 'cost');
  await refusedUnchanged(() => post(inspectorA, `/tasks/${safety.documentId}/complete`, { outcome: 'rejected' }), 400, /note/);

  const rejected = await post(inspectorA, `/tasks/${safety.documentId}/complete`, { outcome: 'rejected', note: 'brake lines corroded' });
  expect(rejected.status).toBe(200);
  expect(rejected.body.data).toMatchObject({ state: 'completed', outcome: 'rejected' });
  expect(stepOf(rejected.body.data, 'reviews')).toMatchObject({ state: 'rejected' });
  expect(stepOf(rejected.body.data, 'reviews').tasks.map((t: any) => [t.id, t.state])).toEqual([
    ['safety', 'rejected'],
    ['cost', 'cancelled'],
  ]);
  for (const id of ['sign-off', 'parts', 'text-customer']) expect(stepOf(rejected.body.data, id).state).toBe('skipped');
  expect(stepOf(rejected.body.data, 'refusal-email').state).toBe('done');
  expect(await strapi.db.query(TASK_UID).findOne({ where: { documentId: cost.documentId } })).toMatchObject({ state: 'cancelled' });
  const messages = await messagesOf(run.documentId);
  expect(messages.map((m: any) => m.channel)).toEqual(['email']);

  // The closed review can no longer be completed.
  await refusedUnchanged(() => post(inspectorB, `/tasks/${cost.documentId}/complete`, { outcome: 'approved' }), 409, /already cancelled/);
});

test('a request over the ceiling is refused by the decision itself', async () => {
  const run = await request(CEILING);
  expect(run).toMatchObject({ state: 'completed', outcome: 'rejected' });
  expect(stepOf(run, 'assess')).toMatchObject({ state: 'rejected', branch: 'refuse' });
  expect(stepOf(run, 'refusal-email').state).toBe('done');
});

test('one open run per subject: a second start is refused with the open run', async () => {
  const customer = await createCustomer(strapi);
  const input = { subject: { type: 'api::customer.customer', documentId: customer.documentId }, context: { amountMinor: 80_000, phone: '+15125550101', email: customer.email }, openKey: `inspection:${customer.documentId}` };
  const first = await runner().start(INSPECTION.id, input);
  await expect(runner().start(INSPECTION.id, input)).rejects.toMatchObject({ name: 'ConflictError', details: { run: first.documentId } });
});

test('both reviews completed at the same instant: one sign-off task, and the run records both', async () => {
  const run = await request(80_000);
  const safety = await taskOf(run.documentId, 'safety');
  const cost = await taskOf(run.documentId, 'cost');
  const [a, b] = await Promise.all([
    post(inspectorA, `/tasks/${safety.documentId}/complete`, { outcome: 'approved' }),
    post(inspectorB, `/tasks/${cost.documentId}/complete`, { outcome: 'approved' }),
  ]);
  expect([a.status, b.status]).toEqual([200, 200]);
  const stored = await strapi.db.query(RUN_UID).findOne({ where: { documentId: run.documentId } });
  expect(stored).toMatchObject({ state: 'waiting', currentStep: 'sign-off' });
  expect(stepOf(stored, 'reviews').tasks.map((t: any) => t.state)).toEqual(['done', 'done']);
  expect((await tasksOf(run.documentId)).filter((t: any) => t.stepId === 'sign-off')).toHaveLength(1);
});

test('a follow-up outside the steps: opened once by its key, listed for its role, closed with a declared outcome, moving no run', async () => {
  const run = await request(5_000);
  const customer = run.subject.documentId;
  const tasks = strapi.plugin('workflows').service('tasks');
  const opened = await strapi.db.transaction(() =>
    tasks.ensure({ process: INSPECTION.id, type: 'parts-complaint', key: `complaint:${customer}`, details: 'The wrong filter was fitted', subject: { type: 'api::customer.customer', documentId: customer }, run: run.documentId }),
  );
  expect(opened).toMatchObject({ type: 'parts-complaint', title: 'Answer a parts complaint', role: 'approver', state: 'open', run: run.documentId, subject: { type: 'api::customer.customer', documentId: customer } });
  expect(opened.outcomes).toEqual([{ id: 'answered', label: 'Answered', rejects: false }, { id: 'dismissed', label: 'Dismissed', rejects: false }]);
  // Asked again (a webhook delivered twice): the same task, no second one.
  const again = await tasks.ensure({ process: INSPECTION.id, type: 'parts-complaint', key: `complaint:${customer}`, details: 'again' });
  expect(again.documentId).toBe(opened.documentId);
  expect(await strapi.db.query(TASK_UID).count({ where: { taskKey: `complaint:${customer}` } })).toBe(1);
  await expect(tasks.ensure({ process: INSPECTION.id, type: 'parts-praise', key: 'x', details: 'x' })).rejects.toThrow(/declares no follow-up parts-praise \(declared: parts-complaint\)/);

  const listed = await get(approver, '/tasks');
  expect(listed.body.data.find((t: any) => t.documentId === opened.documentId)).toMatchObject({ process: INSPECTION.id, run: run.documentId, dueDate: expect.any(String) });
  expect((await get(inspectorA, '/tasks')).body.data.some((t: any) => t.documentId === opened.documentId)).toBe(false);

  await refusedUnchanged(() => post(inspectorA, `/tasks/${opened.documentId}/complete`, { outcome: 'answered' }), 403, /for the approver role/);
  await refusedUnchanged(() => post(approver, `/tasks/${opened.documentId}/complete`, { outcome: 'approved' }), 400, /must be one of answered, dismissed/);
  const before = await runner().find(run.documentId);
  const closed = await post(approver, `/tasks/${opened.documentId}/complete`, { outcome: 'answered', note: 'Refitted at no charge' });
  expect(closed.status).toBe(200);
  expect(closed.body.data).toBeNull();
  expect(await strapi.db.query(TASK_UID).findOne({ where: { documentId: opened.documentId } })).toMatchObject({ state: 'completed', outcome: 'answered', note: 'Refitted at no charge', stepId: null });
  expect(await runner().find(run.documentId)).toEqual(before);
  const audit = await strapi.db.query('api::audit-log.audit-log').findMany({ where: { entityDocumentId: opened.documentId } });
  expect(audit.map((a: any) => a.action)).toEqual(['task.completed']);
  await refusedUnchanged(() => post(approver, `/tasks/${opened.documentId}/complete`, { outcome: 'dismissed' }), 409, /already completed/);

  // The process closes one itself once the matter is settled elsewhere; a closed one stays as it is.
  const other = await tasks.ensure({ process: INSPECTION.id, type: 'parts-complaint', key: `complaint:${customer}:2`, details: 'Late parts' });
  expect(await tasks.close([`complaint:${customer}:2`, `complaint:${customer}`], { outcome: 'dismissed', note: 'withdrawn' }, { type: 'system', name: 'test' })).toBe(1);
  expect(await strapi.db.query(TASK_UID).findOne({ where: { documentId: other.documentId } })).toMatchObject({ state: 'completed', outcome: 'dismissed', note: 'withdrawn' });
  expect(await strapi.db.query(TASK_UID).findOne({ where: { documentId: opened.documentId } })).toMatchObject({ outcome: 'answered' });
});

test('a cancellation lets the process undo what the run did (in its transaction, said in the audit entry) or refuse it, writing nothing', async () => {
  const run = await request(5_000);
  const cancelled = await runner().cancel(run.documentId, 'customer withdrew', { type: 'user', id: requester.id, name: 'requester' });
  expect(cancelled).toMatchObject({ state: 'cancelled' });
  const entry = await strapi.db.query('api::audit-log.audit-log').findOne({ where: { entityDocumentId: run.documentId, action: 'run.step-cancelled' } });
  expect(entry.summary).toBe(`Vehicle inspection: step "Wait for the parts" cancelled: customer withdrew; bay released for ${run.documentId}`);

  const fitted = await request(5_000);
  await strapi.db.query(RUN_UID).update({ where: { documentId: fitted.documentId }, data: { context: { ...fitted.context, partsFitted: true } } });
  const before = await fingerprint(strapi);
  await expect(runner().cancel(fitted.documentId, 'too late')).rejects.toThrow('The parts are fitted: the inspection cannot be stopped');
  expect(await fingerprint(strapi)).toEqual(before);
  expect(await runner().find(fitted.documentId)).toMatchObject({ state: 'waiting' });
});

/** A request at its sign-off: both reviews approved. */
const atSignOff = async () => {
  const run = await request(80_000);
  for (const [id, who] of [['safety', inspectorA], ['cost', inspectorB]] as const) {
    const task = await taskOf(run.documentId, id);
    expect((await post(who, `/tasks/${task.documentId}/complete`, { outcome: 'approved' })).status).toBe(200);
  }
  return run;
};
const setContext = async (run: string, changes: Record<string, unknown>) => {
  const row = await strapi.db.query(RUN_UID).findOne({ where: { documentId: run } });
  await strapi.db.query(RUN_UID).update({ where: { id: row.id }, data: { context: { ...row.context, ...changes } } });
};

test('the process checks an outcome before it is taken, and undoes what a rejection ends in its transaction, or refuses it writing nothing', async () => {
  const run = await atSignOff();
  const signOff = await taskOf(run.documentId, null, 'sign-off');
  await setContext(run.documentId, { onHold: 'recall 24V-118' });
  await refusedUnchanged(() => post(approver, `/tasks/${signOff.documentId}/complete`, { outcome: 'approved' }), 409, /on hold \(recall 24V-118\): it cannot be signed off/);

  // The rejection passes the check, but the process refuses to undo fitted parts: nothing is written.
  await setContext(run.documentId, { partsFitted: true });
  await refusedUnchanged(() => post(approver, `/tasks/${signOff.documentId}/complete`, { outcome: 'rejected', note: 'recall open' }), 409, /cannot be stopped/);

  await setContext(run.documentId, { partsFitted: false });
  const rejected = await post(approver, `/tasks/${signOff.documentId}/complete`, { outcome: 'rejected', note: 'recall open' });
  expect(rejected.status).toBe(200);
  expect(rejected.body.data).toMatchObject({ state: 'completed', outcome: 'rejected' });
  const entry = await strapi.db.query('api::audit-log.audit-log').findOne({ where: { entityDocumentId: run.documentId, action: 'run.step-rejected' } });
  expect(entry.summary).toBe(`Vehicle inspection: step "Sign off the inspection" rejected: rejected: recall open; bay released for ${run.documentId}`);

  // A decision's rejection undoes too.
  const refused = await request(CEILING);
  const decided = await strapi.db.query('api::audit-log.audit-log').findOne({ where: { entityDocumentId: refused.documentId, action: 'run.step-rejected' } });
  expect(decided.summary).toMatch(new RegExp(`; bay released for ${refused.documentId}$`));
});

test('a signal completes the task its run waits for inside its own transaction, through the process\'s check, whoever claimed it', async () => {
  const run = await atSignOff();
  const signOff = await taskOf(run.documentId, null, 'sign-off');
  expect((await post(approver, `/tasks/${signOff.documentId}/claim`)).status).toBe(200);
  const tasks = strapi.plugin('workflows').service('tasks');
  const desk = { type: 'system', name: 'phone desk' };
  const completeIn = (input: { type: string; outcome: string; note?: string }) => strapi.db.transaction(({ trx }) => tasks.completeIn(trx, run.documentId, input, desk));

  // Not a task of the step it waits at: nothing is written.
  const before = await fingerprint(strapi);
  expect(await completeIn({ type: 'cost-review', outcome: 'approved' })).toBeNull();
  expect(await fingerprint(strapi)).toEqual(before);
  await setContext(run.documentId, { onHold: 'deposit unpaid' });
  const held = await fingerprint(strapi);
  await expect(completeIn({ type: 'sign-off', outcome: 'approved' })).rejects.toThrow(/on hold \(deposit unpaid\)/);
  await expect(completeIn({ type: 'sign-off', outcome: 'waved-through' })).rejects.toThrow(/has no outcome waved-through/);
  expect(await fingerprint(strapi)).toEqual(held);

  await setContext(run.documentId, { onHold: null });
  expect(await completeIn({ type: 'sign-off', outcome: 'approved', note: 'signed off by phone' })).toBe(run.documentId);
  const moved = await runner().advance(run.documentId, desk);
  expect(moved).toMatchObject({ state: 'waiting', currentStep: 'parts' });
  expect(moved.context.decisions['sign-off']).toMatchObject({ outcome: 'approved', note: 'signed off by phone', by: { type: 'system', name: 'phone desk' } });
  expect(await strapi.db.query(TASK_UID).findOne({ where: { documentId: signOff.documentId } })).toMatchObject({ state: 'completed', completedBy: desk });
  // Delivered twice: the run no longer waits for it, nothing is written.
  const after = await fingerprint(strapi);
  expect(await completeIn({ type: 'sign-off', outcome: 'approved' })).toBeNull();
  expect(await fingerprint(strapi)).toEqual(after);
});

test('a failed run of a process that releases its key lets a new run start; retrying it takes the key back, refused while the new one holds it', async () => {
  const customer = await createCustomer(strapi);
  const input = (phone: string) => ({ subject: { type: 'api::customer.customer', documentId: customer.documentId }, context: { amountMinor: 5_000, phone, email: customer.email }, openKey: `inspection:${customer.documentId}` });
  const started = await runner().start(INSPECTION.id, input(''));
  const failed = await runner().signal(started.documentId, 'parts-arrived', { actor: { type: 'system', name: 'parts desk' } });
  expect(failed).toMatchObject({ state: 'failed', currentStep: 'text-customer' });
  expect(await strapi.db.query(RUN_UID).findOne({ where: { documentId: failed.documentId } })).toMatchObject({ openKey: null, runKey: `inspection:${customer.documentId}` });

  const second = await runner().start(INSPECTION.id, input('+15125550199'));
  expect(second).toMatchObject({ state: 'waiting', currentStep: 'parts' });
  const before = await fingerprint(strapi);
  await expect(runner().retry(failed.documentId)).rejects.toMatchObject({ name: 'ConflictError', details: { run: second.documentId } });
  expect(await fingerprint(strapi)).toEqual(before);

  await runner().cancel(second.documentId, 'booked twice');
  await setContext(failed.documentId, { phone: '+15125550102' });
  expect(await runner().retry(failed.documentId)).toMatchObject({ state: 'completed', outcome: 'accepted' });
});

test('the engine names no process: no word of one in its folder', () => {
  const root = path.resolve(__dirname, '..', '..', 'src', 'plugins', 'workflows');
  const files = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? files(path.join(dir, entry.name)) : [path.join(dir, entry.name)]));
  const words = /invoice|service[- ]?plan|stripe|prepaid|pre-paid|plan-renewals|transit|\bpass(es)?\b|approval|repair/i;
  const offending = files(root).flatMap((file) =>
    fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .map((line, index) => ({ line, where: `${path.relative(root, file)}:${index + 1}` }))
      .filter(({ line }) => words.test(line))
      .map(({ where, line }) => `${where}: ${line.trim()}`),
  );
  expect(offending).toEqual([]);
});
