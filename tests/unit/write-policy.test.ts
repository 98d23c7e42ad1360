import { editedFields } from '../../src/guards/changes';
import { WRITE_POLICY, policyRefusal } from '../../src/guards/policy';

/** The write policy as a table: who may write which field of which record from outside the application. */
const SERVICE_PLAN = 'api::service-plan.service-plan';
const INVOICE = 'api::invoice.invoice';
const CUSTOMER = 'api::customer.customer';
const PLAN = 'api::plan.plan';
const TRANSACTION = 'api::transaction.transaction';
const REQUEST = 'plugin::repair-approvals.request';
const CERTIFICATE = 'plugin::repair-approvals.certificate';
const AUDIT = 'api::audit-log.audit-log';

const LABELS: Record<string, string> = {
  [SERVICE_PLAN]: 'service plan',
  [INVOICE]: 'invoice',
  [CUSTOMER]: 'customer',
  [PLAN]: 'plan',
  [TRANSACTION]: 'transaction',
  [AUDIT]: 'audit entry',
};

const verdict = (uid: string, editor: string, action: 'create' | 'update', fields: Record<string, unknown>) =>
  policyRefusal(uid, LABELS[uid], editor, action, fields)?.message ?? 'allowed';

describe('the write policy', () => {
  test.each([
    // Customer Success: what their work needs, nothing of money, periods or links.
    [SERVICE_PLAN, 'customer-success', 'update', { autoRenew: false }, 'allowed'],
    [SERVICE_PLAN, 'customer-success', 'update', { vehicle: 'Blue van' }, 'allowed'],
    [SERVICE_PLAN, 'customer-success', 'update', { state: 'Cancelled' }, 'allowed'],
    [SERVICE_PLAN, 'customer-success', 'update', { state: 'Active' }, /only to Cancelled, not Active/],
    [SERVICE_PLAN, 'customer-success', 'update', { endDate: '2031-01-01' }, /may not change the endDate of a service plan/],
    [SERVICE_PLAN, 'customer-success', 'update', { startDate: '2020-01-01' }, /startDate/],
    [SERVICE_PLAN, 'customer-success', 'update', { recurringMinor: 1 }, /recurringMinor/],
    [SERVICE_PLAN, 'customer-success', 'update', { plan: 'x' }, /the plan of a service plan/],
    [SERVICE_PLAN, 'customer-success', 'update', { customer: 'x' }, /the customer of a service plan/],
    [SERVICE_PLAN, 'customer-success', 'update', { renewalCount: 9 }, /renewalCount/],
    [SERVICE_PLAN, 'customer-success', 'update', { paymentMethod: 'stripe' }, /paymentMethod/],
    [SERVICE_PLAN, 'customer-success', 'create', { state: 'Pending' }, /may not create a service plan: service plans are created by the application/],
    [CUSTOMER, 'customer-success', 'create', { name: 'A', email: 'a@b.c', phone: '1' }, 'allowed'],
    [CUSTOMER, 'customer-success', 'update', { stripeCustomerId: 'cus_x' }, /may not change the stripeCustomerId of a customer/],
    [CUSTOMER, 'customer-success', 'update', { stripePaymentMethodId: 'pm_x' }, /stripePaymentMethodId/],
    [CUSTOMER, 'customer-success', 'create', { name: 'A', stripePaymentMethodId: 'pm_x' }, /may not set the stripePaymentMethodId/],
    [INVOICE, 'customer-success', 'update', { state: 'Void' }, /Customer Success may not change an invoice/],
    // Finance: void or write off an Open invoice, nothing else.
    [INVOICE, 'finance', 'update', { state: 'Void' }, 'allowed'],
    [INVOICE, 'finance', 'update', { state: 'Uncollectible' }, 'allowed'],
    [INVOICE, 'finance', 'update', { state: 'Paid' }, /only to Void or Uncollectible, not Paid/],
    [INVOICE, 'finance', 'update', { paidAt: '2020-01-15' }, /Finance may not change the paidAt of an invoice/],
    [INVOICE, 'finance', 'update', { paymentUrl: 'https://elsewhere' }, /paymentUrl/],
    [INVOICE, 'finance', 'update', { periodStart: '2020-01-01' }, /periodStart/],
    [INVOICE, 'finance', 'update', { customer: 'x' }, /customer/],
    [INVOICE, 'finance', 'update', { totalMinor: 1 }, /totalMinor/],
    [SERVICE_PLAN, 'finance', 'update', { autoRenew: false }, /Finance may not change a service plan/],
    [CUSTOMER, 'finance', 'update', { name: 'B' }, /Finance may not change a customer/],
    // API tokens: contact data of customers only.
    [CUSTOMER, 'api-token', 'update', { email: 'x@y.z' }, 'allowed'],
    [SERVICE_PLAN, 'api-token', 'update', { autoRenew: false }, /An API token may not change a service plan/],
    // Administrators in the content manager: the catalog, contact data, the same status moves as staff.
    [PLAN, 'admin', 'create', { code: 'c', name: 'n', priceMinor: 1, currency: 'USD', termMonths: 12, taxRateBps: 0, addOns: [], active: true }, 'allowed'],
    [PLAN, 'admin', 'update', { priceMinor: 2 }, 'allowed'],
    [CUSTOMER, 'admin', 'update', { user: 3 }, 'allowed'],
    [CUSTOMER, 'admin', 'update', { stripeCustomerId: 'cus_x' }, /An administrator may not change the stripeCustomerId/],
    [SERVICE_PLAN, 'admin', 'update', { endDate: '2031-01-01' }, /An administrator may not change the endDate/],
    [INVOICE, 'admin', 'create', { number: 'X' }, /may not create an invoice/],
    [TRANSACTION, 'admin', 'create', { amountMinor: 1 }, /may not create a transaction/],
    [TRANSACTION, 'finance', 'update', { state: 'Refunded' }, /Finance may not change a transaction/],
    [AUDIT, 'admin', 'create', { action: 'x' }, /may not create an audit entry/],
    // Any other role: nothing.
    [CUSTOMER, 'authenticated', 'create', { name: 'A' }, /The authenticated role may not create a customer/],
    // Nothing changed is nothing refused.
    [SERVICE_PLAN, 'customer-success', 'update', {}, 'allowed'],
  ] as const)('%s, %s, %s %j: %s', (uid, editor, action, fields, expected) => {
    const result = verdict(uid, editor, action, fields as Record<string, unknown>);
    if (expected === 'allowed') expect(result).toBe('allowed');
    else expect(result).toMatch(expected);
  });

  test('every billing content type has a row, and no editor may write money, periods, links or card references', () => {
    expect(Object.keys(WRITE_POLICY).sort()).toEqual([AUDIT, CUSTOMER, INVOICE, PLAN, SERVICE_PLAN, TRANSACTION, REQUEST, CERTIFICATE, 'plugin::transit-passes.fare-product', 'plugin::transit-passes.order', 'plugin::transit-passes.pass'].sort());
    // Approval requests and certificates are written by the process's routes and steps only.
    expect(WRITE_POLICY[REQUEST]).toEqual({});
    expect(WRITE_POLICY[CERTIFICATE]).toEqual({});
    const processOnly: Record<string, string[]> = {
      [SERVICE_PLAN]: ['customer', 'plan', 'startDate', 'endDate', 'recurringMinor', 'renewalCount', 'paymentMethod', 'addOnCodes'],
      [INVOICE]: ['customer', 'servicePlan', 'totalMinor', 'subtotalMinor', 'taxMinor', 'currency', 'lines', 'periodStart', 'periodEnd', 'paidAt', 'dueDate', 'paymentUrl', 'number'],
      [CUSTOMER]: ['stripeCustomerId', 'stripePaymentMethodId', 'committedCreditMinor'],
      [TRANSACTION]: ['amountMinor', 'currency', 'state', 'providerReference', 'invoice'],
    };
    for (const [uid, fields] of Object.entries(processOnly)) {
      for (const rights of Object.values(WRITE_POLICY[uid])) {
        for (const field of fields) {
          expect([uid, field, rights?.create?.[field] ?? rights?.update?.[field] ?? null]).toEqual([uid, field, null]);
        }
      }
    }
  });
});

describe('what a write changes', () => {
  const attributes = {
    state: { type: 'enumeration' },
    autoRenew: { type: 'boolean' },
    endDate: { type: 'date' },
    paidAt: { type: 'datetime' },
    recurringMinor: { type: 'integer' },
    addOnCodes: { type: 'json' },
    customer: { type: 'relation', relation: 'manyToOne' },
    lines: { type: 'component', repeatable: true },
  };
  const stored = {
    id: 4,
    documentId: 'sp1',
    state: 'Active',
    autoRenew: true,
    endDate: '2027-03-15',
    paidAt: '2026-03-15T10:00:00.000Z',
    recurringMinor: 30003,
    addOnCodes: ['roadside'],
    customer: { id: 7, documentId: 'cus1' },
    lines: [{ id: 1, kind: 'base', amountMinor: 100 }],
  };

  test.each([
    // The content manager sends the whole form: unchanged values are no change.
    [{ ...stored, updatedAt: 'x', customer: { connect: [], disconnect: [] } }, {}],
    [{ endDate: '2027-03-15T00:00:00.000Z', paidAt: new Date('2026-03-15T10:00:00Z'), recurringMinor: '30003' }, {}],
    [{ addOnCodes: ['roadside'], lines: [{ id: 1, kind: 'base', amountMinor: 100, __temp_key__: 'a0' }] }, {}],
    [{ customer: 'cus1' }, {}],
    [{ customer: { set: [{ documentId: 'cus1' }] } }, {}],
    // What does change.
    [{ endDate: '2031-01-01' }, { endDate: '2031-01-01' }],
    [{ recurringMinor: 1 }, { recurringMinor: 1 }],
    [{ autoRenew: false }, { autoRenew: false }],
    [{ customer: 'cus2' }, { customer: 'cus2' }],
    [{ customer: { connect: [{ documentId: 'cus2' }] } }, { customer: { connect: [{ documentId: 'cus2' }] } }],
    [{ customer: null }, { customer: null }],
    [{ lines: [{ id: 1, kind: 'base', amountMinor: 1 }] }, { lines: [{ id: 1, kind: 'base', amountMinor: 1 }] }],
    [{ somethingElse: 1 }, { somethingElse: 1 }],
  ])('update %j changes %j', (data, expected) => {
    expect(editedFields(attributes as any, data as any, stored)).toEqual(expected);
  });

  test('on creation, empty fields of the form set nothing', () => {
    expect(editedFields(attributes as any, { state: 'Pending', endDate: null, customer: { connect: [] }, lines: [], autoRenew: false })).toEqual({
      state: 'Pending',
      autoRenew: false,
    });
  });
});
