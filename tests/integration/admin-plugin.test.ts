import type { Core } from '@strapi/strapi';
import { http, signInAdmin, snapshot, startStrapi, stopStrapi } from '../harness/strapi';
import { createActivePlan, createCustomer, createOpenInvoice, createPlan, createServicePlan, recordPayment } from '../harness/fixtures';

/**
 * The plugin's admin API: every route refuses an admin without its action (403) and serves one
 * holding it; the Finance and Customer Success admin roles exist with the right actions; and a
 * renewal goes from "start" to the quality check through the admin routes alone.
 */
let strapi: Core.Strapi;
const base = '/plan-renewals';
const A = {
  dashboard: 'plugin::plan-renewals.dashboard.read',
  readRuns: 'plugin::plan-renewals.runs.read',
  manageRuns: 'plugin::plan-renewals.runs.manage',
  finance: 'plugin::plan-renewals.tasks.finance',
  customerSuccess: 'plugin::plan-renewals.tasks.customer-success',
  reassign: 'plugin::plan-renewals.tasks.reassign',
  reports: 'plugin::plan-renewals.reports.read',
  settings: 'plugin::plan-renewals.settings.read',
};
const ALL = Object.values(A);

/** An admin user holding a new role with exactly `actions` (or an existing role), signed in over HTTP; returns the JWT. */
const adminWith = async (actions: string[] | { roleCode: string }): Promise<string> => (await signInAdmin(strapi, actions)).token;

const call = (token: string, method: string, path: string, body?: unknown) => {
  const request = (http(strapi) as any)[method.toLowerCase()](`${base}${path}`).set('Authorization', `Bearer ${token}`);
  return body === undefined ? request : request.send(body);
};

beforeAll(async () => {
  strapi = await startStrapi();
});
afterAll(() => stopStrapi(strapi));

describe('admin roles', () => {
  test('Finance and Customer Success admin roles exist with the plugin actions of their job', async () => {
    const actionsOf = async (code: string) => {
      const role = await strapi.db.query('admin::role').findOne({ where: { code } });
      const permissions = await strapi.db.query('admin::permission').findMany({ where: { role: { id: role.id } } });
      return [role.name, permissions.map((p: any) => p.action).filter((a: string) => a.startsWith('plugin::plan-renewals.')).sort()];
    };
    expect(await actionsOf('plan-renewals-finance')).toEqual(['Finance', [A.dashboard, A.readRuns, A.manageRuns, A.reports, A.settings, A.finance].sort()]);
    expect(await actionsOf('plan-renewals-customer-success')).toEqual(['Customer Success', [A.dashboard, A.readRuns, A.manageRuns, A.customerSuccess].sort()]);
  });
});

describe('every admin route needs its action', () => {
  const month = '2026-01';
  const fake = 'abcdefghij0123456789abcd';
  // [method, path, body, the actions that open it (any one of them)]
  const ROUTES: [string, string, unknown, string[]][] = [
    ['GET', '/overview', undefined, [A.dashboard]],
    ['GET', '/runs', undefined, [A.readRuns]],
    ['GET', `/runs/${fake}`, undefined, [A.readRuns]],
    ['POST', `/runs/${fake}/retry`, {}, [A.manageRuns]],
    ['POST', `/runs/${fake}/cancel`, { reason: 'test' }, [A.manageRuns]],
    ['GET', `/service-plans/${fake}`, undefined, [A.readRuns]],
    ['POST', `/service-plans/${fake}/renewals`, {}, [A.manageRuns]],
    ['GET', '/tasks', undefined, [A.finance, A.customerSuccess]],
    ['POST', `/tasks/${fake}/claim`, {}, [A.finance, A.customerSuccess]],
    ['POST', `/tasks/${fake}/unclaim`, {}, [A.finance, A.customerSuccess]],
    ['POST', `/tasks/${fake}/complete`, { outcome: 'approved' }, [A.finance, A.customerSuccess]],
    ['POST', `/tasks/${fake}/reassign`, { user: fake }, [A.reassign]],
    ['POST', `/invoices/${fake}/manual-payments`, { amountMinor: 100, currency: 'USD', reference: 'R-1' }, [A.finance]],
    ['GET', '/reports', undefined, [A.reports]],
    ['GET', `/reports/${month}`, undefined, [A.reports]],
    ['GET', '/settings', undefined, [A.settings]],
  ];
  const tokens = new Map<string, string>();
  beforeAll(async () => {
    for (const action of ALL) {
      tokens.set(`only:${action}`, await adminWith([action]));
      tokens.set(`all-but:${action}`, await adminWith(ALL.filter((a) => a !== action)));
    }
    tokens.set('none', await adminWith([]));
  });

  test('the list covers every admin route the plugin registers', () => {
    const registered = (strapi.plugin('plan-renewals').routes as any).admin.routes.map((r: any) => `${r.method} ${r.path}`).sort();
    const listed = ROUTES.map(([method, path]) => `${method} ${path.replace(fake, ':documentId').replace(month, ':month')}`).sort();
    expect(listed).toEqual(registered);
  });

  test.each(ROUTES)('%s %s', async (method, path, body, opening) => {
    const before = await snapshot(strapi);
    // Without any of its actions: 403, nothing written.
    const withoutAll = await adminWith(ALL.filter((a) => !opening.includes(a)));
    for (const token of [tokens.get('none')!, withoutAll]) {
      const refused = await call(token, method, path, body);
      expect(refused.status).toBe(403);
    }
    expect(await snapshot(strapi)).toEqual(before);
    // With one of them: past the permission check (a 404 for the made-up id, or an answer).
    for (const action of opening) {
      const allowed = await call(tokens.get(`only:${action}`)!, method, path, body);
      expect([401, 403]).not.toContain(allowed.status);
      expect(allowed.status).toBeLessThan(500);
    }
    // Anonymous: 401.
    const anonymous = await (http(strapi) as any)[method.toLowerCase()](`${base}${path}`);
    expect(anonymous.status).toBe(401);
  });
});

describe('a renewal through the admin routes', () => {
  let finance: string;
  let customerSuccess: string;
  beforeAll(async () => {
    finance = await adminWith({ roleCode: 'plan-renewals-finance' });
    customerSuccess = await adminWith({ roleCode: 'plan-renewals-customer-success' });
  });

  test('start, claim, record the payment, approve; the run advances to the quality check', async () => {
    const { servicePlan } = await createActivePlan(strapi, 10);
    const view = await call(customerSuccess, 'GET', `/service-plans/${servicePlan.documentId}`, undefined);
    expect(view.body.data.renewal).toMatchObject({ mayStart: true, openRun: null, leadDays: 14 });
    const started = await call(customerSuccess, 'POST', `/service-plans/${servicePlan.documentId}/renewals`, {});
    expect(started.status).toBe(201);
    const run = started.body.data;
    expect(run.coverage.renewal).toMatchObject({ mayStart: false, openRun: run.documentId });
    expect(run.coverage.paidThrough).toBe(view.body.data.paidThrough);
    expect([run.kind, run.state, run.currentStep]).toEqual(['renewal', 'waiting', 'verify-payment']);
    expect(run.steps.slice(0, 4).map((s: any) => s.state)).toEqual(['done', 'done', 'done', 'done']);
    expect(run.steps[0].actor).toMatchObject({ type: 'admin' });

    const again = await call(finance, 'POST', `/service-plans/${servicePlan.documentId}/renewals`, {});
    expect([again.status, again.body.error.details.run]).toEqual([409, run.documentId]);

    // Each admin sees the tasks of their own role only.
    const inbox = await call(finance, 'GET', '/tasks');
    const task = inbox.body.data.find((t: any) => t.run?.documentId === run.documentId);
    expect(task).toMatchObject({ type: 'verify-payment', role: 'finance', overdue: false, invoice: { number: run.invoice.number } });
    expect(inbox.body.meta.roles).toEqual(['finance']);
    const other = await call(customerSuccess, 'GET', '/tasks');
    expect(other.body.data.find((t: any) => t.documentId === task.documentId)).toBeUndefined();

    const before = await snapshot(strapi);
    const wrongRole = await call(customerSuccess, 'POST', `/tasks/${task.documentId}/complete`, { outcome: 'approved' });
    expect(wrongRole.status).toBe(403);
    const unpaid = await call(finance, 'POST', `/tasks/${task.documentId}/complete`, { outcome: 'approved' });
    expect([unpaid.status, unpaid.body.error.message]).toEqual([400, expect.stringMatching('record the payment before approving')]);
    expect(await snapshot(strapi)).toEqual(before);

    const claimed = await call(finance, 'POST', `/tasks/${task.documentId}/claim`, {});
    expect(claimed.status).toBe(200);
    expect(claimed.body.data.claimedBy).toMatchObject({ type: 'admin', name: expect.stringContaining('Finance') });
    const otherFinance = await adminWith({ roleCode: 'plan-renewals-finance' });
    const taken = await call(otherFinance, 'POST', `/tasks/${task.documentId}/claim`, {});
    expect([taken.status, taken.body.error.message]).toEqual([409, expect.stringMatching('already claimed by Test Finance')]);

    const paid = await call(finance, 'POST', `/invoices/${run.invoice.documentId}/manual-payments`, {
      amountMinor: run.invoice.totalMinor,
      currency: run.invoice.currency,
      reference: `DESK-${run.invoice.number}`,
    });
    expect(paid.status).toBe(201);
    const done = await call(finance, 'POST', `/tasks/${task.documentId}/complete`, { outcome: 'approved', note: 'counter payment seen' });
    expect(done.status).toBe(200);
    const after = done.body.data.run;
    expect([after.state, after.currentStep]).toEqual(['waiting', 'quality-check']);
    expect(after.steps.find((s: any) => s.id === 'verify-payment')).toMatchObject({ state: 'done', actor: { type: 'admin' }, result: 'approved: counter payment seen' });

    const detail = await call(finance, 'GET', `/runs/${run.documentId}`);
    expect(detail.body.data.invoice).toMatchObject({ state: 'Paid', link: `/content-manager/collection-types/api::invoice.invoice/${run.invoice.documentId}` });
    expect(detail.body.data.transactions).toEqual([expect.objectContaining({ state: 'Success', providerReference: `DESK-${run.invoice.number}` })]);
    expect(detail.body.data.tasks.map((t: any) => [t.type, t.state])).toEqual([
      ['verify-payment', 'completed'],
      ['quality-check', 'open'],
    ]);
    expect(detail.body.data.audit.map((e: any) => e.action)).toEqual(expect.arrayContaining(['run.step-done', 'invoice.status-changed']));

    const listed = await call(finance, 'GET', `/runs?kind=renewal&state=waiting&servicePlan=${servicePlan.documentId}`);
    expect(listed.body.data.items.map((r: any) => r.documentId)).toEqual([run.documentId]);
    expect(listed.body.data.items[0]).toMatchObject({ currentStepTitle: 'Post-activation quality check', stepsDone: 10, stepCount: 13 });

    const overview = await call(finance, 'GET', '/overview');
    expect(overview.status).toBe(200);
    expect(overview.body.data.thisMonth.renewal).toBeGreaterThanOrEqual(1);
    expect(overview.body.data.tasks.find((t: any) => t.role === 'customer-success').open).toBeGreaterThanOrEqual(1);
    expect(overview.body.data.mrrHistory).toHaveLength(12);
  });

  test('cancel voids the open invoice and puts the plan back; a closed run cannot be cancelled', async () => {
    const { servicePlan } = await createActivePlan(strapi, 10);
    const started = await call(finance, 'POST', `/service-plans/${servicePlan.documentId}/renewals`, {});
    const runId = started.body.data.documentId;
    const noReason = await call(finance, 'POST', `/runs/${runId}/cancel`, {});
    expect(noReason.status).toBe(400);
    const cancelled = await call(finance, 'POST', `/runs/${runId}/cancel`, { reason: 'customer sold the car' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.data).toMatchObject({ state: 'cancelled', invoice: { state: 'Void' }, servicePlan: { state: 'Active' } });
    expect(cancelled.body.data.tasks.map((t: any) => t.state)).toEqual(['cancelled']);
    const twice = await call(finance, 'POST', `/runs/${runId}/cancel`, { reason: 'again' });
    expect([twice.status, twice.body.error.message]).toEqual([409, expect.stringMatching('only an open run can be cancelled')]);
  });

  test('a failed step is retried once its cause is fixed; a rejected payment is not', async () => {
    const plan = await createPlan(strapi);
    const { servicePlan } = await createActivePlan(strapi, 10, { plan });
    await strapi.db.query('api::plan.plan').update({ where: { id: plan.id }, data: { active: false } });
    const started = await call(customerSuccess, 'POST', `/service-plans/${servicePlan.documentId}/renewals`, {});
    expect([started.body.data.state, started.body.data.currentStep]).toEqual(['failed', 'retrieve-subscription']);
    const stillRetired = await call(customerSuccess, 'POST', `/runs/${started.body.data.documentId}/retry`, {});
    expect(stillRetired.body.data.state).toBe('failed');
    await strapi.db.query('api::plan.plan').update({ where: { id: plan.id }, data: { active: true } });
    const retried = await call(customerSuccess, 'POST', `/runs/${started.body.data.documentId}/retry`, {});
    expect(retried.status).toBe(200);
    expect([retried.body.data.state, retried.body.data.currentStep]).toEqual(['waiting', 'verify-payment']);
    expect(retried.body.data.audit.map((e: any) => e.summary)).toEqual(
      expect.arrayContaining([expect.stringContaining('"Retrieve customer subscription details" retried')]),
    );

    const [task] = (await call(finance, 'GET', '/tasks')).body.data.filter((t: any) => t.run?.documentId === started.body.data.documentId);
    await call(finance, 'POST', `/tasks/${task.documentId}/complete`, { outcome: 'rejected', note: 'card stolen' });
    const refused = await call(finance, 'POST', `/runs/${started.body.data.documentId}/retry`, {});
    // A rejection completes the run (outcome `rejected`): there is nothing to retry, a new run is the way.
    expect([refused.status, refused.body.error.message]).toEqual([409, `Run ${started.body.data.documentId} is completed: it has no failed step to retry`]);
  });

  test('the run list filters by catalog plan and by a part of the customer name, wildcards taken literally', async () => {
    const plan = await createPlan(strapi);
    const percent = await createCustomer(strapi, { name: 'Ana 100% Detailing' });
    const other = await createCustomer(strapi, { name: 'Ana 100 Motors' });
    const runs: Record<string, string> = {};
    for (const [name, customer] of [['percent', percent], ['other', other]] as const) {
      const { servicePlan } = await createActivePlan(strapi, 10, { plan, customer });
      runs[name] = (await call(finance, 'POST', `/service-plans/${servicePlan.documentId}/renewals`, {})).body.data.documentId;
    }
    const ids = async (query: string) => (await call(finance, 'GET', `/runs?${query}`)).body.data.items.map((r: any) => r.documentId).sort();
    expect(await ids(`plan=${plan.code}`)).toEqual([runs.percent, runs.other].sort());
    expect(await ids(`plan=${plan.code}&customer=${encodeURIComponent('100%')}`)).toEqual([runs.percent]);
    expect(await ids(`plan=${plan.code}&customer=${encodeURIComponent('ana 100_')}`)).toEqual([]);
    expect(await ids(`plan=${plan.code}&customer=MOTORS&kind=renewal`)).toEqual([runs.other]);
    expect(await ids(`plan=${plan.code}&kind=new`)).toEqual([]);
    expect((await call(finance, 'GET', `/runs?plan=${plan.code}&pageSize=1`)).body.data.pagination).toMatchObject({ total: 2, pageSize: 1 });
  });

  test('settings say whether Stripe and SendGrid are configured without showing a secret', async () => {
    const response = await call(finance, 'GET', '/settings');
    expect(response.status).toBe(200);
    expect(response.body.data.jobs.schedules.map((s: any) => s.name)).toContain('renewals-due');
    const text = JSON.stringify(response.body);
    for (const name of ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'SENDGRID_API_KEY', 'ADMIN_JWT_SECRET', 'JWT_SECRET']) {
      for (const value of (process.env[name] ?? '').split(',').filter((v) => v.length > 6)) expect(text).not.toContain(value);
    }
  });

  test('plugin records are not editable in the content manager', async () => {
    const { servicePlan } = await createActivePlan(strapi, 10);
    const started = await call(finance, 'POST', `/service-plans/${servicePlan.documentId}/renewals`, {});
    const superAdmin = await adminWith({ roleCode: 'strapi-super-admin' });
    const before = await snapshot(strapi);
    const edit = await http(strapi)
      .put(`/content-manager/collection-types/plugin::workflows.run/${started.body.data.documentId}`)
      .set('Authorization', `Bearer ${superAdmin}`)
      .send({ state: 'completed' });
    expect(edit.status).toBeGreaterThanOrEqual(400);
    expect(await snapshot(strapi)).toEqual(before);
  });
});

describe('the overview', () => {
  const SP = 'api::service-plan.service-plan';
  const mrr = () => strapi.plugin('plan-renewals').service('mrr');
  // Far from the other tests' plans (paid around today): only this test's plans count then.
  const now = new Date('2031-04-15T12:00:00.000Z');

  /** A service plan of `plan` for `customer`, paid (at the counter) for the whole of 2031. */
  const paidPlan = async (customer: any, plan: any) => {
    const { servicePlan } = await createServicePlan(strapi, { customer, plan });
    await strapi.db.query(SP).update({ where: { id: servicePlan.id }, data: { state: 'Processing' } });
    const full: any = await strapi.documents(SP).findOne({ documentId: servicePlan.documentId, populate: { plan: { populate: ['addOns'] }, customer: true } });
    const period = { start: '2031-01-01', end: '2032-01-01' };
    const invoice: any = await strapi.service('api::invoice.invoice').issue({ customer: full.customer, servicePlan: full, plan: full.plan, kind: 'new', period, issuedOn: period.start });
    await strapi.documents('api::transaction.transaction').create({
      data: { invoice: invoice.documentId, amountMinor: invoice.totalMinor, currency: invoice.currency, state: 'Success', provider: 'manual', providerReference: `DESK-${invoice.number}`, occurredAt: '2031-01-01T10:00:00.000Z' } as any,
    });
    await strapi.documents('api::invoice.invoice').update({ documentId: invoice.documentId, data: { state: 'Paid', paidAt: '2031-01-01T10:00:00.000Z' } as any });
    await strapi.db.query(SP).update({
      where: { id: servicePlan.id },
      data: { state: 'Active', startDate: period.start, endDate: period.end, currentPeriodStart: period.start, currentPeriodEnd: period.end, recurringMinor: plan.priceMinor },
    });
    return servicePlan;
  };
  const cancel = (servicePlan: any) => strapi.db.query(SP).update({ where: { id: servicePlan.id }, data: { state: 'Cancelled' } });

  test('MRR movements, churn rate and ARPA per currency reconcile to the change in MRR each month', async () => {
    const finance = await adminWith({ roleCode: 'plan-renewals-finance' });
    const annual = await createPlan(strapi, { priceMinor: 60000, termMonths: 12, addOns: [] }); // USD 50.00 a month
    const monthly = await createPlan(strapi, { priceMinor: 4999, termMonths: 1, addOns: [] }); // USD 49.99
    const euro = await createPlan(strapi, { priceMinor: 36000, currency: 'EUR', termMonths: 12, addOns: [] }); // EUR 30.00
    const [c1, c2, c3, c4, c5] = await Promise.all(Array.from({ length: 5 }, () => createCustomer(strapi)));

    // January: c1 annual, c2 monthly (USD 99.99, 2 customers); c3 in euros (EUR 30.00).
    await paidPlan(c1, annual);
    const c2plan = await paidPlan(c2, monthly);
    const c3plan = await paidPlan(c3, euro);
    await mrr().close('2031-01', now);
    // February: c1 adds a monthly plan (expansion), c2 cancels (churn), c4 arrives (new).
    await paidPlan(c1, monthly);
    await cancel(c2plan);
    await paidPlan(c4, monthly);
    await mrr().close('2031-02', now);
    // March: c2 is back (reactivation); c3 leaves the euro plan (churn, no euro MRR left).
    await paidPlan(c2, monthly);
    await cancel(c3plan);
    await mrr().close('2031-03', now);
    // April, the current month: c5 arrives (new).
    await paidPlan(c5, annual);
    await mrr().refresh('2031-04', now);

    const overview = await strapi.plugin('plan-renewals').service('panel').overview(now);
    const month = (m: string) => overview.mrrHistory.find((p: any) => p.month === m);
    expect(['2031-01', '2031-02', '2031-03', '2031-04'].map((m) => [month(m).USD, month(m).EUR])).toEqual([
      [9999, 3000],
      [14998, 3000],
      [19997, 0], // no euro MRR left: zero, not a gap
      [24997, 0],
    ]);
    const moved = (m: string, currency: string) => overview.movements.find((x: any) => x.month === m && x.currency === currency);
    expect(moved('2031-02', 'USD')).toMatchObject({ from: '2031-01', startMinor: 9999, newMinor: 4999, expansionMinor: 4999, reactivationMinor: 0, contractionMinor: 0, churnMinor: 4999, endMinor: 14998, netMinor: 4999 });
    expect(moved('2031-03', 'USD')).toMatchObject({ reactivationMinor: 4999, newMinor: 0, churnMinor: 0, netMinor: 4999 });
    expect(moved('2031-03', 'EUR')).toMatchObject({ startMinor: 3000, churnMinor: 3000, endMinor: 0, netMinor: -3000, churnRateBps: 10000 });
    expect(moved('2031-04', 'USD')).toMatchObject({ newMinor: 5000, netMinor: 5000, endMinor: 24997 });
    // Every month's five movements add up to its net change, which is the change between the
    // MRR chart's two month ends (the current month's stored figure is today's, as refreshed).
    for (const m of overview.movements.filter((x: any) => x.month >= '2031-02')) {
      expect(m.newMinor + m.expansionMinor + m.reactivationMinor - m.contractionMinor - m.churnMinor).toBe(m.netMinor);
      expect(month(m.month)[m.currency] - month(m.from)[m.currency]).toBe(m.netMinor);
    }
    // The same movements as GET /mrr answers: one computation.
    const history = await mrr().history('2031-01', '2031-04');
    expect(overview.movements.filter((x: any) => x.month >= '2031-02').map(({ month: _m, netMinor: _n, ...rest }: any) => rest)).toEqual(
      history.movements.map(({ to: _t, ...rest }: any) => rest),
    );

    // Churn rate and ARPA of the latest month stored (April): USD 0 of 3 customers churned;
    // ARPA 249.97 / 4 customers = 62.4925 -> 62.49. Euros: no customer at the start, no MRR.
    expect(overview.rates).toEqual([
      { currency: 'EUR', month: '2031-04', churn: null, arpa: null },
      { currency: 'USD', month: '2031-04', churn: { rateBps: 0, churned: 0, customersAtStart: 3 }, arpa: { arpaMinor: 6249, mrrMinor: 24997, customers: 4 } },
    ]);
    // February's churn rate, by hand: 1 of the 2 USD customers of January left.
    expect(moved('2031-02', 'USD').churnRateBps).toBe(5000);
    expect(Object.keys(overview.definitions)).toEqual(expect.arrayContaining(['churnRate', 'arpa', 'new', 'expansion', 'contraction', 'churn', 'reactivation']));

    const served = await call(finance, 'GET', '/overview');
    expect(served.status).toBe(200);
    expect(Object.keys(served.body.data)).toEqual(expect.arrayContaining(['movements', 'rates', 'definitions', 'mrrHistory']));
  });

  test('cash collected (as the monthly report counts it) and the unpaid invoices, counted from the records', async () => {
    const finance = await adminWith({ roleCode: 'plan-renewals-finance' });
    const { invoice: overdue } = await createOpenInvoice(strapi);
    await strapi.db.query('api::invoice.invoice').update({ where: { id: overdue.id }, data: { dueDate: '2026-01-02' } });
    const { invoice: paid } = await createOpenInvoice(strapi);
    await recordPayment(strapi, paid);
    const { data } = (await call(finance, 'GET', '/overview')).body;
    const reports = strapi.plugin('plan-renewals').service('reports');
    expect(data.cash.thisMonth).toEqual({ month: data.month, figures: await reports.cash(data.month) });
    expect(data.cash.lastMonth.figures).toEqual(await reports.cash(data.cash.lastMonth.month));
    const taken = data.cash.thisMonth.figures.find((c: any) => c.currency === paid.currency);
    expect(taken.collectedMinor).toBeGreaterThanOrEqual(paid.totalMinor);

    // Every Open invoice, by hand.
    const open = await strapi.db.query('api::invoice.invoice').findMany({ where: { state: 'Open' } });
    expect(data.unpaid.count).toBe(open.length);
    expect(data.unpaid.overdue).toBe(open.filter((i: any) => i.dueDate < data.today).length);
    expect(data.unpaid.oldestDueDate).toBe(open.map((i: any) => i.dueDate).sort()[0]);
    expect(data.unpaid.oldestDueDate).toBe('2026-01-02');
    const usd = data.unpaid.figures.find((f: any) => f.currency === overdue.currency);
    expect(usd.totalMinor).toBe(open.filter((i: any) => i.currency === overdue.currency).reduce((sum: number, i: any) => sum + i.totalMinor, 0));
  });
});
