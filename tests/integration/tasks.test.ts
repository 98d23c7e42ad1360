import type { Core } from '@strapi/strapi';
import { fingerprint } from '../harness/database-state';
import { createActivePlan, createCustomer, createPlan, setRenewalLeadDays } from '../harness/fixtures';
import { WORKFLOW_TASK_UID, openStepTaskOf, prepaidRun, prepaidRunsOf, stepTasksOf } from '../harness/prepaid-runs';
import { http, signIn, signInAdmin, startStrapi, stopStrapi } from '../harness/strapi';

/**
 * Human tasks over HTTP, content API and admin API: an atomic claim that never overrides another
 * person's, giving a task back, reassignment by an admin, completion rules (a claimed task is its
 * holder's, a rejection needs a note) and separation of duties (whoever requested or started a run
 * does not approve its payment). Each change is checked in the records and the audit log; each
 * refusal against a fingerprint of the whole database.
 */
let strapi: Core.Strapi;
let plan: any;

const api = '/api/plan-renewals';
const TASK_UID = WORKFLOW_TASK_UID;

interface Staff {
  jwt: string;
  id: number;
  documentId: string;
  username: string;
  /** As a claim or a run's starter names them. */
  actor: { type: 'user'; id: string; name: string };
}

const staff = async (roleType: string): Promise<Staff> => {
  const jwt = await signIn(strapi, roleType);
  const me = await http(strapi).get('/api/users/me').set('Authorization', `Bearer ${jwt}`);
  expect(me.status).toBe(200);
  return { jwt, id: me.body.id, documentId: me.body.documentId, username: me.body.username, actor: { type: 'user', id: String(me.body.id), name: me.body.username } };
};

let ann: Staff; // Finance
let bob: Staff; // Finance
let cy: Staff; // Customer Success

const post = (who: Staff, path: string, body: unknown = {}) => http(strapi).post(`${api}${path}`).set('Authorization', `Bearer ${who.jwt}`).send(body as object);

/** An admin user with exactly `actions` (or of an existing role), signed in over HTTP. */
const admin = async (actions: string[] | { roleCode: string }) => {
  const { token, user } = await signInAdmin(strapi, actions);
  const call = (method: 'get' | 'post', path: string, body: unknown = {}) => {
    const request = http(strapi)[method](`/plan-renewals${path}`).set('Authorization', `Bearer ${token}`);
    return method === 'post' ? request.send(body as object) : request;
  };
  return { call, actor: { type: 'admin', id: String(user.id), name: `Test ${user.lastname}` } };
};

const REASSIGN = 'plugin::plan-renewals.tasks.reassign';

beforeAll(async () => {
  strapi = await startStrapi();
  plan = await createPlan(strapi);
  ann = await staff('finance');
  bob = await staff('finance');
  cy = await staff('customer-success');
  setRenewalLeadDays(strapi);
});
afterAll(() => stopStrapi(strapi));

const taskRow = (documentId: string): Promise<any> => strapi.db.query(TASK_UID).findOne({ where: { documentId } });
const runRow = (documentId: string): Promise<any> => prepaidRun(strapi, documentId);
const auditOf = (documentId: string): Promise<any[]> =>
  strapi.db.query('api::audit-log.audit-log').findMany({ where: { entityDocumentId: documentId }, orderBy: { id: 'asc' } });

/** A purchase requested by `who`; returns its run and its open Finance task. */
const purchase = async (who: Staff = cy) => {
  const customer = await createCustomer(strapi);
  const response = await post(who, '/purchases', { customer: customer.documentId, plan: plan.code, paymentMethod: 'manual' });
  expect(response.status).toBe(201);
  const run = response.body.data.run;
  const task = await openStepTaskOf(strapi, run.documentId);
  expect(task).toMatchObject({ stepId: 'verify-payment', type: 'verify-payment', role: 'finance', state: 'open' });
  return { run, task };
};

/** Records the counter payment of the run's invoice, so its payment may be approved. */
const pay = async (run: any) => {
  const invoice: any = await strapi.documents('api::invoice.invoice').findOne({ documentId: run.invoice.documentId });
  const response = await post(ann, `/invoices/${invoice.documentId}/manual-payments`, { amountMinor: invoice.totalMinor, currency: invoice.currency, reference: `DESK-${invoice.number}` });
  expect(response.status).toBe(201);
};

/**
 * The request is refused with `status` and a message containing `message`, and the database is
 * untouched.
 */
const refusedUnchanged = async (request: () => PromiseLike<any>, status: number, message: string | RegExp) => {
  const before = await fingerprint(strapi);
  const response = await request();
  expect([response.status, response.body.error?.message]).toEqual([status, typeof message === 'string' ? expect.stringContaining(message) : expect.stringMatching(message)]);
  expect(response.body.data ?? null).toBeNull();
  expect(await fingerprint(strapi)).toEqual(before);
  return response;
};

describe('claim', () => {
  test('a member of the role claims the task; another gets a 409 naming the holder; nothing else changes', async () => {
    const { task } = await purchase();
    await refusedUnchanged(() => post(cy, `/tasks/${task.documentId}/claim`), 403, 'This task is for the finance role');

    const claimed = await post(ann, `/tasks/${task.documentId}/claim`);
    expect(claimed.status).toBe(200);
    expect(claimed.body.data).toMatchObject({ documentId: task.documentId, state: 'open', claimedBy: ann.actor, claimedAt: expect.any(String) });
    expect((await taskRow(task.documentId)).claimedBy).toEqual(ann.actor);
    const [entry] = (await auditOf(task.documentId)).filter((e) => e.action === 'task.claimed');
    expect(entry).toMatchObject({
      actorType: 'user',
      actorId: ann.actor.id,
      changes: { claimedBy: { before: null, after: ann.actor } },
      entityUid: TASK_UID,
      summary: `Verify payment (prepaid-plan) claimed by ${ann.username}`,
    });

    const taken = await refusedUnchanged(() => post(bob, `/tasks/${task.documentId}/claim`), 409, `already claimed by ${ann.username}`);
    expect(taken.body.error.details).toEqual({ claimedBy: ann.actor });
    // Claiming one's own claim again changes nothing, not even the audit log.
    const before = await fingerprint(strapi);
    const again = await post(ann, `/tasks/${task.documentId}/claim`);
    expect([again.status, again.body.data.claimedBy]).toEqual([200, ann.actor]);
    expect(await fingerprint(strapi)).toEqual(before);

    // The role's task list shows who holds it.
    const listed = (await http(strapi).get(`${api}/tasks`).set('Authorization', `Bearer ${bob.jwt}`)).body.data.find((t: any) => t.documentId === task.documentId);
    expect(listed.claimedBy).toEqual(ann.actor);
  });

  test('two people claiming at once: one gets it, the other a 409, and the claim is never overridden', async () => {
    const { task } = await purchase();
    const answers = await Promise.all([post(ann, `/tasks/${task.documentId}/claim`), post(bob, `/tasks/${task.documentId}/claim`)]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
    const winner = answers.find((r) => r.status === 200)!.body.data.claimedBy;
    const loser = answers.find((r) => r.status === 409)!;
    expect(loser.body.error.details.claimedBy).toEqual(winner);
    expect((await taskRow(task.documentId)).claimedBy).toEqual(winner);
    expect((await auditOf(task.documentId)).filter((e) => e.action === 'task.claimed')).toHaveLength(1);
  });

  test('a completed task cannot be claimed', async () => {
    const { run, task } = await purchase();
    await pay(run);
    expect((await post(ann, `/tasks/${task.documentId}/complete`, { outcome: 'approved' })).status).toBe(200);
    await refusedUnchanged(() => post(bob, `/tasks/${task.documentId}/claim`), 409, 'is already completed');
  });
});

describe('unclaim', () => {
  test('the holder gives the task back; someone else, or a task nobody holds, gets a 409; audited', async () => {
    const { task } = await purchase();
    await refusedUnchanged(() => post(ann, `/tasks/${task.documentId}/unclaim`), 409, 'is not claimed: there is nothing to give back');
    expect((await post(ann, `/tasks/${task.documentId}/claim`)).status).toBe(200);
    await refusedUnchanged(() => post(bob, `/tasks/${task.documentId}/unclaim`), 409, `is claimed by ${ann.username}: only they can give it back`);
    await refusedUnchanged(() => post(cy, `/tasks/${task.documentId}/unclaim`), 403, 'This task is for the finance role');
    await refusedUnchanged(() => post(ann, `/tasks/${task.documentId}/unclaim`, { note: 'x' }), 400, 'Unrecognized key');

    const given = await post(ann, `/tasks/${task.documentId}/unclaim`);
    expect([given.status, given.body.data.claimedBy, given.body.data.claimedAt]).toEqual([200, null, null]);
    expect(await taskRow(task.documentId)).toMatchObject({ claimedBy: null, claimedAt: null, state: 'open' });
    const entry = (await auditOf(task.documentId)).find((e) => e.action === 'task.unclaimed');
    expect(entry).toMatchObject({ actorType: 'user', actorId: ann.actor.id, changes: { claimedBy: { before: ann.actor, after: null } } });

    // Given back, it is anyone's of the role again.
    expect((await post(bob, `/tasks/${task.documentId}/claim`)).body.data.claimedBy).toEqual(bob.actor);
  });
});

describe('complete', () => {
  test('a task claimed by someone else is theirs (409); an unclaimed task may be completed directly', async () => {
    const claimed = await purchase();
    await pay(claimed.run);
    expect((await post(bob, `/tasks/${claimed.task.documentId}/claim`)).status).toBe(200);
    const refused = await refusedUnchanged(
      () => post(ann, `/tasks/${claimed.task.documentId}/complete`, { outcome: 'approved' }),
      409,
      `is claimed by ${bob.username}: only they can complete it, unless they give it back first`,
    );
    expect(refused.body.error.details).toEqual({ claimedBy: bob.actor });
    const done = await post(bob, `/tasks/${claimed.task.documentId}/complete`, { outcome: 'approved', note: 'cash counted' });
    expect([done.status, done.body.data.currentStep]).toEqual([200, 'quality-check']);
    expect(await taskRow(claimed.task.documentId)).toMatchObject({ state: 'completed', outcome: 'approved', completedBy: bob.actor });

    const unclaimed = await purchase();
    await pay(unclaimed.run);
    const direct = await post(ann, `/tasks/${unclaimed.task.documentId}/complete`, { outcome: 'approved' });
    expect([direct.status, direct.body.data.currentStep]).toEqual([200, 'quality-check']);
  });

  test('a rejection needs a note: without one it is a 400 and nothing is written', async () => {
    const { run, task } = await purchase();
    await refusedUnchanged(() => post(ann, `/tasks/${task.documentId}/complete`, { outcome: 'rejected' }), 400, 'A rejection needs a note saying why');
    await refusedUnchanged(() => post(ann, `/tasks/${task.documentId}/complete`, { outcome: 'rejected', note: '   ' }), 400, 'A rejection needs a note saying why');
    const rejected = await post(ann, `/tasks/${task.documentId}/complete`, { outcome: 'rejected', note: 'cheque bounced' });
    expect(rejected.status).toBe(200);
    expect(await taskRow(task.documentId)).toMatchObject({ state: 'completed', outcome: 'rejected', note: 'cheque bounced' });
    expect(await runRow(run.documentId)).toMatchObject({ state: 'completed', outcome: 'rejected' });
  });
});

describe('separation of duties', () => {
  test('whoever requested a purchase may not approve its payment (403); another member of the role may', async () => {
    const { run, task } = await purchase(ann);
    expect((await runRow(run.documentId)).startedBy).toEqual(ann.actor);
    await pay(run);
    const reason = 'Separation of duties: you started this run, so another member of the finance role must complete its verify-payment task';
    await refusedUnchanged(() => post(ann, `/tasks/${task.documentId}/complete`, { outcome: 'approved' }), 403, reason);
    // Nor may they hold it, keeping it from those who may approve it.
    await refusedUnchanged(() => post(ann, `/tasks/${task.documentId}/claim`), 403, 'Separation of duties: you started this run, so another member of the finance role must take its verify-payment task');
    expect((await post(bob, `/tasks/${task.documentId}/complete`, { outcome: 'approved' })).status).toBe(200);
  });

  test('the quality check is not kept from the run\'s starter: Customer Success checks a plan it sold', async () => {
    const { run, task } = await purchase(cy);
    await pay(run);
    expect((await post(ann, `/tasks/${task.documentId}/complete`, { outcome: 'approved' })).status).toBe(200);
    const [check] = await stepTasksOf(strapi, run.documentId, { type: 'quality-check' });
    const passed = await post(cy, `/tasks/${check.documentId}/complete`, { outcome: 'passed' });
    expect([passed.status, passed.body.data.state]).toEqual([200, 'completed']);
  });

  test('whoever started a renewal may not approve it, in the admin panel too', async () => {
    const starter = await admin({ roleCode: 'plan-renewals-finance' });
    const other = await admin({ roleCode: 'plan-renewals-finance' });
    const { servicePlan } = await createActivePlan(strapi, 10);
    const started = await starter.call('post', `/service-plans/${servicePlan.documentId}/renewals`);
    expect(started.status).toBe(201);
    const run = started.body.data;
    expect((await runRow(run.documentId)).startedBy).toEqual(starter.actor);
    const task = await openStepTaskOf(strapi, run.documentId);
    await pay(run);
    await refusedUnchanged(() => starter.call('post', `/tasks/${task.documentId}/complete`, { outcome: 'approved' }), 403, 'Separation of duties: you started this run');
    const done = await other.call('post', `/tasks/${task.documentId}/complete`, { outcome: 'approved' });
    expect([done.status, done.body.data.run.currentStep]).toEqual([200, 'quality-check']);
  });

  test('a renewal the scheduled job started (the system) may be approved by any member of the role', async () => {
    const { servicePlan } = await createActivePlan(strapi, 3);
    const ran = await post(ann, '/jobs/renewals-due/run');
    expect(ran.status).toBe(200);
    const renewals = await prepaidRunsOf(strapi, servicePlan.documentId, { kind: 'renewal' });
    expect(renewals).toHaveLength(1);
    const [row] = renewals;
    expect(row.startedBy).toEqual({ type: 'system', name: 'job renewals-due' });
    const task = await openStepTaskOf(strapi, row.documentId);
    await pay(row);
    expect((await post(ann, `/tasks/${task.documentId}/complete`, { outcome: 'approved' })).status).toBe(200);
  });
});

describe('reassignment by an admin', () => {
  test('sets the claim to a staff user of the task\'s role, whoever held it, audited with before and after', async () => {
    const supervisor = await admin([REASSIGN]);
    const { run, task } = await purchase();
    expect((await post(ann, `/tasks/${task.documentId}/claim`)).status).toBe(200);

    const moved = await supervisor.call('post', `/tasks/${task.documentId}/reassign`, { user: bob.documentId, reason: 'Ann is on leave' });
    expect(moved.status).toBe(200);
    expect(moved.body.data).toMatchObject({ documentId: task.documentId, claimedBy: bob.actor });
    expect((await taskRow(task.documentId)).claimedBy).toEqual(bob.actor);
    const entry = (await auditOf(task.documentId)).find((e) => e.action === 'task.reassigned');
    expect(entry).toMatchObject({
      actorType: 'admin',
      actorId: supervisor.actor.id,
      changes: { claimedBy: { before: ann.actor, after: bob.actor } },
      entityUid: TASK_UID,
      summary: `Verify payment (prepaid-plan) reassigned from ${ann.username} to ${bob.username}: Ann is on leave`,
      data: { task: task.documentId, run: run.documentId, process: 'prepaid-plan', reason: 'Ann is on leave' },
    });

    // The task is Bob's now: Ann can neither give it back nor complete it.
    await pay(run);
    await refusedUnchanged(() => post(ann, `/tasks/${task.documentId}/unclaim`), 409, `claimed by ${bob.username}`);
    await refusedUnchanged(() => post(ann, `/tasks/${task.documentId}/complete`, { outcome: 'approved' }), 409, `claimed by ${bob.username}`);
    // To the holder again: nothing changes.
    const before = await fingerprint(strapi);
    expect((await supervisor.call('post', `/tasks/${task.documentId}/reassign`, { user: bob.documentId })).status).toBe(200);
    expect(await fingerprint(strapi)).toEqual(before);
    expect((await post(bob, `/tasks/${task.documentId}/complete`, { outcome: 'approved' })).status).toBe(200);
    await refusedUnchanged(() => supervisor.call('post', `/tasks/${task.documentId}/reassign`, { user: ann.documentId }), 409, 'is already completed');
  });

  test('refused (400, nothing written) to a user without the role, an unknown user, a blocked one, or the starter of a run it is kept from', async () => {
    const supervisor = await admin([REASSIGN]);
    const { task } = await purchase(bob);
    await refusedUnchanged(
      () => supervisor.call('post', `/tasks/${task.documentId}/reassign`, { user: cy.documentId }),
      400,
      `${cy.username} does not hold the finance role: a verify-payment task goes to a member of that role`,
    );
    await refusedUnchanged(() => supervisor.call('post', `/tasks/${task.documentId}/reassign`, { user: 'abcdefghij0123456789abcd' }), 400, 'No staff user abcdefghij0123456789abcd');
    await refusedUnchanged(
      () => supervisor.call('post', `/tasks/${task.documentId}/reassign`, { user: bob.documentId }),
      400,
      `${bob.username} started this run, and its verify-payment task may not be completed by its starter (separation of duties)`,
    );
    await refusedUnchanged(() => supervisor.call('post', `/tasks/${task.documentId}/reassign`, {}), 400, 'user');
    await refusedUnchanged(() => supervisor.call('post', `/tasks/${task.documentId}/reassign`, { user: ann.documentId, extra: 1 }), 400, 'Unrecognized key');
    const blocked = await staff('finance');
    await strapi.db.query('plugin::users-permissions.user').update({ where: { id: blocked.id }, data: { blocked: true } });
    await refusedUnchanged(() => supervisor.call('post', `/tasks/${task.documentId}/reassign`, { user: blocked.documentId }), 400, 'is blocked');
    await refusedUnchanged(() => supervisor.call('post', '/tasks/abcdefghij0123456789abcd/reassign', { user: ann.documentId }), 404, 'No task');
  });

  test('needs the reassign permission (a Finance admin has not got it); a Super Admin has every permission', async () => {
    const { task } = await purchase();
    const finance = await admin({ roleCode: 'plan-renewals-finance' });
    await refusedUnchanged(() => finance.call('post', `/tasks/${task.documentId}/reassign`, { user: ann.documentId }), 403, /./);
    const owner = await admin({ roleCode: 'strapi-super-admin' });
    const moved = await owner.call('post', `/tasks/${task.documentId}/reassign`, { user: ann.documentId });
    expect([moved.status, moved.body.data.claimedBy]).toEqual([200, ann.actor]);
  });

  test('the Tasks page learns whom it may hand a task to only with the reassign permission', async () => {
    const finance = await admin({ roleCode: 'plan-renewals-finance' });
    const plain = await finance.call('get', '/tasks');
    expect(plain.status).toBe(200);
    expect(plain.body.meta).toEqual({ roles: ['finance'], me: { type: 'admin', id: finance.actor.id }, staff: null });
    const owner = await admin({ roleCode: 'strapi-super-admin' });
    const { meta } = (await owner.call('get', '/tasks')).body;
    expect(meta.me).toEqual({ type: 'admin', id: owner.actor.id });
    expect(meta.staff.finance).toEqual(expect.arrayContaining([{ documentId: ann.documentId, username: ann.username }, { documentId: bob.documentId, username: bob.username }]));
    expect(meta.staff['customer-success']).toEqual(expect.arrayContaining([{ documentId: cy.documentId, username: cy.username }]));
    expect(meta.staff.finance.some((user: any) => user.documentId === cy.documentId)).toBe(false);
  });
});

describe('claim and unclaim in the admin panel', () => {
  test('an admin of the role claims and gives back; another admin gets a 409 either way', async () => {
    const first = await admin({ roleCode: 'plan-renewals-finance' });
    const second = await admin({ roleCode: 'plan-renewals-finance' });
    const { task } = await purchase();
    await refusedUnchanged(() => first.call('post', `/tasks/${task.documentId}/unclaim`), 409, 'is not claimed');
    expect((await first.call('post', `/tasks/${task.documentId}/claim`)).body.data.claimedBy).toEqual(first.actor);
    await refusedUnchanged(() => second.call('post', `/tasks/${task.documentId}/claim`), 409, `already claimed by ${first.actor.name}`);
    await refusedUnchanged(() => second.call('post', `/tasks/${task.documentId}/unclaim`), 409, `claimed by ${first.actor.name}: only they can give it back`);
    // A staff user of the role does not take an admin's claim either.
    await refusedUnchanged(() => post(ann, `/tasks/${task.documentId}/claim`), 409, `already claimed by ${first.actor.name}`);
    const given = await first.call('post', `/tasks/${task.documentId}/unclaim`);
    expect([given.status, given.body.data.claimedBy]).toEqual([200, null]);
    expect((await auditOf(task.documentId)).map((e) => [e.action, e.actorType])).toEqual([
      ['task.claimed', 'admin'],
      ['task.unclaimed', 'admin'],
    ]);
    const customerSuccess = await admin({ roleCode: 'plan-renewals-customer-success' });
    await refusedUnchanged(() => customerSuccess.call('post', `/tasks/${task.documentId}/unclaim`), 403, 'This task is for the finance role');
  });
});

describe("Finance's follow-ups (the engine's tasks of the process)", () => {
  /** A dispute about a purchase's invoice, opened as the Stripe webhook opens one. */
  const dispute = async () => {
    const { run } = await purchase();
    const key = `dp_${run.documentId}:dispute`;
    const opened = await strapi.db.transaction(() =>
      strapi.plugin('plan-renewals').service('follow-ups').open(key, 'dispute', `Dispute over invoice ${run.invoice.number}`, run.invoice, '2026-12-20'),
    );
    return { run, task: opened };
  };

  test("listed with the steps' tasks, claimed and closed through the plugin's routes, with the same rules and audit", async () => {
    const { run, task } = await dispute();
    expect(task).toMatchObject({ process: 'prepaid-plan', type: 'dispute', title: 'Dispute', role: 'finance', state: 'open', run: null, subject: { type: 'api::invoice.invoice', documentId: run.invoice.documentId } });
    const listed = (await http(strapi).get(`${api}/tasks`).set('Authorization', `Bearer ${ann.jwt}`)).body.data.find((t: any) => t.documentId === task.documentId);
    expect(listed).toEqual({ documentId: task.documentId, type: 'dispute', role: 'finance', state: 'open', dueDate: '2026-12-20', details: `Dispute over invoice ${run.invoice.number}`, claimedBy: null, claimedAt: null, run: run.documentId, invoice: run.invoice.documentId });
    // Customer Success does not see it, and may not touch it.
    expect((await http(strapi).get(`${api}/tasks`).set('Authorization', `Bearer ${cy.jwt}`)).body.data.some((t: any) => t.documentId === task.documentId)).toBe(false);
    await refusedUnchanged(() => post(cy, `/tasks/${task.documentId}/claim`), 403, 'for the finance role');

    const claimed = await post(ann, `/tasks/${task.documentId}/claim`);
    expect([claimed.status, claimed.body.data.claimedBy, claimed.body.data.invoice]).toEqual([200, ann.actor, run.invoice.documentId]);
    await refusedUnchanged(() => post(bob, `/tasks/${task.documentId}/claim`), 409, `already claimed by ${ann.username}`);
    await refusedUnchanged(() => post(bob, `/tasks/${task.documentId}/complete`, { outcome: 'resolved' }), 409, `claimed by ${ann.username}`);
    await refusedUnchanged(() => post(ann, `/tasks/${task.documentId}/complete`, { outcome: 'approved' }), 400, 'must be one of resolved, dismissed');
    const closed = await post(ann, `/tasks/${task.documentId}/complete`, { outcome: 'resolved', note: 'evidence sent to Stripe' });
    expect([closed.status, closed.body.data]).toEqual([200, null]);
    expect(await strapi.db.query(TASK_UID).findOne({ where: { documentId: task.documentId } })).toMatchObject({ state: 'completed', outcome: 'resolved', note: 'evidence sent to Stripe', completedBy: ann.actor });
    // The run it is about did not move.
    expect(await runRow(run.documentId)).toMatchObject({ state: 'waiting', currentStep: 'verify-payment' });
    expect((await auditOf(task.documentId)).map((e) => e.action)).toEqual(['task.claimed', 'task.completed']);
    await refusedUnchanged(() => post(bob, `/tasks/${task.documentId}/complete`, { outcome: 'dismissed' }), 409, 'already completed');
  });

  test("an admin sees one in the Tasks page with its invoice and run, reassigns it, and a run's page lists it", async () => {
    const { run, task } = await dispute();
    const lead = await admin([REASSIGN, 'plugin::plan-renewals.tasks.finance', 'plugin::plan-renewals.runs.read']);
    const page = await lead.call('get', '/tasks');
    const shown = page.body.data.find((t: any) => t.documentId === task.documentId);
    expect(shown).toMatchObject({ type: 'dispute', stepId: null, run: { documentId: run.documentId, state: 'waiting' }, invoice: { documentId: run.invoice.documentId, number: run.invoice.number } });
    const handed = await lead.call('post', `/tasks/${task.documentId}/reassign`, { user: bob.documentId, reason: 'Bob handles disputes' });
    expect([handed.status, handed.body.data.claimedBy]).toEqual([200, bob.actor]);
    expect((await auditOf(task.documentId)).map((e) => [e.action, e.actorType])).toEqual([['task.reassigned', 'admin']]);
    const runPage = await lead.call('get', `/runs/${run.documentId}`);
    expect(runPage.body.data.tasks.map((t: any) => t.type)).toEqual(['verify-payment', 'dispute']);
    // The overview counts it with Finance's open tasks.
    const overview = await admin(['plugin::plan-renewals.dashboard.read']);
    const finance = (await overview.call('get', '/overview')).body.data.tasks.find((t: any) => t.role === 'finance');
    expect(finance.open).toBeGreaterThanOrEqual(2);
  });
});

describe('who may call the task routes', () => {
  test('claim and unclaim are for the staff roles only: a signed-in user without one gets a 403', async () => {
    const { task } = await purchase();
    const outsider = await signIn(strapi, 'authenticated');
    for (const action of ['claim', 'unclaim']) {
      await refusedUnchanged(() => http(strapi).post(`${api}/tasks/${task.documentId}/${action}`).set('Authorization', `Bearer ${outsider}`).send({}), 403, /./);
      await refusedUnchanged(() => post(ann, `/tasks/abcdefghij0123456789abcd/${action}`), 404, 'No task abcdefghij0123456789abcd');
      await refusedUnchanged(() => post(ann, `/tasks/x/${action}`), 400, 'must be a document id');
    }
  });
});
