import crypto from 'node:crypto';
import type { Core } from '@strapi/strapi';
import { fingerprint } from '../harness/database-state';
import { createCustomer, createOpenInvoice, createPlan } from '../harness/fixtures';
import { http, signIn, startStrapi, stopStrapi } from '../harness/strapi';
import { SECRET, signature } from '../harness/stripe';

/**
 * The API under abuse, as a staff member with a login and as nobody: what the route and field
 * checks cannot see. Each refusal is a clear 4xx that writes nothing anywhere in the database.
 * The app runs here behind a trusted proxy (TRUST_PROXY=true), with one extra CORS origin.
 */
const EXTRA_ORIGIN = 'https://shop.example.com';

let strapi: Core.Strapi;
const tokens: Record<string, string> = {};
let customer: any;
let invoice: any;

beforeAll(async () => {
  Object.assign(process.env, { STRIPE_WEBHOOK_SECRET: SECRET, CORS_ORIGINS: EXTRA_ORIGIN, TRUST_PROXY: 'true' });
  delete process.env.STAFF_ACCESS_TOKEN_MINUTES; // the default lifetime, checked below
  strapi = await startStrapi();
  tokens.finance = await signIn(strapi, 'finance');
  tokens.customerSuccess = await signIn(strapi, 'customer-success');
  ({ customer, invoice } = await createOpenInvoice(strapi));
});
afterAll(async () => {
  await stopStrapi(strapi);
  for (const name of ['STRIPE_WEBHOOK_SECRET', 'CORS_ORIGINS', 'TRUST_PROXY']) delete process.env[name];
});

const as = (token: string) => ({ Authorization: `Bearer ${token}` });

/** Sends one request that must be refused with `status`, and proves nothing was written. */
const refusedUnchanged = async (send: () => Promise<any>, status: number | number[] = 400) => {
  const before = await fingerprint(strapi);
  const response = await send();
  if (![status].flat().includes(response.status)) throw new Error(`Expected ${status}, got ${response.status} ${response.text?.slice(0, 300)}`);
  expect(await fingerprint(strapi)).toEqual(before);
  return response;
};

/** `populate[a][populate][b][populate][c]...` as an object, the relations named in turn. */
const nestedPopulate = (relations: string[]): Record<string, unknown> =>
  relations.reduceRight<Record<string, unknown>>((inner, relation, index) => ({ [relation]: index === relations.length - 1 ? true : { populate: inner } }), {});

// ----- 1. populate depth and breadth, response size --------------------------------------------

describe('populate is bounded on every content-API route', () => {
  const cycle = ['invoices', 'customer', 'invoices', 'customer', 'invoices', 'customer', 'invoices'];

  test('a seven-level populate cycle (customer -> invoices -> customer ...) is a 400 that reads and writes nothing', async () => {
    const response = await refusedUnchanged(() =>
      http(strapi).get(`/api/customers/${customer.documentId}`).query({ populate: nestedPopulate(cycle) }).set(as(tokens.customerSuccess)),
    );
    expect(response.body.error.message).toMatch(/nested more than 3 relations deep/);
    // The same cycle written as dotted paths, and as a list of them.
    for (const populate of [cycle.join('.'), [cycle.slice(0, 4).join('.'), 'servicePlans']]) {
      const dotted = await refusedUnchanged(() => http(strapi).get('/api/customers').query({ populate }).set(as(tokens.customerSuccess)));
      expect(dotted.body.error.message).toMatch(/nested more than 3 relations deep/);
    }
    // Wildcards count as a level too.
    await refusedUnchanged(() =>
      http(strapi).get('/api/customers').query({ populate: { invoices: { populate: { customer: { populate: { invoices: { populate: '*' } } } } } } }).set(as(tokens.customerSuccess)),
    );
  });

  test('three levels, the bound, are answered', async () => {
    const response = await http(strapi)
      .get(`/api/customers/${customer.documentId}`)
      .query({ populate: nestedPopulate(['invoices', 'customer', 'invoices']) })
      .set(as(tokens.customerSuccess));
    expect(response.status).toBe(200);
    expect(response.body.data.invoices[0].customer.invoices[0].documentId).toBe(invoice.documentId);
    const dotted = await http(strapi).get('/api/invoices').query({ populate: 'customer,servicePlan.plan,lines' }).set(as(tokens.finance));
    expect(dotted.status).toBe(200);
  });

  test('more than ten relations in one populate is a 400', async () => {
    // Eleven relations, none deeper than three levels.
    const populate = {
      invoices: { populate: { customer: { populate: { user: true } }, servicePlan: true, lines: true } },
      servicePlans: { populate: { plan: true, customer: true, invoices: true } },
      user: { populate: { role: true } },
    };
    const response = await refusedUnchanged(() => http(strapi).get('/api/customers').query({ populate }).set(as(tokens.customerSuccess)));
    expect(response.body.error.message).toMatch(/more than 10 relations/);
  });

  test('populate is bounded on the users-permissions routes too (a staff member reads their own account)', async () => {
    const response = await refusedUnchanged(() =>
      http(strapi).get('/api/users/me').query({ populate: nestedPopulate(['role', 'users', 'role', 'users']) }).set(as(tokens.finance)),
    );
    expect(response.body.error.message).toMatch(/nested more than 3 relations deep/);
  });
});

// ----- 2. no private field is searchable, filterable or sortable --------------------------------

describe('private fields are no oracle', () => {
  /** Every private field of every content type, Strapi's and the plugins' included. */
  const privateFields = () =>
    Object.entries(strapi.contentTypes as Record<string, any>).flatMap(([uid, contentType]) =>
      Object.entries(contentType.attributes)
        .filter(([, attribute]: [string, any]) => attribute.private === true || attribute.type === 'password')
        .map(([name, attribute]) => ({ uid, name, type: (attribute as any).type })),
    );

  test('no private field of any type takes part in full-text search', () => {
    const fields = privateFields();
    expect(fields.map(({ uid, name }) => `${uid}.${name}`)).toEqual(
      expect.arrayContaining(['api::customer.customer.stripeCustomerId', 'api::customer.customer.stripePaymentMethodId', 'plugin::users-permissions.user.password', 'plugin::users-permissions.user.resetPasswordToken']),
    );
    const searchable = fields.filter(({ uid, name }) => (strapi.db.metadata.get(uid).attributes[name] as any)?.searchable !== false);
    expect(searchable).toEqual([]);
  });

  /** Routes a staff role may read, and the relations through which other types are reached. */
  const REST = [
    { path: 'customers', uid: 'api::customer.customer', token: () => tokens.customerSuccess },
    { path: 'service-plans', uid: 'api::service-plan.service-plan', token: () => tokens.customerSuccess },
    { path: 'invoices', uid: 'api::invoice.invoice', token: () => tokens.finance },
    { path: 'transactions', uid: 'api::transaction.transaction', token: () => tokens.finance },
    { path: 'plans', uid: 'api::plan.plan', token: () => tokens.finance },
    { path: 'audit-logs', uid: 'api::audit-log.audit-log', token: () => tokens.finance },
  ];

  test('every private field reachable over REST is refused in search, filters, sorts and populate filters, directly and through relations', async () => {
    const secret = `cus_${crypto.randomBytes(6).toString('hex')}`;
    const method = `pm_${crypto.randomBytes(6).toString('hex')}`;
    const target = await createCustomer(strapi);
    await strapi.db.query('api::customer.customer').update({ where: { id: target.id }, data: { stripeCustomerId: secret, stripePaymentMethodId: method } });
    const fields = privateFields();
    let tried = 0;
    const before = await fingerprint(strapi);

    for (const route of REST) {
      const model: any = strapi.getModel(route.uid as any);
      // (path into the filter, private field's type uid and name) for the route's own fields and one relation away.
      const reachable = [
        ...fields.filter((field) => field.uid === route.uid).map((field) => ({ via: [] as string[], ...field })),
        ...Object.entries(model.attributes)
          .filter(([, attribute]: [string, any]) => attribute.type === 'relation')
          .flatMap(([relation, attribute]: [string, any]) => fields.filter((field) => field.uid === attribute.target).map((field) => ({ via: [relation], ...field }))),
      ];
      for (const { via, name } of reachable) {
        const filter = [...via, name].reduceRight<unknown>((inner, key) => ({ [key]: inner }), { $startsWith: 'cus_' });
        const sort = [...via, name].join('.');
        for (const query of [{ filters: filter }, { sort }, { sort: [`${sort}:desc`] }, ...(via.length ? [{ populate: { [via[0]]: { filters: { [name]: { $eq: secret } } } } }] : [])]) {
          const response = await http(strapi).get(`/api/${route.path}`).query(query).set(as(route.token()));
          if (response.status !== 400) throw new Error(`${route.path} ${JSON.stringify(query)}: ${response.status} ${response.text.slice(0, 200)}`);
          expect(response.body.data ?? null).toBeNull();
          tried += 1;
        }
      }
      // Search: a private value finds nothing, while a public one does.
      for (const value of [secret, secret.slice(0, 6), method]) {
        const response = await http(strapi).get(`/api/${route.path}`).query({ _q: value }).set(as(route.token()));
        expect(response.status).toBe(200);
        expect(response.body.meta.pagination.total).toBe(0);
        tried += 1;
      }
    }
    const found = await http(strapi).get('/api/customers').query({ _q: target.email }).set(as(tokens.customerSuccess));
    expect(found.body.data.map((row: any) => row.documentId)).toEqual([target.documentId]);
    expect(tried).toBeGreaterThan(20);
    expect(await fingerprint(strapi)).toEqual(before);
  });
});

// ----- 7. nesting depth and filter shapes --------------------------------------------------------

describe('unauthenticated and malformed input is a 400, never a 500', () => {
  const deep = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
  const deepList = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

  test.each([
    ['anonymous', () => ({})],
    ['Customer Success', () => as(tokens.customerSuccess)],
  ])('a JSON body nested 3,000 and 50,000 levels deep is a 400 (%s)', async (_who, headers) => {
    for (const body of [deep(3000), `{"data":${deepList(50_000)}}`]) {
      const response = await refusedUnchanged(() => http(strapi).post('/api/customers').set(headers()).set('Content-Type', 'application/json').send(body));
      expect(response.body.error.message).toMatch(/nested more than 32 levels deep/);
    }
  });

  test('a signed webhook nested 3,000 levels deep is a 400 that stores nothing', async () => {
    const payload = `{"id":"evt_deep","object":"event","type":"payment_intent.succeeded","created":1767225600,"livemode":false,"data":{"object":${deep(3000)}}}`;
    const response = await refusedUnchanged(() =>
      http(strapi).post('/api/plan-renewals/stripe/webhook').set('Content-Type', 'application/json').set('Stripe-Signature', signature(payload)).send(payload),
    );
    expect(response.body.error.message).toMatch(/nested more than 32 levels deep/);
  });

  test.each([
    ['filters[$or]=x', 'must be a list of conditions'],
    ['filters[$and][x]=1', 'must be a list of conditions'],
    ['filters[state][$eq][$eq]=Paid', 'must be a single value'],
    ['filters[state][$in][0][$eq]=Paid', 'must be a single value'],
    ['filters[$eq]=Paid', 'only \\$and, \\$or and \\$not combine conditions'],
    ['filters[state][$or][0]=Paid', 'is not an operator that applies to a field'],
    ['filters[totalMinor][$between]=1', 'must be a list of two values'],
    ['filters[customer]=abc', 'must be a number'],
    ['filters[customer][$in][0]=abc', 'must be a number'],
    ['filters[customer][$eq]=1&filters[customer][name]=x', 'mixes operators and fields'],
    ['filters[customer][$or]=x', 'must be a list of conditions'],
    ['filters=abc', 'must be an object'],
    ['filters[state][$jsonSupersetOf]=x', 'is not an operator that applies to a field'],
    ['populate[customer][filters][$or]=x', 'must be a list of conditions'],
  ])('%s is a 400 naming the problem (as Finance, and anonymous)', async (query, message) => {
    for (const headers of [as(tokens.finance), {}]) {
      const response = await refusedUnchanged(() => http(strapi).get(`/api/invoices?${query}`).set(headers));
      expect(response.body.error.message).toMatch(new RegExp(message));
    }
  });

  test('well-formed filters of every kind still answer', async () => {
    for (const query of [
      'filters[state][$eq]=Open',
      'filters[state]=Open',
      'filters[state][$in][0]=Open&filters[state][$in][1]=Paid',
      'filters[$or][0][state]=Open&filters[$or][1][state][$ne]=Paid',
      'filters[$not][state]=Void',
      'filters[state][$not][$eq]=Void',
      'filters[totalMinor][$between][0]=1&filters[totalMinor][$between][1]=999999',
      `filters[customer][documentId]=${customer.documentId}`,
      `filters[customer][id][$eq]=${customer.id}`,
      `filters[customer]=${customer.id}`,
      'filters[customer][$null]=false',
      'filters[customer][$or][0][name][$containsi]=maria',
      'filters[paidAt][$null]=true',
    ]) {
      const response = await http(strapi).get(`/api/invoices?${query}`).set(as(tokens.finance));
      if (response.status !== 200) throw new Error(`${query}: ${response.status} ${response.text.slice(0, 200)}`);
      expect(response.body.data.map((row: any) => row.documentId)).toContain(invoice.documentId);
    }
  });
});

// ----- 3. CORS -------------------------------------------------------------------------------------

describe('CORS lets only the app\'s own origin and CORS_ORIGINS call with credentials', () => {
  test.each(['/admin/access-token', '/api/customers', '/admin/login'])('%s', async (path) => {
    for (const origin of ['https://evil.example', 'null', 'http://localhost:1337.evil.example']) {
      const preflight = await http(strapi).options(path).set('Origin', origin).set('Access-Control-Request-Method', 'POST');
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
      expect(preflight.headers['access-control-allow-credentials']).toBeUndefined();
      const simple = await http(strapi).post(path).set('Origin', origin).send({});
      expect(simple.headers['access-control-allow-origin']).toBeUndefined();
    }
    for (const origin of ['http://localhost:1337', EXTRA_ORIGIN]) {
      const preflight = await http(strapi).options(path).set('Origin', origin).set('Access-Control-Request-Method', 'POST');
      expect(preflight.headers['access-control-allow-origin']).toBe(origin);
      expect(preflight.headers['access-control-allow-credentials']).toBe('true');
    }
  });
});

// ----- 4. no self-registration, no password-reset oracle -----------------------------------------

describe('staff accounts are made by administrators only', () => {
  test('sign-up is closed: no account is created, whatever the body', async () => {
    for (const body of [{ username: 'mallory', email: 'mallory@evil.example', password: 'Pw-123456789' }, {}]) {
      const response = await refusedUnchanged(() => http(strapi).post('/api/auth/local/register').send(body), [404, 405]);
      expect(response.body.data ?? null).toBeNull();
    }
    const advanced: any = await strapi.store({ type: 'plugin', name: 'users-permissions' }).get({ key: 'advanced' });
    expect(advanced).toMatchObject({ allow_register: false, email_reset_password: null });
  });

  test('forgot-password, reset-password and email confirmation answer the same for a known and an unknown email, and send nothing', async () => {
    const known = (await strapi.db.query('plugin::users-permissions.user').findOne({ where: { role: { type: 'finance' } } })).email;
    const answers: string[] = [];
    for (const email of [known, 'nobody@staff.test']) {
      for (const path of ['/api/auth/forgot-password', '/api/auth/send-email-confirmation']) {
        const response = await refusedUnchanged(() => http(strapi).post(path).send({ email }), [404, 405]);
        answers.push(`${path} ${response.status} ${JSON.stringify(response.body)}`);
      }
    }
    expect(answers.slice(0, 2)).toEqual(answers.slice(2));
    await refusedUnchanged(() => http(strapi).post('/api/auth/reset-password').send({ code: 'x', password: 'Pw-123456789', passwordConfirmation: 'Pw-123456789' }), [404, 405]);
    await refusedUnchanged(() => http(strapi).get('/api/auth/email-confirmation?confirmation=x'), [404, 405]);
  });
});

// ----- 5. staff sessions end -----------------------------------------------------------------------

describe('staff sessions: short access tokens, refresh, sign-out, revocation', () => {
  const account = async () => {
    const role = await strapi.db.query('plugin::users-permissions.role').findOne({ where: { type: 'finance' } });
    const password = `Pw-${crypto.randomBytes(8).toString('hex')}`;
    const email = `session-${crypto.randomBytes(4).toString('hex')}@staff.test`;
    const user = await strapi.plugin('users-permissions').service('user').add({ username: email, email, password, provider: 'local', confirmed: true, blocked: false, role: role.id });
    const signedIn = await http(strapi).post('/api/auth/local').send({ identifier: email, password });
    expect(signedIn.status).toBe(200);
    return { user, password, jwt: signedIn.body.jwt as string, refreshToken: signedIn.body.refreshToken as string };
  };
  const me = (jwt: string) => http(strapi).get('/api/users/me').set(as(jwt));
  const refresh = (refreshToken: string) => http(strapi).post('/api/auth/refresh').send({ refreshToken });

  test('an access token lasts 10 minutes; the refresh token gets a new one', async () => {
    const { jwt, refreshToken } = await account();
    const claims = JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
    expect(claims.exp - claims.iat).toBe(10 * 60);
    expect((await me(jwt)).status).toBe(200);
    const renewed = await refresh(refreshToken);
    expect(renewed.status).toBe(200);
    expect((await me(renewed.body.jwt)).status).toBe(200);
  });

  test('signing out ends the session: its access and refresh tokens stop working at once', async () => {
    const { jwt, refreshToken } = await account();
    expect((await http(strapi).post('/api/auth/logout').set(as(jwt)).send({ refreshToken })).status).toBe(200);
    expect((await me(jwt)).status).toBe(401);
    expect((await refresh(refreshToken)).status).toBe(401);
    expect((await http(strapi).get('/api/invoices').set(as(jwt))).status).toBe(401);
  });

  test('changing the password ends every other session', async () => {
    const { jwt, refreshToken, password } = await account();
    const changed = await http(strapi).post('/api/auth/change-password').set(as(jwt)).send({ currentPassword: password, password: 'New-Pw-0987654321', passwordConfirmation: 'New-Pw-0987654321' });
    expect(changed.status).toBe(200);
    expect((await me(jwt)).status).toBe(401);
    expect((await refresh(refreshToken)).status).toBe(401);
    expect((await me(changed.body.jwt)).status).toBe(200);
  });

  test('an administrator setting a new password or blocking the account ends its sessions', async () => {
    for (const data of [{ password: 'Admin-Set-Pw-123' }, { blocked: true }]) {
      const { user, jwt, refreshToken } = await account();
      await strapi.documents('plugin::users-permissions.user').update({ documentId: user.documentId, data: data as any });
      expect((await me(jwt)).status).toBe(401);
      expect((await refresh(refreshToken)).status).toBe(401);
    }
  });
});

// ----- 6. behind a trusted proxy -------------------------------------------------------------------

describe('behind a trusted TLS proxy (TRUST_PROXY=true)', () => {
  let adminEmail: string;
  const adminPassword = 'Str0ng-Passw0rd!';

  beforeAll(async () => {
    adminEmail = `owner-${crypto.randomBytes(3).toString('hex')}@shop.test`;
    const superAdmin = await strapi.db.query('admin::role').findOne({ where: { code: 'strapi-super-admin' } });
    await strapi.service('admin::user').create({ email: adminEmail, firstname: 'Ada', lastname: 'Owner', password: adminPassword, isActive: true, registrationToken: null, roles: [superAdmin.id] });
  });

  const login = (headers: Record<string, string>) => http(strapi).post('/admin/login').set(headers).send({ email: adminEmail, password: adminPassword, rememberMe: true });

  test('the setting reaches Koa', () => {
    expect(strapi.config.get('server.proxy')).toEqual({ koa: true, maxIpsCount: 1 });
    expect(strapi.server.app.proxy).toBe(true);
  });

  test('the admin refresh cookie is Secure when the client came over https, and only then', async () => {
    const environment = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production'; // Strapi marks the cookie Secure in production only
    try {
      const overTls = await login({ 'X-Forwarded-Proto': 'https', 'X-Forwarded-For': '203.0.113.10' });
      expect(overTls.status).toBe(200);
      expect(String(overTls.headers['set-cookie'])).toMatch(/strapi_admin_refresh=[^;]+;.*secure/i);
      expect(overTls.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
      const plain = await login({ 'X-Forwarded-For': '203.0.113.11' });
      expect(plain.status).toBe(200);
      expect(String(plain.headers['set-cookie'])).not.toMatch(/secure/i);
      expect(plain.headers['strict-transport-security']).toBeUndefined();
    } finally {
      process.env.NODE_ENV = environment;
    }
  });

  test('sign-in rate limits count per client, by the address the proxy saw; a forged X-Forwarded-For start changes nothing', async () => {
    strapi.config.set('plugin::users-permissions.ratelimit', { enabled: true, interval: 60_000, max: 3 });
    const attempt = (forwardedFor: string) => http(strapi).post('/api/auth/local').set('X-Forwarded-For', forwardedFor).send({ identifier: 'nobody@staff.test', password: 'wrong-password' });
    const statuses: number[] = [];
    // The attacker writes a different first address each time; the proxy appends the real one.
    for (let i = 0; i < 5; i += 1) statuses.push((await attempt(`198.51.100.${i}, 203.0.113.66`)).status);
    expect(statuses.slice(0, 3)).toEqual([400, 400, 400]);
    expect(statuses.slice(3)).toEqual([429, 429]);
    // Another staff member behind the same proxy keeps their own budget.
    expect((await attempt('203.0.113.77')).status).toBe(400);
  });

  test('without the setting, X-Forwarded-* are not believed', async () => {
    strapi.server.app.proxy = false;
    try {
      const response = await login({ 'X-Forwarded-Proto': 'https', 'X-Forwarded-For': '203.0.113.12' });
      expect(response.status).toBe(200);
      expect(response.headers['strict-transport-security']).toBeUndefined();
    } finally {
      strapi.server.app.proxy = true;
    }
  });
});

// ----- 8. admin roles do not read card references -------------------------------------------------

describe('the Finance and Customer Success admin roles', () => {
  test.each(['plan-renewals-finance', 'plan-renewals-customer-success'])('%s reads customers without their private fields, over the admin API', async (code) => {
    const role = await strapi.db.query('admin::role').findOne({ where: { code } });
    const permission = await strapi.db.query('admin::permission').findOne({ where: { role: { id: role.id }, action: 'plugin::content-manager.explorer.read', subject: 'api::customer.customer' } });
    expect(permission.properties.fields).toEqual(expect.arrayContaining(['name', 'email', 'phone']));
    expect(permission.properties.fields).not.toContain('stripeCustomerId');
    expect(permission.properties.fields).not.toContain('stripePaymentMethodId');

    const email = `staff-${crypto.randomBytes(3).toString('hex')}@shop.test`;
    const password = 'Str0ng-Passw0rd!';
    await strapi.service('admin::user').create({ email, firstname: 'Sam', lastname: 'Staff', password, isActive: true, registrationToken: null, roles: [role.id] });
    const token = (await http(strapi).post('/admin/login').set('X-Forwarded-For', `192.0.2.${Math.floor(Math.random() * 200)}`).send({ email, password })).body.data.token;
    const target = await createCustomer(strapi);
    await strapi.db.query('api::customer.customer').update({ where: { id: target.id }, data: { stripeCustomerId: `cus_${code}`, stripePaymentMethodId: `pm_${code}` } });
    const response = await http(strapi).get(`/content-manager/collection-types/api::customer.customer/${target.documentId}`).set(as(token));
    expect(response.status).toBe(200);
    expect(response.body.data.email).toBe(target.email);
    expect(JSON.stringify(response.body)).not.toMatch(/cus_|pm_|stripe/i);
  });

  test('a role made before the field lists existed loses the private fields at the next start', async () => {
    const role = await strapi.db.query('admin::role').findOne({ where: { code: 'plan-renewals-finance' } });
    const permission = await strapi.db.query('admin::permission').findOne({ where: { role: { id: role.id }, action: 'plugin::content-manager.explorer.read', subject: 'api::customer.customer' } });
    await strapi.db.query('admin::permission').update({ where: { id: permission.id }, data: { properties: {} } });
    await strapi.plugin('plan-renewals').service('access').ensureAdminRoles();
    const fixed = await strapi.db.query('admin::permission').findOne({ where: { id: permission.id } });
    expect(fixed.properties.fields).toContain('email');
    expect(fixed.properties.fields).not.toContain('stripeCustomerId');
  });
});

// ----- 9. lesser ------------------------------------------------------------------------------------

describe('lesser exposures', () => {
  test('no API token exists after the first start, so none lasts forever unasked', async () => {
    expect(await strapi.db.query('admin::api-token').count()).toBe(0);
  });

  test('no response names the server software, and HSTS is not sent over plain http', async () => {
    for (const path of ['/api/plans', '/admin/init', '/_health']) {
      const response = await http(strapi).get(path).set(as(tokens.finance));
      expect(response.headers['x-powered-by']).toBeUndefined();
      expect(response.headers['strict-transport-security']).toBeUndefined();
    }
  });
});

// ----- 1, continued. response size (last: its big records slow every fingerprint after it) -------

describe('the size of an answer is bounded', () => {
  test('a read answering more than 4 MB is a 400 that says how to ask for less', async () => {
    const description = 'x'.repeat(60_000);
    for (let i = 0; i < 75; i += 1) await createPlan(strapi, { description });
    const response = await refusedUnchanged(() => http(strapi).get('/api/plans').query({ pagination: { pageSize: 100 } }).set(as(tokens.finance)));
    expect(response.body.error.message).toMatch(/more than 4 MB: ask for fewer records/);
    const smaller = await http(strapi).get('/api/plans').query({ pagination: { pageSize: 25 } }).set(as(tokens.finance));
    expect(smaller.status).toBe(200);
    expect(smaller.headers['content-type']).toMatch(/application\/json/);
    expect(smaller.body.data).toHaveLength(25);
  });
});
