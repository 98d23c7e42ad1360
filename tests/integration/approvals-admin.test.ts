import type { Core } from '@strapi/strapi';
import { fingerprint } from '../harness/database-state';
import { appModule, createCustomer } from '../harness/fixtures';
import { http, signIn, signInAdmin, startStrapi, stopStrapi } from '../harness/strapi';

/**
 * The Approvals admin pages' API (/repair-approvals on the admin API): the overview's figures
 * (requests by state, decisions waiting by role, time to decide, this month's summary), the list
 * and its filters, a request, a certificate and its hash, the summary as JSON and CSV; every route
 * refusing an admin without "Read approvals" and bad input with a 400 that writes nothing.
 */
let strapi: Core.Strapi;
const base = '/repair-approvals';
const READ = 'plugin::repair-approvals.approvals.read';
const TASK_UID = 'plugin::workflows.task';

const requester = { type: 'user', id: 'am-1', name: 'Ann Manager' };
const complianceOfficer = { type: 'user', id: 'co-1', name: 'Cole Compliance' };
const financeManager = { type: 'user', id: 'fm-1', name: 'Fay Finance' };
const executive = { type: 'user', id: 'ex-1', name: 'Eve Executive' };

const LINES = [
  { kind: 'labor', description: 'Replace front brake pads', quantityHundredths: 150, unitPriceMinor: 12_000 },
  { kind: 'parts', description: 'Brake pads (set)', quantityHundredths: 100, unitPriceMinor: 8_999 },
];
// 18,000 + 8,999 = 26,999; tax 8.25 % = 2,227.4 -> 2,227; total 29,226.
const TOTAL = 29_226;

const HOUR = 3_600_000;
/** The instant the decisions are taken at: a whole minute, so hours to decide come out exact. */
const T = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000);
const MONTH = T.toISOString().slice(0, 7);

let token: string;
let at: <R>(instant: Date, work: () => Promise<R>) => Promise<R>;
const call = (path: string, who: string | null = token) => {
  const request = http(strapi).get(`${base}${path}`);
  return who ? request.set('Authorization', `Bearer ${who}`) : request;
};

const requests = () => strapi.plugin('repair-approvals').service('requests');
const complete = (task: any, role: string, actor: object, outcome = 'approved', note?: string) =>
  strapi.plugin('workflows').service('tasks').complete(task.documentId, { outcome, ...(note ? { note } : {}) }, [role], actor);
const openTasks = async (request: any) =>
  Object.fromEntries(
    (await strapi.db.query(TASK_UID as any).findMany({ where: { run: { documentId: request.run.documentId }, state: 'open' } })).map((t: any) => [t.taskId ?? t.stepId, t]),
  );

const customer = async (creditLimitMinor: number) => {
  const created = await createCustomer(strapi);
  return (await strapi.documents('api::customer.customer').update({ documentId: created.documentId, data: { currency: 'USD', creditLimitMinor } as any }))!;
};

/** A draft of the lines, submitted at `submittedAt`: its run waits at the two reviews. */
const submitted = async (who: any, submittedAt = new Date()) => {
  const draft = await requests().createDraft({ customer: who.documentId, currency: 'USD', lines: LINES }, requester);
  return at(submittedAt, () => requests().submit(draft.documentId, requester));
};

/** Both reviews approved (two and one minute before), then the executive's at `decidedAt`: Approved with a certificate. */
const approved = async (request: any, decidedAt: Date) => {
  const minutesBefore = (n: number) => new Date(decidedAt.getTime() - n * 60_000);
  const reviews = await openTasks(request);
  await at(minutesBefore(2), () => complete(reviews.compliance, 'compliance', complianceOfficer));
  await at(minutesBefore(1), () => complete(reviews.finance, 'finance-manager', financeManager));
  await at(decidedAt, async () => complete((await openTasks(request))['executive-approval'], 'executive', executive));
};

const r: Record<string, any> = {};

beforeAll(async () => {
  strapi = await startStrapi();
  at = appModule('plugins/workflows/server/src/clock').at;
  token = (await signInAdmin(strapi, [READ])).token;
  const good = await customer(1_000_000);
  const tight = await customer(100);

  // Decided long ago: outside the 90 days and this month.
  r.old = await submitted(good, new Date(T.getTime() - 200 * 24 * HOUR));
  await approved(r.old, new Date(T.getTime() - 199 * 24 * HOUR));
  r.draft = await requests().createDraft({ customer: good.documentId, currency: 'USD', lines: LINES }, requester);
  r.waiting = await submitted(good);
  // Approved ten hours after submission.
  r.approved = await submitted(good, new Date(T.getTime() - 10 * HOUR));
  await approved(r.approved, T);
  // Rejected by Compliance four hours after submission (the open Finance audit closes with it).
  r.rejected = await submitted(good, new Date(T.getTime() - 4 * HOUR));
  await at(T, async () => complete((await openTasks(r.rejected)).compliance, 'compliance', complianceOfficer, 'rejected', 'uncertified parts supplier'));
  // Over the credit limit, both reviews approved: it waits for the executive.
  r.over = await submitted(tight);
  const reviews = await openTasks(r.over);
  await complete(reviews.compliance, 'compliance', complianceOfficer);
  await complete(reviews.finance, 'finance-manager', financeManager);
  // One review past its due date.
  await strapi.db.query(TASK_UID as any).update({ where: { id: (await openTasks(r.waiting)).compliance.id }, data: { dueDate: '2020-01-02' } });
});
afterAll(() => stopStrapi(strapi));

describe('the admin action', () => {
  test('"Read approvals" is registered, held by the Super Admin, and given once to the staff admin roles', async () => {
    const action = strapi.service('admin::permission').actionProvider.get(READ);
    expect(action).toMatchObject({ displayName: 'Read approvals', pluginName: 'repair-approvals' });
    const superAdmin = await strapi.service('admin::role').getSuperAdmin();
    const holds = async (roleId: number) => strapi.db.query('admin::permission').count({ where: { role: { id: roleId }, action: READ } });
    expect(await holds(superAdmin.id)).toBe(1);
    for (const code of ['plan-renewals-finance', 'plan-renewals-customer-success']) {
      const role = await strapi.db.query('admin::role').findOne({ where: { code } });
      expect(await holds(role.id)).toBe(1);
    }
    // An admin who takes it away from a role keeps it away at the next start.
    const finance = await strapi.db.query('admin::role').findOne({ where: { code: 'plan-renewals-finance' } });
    await strapi.db.query('admin::permission').deleteMany({ where: { role: { id: finance.id }, action: READ } });
    await strapi.plugin('repair-approvals').service('access').grantToStaffRoles();
    expect(await holds(finance.id)).toBe(0);
  });

  test('every route: 401 anonymous, 403 without the action, nothing written', async () => {
    const none = (await signInAdmin(strapi, ['plugin::plan-renewals.dashboard.read'])).token;
    const routes = (strapi.plugin('repair-approvals').routes as any).admin.routes;
    expect(routes.map((route: any) => `${route.method} ${route.path}`).sort()).toEqual(
      ['GET /certificates/:number', 'GET /overview', 'GET /reports/:month', 'GET /reports/:month/csv', 'GET /requests', 'GET /requests/:documentId'].sort(),
    );
    const before = await fingerprint(strapi);
    for (const route of routes) {
      const path = route.path.replace(':documentId', r.waiting.documentId).replace(':number', 'AUTH-2020-000001').replace(':month', MONTH);
      expect([route.path, (await call(path, null)).status]).toEqual([route.path, 401]);
      expect([route.path, (await call(path, none)).status]).toEqual([route.path, 403]);
      expect([route.path, (await call(path)).status]).not.toEqual([route.path, 403]);
    }
    expect(await fingerprint(strapi)).toEqual(before);
  });
});

describe('the overview', () => {
  test('requests by state, decisions waiting by role, the median time to decide, this month', async () => {
    const response = await call('/overview');
    expect(response.status).toBe(200);
    const overview = response.body.data;
    expect(overview.byState).toEqual({ Draft: 1, Submitted: 0, UnderReview: 2, Approved: 2, Rejected: 1 });
    expect(overview.total).toBe(6);
    expect(overview.waiting).toEqual([
      { role: 'compliance', label: 'Compliance', open: 1, overdue: 1, oldestSince: expect.any(String) },
      { role: 'finance-manager', label: 'Finance Manager', open: 1, overdue: 0, oldestSince: expect.any(String) },
      { role: 'executive', label: 'Executive', open: 1, overdue: 0, oldestSince: expect.any(String) },
    ]);
    expect(overview.waitingTotal).toBe(3);
    // Waiting since the step opened, as the run says.
    const executiveStep = (await requests().find(r.over.documentId)).run.steps.find((step: any) => step.id === 'executive-approval');
    expect(overview.waiting[2].oldestSince).toBe(executiveStep.startedAt);
    // 10 h and 4 h within the 90 days; the one decided 199 days ago is left out.
    expect(overview.timeToDecide).toMatchObject({ days: 90, decided: 2, medianHours: 7 });
    expect(overview.thisMonth).toMatchObject({
      month: MONTH,
      approved: 1,
      rejected: 1,
      lines: [
        { status: 'Approved', currency: 'USD', count: 1, totalMinor: TOTAL, medianHoursToDecide: 10 },
        { status: 'Rejected', currency: 'USD', count: 1, totalMinor: TOTAL, medianHoursToDecide: 4 },
      ],
    });
  });
});

describe('the requests list', () => {
  test('newest first, with customer, total, status, credit and dates', async () => {
    const response = await call('/requests');
    expect(response.status).toBe(200);
    const { items, pagination } = response.body.data;
    expect(pagination).toEqual({ page: 1, pageSize: 20, total: 6 });
    expect(items.map((item: any) => item.number)).toEqual([r.over, r.rejected, r.approved, r.waiting, r.draft, r.old].map((x) => x.number));
    expect(items[0]).toMatchObject({ documentId: r.over.documentId, customer: { name: 'Maria Gonzalez' }, totalMinor: TOTAL, currency: 'USD', status: 'UnderReview', creditOver: true, decidedAt: null });
    expect(items[0].submittedAt).toEqual(expect.any(String));
    expect(items.find((item: any) => item.documentId === r.draft.documentId)).toMatchObject({ status: 'Draft', creditOver: null, submittedAt: null });
    expect(items.find((item: any) => item.documentId === r.approved.documentId)).toMatchObject({ status: 'Approved', creditOver: false, decidedAt: T.toISOString() });
  });

  test('filtered by status, and paged', async () => {
    const under = (await call('/requests?status=UnderReview')).body.data;
    expect(under.items.map((item: any) => item.documentId)).toEqual([r.over.documentId, r.waiting.documentId]);
    expect(under.pagination.total).toBe(2);
    const second = (await call('/requests?page=2&pageSize=4')).body.data;
    expect(second.items.map((item: any) => item.documentId)).toEqual([r.draft.documentId, r.old.documentId]);
    expect(second.pagination).toEqual({ page: 2, pageSize: 4, total: 6 });
    expect((await call('/requests?status=Submitted')).body.data).toEqual({ items: [], pagination: { page: 1, pageSize: 20, total: 0 } });
  });

  test('bad input is a 400 naming the problem, and writes nothing', async () => {
    const before = await fingerprint(strapi);
    for (const [path, message] of [
      ['/requests?status=Bogus', /status/],
      ['/requests?pageSize=101', /pageSize/],
      ['/requests?page=0', /page/],
      ['/requests?state=Draft', /state/],
      ['/requests?filters[$or]=x', /filters/],
      ['/overview?x=1', /x/],
      ['/requests/not-an-id!', /document id/],
      ['/certificates/CERT-1', /certificate number/],
      ['/reports/2026-13', /month/],
      ['/reports/2026-13/csv', /month/],
      [`/reports/${MONTH}?format=csv`, /format/],
    ] as const) {
      const response = await call(path);
      expect([path, response.status]).toEqual([path, 400]);
      expect(response.body.error.message).toMatch(message);
    }
    expect((await call('/requests/abcdefghij0123456789abcd')).status).toBe(404);
    expect((await call('/certificates/AUTH-2020-000999')).status).toBe(404);
    expect(await fingerprint(strapi)).toEqual(before);
  });
});

describe('a request and its certificate', () => {
  test('the request: lines, credit check, run steps, decisions and the certificate number', async () => {
    const response = await call(`/requests/${r.approved.documentId}`);
    expect(response.status).toBe(200);
    const request = response.body.data;
    expect(request).toMatchObject({ status: 'Approved', totalMinor: TOTAL, certificate: expect.stringMatching(/^AUTH-\d{4}-\d{6}$/) });
    expect(request.lines).toHaveLength(2);
    expect(request.creditCheck).toMatchObject({ requestMinor: TOTAL, limitMinor: 1_000_000, over: false });
    expect(request.run.steps.find((step: any) => step.id === 'credit-check')).toMatchObject({ state: 'done', branch: 'within', result: expect.any(String) });
    expect(request.decisions.map((d: any) => [d.role, d.outcome, d.by.name])).toEqual([
      ['compliance', 'approved', 'Cole Compliance'],
      ['finance-manager', 'approved', 'Fay Finance'],
      ['executive', 'approved', 'Eve Executive'],
    ]);
    r.certificate = request.certificate;
  });

  test('the certificate: its snapshot still matches its SHA-256', async () => {
    const response = await call(`/certificates/${r.certificate}`);
    expect(response.status).toBe(200);
    const certificate = response.body.data;
    expect(certificate).toMatchObject({ number: r.certificate, hashMatches: true, authorizedTotalMinor: TOTAL, currency: 'USD', request: { documentId: r.approved.documentId } });
    expect(certificate.recomputedSha256).toBe(certificate.snapshotSha256);
    expect(certificate.snapshotSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(certificate.lines.lines).toHaveLength(2);
    expect(certificate.decisions.map((d: any) => d.roleLabel)).toEqual(['Compliance', 'Finance Manager', 'Executive']);
  });
});

describe('the monthly summary', () => {
  test('as JSON, and as CSV with the same columns as the content API', async () => {
    const json = await call(`/reports/${MONTH}`);
    expect(json.status).toBe(200);
    expect(json.body.data).toMatchObject({ month: MONTH, approved: 1, rejected: 1 });

    const csv = await call(`/reports/${MONTH}/csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toBe(`attachment; filename="approvals-${MONTH}.csv"`);
    expect(csv.text.split('\n')).toEqual([
      'month,status,currency,count,total_minor,median_hours_to_decide',
      `${MONTH},Approved,USD,1,${TOTAL},10`,
      `${MONTH},Rejected,USD,1,${TOTAL},4`,
      '',
    ]);
    const jwt = await signIn(strapi, 'executive');
    const api = await http(strapi).get(`/api/repair-approvals/reports/monthly/${MONTH}?format=csv`).set('Authorization', `Bearer ${jwt}`);
    expect(api.status).toBe(200);
    expect(api.text).toBe(csv.text);

    const empty = await call('/reports/2020-01/csv');
    expect(empty.text).toBe('month,status,currency,count,total_minor,median_hours_to_decide\n');
  });
});
