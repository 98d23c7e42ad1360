import type { Core } from '@strapi/strapi';
import { moveLegacyRuns } from '../../../../setup/legacy-runs';
import { ownService } from './utils';
import { indexRunsByInvoice } from './services/steps';

/**
 * Registers the plugin's admin actions, creates the tables Strapi does not manage (MRR lines, the shared Stripe pace) and
 * fills in the current period of service plans stored before it existed and the state of Stripe events stored
 * before the inbox was a queue, and moves the follow-ups kept with the steps' tasks, then the runs stored
 * before the engine kept them and their steps' tasks, to the engine's, and indexes the engine's runs by the
 * invoice they issued (idempotent).
 * The application's bootstrap (src/index.ts), which runs after every plugin's, creates the admin
 * roles and then starts the scheduled jobs and the Stripe inbox's worker, so they see a complete
 * database; `destroy` stops them.
 */
export default async ({ strapi }: { strapi: Core.Strapi }) => {
  await ownService(strapi, 'access').registerActions();
  await ownService(strapi, 'mrr').ensureTables();
  await ownService(strapi, 'stripe').ensureTables();
  await ownService(strapi, 'plan-dates').migrate();
  await ownService(strapi, 'stripe-inbox').migrate();
  await ownService(strapi, 'follow-ups').migrate();
  await moveLegacyRuns(strapi);
  await indexRunsByInvoice(strapi);
};
