#!/usr/bin/env node
/**
 * npm run seed: loads the app (no HTTP server) and creates the demo data that is missing.
 * Idempotent: plans are matched by code, customers by email; running it twice adds nothing.
 */
process.env.STRAPI_TELEMETRY_DISABLED = process.env.STRAPI_TELEMETRY_DISABLED ?? 'true';
// The explicit run below replaces the automatic first-start seeding.
process.env.SEED_DEMO_DATA = 'false';
process.env.JOBS_ENABLED = 'false';

const path = require('node:path');
const { compileStrapi, createStrapi } = require('@strapi/strapi');

(async () => {
  const app = await createStrapi(await compileStrapi()).load();
  try {
    const { seedDemoData } = require(path.join(app.dirs.dist.src, 'seed'));
    const result = await seedDemoData(app);
    const { counted } = require(path.join(app.dirs.dist.src, 'domain'));
    app.log.info(`Demo data: ${counted(result.plans, 'plan')}; ${counted(result.customersWithPlans, 'customer')} given a plan this run`);
  } finally {
    await app.destroy();
  }
  process.exit(0);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
