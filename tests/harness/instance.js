#!/usr/bin/env node
/**
 * One more instance of the application for multi-instance tests: boots the compiled app on the
 * database the environment names, with the scheduled jobs on and the schedules given as JSON in
 * JOB_SCHEDULES (so a test can fire a job every second), logs at info, and stops on SIGTERM.
 */
const path = require('node:path');
const { createStrapi } = require('@strapi/strapi');

const appDir = path.resolve(__dirname, '..', '..');
process.env.JOBS_ENABLED = 'true';

(async () => {
  const app = createStrapi({ appDir, distDir: path.join(appDir, 'dist'), serveAdminPanel: false });
  await app.register();
  const schedules = app.config.get('plugin::plan-renewals.jobs.schedules');
  app.config.set('plugin::plan-renewals.jobs.schedules', { ...schedules, ...JSON.parse(process.env.JOB_SCHEDULES || '{}') });
  await app.bootstrap();
  console.log('INSTANCE READY');
  const stop = async () => {
    await app.destroy();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
