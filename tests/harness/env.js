/**
 * Environment of every integration test process: throw-away secrets, no telemetry, no demo data
 * (tests create what they need; the seed has its own test), and no cron or admin bundle.
 */
const crypto = require('node:crypto');

const secret = () => crypto.randomBytes(16).toString('base64');

process.env.NODE_ENV = 'test';
process.env.STRAPI_TELEMETRY_DISABLED = 'true';
process.env.LOG_LEVEL = process.env.LOG_LEVEL ?? 'warn';
process.env.SEED_DEMO_DATA = 'false';
process.env.JOBS_ENABLED = process.env.JOBS_ENABLED ?? 'false'; // tests run jobs on purpose, not by the clock
// A file signs its staff in once and may outlast the 10-minute default (hardening.test.ts checks the default).
process.env.STAFF_ACCESS_TOKEN_MINUTES = process.env.STAFF_ACCESS_TOKEN_MINUTES ?? '60';
process.env.APP_KEYS = [secret(), secret()].join(',');
process.env.API_TOKEN_SALT = secret();
process.env.ADMIN_JWT_SECRET = secret();
process.env.TRANSFER_TOKEN_SALT = secret();
process.env.JWT_SECRET = secret();
process.env.ENCRYPTION_KEY = secret();
