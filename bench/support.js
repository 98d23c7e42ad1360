/**
 * What every benchmark needs: the environment of a throw-away app (fresh secrets, no telemetry,
 * no demo data, no scheduled jobs), a database of its own (a new SQLite file, or a new PostgreSQL
 * database beside the one DATABASE_URL names) that is dropped afterwards, and the median.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const appDir = path.resolve(__dirname, '..');
const client = process.env.DATABASE_CLIENT ?? 'sqlite';

const benchEnvironment = (extra = {}) => {
  const secret = () => crypto.randomBytes(16).toString('base64');
  Object.assign(process.env, {
    STRAPI_TELEMETRY_DISABLED: 'true',
    SEED_DEMO_DATA: 'false',
    JOBS_ENABLED: 'false',
    LOG_LEVEL: 'error',
    APP_KEYS: `${secret()},${secret()}`,
    API_TOKEN_SALT: secret(),
    ADMIN_JWT_SECRET: secret(),
    TRANSFER_TOKEN_SALT: secret(),
    JWT_SECRET: secret(),
    ENCRYPTION_KEY: secret(),
    ...extra,
  });
};

/** Points the app at a new database named after `name`; returns the function that drops it. */
const prepareDatabase = async (name) => {
  if (client === 'sqlite') {
    const file = path.join(appDir, '.tmp', `${name}-${process.pid}.db`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    process.env.DATABASE_FILENAME = path.relative(appDir, file);
    return async () => fs.rmSync(file, { force: true });
  }
  const { Client } = require('pg');
  const base = new URL(process.env.DATABASE_URL);
  const database = `${name.replace(/-/g, '_')}_${process.pid}`;
  const admin = new URL(base);
  admin.pathname = '/postgres';
  const run = async (sql) => {
    const db = new Client({ connectionString: admin.toString() });
    await db.connect();
    await db.query(sql);
    await db.end();
  };
  await run(`CREATE DATABASE "${database}"`);
  base.pathname = `/${database}`;
  process.env.DATABASE_URL = base.toString();
  return () => run(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
};

/** Loads the compiled app on the prepared database. */
const loadApp = () => {
  const { createStrapi } = require('@strapi/strapi');
  return createStrapi({ appDir, distDir: path.join(appDir, 'dist'), serveAdminPanel: false }).load();
};

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

module.exports = { appDir, client, benchEnvironment, prepareDatabase, loadApp, median };
