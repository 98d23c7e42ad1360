#!/usr/bin/env node
/**
 * One more instance of the application for multi-instance tests: boots the compiled app on the
 * database the environment names, with the scheduled jobs on (JOB_SCHEDULES, read by the app's
 * config, lets a test fire a job every second), logs at info, and stops on SIGTERM.
 */
const path = require('node:path');
const { createStrapi } = require('@strapi/strapi');

const appDir = path.resolve(__dirname, '..', '..');
process.env.JOBS_ENABLED = 'true';

(async () => {
  const app = await createStrapi({ appDir, distDir: path.join(appDir, 'dist'), serveAdminPanel: false }).load();
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
