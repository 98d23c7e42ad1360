import crypto from 'node:crypto';
import { winston } from '@strapi/logger';
import type { Core } from '@strapi/strapi';
import { fingerprint } from '../harness/database-state';
import { createCustomer, createPlan } from '../harness/fixtures';
import { startSendGridStandIn, StandIn } from '../harness/sendgrid-stand-in';
import { TwilioStandIn, startTwilioStandIn } from '../harness/twilio-stand-in';
import { http, signIn, startStrapi, stopStrapi } from '../harness/strapi';
import { StripeStandIn, drainInbox, metadataFor, signature, startStripe, stopStripe, stripeEvent } from '../harness/stripe';

/**
 * The security review, as tests: no billing route is public or reachable without an explicit
 * permission; secrets never reach a log line or a response; and the sign-in rate limits hold
 * against variants of their paths.
 */
const mark = (name: string) => `${name}${crypto.randomBytes(12).toString('hex')}`;

/** Distinctive values for every secret the application or Strapi reads, set before the boot. */
const SECRETS: Record<string, string> = {
  STRIPE_SECRET_KEY: `sk_test_${mark('LEAKstripekey')}`,
  STRIPE_WEBHOOK_SECRET: `whsec_${mark('LEAKwebhook')}`,
  SENDGRID_API_KEY: `SG.${mark('LEAKsendgrid')}`,
  TWILIO_AUTH_TOKEN: mark('LEAKtwilio'),
  JWT_SECRET: mark('LEAKjwt'),
  ADMIN_JWT_SECRET: mark('LEAKadminjwt'),
  API_TOKEN_SALT: mark('LEAKapitoken'),
  TRANSFER_TOKEN_SALT: mark('LEAKtransfer'),
  ENCRYPTION_KEY: mark('LEAKencryption'),
  APP_KEYS_1: mark('LEAKappkeyone'),
  APP_KEYS_2: mark('LEAKappkeytwo'),
};

let strapi: Core.Strapi;
let stripe: StripeStandIn;
let sendgrid: StandIn;
let twilio: TwilioStandIn;
const tokens: Record<string, string> = {};

/** Everything logged and answered while the application runs. */
const seen: string[] = [];
const writes: { stream: NodeJS.WriteStream; original: NodeJS.WriteStream['write'] }[] = [];

const captureProcessOutput = () => {
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write;
    writes.push({ stream, original });
    stream.write = function write(this: NodeJS.WriteStream, chunk: any, ...rest: any[]) {
      seen.push(Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk));
      return original.call(this, chunk, ...rest);
    } as NodeJS.WriteStream['write'];
  }
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      seen.push(args.map((arg) => (arg instanceof Error ? `${arg.message}\n${arg.stack}` : typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' '));
    });
  }
};

/** Every log entry Strapi's logger produces, at every level, whatever the console shows. */
const captureStrapiLog = () => {
  strapi.log.level = 'silly';
  strapi.log.add(
    new winston.transports.Stream({
      level: 'silly',
      stream: new (require('node:stream').Writable)({
        write(chunk: Buffer, _encoding: string, done: () => void) {
          seen.push(chunk.toString('utf8'));
          done();
        },
      }),
      format: winston.format.combine(winston.format.errors({ stack: true }), winston.format.json()),
    }),
  );
};

/** A request whose answer is kept for the leak check. */
const call = async (request: any) => {
  const response = await request;
  seen.push(response.text ?? '', JSON.stringify(response.headers));
  return response;
};

const as = (token: string) => ({ Authorization: `Bearer ${token}` });
const api = '/api/plan-renewals';

beforeAll(async () => {
  stripe = await startStripe();
  sendgrid = await startSendGridStandIn();
  twilio = await startTwilioStandIn({ authToken: SECRETS.TWILIO_AUTH_TOKEN });
  Object.assign(process.env, {
    STRIPE_SECRET_KEY: SECRETS.STRIPE_SECRET_KEY,
    STRIPE_WEBHOOK_SECRET: SECRETS.STRIPE_WEBHOOK_SECRET,
    SENDGRID_API_KEY: SECRETS.SENDGRID_API_KEY,
    SENDGRID_API_BASE: sendgrid.base,
    TWILIO_ACCOUNT_SID: twilio.accountSid,
    TWILIO_AUTH_TOKEN: SECRETS.TWILIO_AUTH_TOKEN,
    TWILIO_FROM: '+15125550100',
    TWILIO_API_BASE: twilio.base,
    JWT_SECRET: SECRETS.JWT_SECRET,
    ADMIN_JWT_SECRET: SECRETS.ADMIN_JWT_SECRET,
    API_TOKEN_SALT: SECRETS.API_TOKEN_SALT,
    TRANSFER_TOKEN_SALT: SECRETS.TRANSFER_TOKEN_SALT,
    ENCRYPTION_KEY: SECRETS.ENCRYPTION_KEY,
    APP_KEYS: `${SECRETS.APP_KEYS_1},${SECRETS.APP_KEYS_2}`,
    LOG_LEVEL: 'debug',
  });
  captureProcessOutput();
  strapi = await startStrapi();
  captureStrapiLog();
  tokens.finance = await signIn(strapi, 'finance');
  tokens.customerSuccess = await signIn(strapi, 'customer-success');
  tokens.authenticated = await signIn(strapi, 'authenticated');
});

afterAll(async () => {
  await stopStrapi(strapi);
  await stopStripe(stripe);
  await sendgrid?.close();
  await twilio?.close();
  for (const { stream, original } of writes) stream.write = original;
  jest.restoreAllMocks();
  for (const name of ['SENDGRID_API_KEY', 'SENDGRID_API_BASE', 'TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM', 'TWILIO_API_BASE']) delete process.env[name];
  process.env.LOG_LEVEL = 'warn';
});

// ----- no billing route is public --------------------------------------------------------------

const WEBHOOK = { method: 'POST', path: `${api}/stripe/webhook` };

interface BillingRoute {
  method: string;
  path: string;
  handler: string;
  auth: unknown;
}

/** The routes of the project's content types, the plan-renewals plugin (content API and admin) and the engine's, with their config. */
const billingRoutes = (): BillingRoute[] => {
  const fromRouters = (routers: Record<string, any>, prefix: string) =>
    Object.values(routers ?? {}).flatMap((router: any) =>
      (router.routes ?? []).map((route: any) => ({
        method: route.method,
        path: `${prefix}${route.path}`,
        handler: String(route.handler),
        auth: route.config?.auth,
      })),
    );
  const apis = Object.values(strapi.apis as Record<string, any>).flatMap((api) => fromRouters(api.routes, '/api'));
  // The plugin's admin router serves the admin panel under /plan-renewals on the admin API.
  const plugin = Object.values(strapi.plugin('plan-renewals').routes as Record<string, any>).flatMap((router: any) =>
    fromRouters({ router }, router.type === 'admin' ? '/plan-renewals' : api),
  );
  // The engine's admin router serves its admin pages under /workflows on the admin API.
  const engine = Object.values(strapi.plugin('workflows').routes as Record<string, any>).flatMap((router: any) =>
    fromRouters({ router }, router.type === 'admin' ? '/workflows' : '/api/workflows'),
  );
  const approvals = Object.values(strapi.plugin('repair-approvals').routes as Record<string, any>).flatMap((router: any) =>
    fromRouters({ router }, router.type === 'admin' ? '/repair-approvals' : '/api/repair-approvals'),
  );
  const transit = Object.values(strapi.plugin('transit-passes').routes as Record<string, any>).flatMap((router: any) =>
    fromRouters({ router }, router.type === 'admin' ? '/transit-passes' : '/api/transit-passes'),
  );
  return [...apis, ...plugin, ...engine, ...approvals, ...transit];
};

const isWebhook = (route: { method: string; path: string }) => route.method === WEBHOOK.method && route.path === WEBHOOK.path;

describe('no billing route is public', () => {
  test('every route of the content types and the plugin needs authentication, except the signed webhook', () => {
    const routes = billingRoutes();
    // All six content types and the plugin's thirteen routes are there to be checked.
    expect(new Set(routes.map((route) => route.handler.split('.').slice(0, 2).join('.'))).size).toBeGreaterThanOrEqual(7);
    expect(routes.filter((route) => route.path.startsWith(api))).toHaveLength(13);
    expect(routes.filter((route) => route.path.startsWith('/api/workflows/'))).toHaveLength(5);
    expect(routes.filter((route) => route.path.startsWith('/api/repair-approvals/'))).toHaveLength(6);
    expect(routes.filter((route) => route.path.startsWith('/api/transit-passes/'))).toHaveLength(7);
    expect(routes.filter((route) => route.path.startsWith('/workflows/'))).toHaveLength(7);
    expect(routes.filter((route) => route.path.startsWith('/transit-passes/'))).toHaveLength(4);
    expect(routes.filter((route) => route.path.startsWith('/repair-approvals/'))).toHaveLength(6);
    const open = routes.filter((route) => route.auth === false && !isWebhook(route));
    expect(open).toEqual([]);
    expect(routes.filter((route) => route.auth === false)).toEqual([expect.objectContaining(WEBHOOK)]);
  });

  test('the router holds no billing route beyond those (nothing registered behind the configs)', () => {
    const declared = new Set(billingRoutes().map((route) => `${route.method} ${route.path}`));
    const billingPrefixes = [api, ...billingRoutes().filter((r) => !r.path.startsWith(api)).map((r) => r.path.split('/').slice(0, 3).join('/'))];
    const registered = (strapi.server as any)
      .listRoutes()
      .filter((layer: any) => billingPrefixes.some((prefix) => layer.path === prefix || layer.path.startsWith(`${prefix}/`)))
      .flatMap((layer: any) => layer.methods.filter((method: string) => method !== 'HEAD').map((method: string) => `${method} ${layer.path}`));
    expect(registered.length).toBeGreaterThan(0);
    expect(registered.filter((route: string) => !declared.has(route))).toEqual([]);
  });

  test('neither the Public nor the Authenticated role holds a billing permission', async () => {
    const roles = await strapi.db.query('plugin::users-permissions.role').findMany({ where: { type: { $in: ['public', 'authenticated'] } }, populate: ['permissions'] });
    expect(roles).toHaveLength(2);
    const granted = roles.flatMap((role: any) => role.permissions.map((permission: any) => `${role.type}: ${permission.action}`));
    expect(granted.filter((entry: string) => /: (api::|plugin::plan-renewals\.|plugin::workflows\.|plugin::repair-approvals\.|plugin::transit-passes\.)/.test(entry))).toEqual([]);
  });

  test('every billing route refuses anonymous, signed-in-without-permission and forged callers, and writes nothing', async () => {
    const forged = `${tokens.finance.slice(0, -4)}AAAA`;
    const routes = billingRoutes().filter((route) => !isWebhook(route));
    for (const route of routes) {
      const path = route.path.replace(/:documentId/g, 'abcdefghij0123456789abcd').replace(/:month/g, '2020-01').replace(/:name/g, 'outbox').replace(/:number/g, 'AUTH-2020-000001').replace(/:code/g, 'AAAAAAAAAAAAAAAAAAAAAA').replace(/:date/g, '2020-01-01');
      const before = await fingerprint(strapi);
      for (const [caller, headers] of [
        ['anonymous', {}],
        ['authenticated', as(tokens.authenticated)],
        ['forged', as(forged)],
      ] as const) {
        const response = await call((http(strapi) as any)[route.method.toLowerCase()](path).set(headers).send({ data: {} }));
        const expected = caller === 'forged' ? [401] : [401, 403];
        if (!expected.includes(response.status)) throw new Error(`${caller} ${route.method} ${path}: ${response.status} ${response.text.slice(0, 200)}`);
      }
      expect(await fingerprint(strapi)).toEqual(before);
    }
  });

  test('the webhook, the one route without user authentication, refuses an unsigned delivery', async () => {
    const response = await call(http(strapi).post(WEBHOOK.path).set('Content-Type', 'application/json').send('{"id":"evt_1"}'));
    expect(response.status).toBe(400);
    expect(response.body.error.message).toMatch(/Missing Stripe-Signature header/);
  });
});

// ----- request bounds hold on every route -------------------------------------------------------

describe('the request bounds hold on every route, whoever calls it (README: Request limits)', () => {
  /** Every route the server holds: the content API of every type and plugin, the admin API, the webhook. */
  const allRoutes = (): { method: string; path: string }[] =>
    (strapi.server as any)
      .listRoutes()
      .flatMap((layer: any) => layer.methods.filter((method: string) => !['HEAD', 'OPTIONS'].includes(method)).map((method: string) => ({ method, path: layer.path })))
      .map((route: { method: string; path: string }) => ({ ...route, path: route.path.replace(/:[A-Za-z]+/g, 'x').replace(/\(\.\*\)/g, 'x') }));

  const deepPopulate = { populate: { invoices: { populate: { customer: { populate: { invoices: { populate: { customer: true } } } } } } } };
  const deepBody = `${'['.repeat(5000)}${']'.repeat(5000)}`;

  test('a populate deeper than 3 levels, a malformed filter and a body nested 5,000 levels deep are each a 400 that writes nothing', async () => {
    const routes = allRoutes();
    const api = routes.filter((route) => route.path.startsWith('/api/'));
    // The content types', the plugin's and users-permissions' routes are all there.
    expect(api.length).toBeGreaterThan(30);
    expect(api.some((route) => route.path.startsWith('/api/users'))).toBe(true);
    const before = await fingerprint(strapi);
    const problems: string[] = [];
    const expect400 = async (route: { method: string; path: string }, what: string, send: (request: any) => any) => {
      for (const headers of [{}, as(tokens.finance)]) {
        const request = (http(strapi) as any)[route.method.toLowerCase()](route.path).set(headers);
        const response = await send(request).catch((error: Error) => ({ status: 0, text: error.message }));
        if (response.status !== 400) problems.push(`${route.method} ${route.path} ${what}: ${response.status} ${response.text.slice(0, 120)}`);
      }
    };
    for (const route of api) {
      await expect400(route, 'populate', (request) => request.query(deepPopulate));
      await expect400(route, 'filters', (request) => request.query('filters[$or]=x'));
    }
    // Every route taking a body; Strapi's health check (/_health, any method) answers before any middleware and reads none.
    for (const route of routes.filter((r) => ['POST', 'PUT', 'PATCH'].includes(r.method) && r.path !== '/_health' && !isWebhook(r))) {
      await expect400(route, 'nested body', (request) => request.set('Content-Type', 'application/json').send(deepBody));
    }
    expect(problems).toEqual([]);
    expect(await fingerprint(strapi)).toEqual(before);
  });
});

// ----- secrets stay secret ---------------------------------------------------------------------

describe('secrets never appear in logs or API output', () => {
  test('a full card purchase, its webhook, a failing email and SMS, the jobs and error paths leak no secret', async () => {
    const plan = await createPlan(strapi);
    const customer = await createCustomer(strapi);
    // A card purchase: the customer and the Checkout session are created in Stripe (the stand-in).
    const purchase = await call(
      http(strapi).post(`${api}/purchases`).set(as(tokens.customerSuccess)).send({ customer: customer.documentId, plan: plan.code, addOns: ['roadside'], paymentMethod: 'stripe' }),
    );
    expect(purchase.status).toBe(201);
    const run = purchase.body.data.run;
    const invoice: any = await strapi.documents('api::invoice.invoice').findOne({ documentId: run.invoice.documentId });

    // Stripe confirms the payment; the first email send is refused by SendGrid, then retried.
    sendgrid.script.push(401);
    const intentId = `pi_${crypto.randomBytes(8).toString('hex')}`;
    stripe.remember({ id: intentId, object: 'payment_intent', payment_method: `pm_${crypto.randomBytes(6).toString('hex')}` });
    const event = stripeEvent('checkout.session.completed', 'checkout.session', {
      id: `cs_test_${crypto.randomBytes(8).toString('hex')}`,
      payment_status: 'paid',
      amount_total: invoice.totalMinor,
      currency: invoice.currency.toLowerCase(),
      customer: null,
      payment_intent: intentId,
      metadata: metadataFor(invoice),
    });
    const payload = JSON.stringify(event);
    const delivered = await call(
      http(strapi).post(WEBHOOK.path).set('Content-Type', 'application/json').set('Stripe-Signature', signature(payload, SECRETS.STRIPE_WEBHOOK_SECRET)).send(payload),
    );
    expect(delivered.status).toBe(200);
    // Applied by the inbox's worker (its log lines are in the capture too).
    await drainInbox(strapi);

    // Refused signatures, a Stripe outage and a SendGrid outage: the error paths log too.
    await call(http(strapi).post(WEBHOOK.path).set('Content-Type', 'application/json').set('Stripe-Signature', signature(payload, 'whsec_wrong')).send(payload));
    const tasks = await call(http(strapi).get(`${api}/tasks`).set(as(tokens.customerSuccess)));
    const check = tasks.body.data.find((task: any) => task.run === run.documentId);
    sendgrid.script.push(500, 500);
    await call(http(strapi).post(`${api}/tasks/${check.documentId}/complete`).set(as(tokens.customerSuccess)).send({ outcome: 'passed' }));
    // Two SMS through Twilio: one sent after a 500, one refused for good (its warning is logged).
    twilio.script.push(500, { status: 400, code: 21211 });
    const outbox = strapi.plugin('workflows').service('messages');
    await outbox.enqueue({ channel: 'sms', key: `security:${run.documentId}:1`, to: '+15125550142', text: 'Your plan is active.' });
    await outbox.enqueue({ channel: 'sms', key: `security:${run.documentId}:2`, to: '+15005550001', text: 'Your plan is active.' });
    for (const hours of [1, 2]) await outbox.dispatch(new Date(Date.now() + hours * 60 * 60_000));
    for (const job of ['outbox', 'daily-mrr', 'payment-retries', 'renewals-due']) {
      expect((await call(http(strapi).post(`${api}/jobs/${job}/run`).set(as(tokens.finance)))).status).toBe(200);
    }
    // Stripe unreachable: the payment request is put back for the payment-retries job, with a warning.
    const reachable = process.env.STRIPE_API_BASE;
    process.env.STRIPE_API_BASE = 'http://127.0.0.1:9';
    const second = await createCustomer(strapi);
    await call(http(strapi).post(`${api}/purchases`).set(as(tokens.customerSuccess)).send({ customer: second.documentId, plan: plan.code, paymentMethod: 'stripe' }));
    process.env.STRIPE_API_BASE = reachable;

    // Everything staff can read back.
    for (const path of ['/api/customers', '/api/invoices', '/api/transactions', '/api/audit-logs?pagination[pageSize]=100', `${api}/runs/${run.documentId}`, `${api}/mrr`, '/api/users/me']) {
      expect((await call(http(strapi).get(path).set(as(tokens.finance)))).status).toBe(200);
    }

    expect(sendgrid.received.length).toBeGreaterThan(0);
    expect(sendgrid.received[0].authorization).toBe(`Bearer ${SECRETS.SENDGRID_API_KEY}`); // the key was in use
    expect(twilio.accepted).toHaveLength(1); // and the Twilio token
    const everything = seen.join('\n');
    // The capture works: the refused email's warning and the refused signature are in it.
    expect(everything).toMatch(/dead-lettered/);
    expect(everything).toMatch(/SMS security:\S+ to \+15005550001 dead-lettered after 1 attempt: 400: Twilio error 21211/);
    expect(everything).toMatch(/Invalid Stripe signature/);
    const leaked = Object.entries(SECRETS).filter(([, value]) => everything.includes(value));
    expect(leaked.map(([name]) => name)).toEqual([]);
  });
});

// ----- rate limits hold against path variants ---------------------------------------------------

/** Sends the variants in turn until `rounds` requests went out; counts those that reached the handler. */
const hammer = async (variants: { path: string; headers?: Record<string, string>; body: object }[], rounds: number, reachedHandler: (response: any) => boolean) => {
  const statuses: string[] = [];
  let reached = 0;
  for (let i = 0; i < rounds; i += 1) {
    const variant = variants[i % variants.length];
    const response = await http(strapi).post(variant.path).set(variant.headers ?? {}).send(variant.body);
    statuses.push(`${variant.path} ${response.status}`);
    if (reachedHandler(response)) reached += 1;
  }
  return { reached, statuses };
};

describe('sign-in rate limits hold against path variants', () => {
  const MAX = 5;

  test('users-permissions /api/auth/local: case, trailing slash, query and forwarded-for variants share one budget', async () => {
    strapi.config.set('plugin::users-permissions.ratelimit', { enabled: true, interval: 60_000, max: MAX });
    const body = { identifier: 'nobody@staff.test', password: 'wrong-password' };
    const limited = ['/api/auth/local', '/api/Auth/Local', '/api/auth/local/', '/API/AUTH/LOCAL/', '/api/auth/local?x=1'].map((path, i) => ({
      path,
      body,
      headers: { 'X-Forwarded-For': `10.0.0.${i + 1}` },
    }));
    const { reached, statuses } = await hammer(limited, MAX * 3, (response) => response.status === 400);
    expect(reached).toBeLessThanOrEqual(MAX);
    expect(statuses.slice(-limited.length).every((status) => status.endsWith(' 429'))).toBe(true);

    // Variants the router does not match never reach the sign-in at all.
    for (const path of ['/api//auth/local', '/api/auth/./local', '/api/auth/local%2F', '/api/auth/local;x', '/api/auth/local.json', '/api/auth/local//', '/api/auth/%6cocal']) {
      const response = await http(strapi).post(path).send(body);
      expect([404, 405, 429]).toContain(response.status);
    }
  });

  test('admin /admin/login: case, trailing slash and email-case variants share one budget', async () => {
    strapi.config.set('admin.rateLimit', { enabled: true, interval: 60_000, max: MAX });
    const variants = ['/admin/login', '/admin/Login', '/admin/login/', '/ADMIN/LOGIN'].flatMap((path) => [
      { path, body: { email: 'owner@shop.test', password: 'wrong-password' } },
      { path, body: { email: 'Owner@Shop.TEST', password: 'wrong-password' } },
    ]);
    const { reached, statuses } = await hammer(variants, MAX * 3, (response) => response.status === 400 || response.status === 401);
    expect(reached).toBeLessThanOrEqual(MAX);
    expect(statuses.slice(-4).every((status) => status.endsWith(' 429'))).toBe(true);
  });
});
