import type { Core } from '@strapi/strapi';

/** Starts the scheduled jobs (unless JOBS_ENABLED=false) and catches up what was missed. */
export default async ({ strapi }: { strapi: Core.Strapi }) => {
  await strapi.plugin('plan-renewals').service('jobs').start();
};
