import crypto from 'node:crypto';
import type { Core } from '@strapi/strapi';
import { fingerprint } from '../harness/database-state';
import { createCustomer, createPlan } from '../harness/fixtures';
import { CEILING, INSPECTION, registerInspection } from '../harness/inspection-process';
import { http, signInAdmin, startStrapi, stopStrapi } from '../harness/strapi';

/**
 * The engine's admin API over a process it was never told about (the inspection process, declared
 * only in the tests): the run list and its filters, a run with its definition's steps to draw
 * (a step skipped with its reason, a parallel step's tasks, the reject branch), the admin actions
 * each route needs, cancelling and retrying runs, and reassigning a task (audited). A refused
 * request writes nothing.
 */
let strapi: Core.Strapi;
const base = '/workflows';
const RUN_UID = 'plugin::workflows.run';
const TASK_UID = 'plugin::workflows.task';
const A = {
  read: 'plugin::workflows.runs.read',
  manage: 'plugin::workflows.runs.manage',
  reassign: 'plugin::workflows.tasks.reassign',
};
const ALL = Object.values(A);

const call = (token: string, method: string, path: string, body?: unknown) => {
  const request = (http(strapi) as any)[method.toLowerCase()](`${base}${path}`).set('Authorization', `Bearer ${token}`);
  return body === undefined ? request : request.send(body);
};
const adminWith = async (actions: string[]) => (await signInAdmin(strapi, actions)).token;

/** A request refused with `status` (its message matching) that writes nothing anywhere. */
const refusedUnchanged = async (send: () => PromiseLike<any>, status: number, message?: RegExp) => {
  const before = await fingerprint(strapi);
  const response = await send();
  expect(response.status).toBe(status);
  if (message) expect(response.body.error.message).toMatch(message);
  expect(await fingerprint(strapi)).toEqual(before);
  return response;
};

/** A staff user of a users-permissions role: whom a task may be handed to. */
const staffUser = async (roleType: string) => {
  const role = await strapi.db.query('plugin::users-permissions.role').findOne({ where: { type: roleType } });
  const suffix = crypto.randomBytes(4).toString('hex');
  return strapi.plugin('users-permissions').service('user').add({
    username: `${roleType}-${suffix}`,
    email: `${roleType}-${suffix}@staff.test`,
    password: `Pw-${crypto.randomBytes(8).toString('hex')}`,
    provider: 'local',
    confirmed: true,
    blocked: false,
    role: role.id,
  });
};

const runner = () => strapi.plugin('workflows').service('runner');
const engineTasks = () => strapi.plugin('workflows').service('tasks');
const requester = { type: 'system', name: 'inspection desk' };

const request = async (amountMinor: number, phone = '+1 512 555 0101') => {
  const customer = await createCustomer(strapi, { phone: '+1 512 555 0101' });
  return runner().start(
    INSPECTION.id,
    { subject: { type: 'api::customer.customer', documentId: customer.documentId }, context: { amountMinor, phone, email: customer.email }, openKey: `inspection:${customer.documentId}` },
    requester,
  );
};
const taskOf = async (run: string, taskId: string | null, stepId?: string) =>
  (await strapi.db.query(TASK_UID).findMany({ where: { run: { documentId: run } }, orderBy: { id: 'asc' } })).find(
    (t: any) => t.taskId === taskId && (!stepId || t.stepId === stepId),
  );

let reader: string;
let manager: string;
let reassigner: string;
let nobody: string;
/** Waiting at the parallel reviews. */
let reviewing: any;
/** Reviews approved, the sign-off skipped by its condition, waiting for the parts. */
let withinLimit: any;
/** Refused by the decision: completed, rejected, through the reject branch. */
let refused: any;
/** Failed at the SMS: no phone number. */
let failed: any;

beforeAll(async () => {
  strapi = await startStrapi({ register: registerInspection });
  reader = await adminWith([A.read]);
  manager = await adminWith([A.read, A.manage]);
  reassigner = await adminWith([A.read, A.reassign]);
  nobody = await adminWith([]);

  reviewing = await request(80_000);
  withinLimit = await request(30_000);
  for (const [id, who] of [['safety', '1'], ['cost', '2']]) {
    const task = await taskOf(withinLimit.documentId, id);
    await engineTasks().complete(task.documentId, { outcome: 'approved' }, ['inspector'], { type: 'user', id: who, name: `inspector ${who}` });
  }
  refused = await request(CEILING);
  failed = await request(5_000, '');
  failed = await runner().signal(failed.documentId, 'parts-arrived', { actor: { type: 'system', name: 'parts desk' } });
});
afterAll(() => stopStrapi(strapi));

describe('RBAC', () => {
  test('the engine registers its three admin actions; the Super Admin holds them, and roles reading a process plugin’s runs read the engine’s', async () => {
    const registered = strapi.service('admin::permission').actionProvider.values().filter((a: any) => a.pluginName === 'workflows');
    expect(registered.map((a: any) => [a.actionId, a.displayName]).sort()).toEqual([
      [A.read, 'Read process runs'],
      [A.manage, 'Retry and cancel process runs'],
      [A.reassign, 'Reassign process tasks'],
    ].sort());
    const superAdmin = await strapi.service('admin::role').getSuperAdmin();
    const held = await strapi.db.query('admin::permission').findMany({ where: { role: { id: superAdmin.id }, action: { $in: ALL } } });
    expect(held.map((p: any) => p.action).sort()).toEqual([...ALL].sort());

    // Every admin role holding another plugin's runs.read holds the engine's, once.
    const readers = await strapi.db.query('admin::permission').findMany({ where: { action: { $endsWith: '.runs.read' } }, populate: ['role'] });
    const others = new Set(readers.filter((p: any) => p.action !== A.read).map((p: any) => p.role.id));
    expect(others.size).toBeGreaterThanOrEqual(2);
    for (const role of others) expect(readers.filter((p: any) => p.action === A.read && p.role.id === role)).toHaveLength(1);
    // Granting again adds nothing.
    expect(await strapi.plugin('workflows').service('access').grantRunReading()).toEqual([]);
  });

  test('every admin route needs its action: 403 without it (nothing written), 401 anonymous', async () => {
    const fake = 'abcdefghij0123456789abcd';
    const routes: [string, string, unknown, string][] = [
      ['GET', '/processes', undefined, A.read],
      ['GET', '/runs', undefined, A.read],
      ['GET', `/runs/${fake}`, undefined, A.read],
      ['POST', `/runs/${fake}/retry`, {}, A.manage],
      ['POST', `/runs/${fake}/cancel`, { reason: 'test' }, A.manage],
      ['GET', '/tasks', undefined, A.read],
      ['POST', `/tasks/${fake}/reassign`, { user: fake }, A.reassign],
    ];
    const registered = (strapi.plugin('workflows').routes as any).admin.routes.map((r: any) => `${r.method} ${r.path}`).sort();
    expect(routes.map(([method, path]) => `${method} ${path.replace(fake, ':documentId')}`).sort()).toEqual(registered);
    const only = { [A.read]: reader, [A.manage]: await adminWith([A.manage]), [A.reassign]: await adminWith([A.reassign]) };
    for (const [method, path, body, action] of routes) {
      const without = await adminWith(ALL.filter((a) => a !== action));
      for (const token of [nobody, without]) await refusedUnchanged(() => call(token, method, path, body), 403);
      const allowed = await call(only[action], method, path, body);
      expect([allowed.status, `${method} ${path}`]).toEqual([method === 'GET' && !path.includes(fake) ? 200 : 404, `${method} ${path}`]);
      expect((await (http(strapi) as any)[method.toLowerCase()](`${base}${path}`)).status).toBe(401);
    }
  });
});

describe('reading runs', () => {
  test('every registered process, for the filters', async () => {
    const response = await call(reader, 'GET', '/processes');
    expect(response.status).toBe(200);
    // The app's processes and the test's, the pre-paid plans included.
    expect(response.body.data.map((p: any) => p.id).sort()).toEqual([INSPECTION.id, 'prepaid-plan', 'repair-approval', 'transit-pass'].sort());
    expect(response.body.data.find((p: any) => p.id === INSPECTION.id)).toEqual(
      {
        id: INSPECTION.id,
        name: 'Vehicle inspection',
        version: 1,
        roles: [
          { id: 'inspector', label: 'Inspector' },
          { id: 'approver', label: 'Approver' },
        ],
        stepCount: INSPECTION.steps.length,
      },
    );
  });

  test('the list: newest first, filtered by process and state, a page at a time', async () => {
    const all = await call(reader, 'GET', '/runs');
    expect(all.status).toBe(200);
    expect(all.body.data.pagination).toEqual({ page: 1, pageSize: 20, total: 4, pageCount: 1 });
    expect(all.body.data.items.map((r: any) => r.documentId)).toEqual([failed, refused, withinLimit, reviewing].map((r) => r.documentId));
    expect(all.body.data.items[0]).toMatchObject({
      process: { id: INSPECTION.id, name: 'Vehicle inspection' },
      version: 1,
      state: 'failed',
      outcome: null,
      currentStep: { id: 'text-customer', title: 'Text the customer' },
      subject: { type: 'api::customer.customer', documentId: expect.any(String) },
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(all.body.data.items[1]).toMatchObject({ state: 'completed', outcome: 'rejected', currentStep: null });

    const waiting = await call(reader, 'GET', `/runs?process=${INSPECTION.id}&state=waiting`);
    expect(waiting.body.data.items.map((r: any) => r.documentId)).toEqual([withinLimit.documentId, reviewing.documentId]);
    const second = await call(reader, 'GET', '/runs?page=2&pageSize=3');
    expect(second.body.data).toMatchObject({ items: [{ documentId: reviewing.documentId }], pagination: { page: 2, pageSize: 3, total: 4, pageCount: 2 } });
  });

  test.each([
    ['pageSize=101', /pageSize/],
    ['page=0', /page/],
    ['state=stuck', /state/],
    ['process=PREPAID-PLAN', /process/],
    ['process=nothing-like-it', /process/],
    ['sort=createdAt', /Unrecognized key/],
    ['filters[state]=failed', /Unrecognized key/],
  ])('a bad query (%s) is a 400 and changes nothing', async (query, message) => {
    await refusedUnchanged(() => call(reader, 'GET', `/runs?${query}`), 400, message);
  });

  test('a run comes with its definition to draw: kinds, the skipped step and its reason, the parallel tasks, the reject branch', async () => {
    const response = await call(reader, 'GET', `/runs/${withinLimit.documentId}`);
    expect(response.status).toBe(200);
    const run = response.body.data;
    expect(run).toMatchObject({ documentId: withinLimit.documentId, process: { id: INSPECTION.id, name: 'Vehicle inspection' }, state: 'waiting', currentStep: { id: 'parts' } });
    expect(run.definition.roles).toEqual([
      { id: 'inspector', label: 'Inspector' },
      { id: 'approver', label: 'Approver' },
    ]);
    expect(run.definition.steps.map((s: any) => [s.id, s.kind, s.when, s.inRejectBranch])).toEqual([
      ['assess', 'decision', null, false],
      ['reviews', 'parallel', null, false],
      ['sign-off', 'human-task', 'over-limit', false],
      ['parts', 'await-signal', null, false],
      ['text-customer', 'notify', null, false],
      ['refusal-email', 'notify', null, true],
    ]);
    const reviews = run.definition.steps.find((s: any) => s.id === 'reviews');
    expect(reviews.tasks.map((t: any) => [t.id, t.title, t.role, t.roleLabel])).toEqual([
      ['safety', 'Safety review', 'inspector', 'Inspector'],
      ['cost', 'Cost review', 'inspector', 'Inspector'],
    ]);
    expect(run.definition.steps.find((s: any) => s.id === 'sign-off').tasks).toEqual([expect.objectContaining({ title: 'Sign off the inspection', role: 'approver', roleLabel: 'Approver' })]);
    expect(run.definition.steps.find((s: any) => s.id === 'assess').branches).toEqual(
      expect.arrayContaining([{ label: 'routine', then: 'go-to', step: 'parts', isDefault: false }, { label: 'review', then: 'continue', step: null, isDefault: true }]),
    );
    // The run's own record: the skipped step carries its reason, the parallel step its tasks.
    const step = (id: string) => run.steps.find((s: any) => s.id === id);
    expect(step('sign-off')).toMatchObject({ state: 'skipped', result: 'Skipped: 30000 is within the sign-off limit of 50000' });
    expect(step('reviews').tasks.map((t: any) => [t.id, t.state, t.actor.name])).toEqual([
      ['safety', 'done', 'inspector 1'],
      ['cost', 'done', 'inspector 2'],
    ]);
    expect(run.tasks.map((t: any) => [t.stepId, t.taskId, t.state, t.outcome, t.roleLabel])).toEqual([
      ['reviews', 'safety', 'completed', 'approved', 'Inspector'],
      ['reviews', 'cost', 'completed', 'approved', 'Inspector'],
    ]);
    expect(run.context).toMatchObject({ amountMinor: 30_000, assessed: 'review' });

    const rejected = (await call(reader, 'GET', `/runs/${refused.documentId}`)).body.data;
    expect(rejected).toMatchObject({ state: 'completed', outcome: 'rejected' });
    expect(rejected.steps.map((s: any) => [s.id, s.state])).toEqual([
      ['assess', 'rejected'],
      ['reviews', 'skipped'],
      ['sign-off', 'skipped'],
      ['parts', 'skipped'],
      ['text-customer', 'skipped'],
      ['refusal-email', 'done'],
    ]);

    await refusedUnchanged(() => call(reader, 'GET', '/runs/abcdefghij0123456789abcd'), 404);
    await refusedUnchanged(() => call(reader, 'GET', '/runs/NOT-AN-ID'), 400, /document id/);
  });
});

describe('managing runs', () => {
  test('cancel needs a reason; an open run is cancelled with its open tasks; a closed one is a 409', async () => {
    const id = reviewing.documentId;
    await refusedUnchanged(() => call(manager, 'POST', `/runs/${id}/cancel`, {}), 400, /reason/);
    await refusedUnchanged(() => call(manager, 'POST', `/runs/${id}/cancel`, { reason: '   ' }), 400, /reason/);
    await refusedUnchanged(() => call(manager, 'POST', `/runs/${id}/cancel`, { reason: 'x'.repeat(501) }), 400, /reason/);
    await refusedUnchanged(() => call(manager, 'POST', `/runs/${id}/cancel`, { reason: 'duplicate request', force: true }), 400, /Unrecognized key/);

    const cancelled = await call(manager, 'POST', `/runs/${id}/cancel`, { reason: 'duplicate request' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.data).toMatchObject({ state: 'cancelled', currentStep: null });
    expect(cancelled.body.data.steps.find((s: any) => s.id === 'reviews')).toMatchObject({ state: 'skipped', result: 'duplicate request' });
    expect(cancelled.body.data.tasks.map((t: any) => t.state)).toEqual(['cancelled', 'cancelled']);
    const audit = await strapi.db.query('api::audit-log.audit-log').findMany({ where: { entityDocumentId: id, action: 'run.step-cancelled' } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorType: 'admin' });

    await refusedUnchanged(() => call(manager, 'POST', `/runs/${id}/cancel`, { reason: 'again' }), 409, /only an open run/);
  });

  test('retry: refused (409) for a run that has not failed; a failed step is tried again once its cause is fixed', async () => {
    for (const run of [refused, withinLimit]) {
      await refusedUnchanged(() => call(manager, 'POST', `/runs/${run.documentId}/retry`, {}), 409, /no failed step/);
    }
    await refusedUnchanged(() => call(manager, 'POST', `/runs/${failed.documentId}/retry`, { now: true }), 400, /Unrecognized key/);
    expect(failed).toMatchObject({ state: 'failed', currentStep: 'text-customer' });

    // Its cause still there: tried again, failed again.
    const again = await call(manager, 'POST', `/runs/${failed.documentId}/retry`, {});
    expect(again.status).toBe(200);
    expect(again.body.data).toMatchObject({ state: 'failed', currentStep: { id: 'text-customer' } });
    expect(again.body.data.steps.find((s: any) => s.id === 'text-customer')).toMatchObject({ state: 'failed', result: 'No phone number to text the customer' });

    // Fixed (the phone number added), tried again: the run completes.
    const row = await strapi.db.query(RUN_UID).findOne({ where: { documentId: failed.documentId } });
    await strapi.db.query(RUN_UID).update({ where: { id: row.id }, data: { context: { ...row.context, phone: '+15125550101' } } });
    const fixed = await call(manager, 'POST', `/runs/${failed.documentId}/retry`, {});
    expect(fixed.status).toBe(200);
    expect(fixed.body.data).toMatchObject({ state: 'completed', outcome: 'accepted' });
    const retried = await strapi.db.query('api::audit-log.audit-log').findMany({ where: { entityDocumentId: failed.documentId, action: 'run.step-retried' } });
    expect(retried.map((a: any) => a.actorType)).toEqual(['admin', 'admin']);
  });
});

describe('tasks', () => {
  test('the open tasks of every process the engine runs, filtered by process and role; other states on request', async () => {
    const run = await request(80_000);
    const all = await call(reader, 'GET', '/tasks');
    expect(all.status).toBe(200);
    expect(all.body.data.items.map((t: any) => [t.run.documentId, t.title, t.state, t.roleLabel])).toEqual([
      [run.documentId, 'Safety review', 'open', 'Inspector'],
      [run.documentId, 'Cost review', 'open', 'Inspector'],
    ]);
    expect(all.body.data.items[0]).toMatchObject({ process: { id: INSPECTION.id, name: 'Vehicle inspection' }, stepId: 'reviews', taskId: 'safety', claimedBy: null });
    // Reassigning is not the reader's to do: no staff list.
    expect(all.body.meta.staff).toBeNull();
    expect((await call(reader, 'GET', '/tasks?role=approver')).body.data.items).toEqual([]);
    expect((await call(reader, 'GET', `/tasks?process=${INSPECTION.id}&role=inspector`)).body.data.pagination.total).toBe(2);
    const completed = await call(reader, 'GET', '/tasks?state=completed');
    expect(completed.body.data.items.map((t: any) => t.run.documentId)).toEqual([withinLimit.documentId, withinLimit.documentId]);
    await refusedUnchanged(() => call(reader, 'GET', '/tasks?role=cashier'), 400, /role/);
    await refusedUnchanged(() => call(reader, 'GET', '/tasks?state=claimed'), 400, /state/);
    await refusedUnchanged(() => call(reader, 'GET', '/tasks?pageSize=500'), 400, /pageSize/);
  });

  test('reassign: to a staff user of the task’s role, audited with the reason; anyone else is a 400', async () => {
    const run = await request(80_000);
    const task = await taskOf(run.documentId, 'safety');
    const inspector = await staffUser('inspector');
    const approver = await staffUser('approver');

    const listed = await call(reassigner, 'GET', '/tasks?role=inspector');
    expect(listed.body.meta.staff.inspector).toEqual(expect.arrayContaining([{ documentId: inspector.documentId, username: inspector.username }]));

    await refusedUnchanged(() => call(reassigner, 'POST', `/tasks/${task.documentId}/reassign`, { user: approver.documentId }), 400, /inspector/);
    await refusedUnchanged(() => call(reassigner, 'POST', `/tasks/${task.documentId}/reassign`, { user: 'abcdefghij0123456789abcd' }), 400, /No staff user/);
    await refusedUnchanged(() => call(reassigner, 'POST', `/tasks/${task.documentId}/reassign`, {}), 400, /user/);
    await refusedUnchanged(() => call(reassigner, 'POST', `/tasks/${task.documentId}/reassign`, { user: inspector.documentId, reason: '' }), 400, /reason/);
    await refusedUnchanged(() => call(reassigner, 'POST', '/tasks/abcdefghij0123456789abcd/reassign', { user: inspector.documentId }), 404);

    const handed = await call(reassigner, 'POST', `/tasks/${task.documentId}/reassign`, { user: inspector.documentId, reason: 'on leave this week' });
    expect(handed.status).toBe(200);
    expect(handed.body.data).toMatchObject({ documentId: task.documentId, state: 'open', claimedBy: { type: 'user', id: String(inspector.id), name: inspector.username } });
    const audit = await strapi.db.query('api::audit-log.audit-log').findMany({ where: { entityDocumentId: task.documentId, action: 'task.reassigned' } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorType: 'admin', data: expect.objectContaining({ reason: 'on leave this week' }) });
    expect(audit[0].summary).toMatch(`reassigned to ${inspector.username}: on leave this week`);
    // The run's page shows it in the run's trail, after the steps' entries.
    const trail = (await call(reassigner, 'GET', `/runs/${run.documentId}`)).body.data.audit;
    expect(trail.map((entry: any) => entry.action)).toEqual(['run.step-done', 'run.step-waiting', 'task.reassigned']);
    expect(trail[2]).toMatchObject({ actorType: 'admin', summary: expect.stringContaining('on leave this week') });

    // A task no longer open is not handed to anyone.
    await runner().cancel(run.documentId, 'withdrawn', requester);
    await refusedUnchanged(() => call(reassigner, 'POST', `/tasks/${task.documentId}/reassign`, { user: inspector.documentId }), 409, /already cancelled/);
  });
});

describe('the pre-paid plans in the same pages', () => {
  let purchase: any;
  let finance: any;

  beforeAll(async () => {
    const plan = await createPlan(strapi);
    const customer = await createCustomer(strapi);
    ({ run: purchase } = await strapi.plugin('plan-renewals').service('engine').purchase({ customer: customer.documentId, plan: plan.code, addOns: [], paymentMethod: 'manual' }));
    finance = await staffUser('finance');
  });

  test('its runs are listed with the others, newest first, and filtered by process', async () => {
    const all = (await call(reader, 'GET', '/runs?pageSize=100')).body.data;
    expect(all.items[0]).toMatchObject({
      documentId: purchase.documentId,
      process: { id: 'prepaid-plan', name: 'Pre-paid plan purchase or renewal' },
      version: 1,
      state: 'waiting',
      currentStep: { id: 'verify-payment' },
      subject: { type: 'api::service-plan.service-plan', documentId: expect.any(String) },
    });
    // One table holds every process's runs, the pre-paid plan's among them: the list counts each once.
    expect(await strapi.db.query(RUN_UID).count({ where: { processId: 'prepaid-plan' } })).toBe(1);
    const engineRuns = await strapi.db.query(RUN_UID).count();
    expect(all.pagination.total).toBe(engineRuns);
    expect(all.items.map((r: any) => r.documentId)).toHaveLength(engineRuns);
    // Pages cut the list: the second page of two starts where the first ended.
    const [first, second] = [await call(reader, 'GET', '/runs?pageSize=2'), await call(reader, 'GET', '/runs?page=2&pageSize=2')];
    expect([...first.body.data.items, ...second.body.data.items].map((r: any) => r.documentId)).toEqual(all.items.slice(0, 4).map((r: any) => r.documentId));

    // Every list pages in the database, as deep as it goes, with or without a process filter.
    const deep = await call(reader, 'GET', '/runs?page=11&pageSize=100');
    expect([deep.status, deep.body.data]).toEqual([200, { items: [], pagination: { page: 11, pageSize: 100, total: engineRuns, pageCount: 1 } }]);
    expect((await call(reader, 'GET', `/runs?process=${INSPECTION.id}&page=11&pageSize=100`)).body.data).toMatchObject({ items: [], pagination: { page: 11 } });

    const own = (await call(reader, 'GET', '/runs?process=prepaid-plan')).body.data;
    expect(own.items.map((r: any) => r.documentId)).toEqual([purchase.documentId]);
    expect((await call(reader, 'GET', '/runs?process=prepaid-plan&state=completed')).body.data.pagination.total).toBe(0);
  });

  test('its run page draws its definition, with its tasks and their role names from the server', async () => {
    const run = (await call(reader, 'GET', `/runs/${purchase.documentId}`)).body.data;
    expect(run.definition).toMatchObject({ id: 'prepaid-plan', roles: expect.arrayContaining([{ id: 'finance', label: 'Finance' }]) });
    expect(run.definition.steps.length).toBe(run.stepCount);
    expect(run.steps.find((s: any) => s.id === 'verify-payment').state).toBe('waiting');
    expect(run.tasks).toEqual([expect.objectContaining({ process: { id: 'prepaid-plan', name: 'Pre-paid plan purchase or renewal' }, type: 'verify-payment', role: 'finance', roleLabel: 'Finance', state: 'open', stepId: 'verify-payment' })]);
    // What the run keeps: what it sells and the invoice it issued.
    expect(run.context).toMatchObject({ kind: 'new', invoice: { documentId: purchase.invoice.documentId, number: purchase.invoice.number } });
    expect(run.audit.length).toBeGreaterThan(0);
  });

  test('its tasks are listed by process and role, handed to a Finance user (audited), and its run cancelled, by its own rules', async () => {
    const tasks = (await call(reassigner, 'GET', '/tasks?process=prepaid-plan&role=finance')).body;
    expect(tasks.data.items.map((t: any) => [t.run.documentId, t.type, t.title])).toEqual([[purchase.documentId, 'verify-payment', expect.any(String)]]);
    expect(tasks.meta.staff.finance).toEqual(expect.arrayContaining([{ documentId: finance.documentId, username: finance.username }]));
    const task = tasks.data.items[0];

    const inspector = await staffUser('inspector');
    await refusedUnchanged(() => call(reassigner, 'POST', `/tasks/${task.documentId}/reassign`, { user: inspector.documentId }), 400, /finance/);
    const handed = await call(reassigner, 'POST', `/tasks/${task.documentId}/reassign`, { user: finance.documentId, reason: 'covers the desk today' });
    expect(handed.status).toBe(200);
    expect(handed.body.data).toMatchObject({ documentId: task.documentId, process: { id: 'prepaid-plan' }, claimedBy: { type: 'user', name: finance.username } });
    const stored = await strapi.db.query(TASK_UID).findOne({ where: { documentId: task.documentId } });
    expect(stored.claimedBy).toMatchObject({ id: String(finance.id) });
    const trail = (await call(reader, 'GET', `/runs/${purchase.documentId}`)).body.data.audit;
    expect(trail[trail.length - 1]).toMatchObject({ action: 'task.reassigned', actorType: 'admin', summary: expect.stringContaining('covers the desk today') });

    await refusedUnchanged(() => call(reader, 'POST', `/runs/${purchase.documentId}/cancel`, { reason: 'customer changed their mind' }), 403);
    const cancelled = await call(manager, 'POST', `/runs/${purchase.documentId}/cancel`, { reason: 'customer changed their mind' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.data).toMatchObject({ documentId: purchase.documentId, state: 'cancelled' });
    // The process's own cancellation: its invoice voided, its task closed.
    const invoice = await strapi.db.query('api::invoice.invoice').findOne({ where: { documentId: purchase.invoice.documentId } });
    expect(invoice.state).toBe('Void');
    expect((await strapi.db.query(TASK_UID).findOne({ where: { documentId: task.documentId } })).state).toBe('cancelled');
    await refusedUnchanged(() => call(manager, 'POST', `/runs/${purchase.documentId}/cancel`, { reason: 'again' }), 409, /only an open run/);
  });

  test("its follow-ups are the engine's tasks: listed under the process beside its steps' tasks, and reassigned by the engine", async () => {
    const followUp = await strapi.plugin('plan-renewals').service('follow-ups').open(`dp_admin_${purchase.documentId}:dispute`, 'dispute', 'Dispute over a purchase', purchase.invoice, '2026-12-21');
    const listed = (await call(reassigner, 'GET', '/tasks?process=prepaid-plan&role=finance')).body.data.items;
    expect(listed.find((t: any) => t.documentId === followUp.documentId)).toMatchObject({ process: { id: 'prepaid-plan' }, type: 'dispute', title: 'Dispute', stepId: null, run: null, roleLabel: 'Finance' });
    expect((await call(reassigner, 'GET', '/tasks?role=finance&pageSize=100')).body.data.items.filter((t: any) => t.documentId === followUp.documentId)).toHaveLength(1);
    const handed = await call(reassigner, 'POST', `/tasks/${followUp.documentId}/reassign`, { user: finance.documentId });
    expect([handed.status, handed.body.data.claimedBy]).toEqual([200, expect.objectContaining({ name: finance.username })]);
  });
});
