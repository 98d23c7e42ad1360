import type { Core } from '@strapi/strapi';
import { getService } from '../../../workflows/server/src/utils';
import { removeExpiredTemporary, transitConfig } from './services/steps';

/**
 * The admin action of the Transit page (registered before the admin's own bootstrap gives the
 * Super Admin every registered action), the daily removal of expired temporary passes and the
 * daily opening of the renewals due (both idempotent: every instance may run them).
 */
export default async ({ strapi }: { strapi: Core.Strapi }) => {
  await strapi.plugin('transit-passes').service('access').registerActions();
  const { cleanupSchedule, renewalsSchedule } = transitConfig(strapi);
  const schedules = getService(strapi, 'schedules');
  schedules.add('expired-passes clean-up', cleanupSchedule, async () => `${await removeExpiredTemporary(strapi, new Date())} expired temporary pass(es) removed`);
  schedules.add('pass renewals', renewalsSchedule, async () => {
    const { due, opened } = await strapi.plugin('transit-passes').service('orders').openDueRenewals();
    return `${opened} renewal(s) opened of ${due} pass(es) due`;
  });
};
