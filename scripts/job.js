#!/usr/bin/env node
/**
 * npm run job -- <name>: runs one scheduled job now, once, and prints what it did.
 * Loads the app without its HTTP server and with the schedules off, so nothing else fires.
 *
 *   npm run job -- renewals-due | expiry | payment-retries | outbox | stuck-runs | overdue-tasks | daily-mrr
 */
process.env.STRAPI_TELEMETRY_DISABLED = process.env.STRAPI_TELEMETRY_DISABLED ?? 'true';
process.env.JOBS_ENABLED = 'false';
process.env.SEED_DEMO_DATA = 'false';

const path = require('node:path');
const fs = require('node:fs');
const { createStrapi } = require('@strapi/strapi');

const appDir = path.resolve(__dirname, '..');
const name = process.argv[2];

(async () => {
  if (!fs.existsSync(path.join(appDir, 'dist', 'src'))) throw new Error('The app is not built: run npm run build first');
  const { JOB_NAMES } = require(path.join(appDir, 'dist', 'src', 'plugins', 'plan-renewals', 'server', 'src', 'config'));
  if (!JOB_NAMES.includes(name)) {
    console.error(`Usage: npm run job -- <${JOB_NAMES.join('|')}>`);
    process.exit(2);
  }
  const app = await createStrapi({ appDir, distDir: path.join(appDir, 'dist') }).load();
  try {
    const { outcome } = await app.plugin('plan-renewals').service('jobs').runNow(name);
    console.log(`${name}: ${outcome}`);
  } finally {
    await app.destroy();
  }
  process.exit(0);
})().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
