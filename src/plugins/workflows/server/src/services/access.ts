import type { Core } from '@strapi/strapi';
import { ACTION_DEFINITIONS, ADMIN_ACTIONS, isProcessRunReading } from '../config/actions';

/**
 * The engine's admin RBAC. Its actions are registered at the plugin's bootstrap, before the
 * admin's own bootstrap gives the Super Admin every registered action (and removes permissions of
 * actions nobody registered). Roles that read a process plugin's runs are given the engine's read
 * action, only where it is missing; an admin may take it away again in the roles settings, and
 * it comes back at the next start only while the role still reads a process plugin's runs.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async registerActions() {
    await strapi.service('admin::permission').actionProvider.registerMany(ACTION_DEFINITIONS);
  },

  /**
   * Grants `runs.read` of the engine to every admin role holding another plugin's `runs.read`.
   * Called at the engine's bootstrap (roles already stored) and again by the application once it
   * has created its admin roles (a fresh database has none at the engine's bootstrap). Answers
   * the ids of the roles it granted.
   */
  async grantRunReading(): Promise<number[]> {
    const permissions = strapi.db.query('admin::permission');
    const readers: { action: string; role: { id: number } | null }[] = await permissions.findMany({
      select: ['action'],
      where: { action: { $endsWith: '.runs.read' } },
      populate: { role: { select: ['id'] } },
    });
    const holding = new Set(readers.filter((p) => p.action === ADMIN_ACTIONS.readRuns && p.role).map((p) => p.role!.id));
    const missing = [...new Set(readers.filter((p) => isProcessRunReading(p.action) && p.role).map((p) => p.role!.id))].filter((id) => !holding.has(id));
    for (const roleId of missing) {
      await strapi.service('admin::role').addPermissions(roleId, [{ action: ADMIN_ACTIONS.readRuns, subject: null, properties: {}, conditions: [] }]);
    }
    return missing;
  },
});
