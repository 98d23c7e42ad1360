import type { Core } from '@strapi/strapi';

/**
 * Creates the analytics table Strapi does not manage, then starts the scheduled jobs (unless
 * JOBS_ENABLED=false), which catch up what was missed while no instance was running.
 */
export default async ({ strapi }: { strapi: Core.Strapi }) => {
  await strapi.plugin('plan-renewals').service('mrr').ensureTables();
  await strapi.plugin('plan-renewals').service('jobs').start();
};
