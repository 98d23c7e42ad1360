import type { Core } from '@strapi/strapi';
import { registerGuards } from './guards';
import { ensureDatabaseObjects } from './setup/database';
import { ensureStaffRoles } from './setup/permissions';
import { handleLostConnections } from './setup/process';
import { seedDemoDataIfEmpty } from './seed';

export default {
  register({ strapi }: { strapi: Core.Strapi }) {
    handleLostConnections(strapi);
    registerGuards(strapi);
  },

  async bootstrap({ strapi }: { strapi: Core.Strapi }) {
    await ensureDatabaseObjects(strapi);
    await ensureStaffRoles(strapi);
    await strapi.plugin('plan-renewals').service('access').ensureAdminRoles();
    await seedDemoDataIfEmpty(strapi);
    // Last: the scheduled jobs, so a catch-up on boot (a missed MRR snapshot or monthly report)
    // sees the database complete, demo data included.
    await strapi.plugin('plan-renewals').service('jobs').start();
  },
};
