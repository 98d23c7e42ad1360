import type { Core } from '@strapi/strapi';
import { fingerprint } from '../harness/database-state';
import { http, signInStaff, startStrapi, stopStrapi } from '../harness/strapi';
import { auditEntries, createCustomer, createPlan, createServicePlan, setStatus } from '../harness/fixtures';
import { WORKFLOW_RUN_UID } from '../harness/prepaid-runs';

/**
 * Who may change which field of a billing record, through the paths people use: REST with the
 * staff roles' real JWTs, the content manager with a real administrator session. Each refusal
 * names the field and leaves the whole database as it was.
 */
let strapi: Core.Strapi;
let finance: string;
let customerSuccess: string;
let admin: string;

const P = '/api/plan-renewals';

beforeAll(async () => {
  strapi = await startStrapi();
  ({ finance, customerSuccess } = await signInStaff(strapi));
  const registered = await http(strapi)
    .post('/admin/register-admin')
    .send({ firstname: 'Sam', lastname: 'Super', email: 'sam@shop.test', password: 'Str0ng-Passw0rd!' });
  expect(registered.status).toBe(200);
  admin = registered.body.data.token;
});
afterAll(() => stopStrapi(strapi));

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const contentManager = (uid: string, documentId = '') => `/content-manager/collection-types/${uid}${documentId ? `/${documentId}` : ''}`;

/** Sends a request, expects `status` with a message matching `message`, and proves nothing was written anywhere. */
const expectRefusedUnchanged = async (send: () => Promise<any>, status: number, message: RegExp) => {
  const before = await fingerprint(strapi);
  const response = await send();
  expect([response.status, response.body?.error?.message]).toEqual([status, expect.stringMatching(message)]);
  expect(await fingerprint(strapi)).toEqual(before);
  return response;
};

/** A manual purchase through REST, as Customer Success: the run waits for Finance to verify the payment. */
const purchase = async () => {
  const plan = await createPlan(strapi);
  const customer = await createCustomer(strapi);
  const response = await http(strapi)
    .post(`${P}/purchases`)
    .set(bearer(customerSuccess))
    .send({ customer: customer.documentId, plan: plan.code, addOns: [], paymentMethod: 'manual' });
  expect(response.status).toBe(201);
  return { plan, customer, run: response.body.data.run, servicePlan: response.body.data.servicePlan };
};

const pay = (invoice: any, reference: string) =>
  http(strapi)
    .post(`${P}/invoices/${invoice.documentId}/manual-payments`)
    .set(bearer(finance))
    .send({ amountMinor: invoice.totalMinor, currency: invoice.currency, reference });

const invoiceOf = (documentId: string) =>
  strapi.documents('api::invoice.invoice').findOne({ documentId, populate: ['transactions'] }) as Promise<any>;

describe('1. Customer Success changes a service plan only where their work needs it', () => {
  test.each([
    ['endDate', '2031-01-01'],
    ['startDate', '2020-01-01'],
    ['recurringMinor', 1],
    ['renewalCount', 7],
    ['paymentMethod', 'stripe'],
  ])('REST: %s is refused with a 400 naming it, nothing written', async (field, value) => {
    const { servicePlan } = await createServicePlan(strapi);
    await expectRefusedUnchanged(
      () => http(strapi).put(`/api/service-plans/${servicePlan.documentId}`).set(bearer(customerSuccess)).send({ data: { [field]: value } }),
      400,
      new RegExp(`Customer Success may not change the ${field} of a service plan`),
    );
  });

  test('REST: moving the plan to another customer or catalog plan is refused', async () => {
    const { servicePlan } = await createServicePlan(strapi);
    const other = await createCustomer(strapi);
    const otherPlan = await createPlan(strapi);
    await expectRefusedUnchanged(
      () => http(strapi).put(`/api/service-plans/${servicePlan.documentId}`).set(bearer(customerSuccess)).send({ data: { customer: other.documentId } }),
      400,
      /may not change the customer of a service plan/,
    );
    await expectRefusedUnchanged(
      () => http(strapi).put(`/api/service-plans/${servicePlan.documentId}`).set(bearer(customerSuccess)).send({ data: { plan: otherPlan.documentId } }),
      400,
      /may not change the plan of a service plan/,
    );
  });

  test('REST: auto-renew, vehicle and cancelling stay allowed, each audited', async () => {
    const { servicePlan } = await createServicePlan(strapi);
    const response = await http(strapi)
      .put(`/api/service-plans/${servicePlan.documentId}`)
      .set(bearer(customerSuccess))
      .send({ data: { autoRenew: false, vehicle: 'Red hatchback', state: 'Cancelled' } });
    expect(response.status).toBe(200);
    expect((await auditEntries(strapi, servicePlan.documentId)).at(-1)).toMatchObject({
      action: 'service-plan.status-changed',
      fromState: 'Pending',
      toState: 'Cancelled',
      changes: { autoRenew: { before: true, after: false }, vehicle: { before: null, after: 'Red hatchback' }, state: { before: 'Pending', after: 'Cancelled' } },
    });
  });

  test('content manager: an administrator cannot move a period either', async () => {
    const { servicePlan } = await createServicePlan(strapi);
    await expectRefusedUnchanged(
      () => http(strapi).put(contentManager('api::service-plan.service-plan', servicePlan.documentId)).set(bearer(admin)).send({ endDate: '2031-01-01' }),
      400,
      /An administrator may not change the endDate of a service plan/,
    );
  });

  test('content manager: service plans and invoices are created by the process, not by hand', async () => {
    const customer = await createCustomer(strapi);
    const plan = await createPlan(strapi);
    await expectRefusedUnchanged(
      () =>
        http(strapi)
          .post(contentManager('api::service-plan.service-plan'))
          .set(bearer(admin))
          .send({ state: 'Active', customer: { connect: [{ documentId: customer.documentId }] }, plan: { connect: [{ documentId: plan.documentId }] } }),
      400,
      /may not create a service plan/,
    );
  });
});

describe('2. Finance cannot rewrite an invoice', () => {
  const paidInvoice = async () => {
    const { run } = await purchase();
    const invoice = await invoiceOf(run.invoice.documentId);
    expect((await pay(invoice, `PAID-${invoice.number}`)).status).toBe(201);
    const [task] = (await http(strapi).get(`${P}/tasks`).set(bearer(finance))).body.data.filter((t: any) => t.run === run.documentId);
    expect((await http(strapi).post(`${P}/tasks/${task.documentId}/complete`).set(bearer(finance)).send({ outcome: 'approved' })).status).toBe(200);
    const paid = await invoiceOf(invoice.documentId);
    expect(paid.state).toBe('Paid');
    return paid;
  };

  test.each([
    ['paidAt', '2020-01-15T00:00:00.000Z'],
    ['periodStart', '2020-01-01'],
    ['periodEnd', '2040-01-01'],
    ['dueDate', '2040-01-01'],
    ['paymentUrl', 'https://pay.example.net/elsewhere'],
  ])('REST: %s of a Paid invoice is refused with a 400 naming it, nothing written', async (field, value) => {
    const invoice = await paidInvoice();
    await expectRefusedUnchanged(
      () => http(strapi).put(`/api/invoices/${invoice.documentId}`).set(bearer(finance)).send({ data: { [field]: value } }),
      400,
      new RegExp(`Finance may not change the ${field} of an invoice`),
    );
  });

  test('REST: the invoice cannot be moved to another customer', async () => {
    const invoice = await paidInvoice();
    const other = await createCustomer(strapi);
    await expectRefusedUnchanged(
      () => http(strapi).put(`/api/invoices/${invoice.documentId}`).set(bearer(finance)).send({ data: { customer: other.documentId } }),
      400,
      /Finance may not change the customer of an invoice/,
    );
  });

  test('REST: Finance marks an Open invoice paid only by recording the payment', async () => {
    const { run } = await purchase();
    await expectRefusedUnchanged(
      () => http(strapi).put(`/api/invoices/${run.invoice.documentId}`).set(bearer(finance)).send({ data: { state: 'Paid' } }),
      400,
      /Finance may set an invoice's state only to Void or Uncollectible, not Paid/,
    );
  });
});

describe('3. card references are written by the Stripe flows only', () => {
  test.each(['stripeCustomerId', 'stripePaymentMethodId'])('REST: Customer Success cannot set %s', async (field) => {
    const customer = await createCustomer(strapi);
    await expectRefusedUnchanged(
      () => http(strapi).put(`/api/customers/${customer.documentId}`).set(bearer(customerSuccess)).send({ data: { [field]: 'pm_forged' } }),
      400,
      new RegExp(`Customer Success may not change the ${field} of a customer`),
    );
    await expectRefusedUnchanged(
      () => http(strapi).post('/api/customers').set(bearer(customerSuccess)).send({ data: { name: 'Forger', email: `forger-${field}@example.com`, [field]: 'cus_forged' } }),
      400,
      new RegExp(`Customer Success may not set the ${field} of a customer`),
    );
  });

  test('REST: contact details stay editable and are audited before and after', async () => {
    const customer: any = await createCustomer(strapi);
    const response = await http(strapi).put(`/api/customers/${customer.documentId}`).set(bearer(customerSuccess)).send({ data: { phone: '+1 512 555 0199' } });
    expect(response.status).toBe(200);
    expect((await auditEntries(strapi, customer.documentId)).at(-1)).toMatchObject({
      action: 'customer.updated',
      changes: { phone: { before: customer.phone, after: '+15125550199' } }, // stored in E.164
    });
  });
});

describe('4. one payment per invoice', () => {
  test('a second counter payment is a 409 naming the first, nothing written; rejecting the payment is refused too', async () => {
    const { run } = await purchase();
    const invoice = await invoiceOf(run.invoice.documentId);
    expect((await pay(invoice, 'COUNTER-FIRST')).status).toBe(201);
    const second = await expectRefusedUnchanged(() => pay(invoice, 'COUNTER-SECOND'), 409, /already has a payment of .* recorded \(manual COUNTER-FIRST\)/);
    expect(second.body.error.details).toMatchObject({ provider: 'manual', providerReference: 'COUNTER-FIRST' });

    const [task] = (await http(strapi).get(`${P}/tasks`).set(bearer(finance))).body.data.filter((t: any) => t.run === run.documentId);
    await expectRefusedUnchanged(
      () => http(strapi).post(`${P}/tasks/${task.documentId}/complete`).set(bearer(finance)).send({ outcome: 'rejected', note: 'looks wrong' }),
      409,
      /has a payment of .* recorded \(manual COUNTER-FIRST\): approve the task, or refund the payment/,
    );
    const stored = await invoiceOf(invoice.documentId);
    expect([stored.state, stored.transactions.length]).toEqual(['Open', 1]);
  });
});

describe('5. a refused renewal leaves nothing behind', () => {
  test('renewing a Cancelled plan is a 400 before any run exists, and stays a 400', async () => {
    const { servicePlan } = await createServicePlan(strapi);
    await setStatus(strapi, 'api::service-plan.service-plan', servicePlan.documentId, 'Cancelled');
    for (let i = 0; i < 2; i += 1) {
      await expectRefusedUnchanged(
        () => http(strapi).post(`${P}/service-plans/${servicePlan.documentId}/renewals`).set(bearer(customerSuccess)),
        400,
        /is Cancelled, which is final: it cannot be renewed/,
      );
    }
    // No run of any process names the plan.
    expect(await strapi.db.query(WORKFLOW_RUN_UID).count({ where: { subjectId: servicePlan.documentId } })).toBe(0);
  });
});

describe('8. only the application writes audit entries, and reports read their fields', () => {
  test('content manager: a Super Admin cannot create an entry (403), nothing written', async () => {
    const { servicePlan } = await createServicePlan(strapi);
    await expectRefusedUnchanged(
      () =>
        http(strapi)
          .post(contentManager('api::audit-log.audit-log'))
          .set(bearer(admin))
          .send({
            action: 'service-plan.status-changed',
            entityUid: 'api::service-plan.service-plan',
            entityDocumentId: servicePlan.documentId,
            actorType: 'system',
            summary: 'Service plan Active -> Cancelled',
            toState: 'Cancelled',
            occurredAt: '2026-01-10T00:00:00.000Z',
          }),
      403,
      // The content manager answers its own word for a 403.
      /^Forbidden$|written by the application only/,
    );
  });

  test('code: the query engine cannot insert an entry either', async () => {
    const before = await fingerprint(strapi);
    await expect(
      strapi.db.query('api::audit-log.audit-log').create({
        data: { action: 'service-plan.status-changed', entityUid: 'api::service-plan.service-plan', actorType: 'system', summary: 'x -> Cancelled', occurredAt: new Date() },
      }),
    ).rejects.toThrow(/written by the application only/);
    expect(await fingerprint(strapi)).toEqual(before);
  });

  test('the monthly report counts cancellations from the entries’ target state', async () => {
    const today = new Date();
    const month = today.toISOString().slice(0, 7);
    // A month's report is made once it is over: ask as of the middle of the next month.
    const nextMonth = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() + 1, 15));
    const reports = strapi.plugin('plan-renewals').service('reports');
    const before = (await reports.generate(month, nextMonth)).report.plans.cancelled;
    const { servicePlan } = await createServicePlan(strapi);
    const cancelled = await http(strapi).put(`/api/service-plans/${servicePlan.documentId}`).set(bearer(customerSuccess)).send({ data: { state: 'Cancelled' } });
    expect(cancelled.status).toBe(200);
    const revised = await reports.regenerate(month, { reason: 'a plan was cancelled', by: { type: 'system', name: 'test' } }, nextMonth);
    expect(revised.plans.cancelled).toBe(before + 1);
  });
});

describe('10. tasks are for staff roles', () => {
  test.each(['read-only', 'full-access'])('GET /tasks with a %s API token is a 403', async (type) => {
    const token: any = await strapi.service('admin::api-token').create({ name: `tasks-${type}`, type, lifespan: null });
    const response = await http(strapi).get(`${P}/tasks`).set(bearer(token.accessKey));
    expect([response.status, response.body.error.name]).toEqual([403, 'ForbiddenError']);
  });
});

describe('11. an API token edits a customer\'s contact details only, and is audited as itself', () => {
  test('a full-access token creates a customer and changes its phone; a money field is refused, nothing written', async () => {
    const token: any = await strapi.service('admin::api-token').create({ name: 'crm-sync', type: 'full-access', lifespan: null });
    const created = await http(strapi).post('/api/customers').set(bearer(token.accessKey)).send({ data: { name: 'Synced Customer', email: 'synced@example.com' } });
    expect(created.status).toBe(201);
    const id = created.body.data.documentId;
    const updated = await http(strapi).put(`/api/customers/${id}`).set(bearer(token.accessKey)).send({ data: { phone: '+15125550142' } });
    expect(updated.status).toBe(200);
    const audit = await auditEntries(strapi, id);
    expect(audit.map((entry: any) => [entry.action, entry.actorType, entry.actorName])).toEqual([
      ['customer.created', 'api-token', 'crm-sync'],
      ['customer.updated', 'api-token', 'crm-sync'],
    ]);
    await expectRefusedUnchanged(
      () => http(strapi).put(`/api/customers/${id}`).set(bearer(token.accessKey)).send({ data: { creditLimitMinor: 5 } }),
      400,
      /An API token may not change .*creditLimitMinor/,
    );
  });
});

describe('12. a run owns its plan\'s and its invoice\'s states while it is open', () => {
  test('cancelling the plan or voiding the invoice by hand is refused (409, nothing written); cancelling the run undoes both', async () => {
    const { run, servicePlan } = await purchase();
    const invoice = run.invoice;
    await expectRefusedUnchanged(
      () => http(strapi).put(`/api/service-plans/${servicePlan.documentId}`).set(bearer(customerSuccess)).send({ data: { state: 'Cancelled' } }),
      409,
      /has an open purchase run .*at "Verify payment authorization".*cancel the run instead/,
    );
    await expectRefusedUnchanged(
      () => http(strapi).put(`/api/invoices/${invoice.documentId}`).set(bearer(finance)).send({ data: { state: 'Void', closingReason: 'sold twice' } }),
      409,
      /belongs to an open run .*reject its payment verification, or cancel the run/,
    );
    // Other fields stay the staff's to change meanwhile.
    expect((await http(strapi).put(`/api/service-plans/${servicePlan.documentId}`).set(bearer(customerSuccess)).send({ data: { autoRenew: false } })).status).toBe(200);

    await strapi.plugin('plan-renewals').service('engine').cancel(run.documentId, 'sold by mistake');
    expect(await invoiceOf(invoice.documentId)).toMatchObject({ state: 'Void' });
    expect(await strapi.documents('api::service-plan.service-plan').findOne({ documentId: servicePlan.documentId })).toMatchObject({ state: 'Cancelled' });
    // The run closed, nothing holds them: a payment for the cancelled plan has nowhere to go.
    const voided = await invoiceOf(invoice.documentId);
    await expectRefusedUnchanged(() => pay(voided, 'late-counter-payment'), 409, /is Void, not Open/);
  });
});

describe('13. a purchase whose total no invoice can hold', () => {
  test('is refused with 400 before anything is written: no plan, no run', async () => {
    const plan = await createPlan(strapi, { code: 'fleet-max', priceMinor: 2_147_483_647, taxRateBps: 1000 });
    const customer = await createCustomer(strapi);
    await expectRefusedUnchanged(
      () => http(strapi).post(`${P}/purchases`).set(bearer(customerSuccess)).send({ customer: customer.documentId, plan: plan.code, addOns: [], paymentMethod: 'manual' }),
      400,
      /cannot be invoiced: .*must be at most 2147483647 minor units/,
    );
  });
});

describe('14. Finance writes off an invoice its open run waits for', () => {
  test('is allowed, with the reason (it ends the dunning; the expiry job closes the run)', async () => {
    const { run } = await purchase();
    await expectRefusedUnchanged(
      () => http(strapi).put(`/api/invoices/${run.invoice.documentId}`).set(bearer(finance)).send({ data: { state: 'Uncollectible', closingReason: '  ' } }),
      400,
      /Setting an invoice's state to Uncollectible needs a reason: send closingReason with it/,
    );
    await expectRefusedUnchanged(
      () => http(strapi).put(`/api/invoices/${run.invoice.documentId}`).set(bearer(finance)).send({ data: { closingReason: 'customer unreachable' } }),
      400,
      /closingReason is sent only with the state change it explains \(to Void or Uncollectible\)/,
    );
    const written = await http(strapi).put(`/api/invoices/${run.invoice.documentId}`).set(bearer(finance)).send({ data: { state: 'Uncollectible', closingReason: 'customer unreachable' } });
    expect([written.status, written.body.data?.state, written.body.data?.closingReason]).toEqual([200, 'Uncollectible', 'customer unreachable']);
  });
});
