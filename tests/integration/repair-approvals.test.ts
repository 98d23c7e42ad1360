import type { Core } from '@strapi/strapi';
import { fingerprint } from '../harness/database-state';
import { createCustomer } from '../harness/fixtures';
import { http, signIn, startStrapi, stopStrapi } from '../harness/strapi';

/**
 * The repair-estimate approval process over HTTP with real role JWTs: drafts, submission, the
 * parallel Compliance review and Finance audit, the executive's approval (with a new credit
 * limit), the certificate and its hash, the rejection paths, the over-limit path, separation of
 * duties, and every refusal leaving the database as it was.
 */
let strapi: Core.Strapi;
const RA = '/api/repair-approvals';
const WF = '/api/workflows';
const REQUEST_UID = 'plugin::repair-approvals.request';

interface Staff {
  jwt: string;
  id: string;
}
let manager: Staff;
let compliance: Staff;
let financeManager: Staff;
let executive: Staff;
let customerSuccess: Staff;

const bearer = (who: Staff) => ({ Authorization: `Bearer ${who.jwt}` });
const get = (who: Staff, url: string) => http(strapi).get(url).set(bearer(who));
const post = (who: Staff, url: string, body: unknown = {}) => http(strapi).post(url).set(bearer(who)).send(body as object);
const put = (who: Staff, url: string, body: unknown) => http(strapi).put(url).set(bearer(who)).send(body as object);

const staff = async (role: string): Promise<Staff> => {
  const jwt = await signIn(strapi, role);
  const me = await http(strapi).get('/api/users/me').set({ Authorization: `Bearer ${jwt}` });
  return { jwt, id: String(me.body.id) };
};

const moveTo = async (who: Staff, roleType: string) => {
  const role = await strapi.db.query('plugin::users-permissions.role').findOne({ where: { type: roleType } });
  await strapi.db.query('plugin::users-permissions.user').update({ where: { id: Number(who.id) }, data: { role: role.id } });
};

beforeAll(async () => {
  strapi = await startStrapi();
  manager = await staff('account-manager');
  compliance = await staff('compliance');
  financeManager = await staff('finance-manager');
  executive = await staff('executive');
  customerSuccess = await staff('customer-success');
  await strapi.db.query('plugin::users-permissions.user').update({ where: { id: Number(manager.id) }, data: { phone: '+15125550199' } });
});
afterAll(() => stopStrapi(strapi));

const LINES = [
  { kind: 'labor', description: 'Replace front brake pads', quantity: 1.5, unitPriceMinor: 12_000 },
  { kind: 'parts', description: 'Brake pads (set)', quantity: 1, unitPriceMinor: 8_999 },
  { kind: 'fee', description: 'Shop supplies', quantity: 1, unitPriceMinor: 1_500 },
];
// 18,000 + 8,999 + 1,500 = 28,499; tax 8.25 % = 2,351.17 -> 2,351; total 30,850.
const TOTAL = 30_850;

const customerWith = async (credit: { creditLimitMinor?: number; accountManager?: boolean } = {}): Promise<any> => {
  const customer = await createCustomer(strapi);
  return strapi.documents('api::customer.customer').update({
    documentId: customer.documentId,
    data: { currency: 'USD', creditLimitMinor: credit.creditLimitMinor ?? 1_000_000, ...(credit.accountManager === false ? {} : { accountManager: Number(manager.id) }) } as any,
  });
};

/** A draft by the account manager, submitted: its run waits at the two reviews. */
const submitted = async (credit?: Parameters<typeof customerWith>[0]) => {
  const customer = await customerWith(credit);
  const draft = await post(manager, `${RA}/requests`, { customer: customer.documentId, vehicle: '2019 Honda Civic', currency: 'usd', lines: LINES });
  expect(draft.status).toBe(201);
  const response = await post(manager, `${RA}/requests/${draft.body.data.documentId}/submit`);
  expect(response.status).toBe(201);
  return { customer, request: response.body.data };
};

const tasksOf = async (request: any) => {
  const rows = await strapi.db.query('plugin::workflows.task').findMany({ where: { run: { documentId: request.run.documentId } }, orderBy: { id: 'asc' } });
  return Object.fromEntries(rows.map((t: any) => [t.taskId ?? t.stepId, t]));
};
const complete = (who: Staff, task: any, body: Record<string, unknown>) => post(who, `${WF}/tasks/${task.documentId}/complete`, body);
const reread = async (request: any) => (await get(manager, `${RA}/requests/${request.documentId}`)).body.data;
const messagesOf = (run: string) => strapi.db.query('plugin::workflows.message').findMany({ where: { run }, orderBy: { id: 'asc' } });

const refusedUnchanged = async (send: () => PromiseLike<any>, status: number, message: RegExp) => {
  const before = await fingerprint(strapi);
  const response = await send();
  expect(response.status).toBe(status);
  expect(response.body.error.message).toMatch(message);
  expect(await fingerprint(strapi)).toEqual(before);
};

test('the four roles come from the definition, each with what its work needs', async () => {
  const actionsOf = async (type: string) => {
    const role = await strapi.db.query('plugin::users-permissions.role').findOne({ where: { type }, populate: ['permissions'] });
    return role.permissions.map((p: any) => p.action);
  };
  expect(await actionsOf('account-manager')).toEqual(expect.arrayContaining(['plugin::repair-approvals.requests.create', 'plugin::repair-approvals.requests.submit']));
  expect(await actionsOf('compliance')).not.toContain('plugin::repair-approvals.requests.create');
  expect(await actionsOf('compliance')).not.toContain('plugin::repair-approvals.reports.findOne');
  expect(await actionsOf('executive')).toContain('plugin::repair-approvals.reports.findOne');
});

test('drafts: priced exactly, editable with their earlier version kept, refused with a clear 400 on bad input', async () => {
  const customer = await customerWith();
  const created = await post(manager, `${RA}/requests`, { customer: customer.documentId, currency: 'USD', lines: LINES });
  expect(created.status).toBe(201);
  expect(created.body.data).toMatchObject({ status: 'Draft', number: expect.stringMatching(/^AR-\d{4}-\d{6}$/), subtotalMinor: 28_499, taxMinor: 2_351, totalMinor: TOTAL, taxRateBps: 825 });
  expect(created.body.data.lines[0]).toMatchObject({ quantityHundredths: 150, amountMinor: 18_000 });

  const id = created.body.data.documentId;
  const edited = await put(manager, `${RA}/requests/${id}`, { lines: [LINES[1]] });
  expect(edited.status).toBe(200);
  expect(edited.body.data).toMatchObject({ subtotalMinor: 8_999, taxMinor: 742, totalMinor: 9_741 });
  expect(await strapi.db.query('plugin::repair-approvals.draft').count({ where: { request: { documentId: id } } })).toBe(1);

  await refusedUnchanged(() => post(manager, `${RA}/requests`, { customer: customer.documentId, currency: 'USD', lines: [{ ...LINES[0], quantity: 1.255 }] }), 400, /two decimals/);
  await refusedUnchanged(() => post(manager, `${RA}/requests`, { customer: customer.documentId, currency: 'USD', lines: [] }), 400, /at least one line/);
  await refusedUnchanged(() => post(manager, `${RA}/requests`, { customer: customer.documentId, currency: 'XXY', lines: LINES }), 400, /currency/);
  await refusedUnchanged(() => post(manager, `${RA}/requests`, { customer: 'abcdefghijklmnopqrstuvwx', currency: 'USD', lines: LINES }), 400, /No customer/);
  await refusedUnchanged(() => post(manager, `${RA}/requests`, { customer: customer.documentId, currency: 'USD', lines: LINES, state: 'Approved' }), 400, /state/);
  await refusedUnchanged(() => post(customerSuccess, `${RA}/requests`, { customer: customer.documentId, currency: 'USD', lines: LINES }), 403, /Forbidden/);
  await refusedUnchanged(() => post(manager, `${RA}/requests`, { customer: customer.documentId, currency: 'USD', lines: [{ ...LINES[0], unitPriceMinor: 2_000_000_000, quantity: 2 }] }), 400, /cannot be priced: Amount must be at most/);
});

test('the approval path: reviews in parallel, the executive sets a new limit, the certificate, the customer told, the manager texted', async () => {
  const { customer, request } = await submitted();
  expect(request).toMatchObject({ status: 'UnderReview', totalMinor: TOTAL, run: { state: 'waiting', currentStep: 'reviews' } });
  expect(request.creditCheck).toMatchObject({ currency: 'USD', unpaidInvoicesMinor: 0, requestMinor: TOTAL, exposureMinor: TOTAL, limitMinor: 1_000_000, over: false });
  const reviewerMails = await messagesOf(request.run.documentId);
  expect(reviewerMails.map((m: any) => m.channel)).toEqual(['email', 'email']);

  // Submitted: the lines are frozen.
  await refusedUnchanged(() => put(manager, `${RA}/requests/${request.documentId}`, { lines: [LINES[0]] }), 409, /frozen/);

  const tasks = await tasksOf(request);
  expect(tasks.compliance).toMatchObject({ role: 'compliance', state: 'open' });
  expect(tasks.finance).toMatchObject({ role: 'finance-manager', state: 'open' });
  // Each review is for its own role only.
  await refusedUnchanged(() => complete(financeManager, tasks.compliance, { outcome: 'approved' }), 403, /compliance role/);

  expect((await complete(compliance, tasks.compliance, { outcome: 'approved', note: 'warranty terms fine' })).status).toBe(200);
  const audited = await complete(financeManager, tasks.finance, { outcome: 'approved' });
  expect(audited.status).toBe(200);
  expect(audited.body.data).toMatchObject({ state: 'waiting', currentStep: 'executive-approval' });
  const approval = (await tasksOf(request))['executive-approval'];

  await refusedUnchanged(() => complete(executive, approval, { outcome: 'approved', data: { creditLimitMinor: -5 } }), 400, /creditLimitMinor must not be negative, got -5/);
  await refusedUnchanged(() => complete(executive, approval, { outcome: 'approved', data: { creditLimitMinor: 1e12 } }), 400, /creditLimitMinor must be at most 2147483647 minor units, got 1000000000000/);
  const approved = await complete(executive, approval, { outcome: 'approved', note: 'go ahead', data: { creditLimitMinor: 2_500_000 } });
  expect(approved.status).toBe(200);
  expect(approved.body.data).toMatchObject({ state: 'completed', outcome: 'accepted' });
  expect(approved.body.data.steps.filter((s: any) => s.state === 'skipped').map((s: any) => s.id)).toEqual(['mark-rejected', 'rejection-email']);

  const after = await reread(request);
  expect(after).toMatchObject({ status: 'Approved', certificate: expect.stringMatching(/^AUTH-\d{4}-\d{6}$/) });
  expect(after.decisions.map((d: any) => [d.role, d.outcome])).toEqual([
    ['compliance', 'approved'],
    ['finance-manager', 'approved'],
    ['executive', 'approved'],
  ]);
  const certificate = await get(executive, `${RA}/certificates/${after.certificate}`);
  expect(certificate.status).toBe(200);
  expect(certificate.body.data).toMatchObject({ authorizedTotalMinor: TOTAL, currency: 'USD', hashMatches: true, request: { documentId: request.documentId } });
  expect(certificate.body.data.decisions.map((d: any) => d.roleLabel)).toEqual(['Compliance', 'Finance Manager', 'Executive']);

  const stored = await strapi.documents('api::customer.customer').findOne({ documentId: customer.documentId });
  expect(stored).toMatchObject({ creditLimitMinor: 2_500_000, committedCreditMinor: TOTAL });
  const messages = await messagesOf(request.run.documentId);
  expect(messages.map((m: any) => [m.channel, m.priority])).toEqual([
    ['email', 'normal'],
    ['email', 'normal'],
    ['email', 'normal'],
    ['sms', 'high'],
  ]);
  expect(messages[3]).toMatchObject({ to: '+15125550199', text: expect.stringMatching(/^HIGH PRIORITY/) });
  expect(await strapi.db.query('plugin::repair-approvals.draft').count({ where: { request: { documentId: request.documentId } } })).toBe(0);
  const creditAudit = await strapi.db.query('api::audit-log.audit-log').findMany({ where: { entityDocumentId: customer.documentId } });
  expect(creditAudit.some((entry: any) => entry.changes?.creditLimitMinor?.after === 2_500_000)).toBe(true);

  // The certificate is immutable; a snapshot changed behind its back no longer matches its hash.
  await expect(strapi.documents('plugin::repair-approvals.certificate' as any).update({ documentId: (await strapi.db.query('plugin::repair-approvals.certificate').findOne({ where: { number: after.certificate } })).documentId, data: { authorizedTotalMinor: 1 } as any })).rejects.toThrow();
  await strapi.db.connection('authorization_certificates').where({ number: after.certificate }).update({ lines_snapshot: JSON.stringify({ tampered: true }) });
  expect((await get(executive, `${RA}/certificates/${after.certificate}`)).body.data.hashMatches).toBe(false);
});

test('Compliance rejects while the Finance audit approved: Rejected, the rejection email, no executive task', async () => {
  const { request } = await submitted();
  const tasks = await tasksOf(request);
  expect((await complete(financeManager, tasks.finance, { outcome: 'approved' })).status).toBe(200);
  await refusedUnchanged(() => complete(compliance, tasks.compliance, { outcome: 'rejected' }), 400, /note/);
  const rejected = await complete(compliance, tasks.compliance, { outcome: 'rejected', note: 'uncertified parts supplier' });
  expect(rejected.body.data).toMatchObject({ state: 'completed', outcome: 'rejected' });
  const after = await reread(request);
  expect(after).toMatchObject({ status: 'Rejected', certificate: null });
  expect((await tasksOf(request))['executive-approval']).toBeUndefined();
  const mails = await messagesOf(request.run.documentId);
  expect(mails[mails.length - 1]).toMatchObject({ channel: 'email', subject: expect.stringMatching(/was not authorized/), text: expect.stringMatching(/uncertified parts supplier/) });
});

test('the Finance audit rejects first: the Compliance review is closed', async () => {
  const { request } = await submitted();
  const tasks = await tasksOf(request);
  expect((await complete(financeManager, tasks.finance, { outcome: 'rejected', note: 'customer owes too much' })).status).toBe(200);
  expect((await tasksOf(request)).compliance.state).toBe('cancelled');
  expect((await reread(request)).status).toBe('Rejected');
  await refusedUnchanged(() => complete(compliance, tasks.compliance, { outcome: 'approved' }), 409, /already cancelled/);
});

test('the executive rejects: Rejected, no certificate, no credit committed', async () => {
  const { customer, request } = await submitted();
  const tasks = await tasksOf(request);
  await complete(compliance, tasks.compliance, { outcome: 'approved' });
  await complete(financeManager, tasks.finance, { outcome: 'approved' });
  const approval = (await tasksOf(request))['executive-approval'];
  await refusedUnchanged(() => complete(executive, approval, { outcome: 'rejected', note: 'no', data: { creditLimitMinor: 5 } }), 400, /with an approval only/);
  expect((await complete(executive, approval, { outcome: 'rejected', note: 'not this quarter' })).body.data).toMatchObject({ outcome: 'rejected' });
  expect((await reread(request)).status).toBe('Rejected');
  expect(await strapi.documents('api::customer.customer').findOne({ documentId: customer.documentId })).toMatchObject({ committedCreditMinor: 0 });
});

test('a customer with no currency yet: the approval keeps their credit in the request\'s currency, and says so', async () => {
  const customer = await customerWith();
  // A row from before customers had a currency (the guards refuse to clear one).
  await strapi.db.connection('customers').where({ document_id: customer.documentId }).update({ currency: null });
  const draft = await post(manager, `${RA}/requests`, { customer: customer.documentId, vehicle: '2019 Honda Civic', currency: 'usd', lines: LINES });
  const request = (await post(manager, `${RA}/requests/${draft.body.data.documentId}/submit`)).body.data;
  const tasks = await tasksOf(request);
  await complete(compliance, tasks.compliance, { outcome: 'approved' });
  await complete(financeManager, tasks.finance, { outcome: 'approved' });
  const approved = await complete(executive, (await tasksOf(request))['executive-approval'], { outcome: 'approved', data: { creditLimitMinor: 100_000 } });
  expect(approved.body.data).toMatchObject({ state: 'completed', outcome: 'accepted' });
  expect(await strapi.db.query('api::customer.customer').findOne({ where: { documentId: customer.documentId } })).toMatchObject({ currency: 'USD', creditLimitMinor: 100_000, committedCreditMinor: TOTAL });
  const credit = approved.body.data.steps.find((s: any) => s.id === 'update-credit');
  expect(credit.result).toBe('USD 308.50 committed (now USD 308.50); limit set to USD 1,000.00 by the executive');
});

test('a run a person cancels before the decision ends its request Rejected, its review tasks closed, not counted in the summary', async () => {
  const { request } = await submitted();
  const cancelled = await strapi.plugin('workflows').service('runner').cancel(request.run.documentId, 'the customer took the car elsewhere', { type: 'user', id: '1', name: 'lead' });
  expect(cancelled).toMatchObject({ state: 'cancelled' });
  const stored = await strapi.db.query('plugin::repair-approvals.request').findOne({ where: { documentId: request.documentId } });
  expect(stored).toMatchObject({ state: 'Rejected', summaryMonth: null });
  expect(stored.decidedAt).not.toBeNull();
  expect(Object.values(await tasksOf(request)).map((t: any) => t.state)).toEqual(['cancelled', 'cancelled']);
  const entry = await strapi.db.query('api::audit-log.audit-log').findOne({ where: { entityDocumentId: request.run.documentId, action: 'run.step-cancelled' } });
  expect(entry.summary).toMatch(/the customer took the car elsewhere; request AR-\d{4}-\d{6} Rejected \(withdrawn\)/);
});

test('over the credit limit: the check says so and does not reject; the Finance audit decides', async () => {
  const customer = await customerWith({ creditLimitMinor: 40_000, accountManager: false });
  await strapi.documents('api::invoice.invoice').create({
    data: { number: `INV-2026-9${Date.now() % 100000}`, customer: customer.documentId, kind: 'new', state: 'Open', currency: 'USD', lines: [{ kind: 'base', code: 'x', description: 'Old work', amountMinor: 20_000, taxRateBps: 0 }], subtotalMinor: 20_000, taxMinor: 0, totalMinor: 20_000, issuedAt: new Date(), dueDate: '2026-01-01' } as any,
  });
  const draft = await post(manager, `${RA}/requests`, { customer: customer.documentId, currency: 'USD', lines: LINES });
  const request = (await post(manager, `${RA}/requests/${draft.body.data.documentId}/submit`)).body.data;
  expect(request.creditCheck).toMatchObject({ unpaidInvoicesMinor: 20_000, unpaidInvoices: 1, exposureMinor: 20_000 + TOTAL, limitMinor: 40_000, over: true });
  expect(request.run.steps.find((s: any) => s.id === 'credit-check')).toMatchObject({ state: 'done', branch: 'over' });
  const tasks = await tasksOf(request);
  await complete(compliance, tasks.compliance, { outcome: 'approved' });
  await complete(financeManager, tasks.finance, { outcome: 'approved', note: 'over the limit, long-standing customer' });
  const approved = await complete(executive, (await tasksOf(request))['executive-approval'], { outcome: 'approved' });
  expect(approved.body.data).toMatchObject({ outcome: 'accepted' });
  // No account manager: the SMS is skipped, saying why.
  expect(approved.body.data.steps.find((s: any) => s.id === 'sms-account-manager')).toMatchObject({ state: 'skipped', result: 'Skipped: the customer has no account manager' });
});

test('separation of duties: the requester never reviews, nobody does both reviews', async () => {
  const requester = await staff('account-manager');
  const customer = await customerWith();
  const draft = await post(requester, `${RA}/requests`, { customer: customer.documentId, currency: 'USD', lines: LINES });
  const request = (await post(requester, `${RA}/requests/${draft.body.data.documentId}/submit`)).body.data;
  const tasks = await tasksOf(request);
  // The requester moves to Compliance: still not on their own request.
  await moveTo(requester, 'compliance');
  await refusedUnchanged(() => complete(requester, tasks.compliance, { outcome: 'approved' }), 403, /Separation of duties/);
  // A reviewer who completed one review, moved to the other role, may not complete the other.
  const reviewer = await staff('compliance');
  expect((await complete(reviewer, tasks.compliance, { outcome: 'approved' })).status).toBe(200);
  await moveTo(reviewer, 'finance-manager');
  await refusedUnchanged(() => complete(reviewer, tasks.finance, { outcome: 'approved' }), 403, /another person/);
});

test('both reviews approved at the same instant: exactly one executive task', async () => {
  const { request } = await submitted();
  const tasks = await tasksOf(request);
  const [a, b] = await Promise.all([complete(compliance, tasks.compliance, { outcome: 'approved' }), complete(financeManager, tasks.finance, { outcome: 'approved' })]);
  expect([a.status, b.status]).toEqual([200, 200]);
  const all = await strapi.db.query('plugin::workflows.task').findMany({ where: { run: { documentId: request.run.documentId }, stepId: 'executive-approval' } });
  expect(all).toHaveLength(1);
});

test('the monthly summary, JSON and CSV, for the Finance Manager and the Executive only', async () => {
  const month = new Date().toISOString().slice(0, 7);
  const json = await get(financeManager, `${RA}/reports/monthly/${month}`);
  expect(json.status).toBe(200);
  expect(json.body.data.approved).toBeGreaterThanOrEqual(2);
  expect(json.body.data.rejected).toBeGreaterThanOrEqual(3);
  const approvedUsd = json.body.data.lines.find((l: any) => l.status === 'Approved' && l.currency === 'USD');
  expect(approvedUsd.totalMinor).toBe(approvedUsd.count * TOTAL);
  const csv = await get(executive, `${RA}/reports/monthly/${month}?format=csv`);
  expect(csv.status).toBe(200);
  expect(csv.headers['content-type']).toMatch(/text\/csv/);
  expect(csv.text.split('\n')[0]).toBe('month,status,currency,count,total_minor,median_hours_to_decide');
  await refusedUnchanged(() => get(compliance, `${RA}/reports/monthly/${month}`), 403, /Forbidden/);
  await refusedUnchanged(() => get(executive, `${RA}/reports/monthly/2026-13`), 400, /month/);
});

test('abandoned drafts are removed after draftRetentionDays, once, and audited', async () => {
  const customer = await customerWith();
  const draft = (await post(manager, `${RA}/requests`, { customer: customer.documentId, currency: 'USD', lines: LINES })).body.data;
  await strapi.db.connection('approval_requests').where({ document_id: draft.documentId }).update({ updated_at: new Date(Date.now() - 40 * 86_400_000) });
  const service = strapi.plugin('repair-approvals').service('requests');
  const first = await service.cleanUpDrafts();
  expect(first.removedDrafts).toBe(1);
  expect(await strapi.db.query(REQUEST_UID).findOne({ where: { documentId: draft.documentId } })).toBeNull();
  expect((await service.cleanUpDrafts()).removedDrafts).toBe(0);
  expect(await strapi.db.query('api::audit-log.audit-log').count({ where: { action: 'approval-request.draft-removed', entityDocumentId: draft.documentId } })).toBe(1);
});
