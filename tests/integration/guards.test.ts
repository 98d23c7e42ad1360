import type { Core } from '@strapi/strapi';
import { http, signInStaff, snapshot, startStrapi, stopStrapi } from '../harness/strapi';
import { rejection } from '../harness/rejection';
import {
  auditEntries,
  createCustomer,
  createOpenInvoice,
  createPlan,
  createServicePlan,
  recordPayment,
  setStatus,
} from '../harness/fixtures';

/**
 * Every guard refuses bad input with a clear 400 and leaves the database exactly as it was,
 * whether the write comes over REST or from code.
 */
let strapi: Core.Strapi;
let finance: string;
let customerSuccess: string;

beforeAll(async () => {
  strapi = await startStrapi();
  ({ finance, customerSuccess } = await signInStaff(strapi));
});
afterAll(() => stopStrapi(strapi));

const docs = (uid: string) => strapi.documents(uid as any) as any;

/** Runs `attempt`, expects it to fail with `message`, and proves no billing row changed. */
const expectRefusedAndUnchanged = async (attempt: () => Promise<unknown>, message: RegExp) => {
  const before = await snapshot(strapi);
  expect(await rejection(attempt())).toMatch(message);
  expect(await snapshot(strapi)).toEqual(before);
};

/** Sends a REST request, expects a 400 naming the problem, and proves no billing row changed. */
const expectRestRefused = async (send: () => Promise<any>, message: RegExp) => {
  const before = await snapshot(strapi);
  const response = await send();
  expect(response.status).toBe(400);
  expect(response.body.error.name).toBe('ValidationError');
  expect(response.body.error.message).toMatch(message);
  expect(await snapshot(strapi)).toEqual(before);
};

describe('status transitions', () => {
  test('REST: an illegal service plan transition is a 400 naming both statuses', async () => {
    const { servicePlan } = await createServicePlan(strapi);
    await expectRestRefused(
      () =>
        http(strapi)
          .put(`/api/service-plans/${servicePlan.documentId}`)
          .set('Authorization', `Bearer ${customerSuccess}`)
          .send({ data: { state: 'Active' } }),
      /cannot go from Pending to Active/,
    );
  });

  test('REST: a paid invoice cannot be reopened', async () => {
    const { invoice } = await createOpenInvoice(strapi);
    await recordPayment(strapi, invoice);
    await setStatus(strapi, 'api::invoice.invoice', invoice.documentId, 'Paid');
    await expectRestRefused(
      () =>
        http(strapi)
          .put(`/api/invoices/${invoice.documentId}`)
          .set('Authorization', `Bearer ${finance}`)
          .send({ data: { state: 'Open' } }),
      /cannot go from Paid to Open/,
    );
  });

  test('REST: an unknown status is refused', async () => {
    const { invoice } = await createOpenInvoice(strapi);
    const before = await snapshot(strapi);
    const response = await http(strapi)
      .put(`/api/invoices/${invoice.documentId}`)
      .set('Authorization', `Bearer ${finance}`)
      .send({ data: { state: 'Settled' } });
    expect(response.status).toBe(400);
    expect(await snapshot(strapi)).toEqual(before);
  });

  test('code: a record cannot be created in a later status', async () => {
    const plan = await createPlan(strapi);
    const customer = await createCustomer(strapi);
    await expectRefusedAndUnchanged(
      () =>
        docs('api::service-plan.service-plan').create({
          data: { state: 'Active', plan: plan.documentId, customer: customer.documentId },
        }),
      /cannot start as Active/,
    );
  });

  test('code: the query engine is guarded too, not only the Document Service', async () => {
    const { servicePlan } = await createServicePlan(strapi);
    await expectRefusedAndUnchanged(
      () =>
        strapi.db
          .query('api::service-plan.service-plan')
          .update({ where: { id: servicePlan.id }, data: { state: 'Expired' } }),
      /cannot go from Pending to Expired/,
    );
  });

  test('code: updateMany checks every row it touches', async () => {
    const a = await createServicePlan(strapi);
    const b = await createServicePlan(strapi);
    await setStatus(strapi, 'api::service-plan.service-plan', b.servicePlan.documentId, 'Cancelled');
    await expectRefusedAndUnchanged(
      () =>
        strapi.db.query('api::service-plan.service-plan').updateMany({
          where: { id: { $in: [a.servicePlan.id, b.servicePlan.id] } },
          data: { state: 'Processing' },
        }),
      /cannot go from Cancelled to Processing/,
    );
  });

  test('a transition to Paid stamps paidAt', async () => {
    const { invoice } = await createOpenInvoice(strapi);
    await recordPayment(strapi, invoice);
    const paid = await setStatus(strapi, 'api::invoice.invoice', invoice.documentId, 'Paid');
    expect(paid.paidAt).toBeTruthy();
  });
});

describe('money', () => {
  test.each([
    [{ priceMinor: -1 }, /greater than or equal to 0|must not be negative/],
    [{ priceMinor: 10.5 }, /integer|whole number/],
    [{ priceMinor: 2 ** 53 }, /less than or equal to 2147483647/],
    [{ priceMinor: 2 ** 31 }, /less than or equal to 2147483647/],
    [{ currency: 'XYZ' }, /not a supported ISO 4217 currency/],
    [{ termMonths: 5 }, /term must be one of 1, 3, 6, 12, 24, 36/],
    [{ taxRateBps: 10001 }, /10000/],
  ])('code: a plan with %p is refused', async (overrides, message) => {
    await expectRefusedAndUnchanged(() => createPlan(strapi, overrides), message);
  });

  test.each([
    [2 ** 31, /Plan priceMinor must be at most 2147483647 minor units/],
    [2 ** 53, /Plan priceMinor is outside the safe integer range/],
    [-5, /Plan priceMinor must not be negative/],
    ['12' as unknown as number, /Plan priceMinor must be a number of minor units/],
  ])('code: the query engine, which skips Strapi validation, still refuses price %p', async (priceMinor, message) => {
    await expectRefusedAndUnchanged(
      () =>
        strapi.db.query('api::plan.plan').create({
          data: { code: 'raw-plan', name: 'Raw', priceMinor, currency: 'USD', termMonths: 12, taxRateBps: 0 },
        }),
      message,
    );
  });

  test('code: currency codes are stored upper-case', async () => {
    const plan = await createPlan(strapi, { currency: 'eur' });
    expect(plan.currency).toBe('EUR');
  });

  test('code: an add-on fee above the storable range is refused', async () => {
    await expectRefusedAndUnchanged(
      () =>
        createPlan(strapi, {
          addOns: [{ code: 'gold', name: 'Gold', feeMinor: 2 ** 31, taxable: true, billing: 'recurring' }],
        }),
      /less than or equal to 2147483647/,
    );
  });

  test('code: an invoice whose totals do not equal its lines is refused, lines included', async () => {
    const { customer, servicePlan } = await createServicePlan(strapi);
    await expectRefusedAndUnchanged(
      () =>
        docs('api::invoice.invoice').create({
          data: {
            number: 'INV-TEST-1',
            kind: 'new',
            state: 'Open',
            currency: 'USD',
            customer: customer.documentId,
            servicePlan: servicePlan.documentId,
            lines: [
              { kind: 'base', code: 'plan', description: 'Plan', amountMinor: 10000, taxRateBps: 0 },
              { kind: 'tax', code: 'tax', description: 'Tax', amountMinor: 825, taxRateBps: 0 },
            ],
            subtotalMinor: 10000,
            taxMinor: 825,
            totalMinor: 10900,
          },
        }),
      /total 10900 does not equal subtotal \+ tax \(10825\)/,
    );
  });

  test.each([
    [{ totalMinor: 1 }, /total 1 does not equal/],
    [{ subtotalMinor: 0, totalMinor: 0 }, /subtotal 0 does not equal the sum of its lines/],
    [{ totalMinor: 10.5 }, /integer|whole number/],
    [{ totalMinor: -100 }, /greater than or equal to 0|must not be negative/],
    [{ currency: 'ABC' }, /not a supported ISO 4217 currency/],
  ])('code: an invoice update %p is refused', async (data, message) => {
    // Over REST no staff role may change an invoice's money at all (the write policy); the
    // process may, and these rules hold for it.
    const { invoice } = await createOpenInvoice(strapi);
    await expectRefusedAndUnchanged(() => docs('api::invoice.invoice').update({ documentId: invoice.documentId, data }), message);
  });

  test('code: a paid invoice keeps its amounts', async () => {
    const { invoice } = await createOpenInvoice(strapi);
    await recordPayment(strapi, invoice);
    await setStatus(strapi, 'api::invoice.invoice', invoice.documentId, 'Paid');
    await expectRefusedAndUnchanged(
      () => docs('api::invoice.invoice').update({ documentId: invoice.documentId, data: { currency: 'EUR' } }),
      /is Paid: its currency can no longer change/,
    );
  });

  test('code: a transaction amount cannot change once recorded', async () => {
    const { invoice } = await createOpenInvoice(strapi);
    const payment = await recordPayment(strapi, invoice, 'Pending');
    await expectRefusedAndUnchanged(
      () =>
        docs('api::transaction.transaction').update({
          documentId: payment.documentId,
          data: { amountMinor: payment.amountMinor + 1 },
        }),
      /amountMinor of transaction .* cannot change/,
    );
  });

  test('code: a duplicate provider reference is refused', async () => {
    const { invoice } = await createOpenInvoice(strapi);
    const payment = await recordPayment(strapi, invoice, 'Pending');
    await expectRefusedAndUnchanged(
      () =>
        docs('api::transaction.transaction').create({
          data: {
            invoice: invoice.documentId,
            amountMinor: 1,
            currency: 'USD',
            state: 'Pending',
            provider: 'manual',
            providerReference: payment.providerReference,
            occurredAt: new Date().toISOString(),
          },
        }),
      /A transaction with provider manual and providerReference COUNTER-.* already exists/,
    );
  });
});

describe('service plans', () => {
  test('code: add-on codes must exist on the plan', async () => {
    const plan = await createPlan(strapi);
    const customer = await createCustomer(strapi);
    await expectRefusedAndUnchanged(
      () => createServicePlan(strapi, { plan, customer, addOnCodes: ['turbo-wash'] }),
      /has no add-on "turbo-wash"/,
    );
  });

  test('code: the end date must come after the start date', async () => {
    // Only the process sets a plan's period (over REST it is refused by the write policy).
    const { servicePlan } = await createServicePlan(strapi);
    await expectRefusedAndUnchanged(
      () =>
        docs('api::service-plan.service-plan').update({
          documentId: servicePlan.documentId,
          data: { startDate: '2026-05-01', endDate: '2026-04-01' },
        }),
      /end date 2026-04-01 must be after start date 2026-05-01/,
    );
  });
});

describe('customers', () => {
  test('REST: email is normalized', async () => {
    const response = await http(strapi)
      .post('/api/customers')
      .set('Authorization', `Bearer ${customerSuccess}`)
      .send({ data: { name: 'New Person', email: '  New.Person@Example.COM ' } });
    expect(response.status).toBe(201);
    expect(response.body.data.email).toBe('new.person@example.com');
  });

  test('REST: a duplicate email in another case is refused', async () => {
    await createCustomer(strapi, { email: 'dup.person@example.com' });
    const before = await snapshot(strapi);
    const response = await http(strapi)
      .post('/api/customers')
      .set('Authorization', `Bearer ${customerSuccess}`)
      .send({ data: { name: 'Dup', email: 'Dup.Person@EXAMPLE.com' } });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toMatch(/must be unique/);
    expect(response.body.error.details.errors[0].path).toEqual(['email']);
    expect(await snapshot(strapi)).toEqual(before);
  });

  test('code: the query engine normalizes and refuses the duplicate too', async () => {
    await createCustomer(strapi, { email: 'engine.dup@example.com' });
    await expectRefusedAndUnchanged(
      () =>
        strapi.db.query('api::customer.customer').create({ data: { name: 'Dup', email: ' ENGINE.dup@example.com' } }),
      /A customer with email engine.dup@example.com already exists/,
    );
  });

  test('REST: an invalid email is refused', async () => {
    await expectRestRefused(
      () =>
        http(strapi)
          .post('/api/customers')
          .set('Authorization', `Bearer ${customerSuccess}`)
          .send({ data: { name: 'Nobody', email: 'not-an-email' } }),
      /email/,
    );
  });
});

describe('deletion', () => {
  test.each([
    ['api::invoice.invoice', /void it instead/],
    ['api::service-plan.service-plan', /cancel it instead/],
    ['api::transaction.transaction', /record a refund instead/],
  ])('code: a %s cannot be deleted', async (uid, message) => {
    const { servicePlan, invoice } = await createOpenInvoice(strapi);
    const payment = await recordPayment(strapi, invoice, 'Pending');
    const target = { 'api::invoice.invoice': invoice, 'api::service-plan.service-plan': servicePlan, 'api::transaction.transaction': payment }[uid];
    await expectRefusedAndUnchanged(() => docs(uid).delete({ documentId: target.documentId }), message);
  });

  test('code: a plan with service plans cannot be deleted; an unused one can', async () => {
    const { plan } = await createServicePlan(strapi);
    await expectRefusedAndUnchanged(
      () => docs('api::plan.plan').delete({ documentId: plan.documentId }),
      /1 service plans refer to it/,
    );
    const unused = await createPlan(strapi);
    await docs('api::plan.plan').delete({ documentId: unused.documentId });
    expect(await strapi.db.query('api::plan.plan').findOne({ where: { id: unused.id } })).toBeNull();
  });
});

describe('every refusal leaves the audit trail alone', () => {
  test('a refused transition writes no audit entry', async () => {
    const { servicePlan } = await createServicePlan(strapi);
    const before = await auditEntries(strapi, servicePlan.documentId);
    expect(await rejection(setStatus(strapi, 'api::service-plan.service-plan', servicePlan.documentId, 'Active'))).toMatch(/cannot go from Pending to Active/);
    expect(await auditEntries(strapi, servicePlan.documentId)).toEqual(before);
  });
});
