import type { Core } from '@strapi/strapi';

/** Stops the scheduled jobs, so a stopping instance starts no new fire. */
export default async ({ strapi }: { strapi: Core.Strapi }) => {
  await strapi.plugin('plan-renewals').service('jobs').stop();
};
