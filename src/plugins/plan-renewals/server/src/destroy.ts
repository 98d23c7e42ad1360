import type { Core } from '@strapi/strapi';
import { ownService } from './utils';

/** Stops the scheduled jobs and the Stripe inbox's worker, so a stopping instance starts no new fire nor event. */
export default async ({ strapi }: { strapi: Core.Strapi }) => {
  await ownService(strapi, 'jobs').stop();
  await ownService(strapi, 'stripe-inbox').stop();
};
