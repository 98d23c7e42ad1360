import type { Core } from '@strapi/strapi';
import { registerGuards } from './guards';
import { removeDefaultApiTokens } from './setup/api-tokens';
import { configureContentManager } from './setup/content-manager';
import { ensureDatabaseObjects } from './setup/database';
import { ensureStaffRoles } from './setup/permissions';
import { keepPrivateFieldsOutOfSearch } from './setup/private-fields';
import { handleLostConnections } from './setup/process';
import { checkCommits } from './setup/transactions';
import { closeSelfService, endSessionsOnPasswordChangeOrBlock } from './setup/staff-accounts';
import { seedDemoDataIfEmpty } from './seed';
import { ADMIN_ACTIONS as PLAN_ACTIONS } from './plugins/plan-renewals/server/src/config/actions';

export default {
  register({ strapi }: { strapi: Core.Strapi }) {
    checkCommits(strapi);
    handleLostConnections(strapi);
    registerGuards(strapi);
    keepPrivateFieldsOutOfSearch(strapi);
    endSessionsOnPasswordChangeOrBlock(strapi);
  },

  async bootstrap({ strapi }: { strapi: Core.Strapi }) {
    await ensureDatabaseObjects(strapi);
    await ensureStaffRoles(strapi);
    await closeSelfService(strapi);
    await removeDefaultApiTokens(strapi);
    await configureContentManager(strapi);
    await strapi.plugin('plan-renewals').service('access').ensureAdminRoles();
    // The roles just created (a fresh database) read the engine's runs too: the engine's own
    // bootstrap, which ran before, could only grant roles already stored.
    await strapi.plugin('workflows').service('access').grantRunReading();
    // Staff who read the pre-paid overview read the Transit page too (only where it is missing).
    await strapi.plugin('transit-passes').service('access').grantReadingToHoldersOf(PLAN_ACTIONS.readDashboard);
    await strapi.plugin('repair-approvals').service('access').grantToStaffRoles();
    await seedDemoDataIfEmpty(strapi);
    // Last: the scheduled jobs, so a catch-up on boot (a missed MRR snapshot or monthly report)
    // sees the database complete, demo data included.
    await strapi.plugin('plan-renewals').service('jobs').start();
    // And the Stripe inbox's worker: events acknowledged before a restart are applied now.
    strapi.plugin('plan-renewals').service('stripe-inbox').start();
  },
};
