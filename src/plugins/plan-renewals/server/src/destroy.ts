import type { Core } from '@strapi/strapi';

/** Stops the scheduled jobs and the Stripe inbox's worker, so a stopping instance starts no new fire nor event. */
export default async ({ strapi }: { strapi: Core.Strapi }) => {
  await strapi.plugin('plan-renewals').service('jobs').stop();
  await strapi.plugin('plan-renewals').service('stripe-inbox').stop();
};
