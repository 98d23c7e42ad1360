import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import request from 'supertest';
import { createStrapi } from '@strapi/strapi';
import type { Core } from '@strapi/strapi';

/**
 * Boots the real, compiled application on a database of its own: a new SQLite file, or a new
 * PostgreSQL database created beside the one DATABASE_URL names. Nothing is mocked: requests go
 * through Strapi's HTTP server, its auth strategies and the users-permissions JWTs.
 */
const appDir = path.resolve(__dirname, '..', '..');
const client = process.env.DATABASE_CLIENT ?? 'sqlite';

let created: { drop: () => Promise<void> } | null = null;

const freshName = () => `t${process.pid}_${crypto.randomBytes(4).toString('hex')}`;

const adminUrl = () => {
  const url = new URL(process.env.DATABASE_URL as string);
  url.pathname = '/postgres';
  return url.toString();
};

/** Points the environment at a new, empty database (SQLite file or PostgreSQL database). */
export const createDatabase = async (): Promise<void> => {
  if (client === 'sqlite') {
    const file = path.join(appDir, '.tmp', `test-${freshName()}.db`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    process.env.DATABASE_FILENAME = path.relative(appDir, file);
    created = { drop: async () => fs.rmSync(file, { force: true }) };
    return;
  }
  if (!process.env.DATABASE_URL) throw new Error('DATABASE_CLIENT=postgres needs DATABASE_URL for the tests');
  const base = new URL(process.env.DATABASE_URL);
  const name = `${base.pathname.slice(1) || 'prepaid'}_${freshName()}`.toLowerCase();
  const admin = new Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(process.env.DATABASE_URL);
  url.pathname = `/${name}`;
  const original = process.env.DATABASE_URL;
  process.env.DATABASE_URL = url.toString();
  created = {
    drop: async () => {
      process.env.DATABASE_URL = original;
      const dropper = new Client({ connectionString: adminUrl() });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await dropper.end();
    },
  };
};

/**
 * `register` runs once every plugin has registered and before Strapi starts, as a plugin's own
 * register() would: a test declares a process of its own to the engine there.
 */
export const startStrapi = async (options: { register?: (strapi: Core.Strapi) => void } = {}): Promise<Core.Strapi> => {
  await createDatabase();
  const app = createStrapi({ appDir, distDir: path.join(appDir, 'dist'), serveAdminPanel: false } as any);
  if (options.register) {
    const register = app.register.bind(app);
    app.register = async () => {
      await register();
      options.register!(app);
      return app;
    };
  }
  try {
    const strapi = await app.load();
    strapi.server.mount();
    // Listen once, for the whole file: supertest would otherwise open and close the server around
    // every request, resetting the other requests of a concurrent batch.
    await new Promise<void>((resolve) => strapi.server.httpServer.listen(0, '127.0.0.1', resolve));
    return strapi;
  } catch (error) {
    // A boot that fails must not leave connections open and hang the test run.
    await app.destroy().catch(() => undefined);
    await created?.drop();
    created = null;
    throw error;
  }
};

/**
 * Waits until the database pool has been idle for a moment (at most 10 s). After a commit Strapi
 * re-reads each written entry for its `entry.*` events, unawaited; a re-read whose queries start
 * while the pool is being destroyed waits for a connection that never comes, and its timeout,
 * 60 s later, fails whichever test file is running by then.
 */
const settle = async (strapi: Core.Strapi): Promise<void> => {
  const pool = (strapi.db.connection.client as any).pool;
  if (!pool) return;
  const deadline = Date.now() + 10_000;
  for (let idle = 0; idle < 5 && Date.now() < deadline; ) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    idle = pool.numUsed() + pool.numPendingAcquires() + pool.numPendingCreates() === 0 ? idle + 1 : 0;
  }
};

export const stopStrapi = async (strapi: Core.Strapi | undefined): Promise<void> => {
  if (strapi) {
    await settle(strapi);
    await strapi.destroy();
  }
  await dropDatabase();
};

/** Removes the database createDatabase made. */
export const dropDatabase = async (): Promise<void> => {
  await created?.drop();
  created = null;
};

export const http = (strapi: Core.Strapi) => {
  const address = strapi.server.httpServer.address();
  if (!address || typeof address === 'string') throw new Error('The test server is not listening');
  return request(`http://127.0.0.1:${address.port}`);
};

/**
 * An admin-panel user holding a new role with exactly `actions` (or an existing role, by code),
 * signed in over HTTP: the JWT, and the user as stored.
 */
export const signInAdmin = async (strapi: Core.Strapi, actions: string[] | { roleCode: string }) => {
  const roles = strapi.service('admin::role');
  const role = Array.isArray(actions)
    ? await roles.create({ name: `role-${crypto.randomBytes(4).toString('hex')}`, description: 'test' })
    : await strapi.db.query('admin::role').findOne({ where: { code: actions.roleCode } });
  if (Array.isArray(actions)) await roles.assignPermissions(role.id, actions.map((action) => ({ action, subject: null })));
  const email = `admin-${crypto.randomBytes(4).toString('hex')}@shop.test`;
  const password = `Pw-${crypto.randomBytes(8).toString('hex')}A1`;
  const user = await strapi
    .service('admin::user')
    .create({ email, firstname: 'Test', lastname: role.name, password, isActive: true, registrationToken: null, roles: [role.id] });
  const response = await http(strapi).post('/admin/login').send({ email, password });
  if (response.status !== 200) throw new Error(`Admin sign-in failed: ${response.status} ${JSON.stringify(response.body)}`);
  return { token: response.body.data.token as string, user };
};

/** A users-permissions user of the given role type, signed in over HTTP; returns the JWT. */
export const signIn = async (strapi: Core.Strapi, roleType: string): Promise<string> => {
  const role = await strapi.db.query('plugin::users-permissions.role').findOne({ where: { type: roleType } });
  if (!role) throw new Error(`No users-permissions role of type ${roleType}`);
  const suffix = crypto.randomBytes(4).toString('hex');
  const password = `Pw-${crypto.randomBytes(8).toString('hex')}`;
  const email = `${roleType}-${suffix}@staff.test`;
  await strapi.plugin('users-permissions').service('user').add({
    username: `${roleType}-${suffix}`,
    email,
    password,
    provider: 'local',
    confirmed: true,
    blocked: false,
    role: role.id,
  });
  const response = await http(strapi).post('/api/auth/local').send({ identifier: email, password });
  if (response.status !== 200) throw new Error(`Sign-in failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.jwt as string;
};

const BILLING_TABLES = [
  'customers',
  'customers_user_lnk',
  'plans',
  'service_plans',
  'invoices',
  'transactions',
  'audit_logs',
  'components_billing_invoice_lines',
  'components_catalog_add_ons',
  'invoices_cmps',
  'plans_cmps',
  'service_plans_customer_lnk',
  'service_plans_plan_lnk',
  'invoices_customer_lnk',
  'invoices_service_plan_lnk',
  'transactions_invoice_lnk',
  'plan_renewal_stripe_events',
  // Where the pre-paid plan process kept its runs and tasks before the engine did: still there, written by nothing.
  'plan_renewal_runs',
  'plan_renewal_tasks',
  'workflow_runs',
  'workflow_tasks',
  'workflow_tasks_run_lnk',
  'workflow_messages',
  'approval_requests',
  'approval_request_drafts',
  'authorization_certificates',
  'components_repair_estimate_lines',
  'approval_requests_cmps',
  'transit_fare_products',
  'transit_card_stock',
  'transit_pass_orders',
  'transit_passes',
  'transit_eligibility_verifications',
  'transit_daily_revenue',
];

/** Every row of every billing table, to prove a refused request wrote nothing. */
export const snapshot = async (strapi: Core.Strapi): Promise<Record<string, unknown[]>> => {
  const knex = strapi.db.connection;
  const result: Record<string, unknown[]> = {};
  for (const table of BILLING_TABLES) {
    if (await knex.schema.hasTable(table)) result[table] = await knex(table).select('*').orderBy('id');
  }
  return result;
};

/** JWTs of a Finance Officer and a Customer Success user, each signed in over HTTP. */
export const signInStaff = async (strapi: Core.Strapi) => ({
  finance: await signIn(strapi, 'finance'),
  customerSuccess: await signIn(strapi, 'customer-success'),
});
