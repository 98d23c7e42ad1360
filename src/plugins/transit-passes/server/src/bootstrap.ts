import type { Core } from '@strapi/strapi';
import { getService } from '../../../workflows/server/src/utils';
import { removeExpiredTemporary, transitConfig } from './services/steps';

/** The daily removal of expired temporary passes (idempotent: every instance may run it). */
export default async ({ strapi }: { strapi: Core.Strapi }) => {
  getService(strapi, 'schedules').add('expired-passes clean-up', transitConfig(strapi).cleanupSchedule, async () => `${await removeExpiredTemporary(strapi, new Date())} expired temporary pass(es) removed`);
};
