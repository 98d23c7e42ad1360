import type { Core } from '@strapi/strapi';
import { getService } from '../../../workflows/server/src/utils';
import { ownService } from './utils';

/**
 * The admin action of the Approvals pages (the application's bootstrap grants it to the staff's
 * admin roles once they exist), and the drafts clean-up job (idempotent: every instance may run it).
 */
export default async ({ strapi }: { strapi: Core.Strapi }) => {
  await ownService(strapi, 'access').registerActions();
  const { draftsCleanupSchedule } = strapi.config.get('plugin::repair-approvals') as { draftsCleanupSchedule: string };
  getService(strapi, 'schedules').add('drafts clean-up', draftsCleanupSchedule, async () => {
    const removed = await ownService(strapi, 'requests').cleanUpDrafts();
    return `${removed.removedDrafts} abandoned draft(s), ${removed.removedVersions} leftover version(s) removed`;
  });
};
