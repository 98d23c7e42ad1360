import type { Core } from '@strapi/strapi';
import { getService } from '../../../workflows/server/src/utils';
import { PREPAID_PLAN_PROCESS, withTaskDueDays } from './domain';
import { PREPAID_PLAN_HANDLERS } from './services/steps';
import { registerEditChecks } from './edit-checks';

/**
 * Declares the pre-paid plan process to the workflows engine, which refuses to start with it if it
 * is invalid and then runs it, keeping its runs and tasks: its steps' tasks are due the business
 * days the plugin's configuration gives (`taskDueBusinessDays`).
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const dueDays = strapi.plugin('plan-renewals').config('taskDueBusinessDays') as Record<string, number>;
  getService(strapi, 'registry').register(withTaskDueDays(PREPAID_PLAN_PROCESS, dueDays), PREPAID_PLAN_HANDLERS);
  registerEditChecks(strapi);
};
