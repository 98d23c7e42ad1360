import type { Core } from '@strapi/strapi';
import { http, signInStaff, snapshot, startStrapi, stopStrapi } from '../harness/strapi';
import { appModule, createCustomer, createPlan } from '../harness/fixtures';

/**
 * MRR and its movements on hand-computed datasets (one with a renewal open across a month end),
 * and the monthly report of a month with known activity, read over the API by Finance as JSON
 * and CSV, stored once per revision.
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
const { addCalendarMonths, addDays } = appModule('domain');
const mrr = () => strapi.plugin('plan-renewals').service('mrr');
const SP = 'api::service-plan.service-plan';

/** An invoice of `servicePlan` for `period`, Paid on `paidOn` (the counter payment recorded first). */
const paidInvoice = async (servicePlan: any, kind: 'new' | 'renewal', period: { start: string; end: string }, paidOn: string) => {
  const full: any = await strapi.documents(SP).findOne({ documentId: servicePlan.documentId, populate: { plan: { populate: ['addOns'] }, customer: true } });
  const invoice: any = await strapi.service('api::invoice.invoice').issue({ customer: full.customer, servicePlan: full, plan: full.plan, kind, period, issuedOn: paidOn });
  await strapi.documents('api::transaction.transaction').create({
    data: { invoice: invoice.documentId, amountMinor: invoice.totalMinor, currency: invoice.currency, state: 'Success', provider: 'manual', providerReference: `COUNTER-${invoice.number}`, occurredAt: `${paidOn}T10:00:00.000Z` } as any,
  });
  return strapi.documents('api::invoice.invoice').update({ documentId: invoice.documentId, data: { state: 'Paid', paidAt: `${paidOn}T10:00:00.000Z` } as any });
};

/**
 * An Active plan of `plan` for `customer`, with its recurring revenue per term as activation
 * stores it, paid for 2026-01-01 to 2027-01-01 (what MRR counts is the paid period).
 */
const activate = async (customer: any, plan: any, recurringMinor: number, period = { start: '2026-01-01', end: '2027-01-01' }, paidOn = period.start) => {
  const created: any = await strapi.documents(SP).create({
    data: { customer: customer.documentId, plan: plan.documentId, state: 'Pending', autoRenew: true, addOnCodes: [], paymentMethod: 'manual', renewalCount: 0 } as any,
  });
  await strapi.db.query(SP).update({ where: { id: created.id }, data: { state: 'Processing' } });
  await paidInvoice(created, 'new', period, paidOn);
  await strapi.db.query(SP).update({
    where: { id: created.id },
    data: { state: 'Active', startDate: period.start, endDate: period.end, currentPeriodStart: period.start, currentPeriodEnd: period.end, recurringMinor },
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
      // ...and the start and end are the two months' snapshots: the movements are the change in MRR.
      const mrrOf = (period: string) => snapshots.find((s: any) => s.period === period && s.currency === m.currency)?.mrrMinor ?? 0;
      expect(m.newMinor + m.expansionMinor + m.reactivationMinor - m.contractionMinor - m.churnMinor).toBe(mrrOf(m.to) - mrrOf(m.from));
    }

    // Churn rate (churned / customers at the start, basis points, half up) and ARPA (MRR /
    // customers with MRR, minor units, half up), by hand.
    expect(movements.map((m: any) => [m.from, m.currency, m.customers.churned, m.customers.atStart, m.churnRateBps])).toEqual([
      ['2026-01', 'EUR', 0, 2, 0],
      ['2026-01', 'JPY', 1, 1, 10000],
      ['2026-01', 'USD', 1, 3, 3333], // 33.33 %
      ['2026-02', 'EUR', 0, 2, 0],
      ['2026-02', 'USD', 0, 3, 0],
    ]);
    expect(snapshots.map((s: any) => [s.period, s.currency, s.activeCustomers, s.arpaMinor])).toEqual([
      ['2026-01', 'EUR', 2, 3751], // 75.01 / 2 = 37.505
      ['2026-01', 'JPY', 1, 3000],
      ['2026-01', 'USD', 3, 5333], // 159.98 / 3 = 53.3267
      ['2026-02', 'EUR', 2, 2751],
      ['2026-02', 'USD', 3, 6999],
      ['2026-03', 'EUR', 2, 2751],
      ['2026-03', 'USD', 4, 6499],
    ]);
    const { MRR_DEFINITIONS } = appModule('domain');
    expect(response.body.data.definitions).toEqual(MRR_DEFINITIONS);
    expect(Object.keys(MRR_DEFINITIONS)).toEqual(expect.arrayContaining(['new', 'expansion', 'contraction', 'churn', 'reactivation', 'churnRate', 'arpa']));
  });

  test('the database classifies the stored lines exactly as the domain definitions do', async () => {
    const { mrrMovements } = appModule('domain');
    const lines = await strapi.db.connection('plan_renewal_mrr_lines').where('period', '<=', '2026-03').select();
    const of = (period: string) =>
      lines.filter((l: any) => l.period === period).map((l: any) => ({ customer: l.customer_id, currency: l.currency, mrrMinor: Number(l.mrr_minor) }));
    const hadMrrBefore = (period: string) => (customer: number, currency: string) =>
      lines.some((l: any) => l.period < period && l.customer_id === customer && l.currency === currency && Number(l.mrr_minor) > 0);
    for (const [from, to] of [['2026-01', '2026-02'], ['2026-02', '2026-03']]) {
      const expected = mrrMovements({ start: of(from), end: of(to), hadMrrEarlier: hadMrrBefore(from) });
      const actual = (await mrr().movements(from, to)).map(({ from: _f, to: _t, churnRateBps: _c, ...totals }: any) => totals);
      expect(actual).toEqual(expected);
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

describe('a renewal open across a month end is no churn', () => {
  test('October and November as a finance person computes them by hand', async () => {
    // In CAD, alone in that currency: two customers on the 54.99 monthly plan, one on a 12-month
    // plan of 600.00 + 120.00 recurring.
    const monthly = await createPlan(strapi, { code: 'oct-monthly', priceMinor: 5499, currency: 'CAD', termMonths: 1, addOns: [] });
    const annual = await createPlan(strapi, { code: 'oct-annual', priceMinor: 60000, currency: 'CAD', termMonths: 12, addOns: [] });
    const [renewing, steady, yearly] = await Promise.all([createCustomer(strapi), createCustomer(strapi), createCustomer(strapi)]);
    const renewingPlan = await activate(renewing, monthly, 5499, { start: '2026-10-03', end: '2026-11-03' });
    const steadyPlan = await activate(steady, monthly, 5499, { start: '2026-10-20', end: '2026-11-20' });
    await activate(yearly, annual, 72000, { start: '2026-06-01', end: '2027-06-01' });

    // Oct 29: the renewal opens (Processing, invoice Open) and stays open across the month end.
    await strapi.db.query(SP).update({ where: { id: renewingPlan.id }, data: { state: 'Processing' } });
    const full: any = await strapi.documents(SP).findOne({ documentId: renewingPlan.documentId, populate: { plan: { populate: ['addOns'] }, customer: true } });
    const renewal: any = await strapi.service('api::invoice.invoice').issue({ customer: full.customer, servicePlan: full, plan: full.plan, kind: 'renewal', period: { start: '2026-11-03', end: '2026-12-03' }, issuedOn: '2026-10-29' });
    // Closing October happens after it ends (the 1st, 00:15): the renewal is still unpaid then.
    const november1 = new Date('2026-11-01T00:15:00Z');
    const october = await mrr().close('2026-10', november1);
    // 54.99 + 54.99 + 60.00: the renewing customer still counts, Processing or not.
    expect(october.figures.find((f: any) => f.currency === 'CAD')).toMatchObject({ mrrMinor: 5499 + 5499 + 6000, activePlans: 3 });
    expect((await mrr().close('2026-10', november1)).closed).toBe(false); // once

    // Nov 1: paid, through Dec 2. The steady customer's plan runs out on Nov 20 and is not renewed.
    await strapi.documents('api::transaction.transaction').create({
      data: { invoice: renewal.documentId, amountMinor: renewal.totalMinor, currency: renewal.currency, state: 'Success', provider: 'manual', providerReference: `COUNTER-${renewal.number}`, occurredAt: '2026-11-01T10:00:00.000Z' } as any,
    });
    await strapi.documents('api::invoice.invoice').update({ documentId: renewal.documentId, data: { state: 'Paid', paidAt: '2026-11-01T10:00:00.000Z' } as any });
    await strapi.db.query(SP).update({ where: { id: renewingPlan.id }, data: { state: 'Active', startDate: '2026-11-03', endDate: '2026-12-03' } });
    await strapi.db.query(SP).update({ where: { id: steadyPlan.id }, data: { state: 'Expired' } });
    await mrr().close('2026-11', new Date('2026-12-01T00:15:00Z'));

    const response = await http(strapi).get('/api/plan-renewals/mrr?from=2026-10&to=2026-11').set(as(finance));
    const cad = response.body.data.movements.find((m: any) => m.currency === 'CAD' && m.from === '2026-10');
    // The only change is the steady customer's churn; no false churn, no false reactivation.
    expect(cad).toMatchObject({ startMinor: 16998, churnMinor: 5499, reactivationMinor: 0, newMinor: 0, endMinor: 11499, customers: expect.objectContaining({ churned: 1, reactivated: 0 }) });
    expect(response.body.data.snapshots.filter((s: any) => s.currency === 'CAD').map((s: any) => [s.period, s.mrrMinor, s.measuredOn, s.closed])).toEqual([
      ['2026-10', 16998, '2026-10-31', true],
      ['2026-11', 11499, '2026-11-30', true],
    ]);

    // Both monthly reports say the same, and a refund booked later does not rewrite October.
    const reports = strapi.plugin('plan-renewals').service('reports');
    const octoberReport = (await reports.generate('2026-10', november1)).report;
    expect(octoberReport.mrr.movements.find((m: any) => m.currency === 'CAD')).toMatchObject({ churnMinor: 0, reactivationMinor: 0 });
    const novemberReport = (await reports.generate('2026-11', new Date('2026-12-01T02:00:00Z'))).report;
    expect(novemberReport.mrr.movements.find((m: any) => m.currency === 'CAD')).toMatchObject({ churnMinor: 5499, reactivationMinor: 0, endMinor: 11499 });
    expect((await mrr().refresh('2026-10')).find((f: any) => f.currency === 'CAD').mrrMinor).toBe(16998);
  });

  test('the live figure counts a plan while its renewal is open', async () => {
    const plan = await createPlan(strapi, { code: 'live-monthly', priceMinor: 4000, termMonths: 1, addOns: [] });
    const customer = await createCustomer(strapi);
    const today = new Date().toISOString().slice(0, 10);
    const servicePlan = await activate(customer, plan, 4000, { start: addDays(today, -20), end: addDays(today, 40) }, '2025-12-15');
    const before = (await mrr().current()).find((f: any) => f.currency === 'USD');
    await strapi.db.query(SP).update({ where: { id: servicePlan.id }, data: { state: 'Processing' } });
    expect((await mrr().current()).find((f: any) => f.currency === 'USD')).toEqual(before);
    await strapi.db.query(SP).update({ where: { id: servicePlan.id }, data: { state: 'Active' } });
    const overview = await strapi.plugin('plan-renewals').service('panel').overview();
    expect(overview.mrr).toEqual(await mrr().current());
    expect(overview.activePlans).toBe((await mrr().current()).reduce((sum: number, f: any) => sum + f.activePlans, 0));
  });
});

describe('a refresh of the current month', () => {
  test('refreshing the current month again changes only the lines that changed', async () => {
    const plan = await createPlan(strapi, { code: 'live-again', priceMinor: 3000, currency: 'CAD', termMonths: 1, addOns: [] });
    const [grows, leaves, stays, arrives] = await Promise.all(Array.from({ length: 4 }, () => createCustomer(strapi)));
    const today = new Date().toISOString().slice(0, 10);
    const period = { start: addDays(today, -5), end: addDays(today, 25) };
    const lines = async () =>
      (await strapi.db.connection('plan_renewal_mrr_lines').where({ period: today.slice(0, 7), currency: 'CAD' }).whereIn('customer_id', [grows.id, leaves.id, stays.id, arrives.id]))
        .map((line: any) => [line.customer_id, Number(line.mrr_minor), Number(line.active_plans)])
        .sort((a: number[], b: number[]) => a[0] - b[0]);
    await activate(grows, plan, 3000, period, '2025-12-15');
    const leaving = await activate(leaves, plan, 3000, period, '2025-12-15');
    await activate(stays, plan, 3000, period, '2025-12-15');
    const before = (await mrr().refresh(today.slice(0, 7))).find((f: any) => f.currency === 'CAD');
    expect(await lines()).toEqual([[grows.id, 3000, 1], [leaves.id, 3000, 1], [stays.id, 3000, 1]].sort((a, b) => a[0] - b[0]));

    await activate(grows, plan, 3000, period, '2025-12-15'); // a second plan: the line grows
    await cancel(leaving); // no plan left: the line goes
    await activate(arrives, plan, 3000, period, '2025-12-15'); // a new line
    const after = (await mrr().refresh(today.slice(0, 7))).find((f: any) => f.currency === 'CAD');
    expect(await lines()).toEqual([[grows.id, 6000, 2], [stays.id, 3000, 1], [arrives.id, 3000, 1]].sort((a, b) => a[0] - b[0]));
    expect(after.mrrMinor - before.mrrMinor).toBe(3000);
    expect(after.activePlans - before.activePlans).toBe(1);
    expect(after).toEqual((await mrr().current()).find((f: any) => f.currency === 'CAD'));
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
    // Renewals start from renewalLeadDays before the paid period ends: bring that day forward.
    await strapi.db.query(SP).update({ where: { documentId: first.servicePlan.documentId }, data: { endDate: addDays(new Date().toISOString().slice(0, 10), 10) } });
    const renewal = (await http(strapi).post(`${api}/service-plans/${first.servicePlan.documentId}/renewals`).set(as(customerSuccess))).body.data;
    await complete(renewal);
    // The second customer cancels, and their payment is refunded.
    await strapi.db.query(SP).update({ where: { documentId: second.servicePlan.documentId }, data: { state: 'Cancelled' } });
    const payment = await strapi.db.query('api::transaction.transaction').findOne({ where: { providerReference: `R-${second.documentId}` } });
    await strapi.db.query('api::transaction.transaction').update({ where: { id: payment.id }, data: { state: 'Refunded' } });
    await mrr().refresh(thisMonth);

    // Reported once the month is over: on the 1st of the next month.
    const nextMonth = new Date(`${addCalendarMonths(thisMonth, 1)}-01T02:00:00Z`);
    const { report } = await strapi.plugin('plan-renewals').service('reports').generate(thisMonth, nextMonth);
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
    // The month's end is its closed snapshot (every plan here is paid past the month's end, so it
    // is today's figure too), which the movements reach exactly.
    const usdNow = (await mrr().current()).find((figure: any) => figure.currency === 'USD');
    expect(report.mrr.end.find((figure: any) => figure.currency === 'USD')).toEqual({ currency: 'USD', mrrMinor: usdNow.mrrMinor, activePlans: usdNow.activePlans });
    const movement = report.mrr.movements.find((m: any) => m.currency === 'USD');
    expect(movement.endMinor).toBe(usdNow.mrrMinor);

    // Finance was emailed.
    const emails = await strapi.db.query('plugin::workflows.message').findMany({ where: { subject: `Monthly revenue report ${thisMonth}` } });
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
    expect((await jobs.runNow('monthly-report', now)).outcome).toBe('report 2026-03: stored (revision 1), unchanged');
    const again = await strapi.db.query('plugin::plan-renewals.monthly-report').findMany({ where: { month: '2026-03' } });
    expect(again).toEqual(stored); // nothing rewritten, not even its time
  });

  test('a stored report never changes; Finance regenerates a new revision, with who and why, emailed once', async () => {
    const emails = (month: string) => strapi.db.query('plugin::workflows.message').findMany({ where: { messageKey: { $startsWith: `report:${month}:` } } });
    const financeUsers = await strapi.db.query('plugin::users-permissions.user').count({ where: { role: { type: 'finance' } } });
    const first = await http(strapi).get(`${api}/reports/monthly/2026-05`).set(as(finance));
    expect([first.status, first.body.data.revision, first.body.meta.revisions.length]).toEqual([200, 1, 1]);
    expect(await emails('2026-05')).toHaveLength(financeUsers);
    // A late correction changes the data of May; the stored report does not move.
    await activate(await createCustomer(strapi), await createPlan(strapi, { priceMinor: 1200, termMonths: 1, addOns: [] }), 1200, { start: '2026-05-10', end: '2026-06-10' });
    expect((await http(strapi).get(`${api}/reports/monthly/2026-05`).set(as(finance))).body.data).toEqual(first.body.data);
    expect(await emails('2026-05')).toHaveLength(financeUsers);

    const before = await snapshot(strapi);
    for (const [body, status] of [[{}, 400], [{ reason: 'x' }, 400], [{ reason: 'late invoice', extra: 1 }, 400]] as const) {
      expect((await http(strapi).post(`${api}/reports/monthly/2026-05/revisions`).set(as(finance)).send(body)).status).toBe(status);
    }
    expect((await http(strapi).post(`${api}/reports/monthly/2026-05/revisions`).set(as(customerSuccess)).send({ reason: 'late invoice' })).status).toBe(403);
    const unfinished = await http(strapi).post(`${api}/reports/monthly/${thisMonth}/revisions`).set(as(finance)).send({ reason: 'too early' });
    expect(unfinished.status).toBe(409);
    expect(await snapshot(strapi)).toEqual(before);

    const second = await http(strapi).post(`${api}/reports/monthly/2026-05/revisions`).set(as(finance)).send({ reason: 'invoice of May 10 booked late' });
    expect(second.status).toBe(201);
    expect(second.body.data).toMatchObject({ revision: 2, reason: 'invoice of May 10 booked late', generatedBy: { type: 'user' } });
    expect(second.body.data.sales).not.toEqual(first.body.data.sales);
    const latest = await http(strapi).get(`${api}/reports/monthly/2026-05`).set(as(finance));
    expect([latest.body.data.revision, latest.body.meta.revisions.map((r: any) => r.revision)]).toEqual([2, [1, 2]]);
    const original = await http(strapi).get(`${api}/reports/monthly/2026-05?revision=1`).set(as(finance));
    expect(original.body.data).toEqual(first.body.data);
    expect(await emails('2026-05')).toHaveLength(2 * financeUsers);
    expect((await http(strapi).get(`${api}/reports/monthly/2026-05?revision=3`).set(as(finance))).status).toBe(404);
  });
});
