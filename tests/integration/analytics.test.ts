import type { Core } from '@strapi/strapi';
import { http, signInStaff, startStrapi, stopStrapi } from '../harness/strapi';
import { createCustomer, createPlan } from '../harness/fixtures';

/**
 * MRR and its movements on a hand-computed dataset, and the monthly report of a month with
 * known activity, read over the API by Finance as JSON and CSV.
 */
let strapi: Core.Strapi;
let finance: string;
let customerSuccess: string;

beforeAll(async () => {
  strapi = await startStrapi();
  ({ finance, customerSuccess } = await signInStaff(strapi));
});
afterAll(() => stopStrapi(strapi));

const as = (token: string) => ({ Authorization: `Bearer ${token}` });
const mrr = () => strapi.plugin('plan-renewals').service('mrr');
const SP = 'api::service-plan.service-plan';

/** An Active plan of `plan` for `customer`, with its recurring revenue per term as activation stores it. */
const activate = async (customer: any, plan: any, recurringMinor: number) => {
  const created: any = await strapi.documents(SP).create({
    data: { customer: customer.documentId, plan: plan.documentId, state: 'Pending', autoRenew: true, addOnCodes: [], paymentMethod: 'manual', renewalCount: 0 } as any,
  });
  await strapi.db.query(SP).update({ where: { id: created.id }, data: { state: 'Processing' } });
  await strapi.db.query(SP).update({
    where: { id: created.id },
    data: { state: 'Active', startDate: '2026-01-01', endDate: '2027-01-01', recurringMinor },
  });
  return created;
};
const cancel = (servicePlan: any) => strapi.db.query(SP).update({ where: { id: servicePlan.id }, data: { state: 'Cancelled' } });

describe('MRR', () => {
  test('normalized per month by term, per currency, with movements that reconcile exactly', async () => {
    const annual = await createPlan(strapi, { priceMinor: 60000, termMonths: 12 }); // 600.00 a year
    const monthly = await createPlan(strapi, { priceMinor: 4999, termMonths: 1, addOns: [] });
    const euro6 = await createPlan(strapi, { priceMinor: 30000, currency: 'EUR', termMonths: 6, addOns: [] });
    const euro12 = await createPlan(strapi, { priceMinor: 36000, currency: 'EUR', termMonths: 12, addOns: [] });
    const yen3 = await createPlan(strapi, { priceMinor: 9000, currency: 'JPY', termMonths: 3, taxRateBps: 1000, addOns: [] });
    const half = await createPlan(strapi, { priceMinor: 15003, currency: 'EUR', termMonths: 6, addOns: [] });
    const [c1, c2, c3, c4, c5, c6, c7] = await Promise.all(Array.from({ length: 7 }, () => createCustomer(strapi)));

    // January: 600.00 + 120.00 recurring add-on a year = 60.00 a month; tax and one-time fees never count.
    await activate(c1, annual, 72000); // USD 60.00
    const c2plan = await activate(c2, monthly, 4999); // USD 49.99
    const c3plan = await activate(c3, euro6, 30000); // EUR 50.00
    const c4plan = await activate(c4, yen3, 9000); // JPY 3000
    await activate(c5, monthly, 4999); // USD 49.99
    await activate(c7, half, 15003); // EUR 25.005 -> 25.01 (half away from zero, per plan)
    expect(await mrr().refresh('2026-01')).toEqual([
      { currency: 'EUR', mrrMinor: 7501, arrMinor: 90012, activePlans: 2 },
      { currency: 'JPY', mrrMinor: 3000, arrMinor: 36000, activePlans: 1 },
      { currency: 'USD', mrrMinor: 15998, arrMinor: 191976, activePlans: 3 },
    ]);

    // February: c1 adds a monthly plan (expansion), c2 cancels (churn), c3 moves to a cheaper
    // plan (contraction), c4 cancels its yen plan (churn), c6 arrives (new).
    await activate(c1, monthly, 4999);
    await cancel(c2plan);
    await cancel(c3plan);
    await activate(c3, euro12, 36000); // EUR 30.00
    await cancel(c4plan);
    await activate(c6, monthly, 4999);
    await mrr().refresh('2026-02');

    // March: c2 comes back (reactivation).
    await activate(c2, monthly, 4999);
    await mrr().refresh('2026-03');

    const response = await http(strapi).get('/api/plan-renewals/mrr?from=2026-01&to=2026-03').set(as(finance));
    expect(response.status).toBe(200);
    const { snapshots, movements } = response.body.data;
    expect(snapshots.map((s: any) => [s.period, s.currency, s.mrrMinor])).toEqual([
      ['2026-01', 'EUR', 7501],
      ['2026-01', 'JPY', 3000],
      ['2026-01', 'USD', 15998],
      ['2026-02', 'EUR', 5501],
      ['2026-02', 'USD', 20997],
      ['2026-03', 'EUR', 5501],
      ['2026-03', 'USD', 25996],
    ]);
    const pick = (from: string, currency: string) => movements.find((m: any) => m.from === from && m.currency === currency);
    expect(pick('2026-01', 'USD')).toMatchObject({ startMinor: 15998, newMinor: 4999, expansionMinor: 4999, reactivationMinor: 0, contractionMinor: 0, churnMinor: 4999, endMinor: 20997 });
    expect(pick('2026-01', 'EUR')).toMatchObject({ startMinor: 7501, contractionMinor: 2000, newMinor: 0, churnMinor: 0, endMinor: 5501 });
    expect(pick('2026-01', 'JPY')).toMatchObject({ startMinor: 3000, churnMinor: 3000, endMinor: 0 });
    expect(pick('2026-02', 'USD')).toMatchObject({ startMinor: 20997, reactivationMinor: 4999, newMinor: 0, endMinor: 25996, customers: expect.objectContaining({ reactivated: 1 }) });
    for (const m of movements) {
      expect(m.startMinor + m.newMinor + m.expansionMinor + m.reactivationMinor - m.contractionMinor - m.churnMinor).toBe(m.endMinor);
    }
  });

  test.each([
    ['?from=2026-13', 400],
    ['?from=2026-03&to=2026-01', 400],
    ['?from=2026-01&extra=1', 400],
  ])('GET /mrr%s is a %p', async (query, status) => {
    expect((await http(strapi).get(`/api/plan-renewals/mrr${query}`).set(as(finance))).status).toBe(status);
  });

  test('only Finance reads MRR and reports', async () => {
    expect((await http(strapi).get('/api/plan-renewals/mrr').set(as(customerSuccess))).status).toBe(403);
    expect((await http(strapi).get('/api/plan-renewals/mrr')).status).toBe(403);
    expect((await http(strapi).get('/api/plan-renewals/reports/monthly/2026-01').set(as(customerSuccess))).status).toBe(403);
    expect((await http(strapi).get('/api/plan-renewals/reports/monthly/2026-01')).status).toBe(403);
  });
});

describe('the monthly report', () => {
  const api = '/api/plan-renewals';
  const thisMonth = new Date().toISOString().slice(0, 7);

  /** A purchase or renewal taken to completed over HTTP; returns the run. */
  const complete = async (run: any) => {
    const invoice = (await http(strapi).get(`/api/invoices/${run.invoice.documentId}`).set(as(finance))).body.data;
    await http(strapi).post(`${api}/invoices/${invoice.documentId}/manual-payments`).set(as(finance)).send({ amountMinor: invoice.totalMinor, currency: invoice.currency, reference: `R-${run.documentId}` });
    const verify = (await http(strapi).get(`${api}/tasks`).set(as(finance))).body.data.find((t: any) => t.run === run.documentId);
    await http(strapi).post(`${api}/tasks/${verify.documentId}/complete`).set(as(finance)).send({ outcome: 'approved' });
    const check = (await http(strapi).get(`${api}/tasks`).set(as(customerSuccess))).body.data.find((t: any) => t.run === run.documentId);
    const done = await http(strapi).post(`${api}/tasks/${check.documentId}/complete`).set(as(customerSuccess)).send({ outcome: 'passed' });
    expect(done.body.data.state).toBe('completed');
    return invoice;
  };

  test('counts new plans vs renewals, cancellations, cash, refunds and tasks of the month', async () => {
    const plan = await createPlan(strapi, { code: 'report-care', priceMinor: 54900, addOns: [] }); // 549.00 + 45.29 tax
    const buy = async () => {
      const customer = await createCustomer(strapi);
      const bought = await http(strapi).post(`${api}/purchases`).set(as(customerSuccess)).send({ customer: customer.documentId, plan: plan.code });
      return bought.body.data.run;
    };
    const first = await buy();
    await complete(first);
    const second = await buy();
    const secondInvoice = await complete(second);
    const renewal = (await http(strapi).post(`${api}/service-plans/${first.servicePlan.documentId}/renewals`).set(as(customerSuccess))).body.data;
    await complete(renewal);
    // The second customer cancels, and their payment is refunded.
    await strapi.db.query(SP).update({ where: { documentId: second.servicePlan.documentId }, data: { state: 'Cancelled' } });
    const payment = await strapi.db.query('api::transaction.transaction').findOne({ where: { providerReference: `R-${second.documentId}` } });
    await strapi.db.query('api::transaction.transaction').update({ where: { id: payment.id }, data: { state: 'Refunded' } });
    await mrr().refresh(thisMonth);

    const report = await strapi.plugin('plan-renewals').service('reports').generate(thisMonth);
    const usd = report.sales.find((s: any) => s.currency === 'USD');
    expect(usd.new).toEqual({ count: 2, totalMinor: 2 * 59429, taxMinor: 2 * 4529 });
    expect(usd.renewal).toEqual({ count: 1, totalMinor: 59429, taxMinor: 4529 });
    expect(report.plans.cancelled).toBeGreaterThanOrEqual(1);
    const cash = report.cash.find((c: any) => c.currency === 'USD');
    expect(cash).toEqual({ currency: 'USD', collectedMinor: 3 * 59429, refundedMinor: secondInvoice.totalMinor });
    expect(report.tasks).toEqual([
      { role: 'finance', completed: 3, overdue: 0 },
      { role: 'customer-success', completed: 3, overdue: 0 },
    ]);
    // The month's end is its snapshot, which the movements reach exactly.
    const usdNow = (await mrr().current()).find((figure: any) => figure.currency === 'USD');
    expect(report.mrr.end.find((figure: any) => figure.currency === 'USD')).toEqual({ currency: 'USD', mrrMinor: usdNow.mrrMinor, activePlans: usdNow.activePlans });
    const movement = report.mrr.movements.find((m: any) => m.currency === 'USD');
    expect(movement.endMinor).toBe(usdNow.mrrMinor);

    // Finance was emailed.
    const emails = await strapi.db.query('plugin::plan-renewals.email').findMany({ where: { subject: `Monthly revenue report ${thisMonth}` } });
    expect(emails.length).toBeGreaterThanOrEqual(1);
  });

  test('is served as JSON and as CSV; an unfinished month has none yet', async () => {
    const json = await http(strapi).get(`${api}/reports/monthly/2026-02`).set(as(finance));
    expect(json.status).toBe(200);
    expect(json.body.data).toMatchObject({ month: '2026-02', plans: expect.any(Object), cash: expect.any(Array), tasks: expect.any(Array) });
    expect(json.body.data.mrr.movements.map((m: any) => m.currency)).toEqual(['EUR', 'JPY', 'USD']);

    const csv = await http(strapi).get(`${api}/reports/monthly/2026-02?format=csv`).set(as(finance));
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toBe('section,metric,currency,value');
    expect(lines.every((line) => line.split(',').length === 4)).toBe(true);
    expect(lines).toContain('mrr,churnMinor,JPY,3000');
    expect(lines).toContain('tasks,finance.completed,,0');

    const accepted = await http(strapi).get(`${api}/reports/monthly/2026-02`).set(as(finance)).set('Accept', 'text/csv');
    expect(accepted.text).toBe(csv.text);
    expect((await http(strapi).get(`${api}/reports/monthly/${thisMonth.replace(/^\d{4}/, (y) => String(Number(y) + 1))}`).set(as(finance))).status).toBe(404);
    expect((await http(strapi).get(`${api}/reports/monthly/2026-2`).set(as(finance))).status).toBe(400);
  });

  test('the monthly job reports the previous month once, also when it was missed', async () => {
    const jobs = strapi.plugin('plan-renewals').service('jobs');
    const now = new Date('2026-04-01T03:00:00Z');
    expect(await jobs.catchUp(now)).toContain('monthly-report');
    expect(await jobs.catchUp(now)).not.toContain('monthly-report');
    const stored = await strapi.db.query('plugin::plan-renewals.monthly-report').findMany({ where: { month: '2026-03' } });
    expect(stored).toHaveLength(1);
    expect((await jobs.runNow('monthly-report', now)).outcome).toMatch(/^report 2026-03/);
    expect(await strapi.db.query('plugin::plan-renewals.monthly-report').count({ where: { month: '2026-03' } })).toBe(1);
  });
});
