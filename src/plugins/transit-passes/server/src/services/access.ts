import type { Core } from '@strapi/strapi';
import { ACTION_DEFINITIONS, ADMIN_ACTIONS } from '../config/actions';

/**
 * The plugin's admin RBAC. Its action is registered at the plugin's bootstrap, before the admin's
 * own bootstrap gives the Super Admin every registered action. Which staff roles read transit is
 * the application's choice (src/index.ts): it names an action those roles already hold, and
 * they are given `transit.read` where it is missing. An admin may take it away again in the roles
 * settings; it comes back at the next start only while the role still holds that other action.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async registerActions() {
    await strapi.service('admin::permission').actionProvider.registerMany(ACTION_DEFINITIONS);
  },

  /** Grants `transit.read` to every admin role holding `action`; answers the ids of the roles it granted. */
  async grantReadingToHoldersOf(action: string): Promise<number[]> {
    const permissions: { action: string; role: { id: number } | null }[] = await strapi.db.query('admin::permission').findMany({
      select: ['action'],
      where: { action: { $in: [action, ADMIN_ACTIONS.read] } },
      populate: { role: { select: ['id'] } },
    });
    const holding = new Set(permissions.filter((p) => p.action === ADMIN_ACTIONS.read && p.role).map((p) => p.role!.id));
    const missing = [...new Set(permissions.filter((p) => p.action === action && p.role).map((p) => p.role!.id))].filter((id) => !holding.has(id));
    for (const roleId of missing) {
      await strapi.service('admin::role').addPermissions(roleId, [{ action: ADMIN_ACTIONS.read, subject: null, properties: {}, conditions: [] }]);
    }
    return missing;
  },
});
