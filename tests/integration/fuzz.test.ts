import fc from 'fast-check';
import type { Core } from '@strapi/strapi';
import { fingerprint } from '../harness/database-state';
import { createOpenInvoice, createPlan } from '../harness/fixtures';
import { http, signIn, signInStaff, startStrapi, stopStrapi } from '../harness/strapi';
import { SECRET, signature } from '../harness/stripe';

/**
 * Hostile input against every route a staff role or Stripe can call: malformed, oversized and
 * wrongly typed bodies, queries and path parameters, sent with real JWTs of the role allowed to
 * call the route (so the input gets past the permission check). Every answer must be a 4xx, never
 * a 5xx, and the database must be exactly as before: every table's row count and a hash of its
 * rows. FUZZ_RUNS sets the runs per route (FUZZ_SEED replays a failure fast-check reported).
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 12);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;

let strapi: Core.Strapi;
let finance: string;
let customerSuccess: string;
const known: Record<string, string> = {};
let invoiceTotal = 0;

beforeAll(async () => {
  process.env.STRIPE_WEBHOOK_SECRET = SECRET;
  strapi = await startStrapi();
  ({ finance, customerSuccess } = await signInStaff(strapi));
  const { customer, servicePlan, invoice } = await createOpenInvoice(strapi);
  const retired = await createPlan(strapi, { active: false });
  Object.assign(known, { customer: customer.documentId, servicePlan: servicePlan.documentId, invoice: invoice.documentId, retiredPlan: retired.code });
  invoiceTotal = invoice.totalMinor;
});
afterAll(async () => {
  await stopStrapi(strapi);
  delete process.env.STRIPE_WEBHOOK_SECRET;
});

type Send = () => Promise<{ status: number; body: any; text: string }>;

/** Sends one hostile request and proves it was refused with a 4xx that wrote nothing. */
const expectRefusedUnchanged = async (send: Send) => {
  const before = await fingerprint(strapi);
  const response = await send();
  const what = `${response.status} ${response.text?.slice(0, 300)}`;
  if (response.status < 400 || response.status >= 500) throw new Error(`Expected a 4xx, got ${what}`);
  expect(await fingerprint(strapi)).toEqual(before);
  return response;
};

/** Sends any JSON value as the body, primitives included (supertest only serializes objects). */
const json = (value: unknown) => JSON.stringify(value) ?? 'null';

const check = <T>(arbitrary: fc.Arbitrary<T>, send: (input: T) => Send) =>
  fc.assert(
    fc.asyncProperty(arbitrary, async (input) => {
      await expectRefusedUnchanged(send(input));
    }),
    { numRuns: RUNS, seed: SEED, endOnFailure: true },
  );

// ----- values no field accepts, by attribute type ----------------------------------------------

const nulText = fc.string({ maxLength: 8 }).map((text) => `${text}\u0000${text}`);
const anyText = fc.string({ unit: 'binary', maxLength: 40 });
const structure = fc.oneof(fc.array(fc.jsonValue({ maxDepth: 2 }), { minLength: 1, maxLength: 3 }), fc.dictionary(anyText, fc.jsonValue({ maxDepth: 2 }), { minKeys: 1, maxKeys: 3 }));
const notNumber = fc.oneof(fc.constantFrom('abc', '', ' ', '1e400', 'NaN', '0x', '--1', 'Infinity'), structure, fc.boolean());
const badInteger = fc.oneof(notNumber, fc.constantFrom(0.5, -1, 2 ** 31, 3e9, -(2 ** 31) - 1, 1e300, Number.MAX_SAFE_INTEGER + 2));
const badDate = fc.oneof(fc.constantFrom('2026-13-45', '2026-02-30', 'yesterday', '0000-00-00', '99999-01-01'), structure, fc.boolean());
const unknownDocument = fc.stringMatching(/^[a-z0-9]{24}$/);
const badRelation = fc.oneof(
  unknownDocument,
  fc.integer({ min: 100_000, max: 2 ** 31 - 1 }),
  unknownDocument.map((id) => ({ connect: [id] })),
  unknownDocument.map((id) => ({ set: [{ documentId: id }] })),
  fc.constantFrom(-1, 0.5, 'x'.repeat(300)),
);

/** A value the attribute cannot take. */
const invalidFor = (attribute: any): fc.Arbitrary<unknown> => {
  switch (attribute.type) {
    case 'string':
    case 'email':
    case 'text':
    case 'uid': {
      const tooLong = fc.integer({ min: 1, max: 300 }).map((extra) => 'x'.repeat((attribute.maxLength ?? 5000) + extra));
      return fc.oneof(nulText, tooLong, structure, ...(attribute.type === 'email' ? [fc.constantFrom('not-an-email', '@', 'a@')] : []));
    }
    case 'integer':
    case 'biginteger':
    case 'float':
    case 'decimal':
      return badInteger;
    case 'boolean':
      return fc.oneof(structure, fc.constantFrom('maybe', 2, -1));
    case 'enumeration':
      return fc.oneof(anyText.filter((value) => !attribute.enum.includes(value)), fc.integer(), structure);
    case 'date':
    case 'datetime':
      return badDate;
    case 'json':
      return fc.oneof(nulText, fc.array(nulText, { minLength: 1, maxLength: 2 }), fc.record({ key: nulText }));
    case 'relation':
      return badRelation;
    case 'component':
      return fc.oneof(fc.array(fc.record({ unknownKey: fc.jsonValue({ maxDepth: 1 }) }), { minLength: 1, maxLength: 2 }), anyText, fc.integer());
    default:
      return structure;
  }
};

/** Fields Strapi manages itself and leaves out of any REST write. */
const SYSTEM_FIELDS = new Set(['id', 'documentId', 'createdAt', 'updatedAt', 'publishedAt', 'createdBy', 'updatedBy', 'locale', 'localizations']);

/** `{ data }` with one to three fields set to values they cannot take, or an unknown key. */
const hostileData = (uid: string) => {
  const attributes = Object.entries((strapi.getModel(uid as any) as any).attributes).filter(
    ([name, attribute]: [string, any]) => !attribute.private && !SYSTEM_FIELDS.has(name),
  );
  const field = fc.oneof(
    fc.constantFrom(...attributes).chain(([name, attribute]) => invalidFor(attribute).map((value) => [name, value] as const)),
    fc.tuple(fc.stringMatching(/^[a-z][a-zA-Z]{0,12}$/).map((name) => `zz${name}`), fc.jsonValue({ maxDepth: 1 })),
  );
  return fc.uniqueArray(field, { minLength: 1, maxLength: 3, selector: ([name]) => name }).map((fields) => Object.fromEntries(fields));
};

/** A body that is not `{ data: object }` at all. */
const malformedBody = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }).filter((value) => !(value && typeof value === 'object' && !Array.isArray(value) && 'data' in value)),
  fc.jsonValue({ maxDepth: 1 }).filter((value) => !(value && typeof value === 'object' && !Array.isArray(value))).map((data) => ({ data })),
  fc.constant({ data: [] }),
);

/** A query Strapi's content API must refuse: bad filter values, unknown keys and operators. */
const hostileQuery = (uid: string) => {
  const attributes = Object.entries((strapi.getModel(uid as any) as any).attributes) as [string, any][];
  const numbers = attributes.filter(([, attribute]) => ['integer', 'biginteger', 'float', 'decimal'].includes(attribute.type)).map(([name]) => name);
  const relations = attributes.filter(([, attribute]) => attribute.type === 'relation').map(([name]) => name);
  const unknownKey = fc.stringMatching(/^[a-z][a-zA-Z]{0,10}$/).map((name) => `zz${name}`);
  const operator = fc.constantFrom('$eq', '$ne', '$lt', '$gt', '$lte', '$gte', '$in', '$notIn', '$between');
  const badNumberValue = fc.oneof(
    fc.constantFrom('abc', '1e400', '3000000000', '-3000000000', '1.5.5', '', 'NaN'),
    fc.array(fc.constantFrom('abc', '3000000000', 'NaN'), { minLength: 1, maxLength: 3 }),
  );
  return fc.oneof(
    fc.tuple(fc.constantFrom(...numbers, 'id'), operator, badNumberValue).map(([field, op, value]) => ({ filters: { [field]: { [op]: value } } })),
    fc.tuple(fc.constantFrom(...numbers, 'id'), badNumberValue).map(([field, value]) => ({ filters: { $or: [{ [field]: value }] } })),
    fc.tuple(unknownKey, anyText).map(([key, value]) => ({ filters: { [key]: value } })),
    fc.tuple(fc.constantFrom(...attributes.map(([name]) => name)), unknownKey, anyText).map(([field, op, value]) => ({ filters: { [field]: { [`$${op}`]: value } } })),
    unknownKey.map((key) => ({ sort: key })),
    unknownKey.map((key) => ({ sort: [`${key}:asc`] })),
    unknownKey.map((key) => ({ populate: { [key]: '*' } })),
    unknownKey.map((key) => ({ fields: [key] })),
    nulText.map((text) => ({ filters: { documentId: text } })),
    // Filter shapes the query engine does not take: a group that is no list, an operator where a
    // field belongs, an operator applied to an operator.
    fc.tuple(fc.constantFrom('$or', '$and'), fc.oneof(anyText, fc.dictionary(unknownKey, anyText, { minKeys: 1, maxKeys: 2 }))).map(([group, value]) => ({ filters: { [group]: value } })),
    fc.tuple(operator, anyText).map(([op, value]) => ({ filters: { [op]: value } })),
    fc.tuple(fc.constantFrom(...attributes.map(([name]) => name)), operator, operator, anyText).map(([field, outer, inner, value]) => ({ filters: { [field]: { [outer]: { [inner]: value } } } })),
    // Populate deeper than the bound, through the type's own relations where it has some.
    fc.tuple(fc.integer({ min: 4, max: 9 }), fc.constantFrom(...relations, 'zzunknown')).map(([depth, relation]) => ({
      populate: Array.from({ length: depth - 1 }).reduce<Record<string, unknown>>((inner) => ({ [relation]: { populate: inner } }), { [relation]: true }),
    })),
  );
};

const pathSegment = fc.oneof(anyText.filter((text) => text.length > 0 && text !== '.' && text !== '..'), nulText, fc.constant('x'.repeat(5000)), unknownDocument);

// ----- the content-type REST routes ------------------------------------------------------------

const CONTENT_TYPES = [
  { uid: 'api::customer.customer', path: 'customers', token: () => customerSuccess, writes: { create: true, update: true } },
  { uid: 'api::plan.plan', path: 'plans', token: () => finance, writes: {} },
  { uid: 'api::service-plan.service-plan', path: 'service-plans', token: () => customerSuccess, writes: { update: true } },
  { uid: 'api::invoice.invoice', path: 'invoices', token: () => finance, writes: { update: true } },
  { uid: 'api::transaction.transaction', path: 'transactions', token: () => finance, writes: {} },
  { uid: 'api::audit-log.audit-log', path: 'audit-logs', token: () => finance, writes: {} },
] as const;

const existing = (path: string) => ({ customers: known.customer, 'service-plans': known.servicePlan, invoices: known.invoice })[path as 'customers'];

describe.each(CONTENT_TYPES)('/api/$path', ({ uid, path, token, writes }) => {
  const auth = () => `Bearer ${token()}`;

  test('find refuses hostile queries', () =>
    check(fc.constant(null).chain(() => hostileQuery(uid)), (query) => () => http(strapi).get(`/api/${path}`).query(query).set('Authorization', auth())));

  test('findOne refuses hostile ids and queries', () =>
    check(fc.tuple(pathSegment, fc.option(hostileQuery(uid), { nil: undefined })), ([id, query]) => () =>
      http(strapi)
        .get(`/api/${path}/${encodeURIComponent(id)}`)
        .query(query ?? {})
        .set('Authorization', auth()),
    ));

  test('find answers odd pagination without a 5xx or a write', () =>
    fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            page: fc.oneof(fc.integer(), fc.constantFrom('1e300', '-1', 'abc', '0', '99999999999999999999'), fc.double()),
            pageSize: fc.oneof(fc.integer(), fc.constantFrom('1e300', '-1', 'abc', '0'), fc.double()),
            start: fc.oneof(fc.integer(), fc.constantFrom('1e300', '-1', 'abc')),
            limit: fc.oneof(fc.integer(), fc.constantFrom('1e300', '-1', 'abc')),
            withCount: fc.oneof(fc.boolean(), anyText),
          },
          { requiredKeys: [] },
        ),
        async (pagination) => {
          const before = await fingerprint(strapi);
          const response = await http(strapi).get(`/api/${path}`).query({ pagination }).set('Authorization', auth());
          if (response.status >= 500) throw new Error(`${response.status} for ${JSON.stringify(pagination)}: ${response.text.slice(0, 200)}`);
          expect(await fingerprint(strapi)).toEqual(before);
        },
      ),
      // Found on PostgreSQL: an offset past its 64-bit OFFSET was a 500.
      { numRuns: RUNS, seed: SEED, endOnFailure: true, examples: [[{ page: '99999999999999999999', pageSize: 0 }]] },
    ));

  if ('create' in writes) {
    test('create refuses hostile bodies', () =>
      check(fc.oneof(malformedBody, fc.constant(null).chain(() => hostileData(uid).map((data) => ({ data })))), (body) => () =>
        http(strapi).post(`/api/${path}`).set('Authorization', auth()).type('json').send(json(body)),
      ));
  }

  if ('update' in writes) {
    test('update refuses hostile bodies and ids', () =>
      check(
        fc.tuple(
          fc.oneof(fc.constant(existing(path)), pathSegment),
          fc.oneof(malformedBody, fc.constant(null).chain(() => hostileData(uid).map((data) => ({ data })))),
        ),
        ([id, body]) => () => http(strapi).put(`/api/${path}/${encodeURIComponent(id)}`).set('Authorization', auth()).type('json').send(json(body)),
      ));
  }
});

// ----- the plan-renewals routes ----------------------------------------------------------------

const P = '/api/plan-renewals';
const staff = fc.constantFrom('finance', 'customer-success');
const bearer = (who: string) => `Bearer ${who === 'finance' ? finance : customerSuccess}`;
const hostileValue = fc.oneof(anyText, nulText, fc.jsonValue({ maxDepth: 2 }), fc.constant('x'.repeat(5000)));
const hostileObject = (keys: string[]) =>
  fc.dictionary(fc.oneof(fc.constantFrom(...keys), anyText), hostileValue, { minKeys: 0, maxKeys: 5 });

describe('/api/plan-renewals', () => {
  test('POST /purchases refuses hostile bodies', () =>
    check(
      fc.tuple(
        staff,
        fc.oneof(
          malformedBody,
          hostileObject(['customer', 'plan', 'addOns', 'paymentMethod', 'vehicle']),
          // Well-formed, but naming no customer or plan that can be bought.
          fc.record({
            customer: fc.oneof(unknownDocument, fc.constant(known.customer)),
            plan: fc.oneof(fc.stringMatching(/^zz[a-z0-9-]{0,20}$/), fc.constant(known.retiredPlan)),
            addOns: fc.array(anyText, { maxLength: 3 }),
            paymentMethod: fc.constantFrom('manual', 'stripe'),
          }),
        ),
      ),
      ([who, body]) => () => http(strapi).post(`${P}/purchases`).set('Authorization', bearer(who)).type('json').send(json(body)),
    ));

  test('POST /service-plans/:documentId/renewals refuses hostile ids', () =>
    check(fc.tuple(staff, pathSegment, hostileObject(['data'])), ([who, id, body]) => () =>
      http(strapi).post(`${P}/service-plans/${encodeURIComponent(id)}/renewals`).set('Authorization', bearer(who)).type('json').send(json(body)),
    ));

  // The process's own task and run routes, and the engine's over every process.
  for (const prefix of [P, '/api/workflows']) {
    test(`${prefix}: GET /runs/:documentId refuses hostile ids`, () =>
      check(fc.tuple(staff, pathSegment), ([who, id]) => () => http(strapi).get(`${prefix}/runs/${encodeURIComponent(id)}`).set('Authorization', bearer(who))));

    test(`${prefix}: GET /tasks refuses hostile queries`, () =>
      check(fc.tuple(staff, fc.dictionary(fc.stringMatching(/^[a-z]{1,10}$/), fc.oneof(anyText, nulText), { minKeys: 1, maxKeys: 3 })), ([who, query]) => () =>
        http(strapi).get(`${prefix}/tasks`).query(query).set('Authorization', bearer(who)),
      ));

    test(`${prefix}: POST /tasks/:documentId/complete refuses hostile ids and bodies`, () =>
      check(fc.tuple(staff, pathSegment, fc.oneof(malformedBody, hostileObject(['outcome', 'note']))), ([who, id, body]) => () =>
        http(strapi).post(`${prefix}/tasks/${encodeURIComponent(id)}/complete`).set('Authorization', bearer(who)).type('json').send(json(body)),
      ));

    test.each(['claim', 'unclaim'])(`${prefix}: POST /tasks/:documentId/%s refuses hostile ids and bodies`, (action) =>
      check(fc.tuple(staff, pathSegment, fc.oneof(malformedBody, hostileObject(['note']))), ([who, id, body]) => () =>
        http(strapi).post(`${prefix}/tasks/${encodeURIComponent(id)}/${action}`).set('Authorization', bearer(who)).type('json').send(json(body)),
      ));
  }

  test('POST /invoices/:documentId/manual-payments refuses hostile ids and bodies', () =>
    check(
      fc.tuple(
        fc.oneof(fc.constant(known.invoice), pathSegment),
        fc.oneof(
          malformedBody,
          hostileObject(['amountMinor', 'currency', 'reference']),
          fc.record({
            amountMinor: fc.oneof(badInteger, fc.integer({ min: 1, max: 2 ** 31 - 1 }).filter((amount) => amount !== invoiceTotal)),
            currency: fc.oneof(fc.constantFrom('USD', 'usd', 'XXX', 'EUR'), anyText),
            reference: fc.oneof(anyText, nulText, fc.constant('x'.repeat(300))),
          }),
        ),
      ),
      ([id, body]) => () => http(strapi).post(`${P}/invoices/${encodeURIComponent(id)}/manual-payments`).set('Authorization', bearer('finance')).type('json').send(json(body)),
    ));

  test('POST /jobs/:name/run refuses unknown jobs', () =>
    check(pathSegment, (name) => () => http(strapi).post(`${P}/jobs/${encodeURIComponent(name)}/run`).set('Authorization', bearer('finance'))));

  const badMonth = fc.oneof(anyText, nulText, fc.constantFrom('0000-01', '0001-01', '1969-12', '2026-13', '2026-1', '10000-01', '2026-00'));
  test('GET /mrr refuses hostile queries', () =>
    check(
      fc.oneof(
        fc.record({ from: badMonth }),
        fc.record({ to: badMonth }),
        fc.record({ from: fc.constant('2026-06'), to: fc.constant('2026-01') }),
        fc.dictionary(fc.stringMatching(/^zz[a-z]{0,8}$/), anyText, { minKeys: 1, maxKeys: 2 }),
        fc.record({ from: fc.array(fc.constant('2026-01'), { minLength: 2, maxLength: 2 }) }),
      ),
      (query) => () => http(strapi).get(`${P}/mrr`).query(query).set('Authorization', bearer('finance')),
    ));

  test('GET /reports/monthly/:month refuses hostile months and formats', () =>
    check(fc.tuple(badMonth.filter((month) => month.length > 0 && month !== '.' && month !== '..'), fc.option(fc.oneof(anyText, fc.constant('xml')), { nil: undefined })), ([month, format]) => () =>
      http(strapi)
        .get(`${P}/reports/monthly/${encodeURIComponent(month)}`)
        .query(format === undefined ? {} : { format })
        .set('Authorization', bearer('finance')),
    ));
});

// ----- the Stripe webhook ----------------------------------------------------------------------

const WEBHOOK = `${P}/stripe/webhook`;
const HANDLED = ['payment_intent.succeeded', 'payment_intent.payment_failed', 'payment_intent.requires_action', 'checkout.session.completed', 'charge.refunded', 'charge.dispute.created'];

/** A payload as Stripe would send it (JSON text), or arbitrary bytes. */
type Payload = string | Buffer;

const garbage: fc.Arbitrary<Payload> = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
  fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value) ?? 'null'),
  fc.string({ unit: 'binary', maxLength: 200 }),
);

/** Posts the payload's exact bytes, as JSON text or as bytes, signed with `header` if given. */
const post = (payload: Payload, header?: string) => {
  const request = http(strapi)
    .post(WEBHOOK)
    .set('Content-Type', typeof payload === 'string' ? 'application/json' : 'application/octet-stream');
  return (header === undefined ? request : request.set('Stripe-Signature', header)).send(payload);
};

const text = (payload: Payload) => (typeof payload === 'string' ? payload : payload.toString('utf8'));

/** An event envelope with at least one field of the wrong type or shape. */
const brokenEnvelope = fc
  .record({
    id: fc.oneof(fc.constant('evt_fuzz'), anyText, fc.integer(), fc.constant(null)),
    type: fc.oneof(fc.constantFrom(...HANDLED), anyText, fc.integer(), fc.constant(null)),
    created: fc.oneof(fc.constant(1767225600), fc.double(), fc.constant(1e300), anyText),
    livemode: fc.oneof(fc.constant(false), anyText, fc.integer()),
    data: fc.oneof(fc.record({ object: fc.record({ id: fc.constant('pi_fuzz') }) }), fc.constant(null), fc.jsonValue({ maxDepth: 2 })),
  })
  .filter((event) => !(event.id === 'evt_fuzz' && HANDLED.includes(event.type as string) && event.created === 1767225600 && event.livemode === false && event.data && (event.data as any).object));

/** A well-formed envelope of an event the application acts on, whose object is malformed. */
const brokenObject = fc
  .tuple(
    fc.constantFrom(...HANDLED),
    fc.stringMatching(/^evt_[a-zA-Z0-9]{8,20}$/),
    fc.record({
      id: fc.oneof(fc.constant('pi_fuzz'), fc.integer(), fc.constant('')),
      metadata: fc.oneof(fc.constant({ app: 'plan-renewals', invoice: 'x' }), fc.record({ app: fc.integer() }), fc.constant('x')),
      amount: fc.oneof(fc.constant('abc'), fc.double({ min: 0.1, max: 0.9 }), fc.constant(-5), fc.constant(1e300)),
      amount_total: fc.oneof(fc.constant('abc'), fc.constant(-1)),
      amount_refunded: fc.constant('x'),
      refunded: fc.oneof(fc.constant('yes'), fc.integer()),
      currency: fc.oneof(fc.integer(), fc.constant('dollars'), nulText),
      payment_intent: fc.oneof(fc.integer(), fc.constant({ nope: 1 })),
      payment_status: fc.oneof(fc.integer(), fc.constant(null)),
      reason: fc.oneof(fc.integer(), fc.constant(null)),
    }),
  )
  .map(([type, id, object]) => ({ id, type, created: 1767225600, livemode: false, object: 'event', data: { object } }));

describe(`POST ${WEBHOOK}`, () => {
  test('refuses unsigned and wrongly signed deliveries', () =>
    check(
      fc.tuple(garbage, fc.oneof(fc.constant(undefined), anyText, fc.constant('t=1,v1=abc'), fc.constant('wrong-secret'))),
      ([payload, header]) => () => {
        if (header === 'wrong-secret') return post(payload, signature(text(payload), 'whsec_not_ours'));
        return post(payload, header?.replace(/[^\x20-\x7e]/g, ''));
      },
    ));

  test('refuses signed deliveries that are not valid events', () =>
    check(
      fc.oneof(
        garbage,
        brokenEnvelope.map((event) => JSON.stringify(event)),
        brokenObject.map((event) => JSON.stringify(event)),
      ),
      (payload) => () => post(payload, signature(text(payload))),
    ));
});

// ----- request size limits ---------------------------------------------------------------------

describe('request size limits (README: Request limits)', () => {
  const big = (kb: number) => 'x'.repeat(kb * 1024);

  test.each([
    ['JSON', 'application/json', (kb: number) => JSON.stringify({ data: { name: big(kb) } })],
    ['form', 'application/x-www-form-urlencoded', (kb: number) => `data[name]=${big(kb)}`],
    ['text', 'text/plain', (kb: number) => big(kb)],
  ])('a %s body over 256 kB is a 413 that writes nothing; under it is parsed', async (_kind, type, body) => {
    const over = await expectRefusedUnchanged(() => http(strapi).post('/api/customers').set('Authorization', `Bearer ${customerSuccess}`).set('Content-Type', type).send(body(257)));
    expect(over.status).toBe(413);
    const response = await http(strapi).post('/api/customers').set('Authorization', `Bearer ${customerSuccess}`).set('Content-Type', type).send(body(250));
    // Parsed, then refused as invalid data: the limit is the documented one, not lower.
    expect(response.status).toBe(400);
  });

  test('a multipart body with a field over 256 kB or a file over 10 MB is a 413 that writes nothing, even anonymous', async () => {
    const field = await expectRefusedUnchanged(() => http(strapi).post('/api/customers').field('data', JSON.stringify({ name: big(257) })));
    expect(field.status).toBe(413);
    const file = await expectRefusedUnchanged(() => http(strapi).post('/api/customers').attach('files', Buffer.alloc(10 * 1024 * 1024 + 1), 'big.bin'));
    expect(file.status).toBe(413);
    // Malformed multipart bodies: a 400, not the parser's error as a 500.
    const malformed = '--b\r\nContent-Disposition: form-data; name="data"\r\n\r\n{}';
    await expectRefusedUnchanged(() => http(strapi).post('/api/customers').set('Content-Type', 'multipart/form-data; boundary=b').send(malformed));
    await expectRefusedUnchanged(() => http(strapi).post('/api/customers').set('Content-Type', 'multipart/form-data').send('garbage'));
  });

  test('a webhook body over 512 kB is a 413 before any signature check; under it is verified', async () => {
    expect((await expectRefusedUnchanged(() => post(big(513), signature(big(513))))).status).toBe(413);
    const verified = await post(big(500), signature(big(500)));
    expect(verified.status).toBe(400);
    expect(verified.body.error.message).toMatch(/Invalid Stripe signature/);
  });
});

// ----- the repair-approvals routes ---------------------------------------------------------------

const RA = '/api/repair-approvals';

describe('/api/repair-approvals', () => {
  const jwt: Record<string, string> = {};
  let submitted = '';
  beforeAll(async () => {
    for (const role of ['account-manager', 'executive']) jwt[role] = `Bearer ${await signIn(strapi, role)}`;
    const requests = strapi.plugin('repair-approvals').service('requests');
    const draft = await requests.createDraft({ customer: known.customer, currency: 'USD', lines: [{ kind: 'parts', description: 'Filter', quantityHundredths: 100, unitPriceMinor: 1_000 }] });
    // Submitted: its lines are frozen, so a well-formed edit or submission of it is refused too.
    submitted = (await requests.submit(draft.documentId, { type: 'system', name: 'fuzz' })).documentId;
  });

  const line = fc.record({
    kind: fc.oneof(fc.constantFrom('labor', 'parts', 'fee', 'tax'), anyText),
    description: fc.oneof(anyText, nulText, fc.constant(''), fc.constant('x'.repeat(300))),
    quantity: fc.oneof(fc.constantFrom(0, -1, 1.255, 1e9, Number.NaN), anyText),
    unitPriceMinor: fc.oneof(badInteger, fc.constant(2 ** 31)),
  });
  const lines = fc.oneof(fc.constant([]), fc.array(line, { minLength: 1, maxLength: 3 }), hostileValue);

  test('POST /requests refuses hostile bodies', () =>
    check(
      fc.oneof(
        malformedBody,
        hostileObject(['customer', 'vehicle', 'currency', 'lines']),
        fc.record({ customer: fc.oneof(unknownDocument, fc.constant(known.customer)), currency: fc.oneof(fc.constantFrom('USD', 'XXX', 'usdd'), anyText), lines }),
      ),
      (body) => () => http(strapi).post(`${RA}/requests`).set('Authorization', jwt['account-manager']).type('json').send(json(body)),
    ));

  test('PUT /requests/:documentId refuses hostile ids, bodies, and any edit of a submitted request', () =>
    check(
      fc.tuple(
        fc.oneof(fc.constant(submitted), pathSegment),
        fc.oneof(malformedBody, hostileObject(['lines', 'vehicle']), fc.record({ lines: fc.constant([{ kind: 'fee', description: 'x', quantity: 1, unitPriceMinor: 1 }]) })),
      ),
      ([id, body]) => () => http(strapi).put(`${RA}/requests/${encodeURIComponent(id)}`).set('Authorization', jwt['account-manager']).type('json').send(json(body)),
    ));

  test('POST /requests/:documentId/submit refuses hostile ids and a request already submitted', () =>
    check(fc.tuple(fc.oneof(fc.constant(submitted), pathSegment), fc.oneof(fc.constant({}), hostileObject(['data']))), ([id, body]) => () =>
      http(strapi).post(`${RA}/requests/${encodeURIComponent(id)}/submit`).set('Authorization', jwt['account-manager']).type('json').send(json(body)),
    ));

  test('GET /requests/:documentId and /certificates/:number refuse hostile ids', () =>
    check(fc.tuple(pathSegment, fc.boolean()), ([id, certificate]) => () =>
      http(strapi).get(`${RA}/${certificate ? 'certificates' : 'requests'}/${encodeURIComponent(id)}`).set('Authorization', jwt.executive),
    ));

  test('GET /reports/monthly/:month refuses hostile months and formats', () =>
    check(fc.tuple(fc.oneof(anyText, fc.constantFrom('2026-13', '2026-1', '0000-00')).filter((m) => m.length > 0 && m !== '.' && m !== '..'), fc.option(anyText, { nil: undefined })), ([month, format]) => () =>
      http(strapi)
        .get(`${RA}/reports/monthly/${encodeURIComponent(month)}`)
        .query(format === undefined ? {} : { format })
        .set('Authorization', jwt.executive),
    ));
});

// ----- the transit-passes routes -----------------------------------------------------------------

const TP = '/api/transit-passes';

describe('/api/transit-passes', () => {
  let billing = '';
  beforeAll(async () => {
    billing = `Bearer ${await signIn(strapi, 'billing')}`;
    await strapi.documents('plugin::transit-passes.fare-product' as any).create({
      data: { code: 'fuzz-card', name: 'Fuzz card', riderCategory: 'adult', fareMedium: 'card', currency: 'USD', priceMinor: 100, serviceFeeMinor: 0, taxRateBps: 0, validityKind: 'days', validityAmount: 1, activation: 'on-purchase', proofRequired: 'none', active: true } as any,
    });
  });

  test('POST /orders refuses hostile bodies, unknown products, and a card product without stock', () =>
    check(
      fc.oneof(
        malformedBody,
        hostileObject(['customer', 'product', 'paymentMethod']),
        fc.record({
          customer: fc.oneof(unknownDocument, fc.constant(known.customer)),
          product: fc.oneof(fc.stringMatching(/^zz[a-z0-9-]{0,20}$/), fc.constant('fuzz-card')),
          paymentMethod: fc.oneof(fc.constantFrom('desk', 'cash'), anyText),
        }),
      ),
      (body) => () => http(strapi).post(`${TP}/orders`).set('Authorization', billing).type('json').send(json(body)),
    ));

  test("Finance's decision on an unmatched card payment refuses hostile bodies, path segments and unknown orders or payments", () =>
    check(
      fc.tuple(
        fc.oneof(pathSegment, unknownDocument),
        fc.oneof(pathSegment, fc.stringMatching(/^pi_[A-Za-z0-9]{8,24}$/)),
        fc.oneof(malformedBody, hostileObject(['decision', 'note']), fc.record({ decision: fc.oneof(fc.constantFrom('accept', 'refund'), anyText), note: fc.option(anyText, { nil: undefined }) })),
      ),
      ([order, payment, body]) => () =>
        http(strapi)
          .post(`${TP}/orders/${encodeURIComponent(order)}/unmatched-payments/${encodeURIComponent(payment)}`)
          .set('Authorization', `Bearer ${finance}`)
          .type('json')
          .send(json(body)),
    ));

  test('the order, renewal, validity, revenue and report routes refuse hostile path segments and queries', () =>
    check(fc.tuple(pathSegment, fc.constantFrom('orders', 'renewals', 'validity', 'revenue', 'report'), fc.option(fc.oneof(anyText, nulText), { nil: undefined })), ([segment, route, query]) => () => {
      const id = encodeURIComponent(segment);
      const request =
        route === 'orders'
          ? http(strapi).get(`${TP}/orders/${id}`)
          : route === 'renewals'
            ? http(strapi).post(`${TP}/passes/${id}/renewals`).type('json').send(json({ x: query }))
            : route === 'validity'
              ? http(strapi).get(`${TP}/passes/${id}/validity`)
              : route === 'revenue'
                ? http(strapi).get(`${TP}/revenue/daily/${id}`)
                : http(strapi).get(`${TP}/reports/monthly/${id}`);
      return (query === undefined || route === 'renewals' ? request : request.query({ format: query })).set('Authorization', billing);
    }));
});
