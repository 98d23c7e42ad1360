import type { Core } from '@strapi/strapi';
import { getService } from '../../../workflows/server/src/utils';
import { PREPAID_PLAN_PROCESS } from './domain';
import { prepaidPlanRecords } from './services/records';
import { PREPAID_PLAN_HANDLERS } from './services/steps';
import { registerEditChecks } from './edit-checks';

/**
 * Declares the pre-paid plan process to the workflows engine, which refuses to start with it if it
 * is invalid, with where its runs and tasks are kept (the engine's task and run routes read them).
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  getService(strapi, 'registry').register(PREPAID_PLAN_PROCESS, { ...PREPAID_PLAN_HANDLERS, records: prepaidPlanRecords(strapi) });
  registerEditChecks(strapi);
};
