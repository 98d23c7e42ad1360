import crypto from 'node:crypto';
import type { Core } from '@strapi/strapi';
import { http, signIn, snapshot, startStrapi, stopStrapi } from '../harness/strapi';
import { createOpenInvoice, recordPayment } from '../harness/fixtures';

/**
 * The permission matrix, stated independently of src/setup/permissions.ts: for every content
 * type's REST routes and every kind of caller, who gets through. A refused write changes nothing.
 */
type Caller = 'public' | 'authenticated' | 'finance' | 'customer-success';
type Action = 'find' | 'findOne' | 'create' | 'update' | 'delete';

const F = 'finance';
const CS = 'customer-success';

const MATRIX: Record<string, Record<Action, Caller[]>> = {
  customers: { find: [F, CS], findOne: [F, CS], create: [CS], update: [CS], delete: [] },
  plans: { find: [F, CS], findOne: [F, CS], create: [], update: [], delete: [] },
  'service-plans': { find: [F, CS], findOne: [F, CS], create: [], update: [CS], delete: [] },
  invoices: { find: [F, CS], findOne: [F, CS], create: [], update: [F], delete: [] },
  transactions: { find: [F], findOne: [F], create: [], update: [], delete: [] },
  'audit-logs': { find: [F], findOne: [F], create: [], update: [], delete: [] },
};

/** Routes that exist at all; calling any other gets 405 whoever calls it. */
const ROUTED: Record<string, Action[]> = {
  customers: ['find', 'findOne', 'create', 'update'],
  plans: ['find', 'findOne'],
  'service-plans': ['find', 'findOne', 'update'],
  invoices: ['find', 'findOne', 'update'],
  transactions: ['find', 'findOne'],
  'audit-logs': ['find', 'findOne'],
};

let strapi: Core.Strapi;
const tokens: Partial<Record<Caller, string>> = {};
const ids: Record<string, string> = {};

beforeAll(async () => {
  strapi = await startStrapi();
  tokens.authenticated = await signIn(strapi, 'authenticated');
  tokens.finance = await signIn(strapi, 'finance');
  tokens['customer-success'] = await signIn(strapi, 'customer-success');
  const { plan, customer, servicePlan, invoice } = await createOpenInvoice(strapi);
  const payment = await recordPayment(strapi, invoice, 'Pending');
  const [audit] = await strapi.db.query('api::audit-log.audit-log').findMany({ limit: 1 });
  Object.assign(ids, {
    customers: customer.documentId,
    plans: plan.documentId,
    'service-plans': servicePlan.documentId,
    invoices: invoice.documentId,
    transactions: payment.documentId,
    'audit-logs': audit.documentId,
  });
});
afterAll(() => stopStrapi(strapi));

/** A body each route would accept from someone allowed to call it. */
const body = (type: string, action: Action) => {
  if (action === 'create') {
    return type === 'customers'
      ? { data: { name: 'Walk-in Customer', email: `walk-in-${crypto.randomBytes(3).toString('hex')}@example.com` } }
      : { data: { name: 'anything' } };
  }
  if (action === 'update') {
    const data: Record<string, unknown> = {
      customers: { phone: '+1 512 555 0199' },
      'service-plans': { autoRenew: false },
      // What Finance may change of an invoice (the write policy): writing an Open one off.
      invoices: { state: 'Uncollectible', closingReason: 'written off in the permissions test' },
    }[type] ?? { name: 'changed' };
    return { data };
  }
  return undefined;
};

const send = (type: string, action: Action, caller: Caller) => {
  const base = `/api/${type}`;
  const one = `${base}/${ids[type]}`;
  let req = {
    find: () => http(strapi).get(base),
    findOne: () => http(strapi).get(one),
    create: () => http(strapi).post(base),
    update: () => http(strapi).put(one),
    delete: () => http(strapi).delete(one),
  }[action]();
  if (caller !== 'public') req = req.set('Authorization', `Bearer ${tokens[caller]}`);
  const payload = body(type, action);
  return payload ? req.send(payload) : req;
};

const cases = Object.entries(MATRIX).flatMap(([type, actions]) =>
  (Object.keys(actions) as Action[]).flatMap((action) =>
    (['public', 'authenticated', F, CS] as Caller[]).map((caller) => ({
      type,
      action,
      caller,
      allowed: actions[action].includes(caller),
      routed: ROUTED[type].includes(action),
    })),
  ),
);

test.each(cases)('$caller $action $type -> allowed: $allowed', async ({ type, action, caller, allowed, routed }) => {
  const before = action === 'find' || action === 'findOne' ? null : await snapshot(strapi);
  const response = await send(type, action, caller);
  if (allowed) {
    expect([200, 201]).toContain(response.status);
    expect(response.body.data).toBeTruthy();
    return;
  }
  expect(response.status).toBe(routed ? 403 : 405);
  expect(response.body.data ?? null).toBeNull();
  if (before) expect(await snapshot(strapi)).toEqual(before);
});

test('private customer fields never leave over REST', async () => {
  await strapi.db
    .query('api::customer.customer')
    .update({ where: { documentId: ids.customers }, data: { stripeCustomerId: 'cus_secret', stripePaymentMethodId: 'pm_secret' } });
  const response = await http(strapi).get(`/api/customers/${ids.customers}`).set('Authorization', `Bearer ${tokens.finance}`);
  expect(response.status).toBe(200);
  expect(JSON.stringify(response.body)).not.toMatch(/cus_secret|pm_secret|stripe/i);
});

test('staff roles exist once, however often the app starts', async () => {
  const setup = require('../harness/fixtures').appModule('setup/permissions');
  await setup.ensureStaffRoles(strapi);
  await setup.ensureStaffRoles(strapi);
  const roles = await strapi.db.query('plugin::users-permissions.role').findMany({ where: { type: { $in: [F, CS] } } });
  expect(roles.map((r: any) => [r.type, r.name]).sort()).toEqual([
    [CS, 'Customer Success'],
    [F, 'Finance Officer'],
  ]);
  for (const role of roles) {
    const permissions = await strapi.db
      .query('plugin::users-permissions.permission')
      .findMany({ where: { role: { id: role.id } } });
    const actions = permissions.map((p: any) => p.action);
    expect(new Set(actions).size).toBe(actions.length);
  }
});
