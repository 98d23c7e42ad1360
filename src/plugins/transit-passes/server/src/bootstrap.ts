import type { Core } from '@strapi/strapi';
import { getService } from '../../../workflows/server/src/utils';
import { removeExpiredTemporary, transitConfig } from './services/steps';
import { ownService } from './utils';
import { moveTransitFollowUps } from './follow-ups';

/**
 * The admin action of the Transit page (registered before the admin's own bootstrap gives the
 * Super Admin every registered action), the daily removal of expired temporary passes and the
 * daily opening of the renewals due, and the Checkout sessions asked again for card orders made
 * while Stripe could not be reached (all idempotent: every instance may run them).
 */
export default async ({ strapi }: { strapi: Core.Strapi }) => {
  await ownService(strapi, 'access').registerActions();
  await moveTransitFollowUps(strapi);
  const { cleanupSchedule, renewalsSchedule, checkoutRetrySchedule } = transitConfig(strapi);
  const schedules = getService(strapi, 'schedules');
  schedules.add('expired-passes clean-up', cleanupSchedule, async () => `${await removeExpiredTemporary(strapi, new Date())} expired temporary pass(es) removed`);
  schedules.add('pass renewals', renewalsSchedule, async () => {
    const { due, opened } = await ownService(strapi, 'orders').openDueRenewals();
    return `${opened} renewal(s) opened of ${due} pass(es) due`;
  });
  schedules.add('transit checkout requests', checkoutRetrySchedule, async () => {
    const { asked, missing } = await ownService(strapi, 'card-payments').requestMissing();
    return `${asked} Checkout session(s) asked of Stripe for ${missing} card order(s) without one`;
  });
};
