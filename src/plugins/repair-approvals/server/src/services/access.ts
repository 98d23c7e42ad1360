import type { Core } from '@strapi/strapi';
import { ACTION_DEFINITIONS, ADMIN_ACTIONS, GRANTED_ROLE_CODES } from '../config/actions';

/** The core-store entry naming the roles already given the action once (so a removal by an admin sticks). */
const GRANTED_KEY = { type: 'plugin', name: 'repair-approvals', key: 'admin-roles-granted' } as const;

/**
 * The plugin's admin RBAC: its action, registered at the plugin's bootstrap (before the admin's
 * own bootstrap gives the super admin every registered action), and granted to the staff's admin
 * roles by the application's bootstrap, after those roles are created (src/index.ts).
 */
export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async registerActions() {
    await strapi.service('admin::permission').actionProvider.registerMany(ACTION_DEFINITIONS);
  },

  /**
   * Adds "Read approvals" to each staff role that lacks it, once per role: a role given it before
   * is left as its admins made it, and no other permission of the role is touched.
   */
  async grantToStaffRoles() {
    const store = strapi.store(GRANTED_KEY);
    const granted = new Set<string>(((await store.get({})) as string[] | null) ?? []);
    const before = granted.size;
    for (const code of GRANTED_ROLE_CODES) {
      if (granted.has(code)) continue;
      const role = await strapi.db.query('admin::role').findOne({ where: { code } });
      if (!role) continue;
      const held = await strapi.db.query('admin::permission').count({ where: { role: { id: role.id }, action: ADMIN_ACTIONS.readApprovals } });
      if (!held) await strapi.service('admin::role').addPermissions(role.id, [{ action: ADMIN_ACTIONS.readApprovals, subject: null }]);
      granted.add(code);
    }
    if (granted.size !== before) await store.set({ value: [...granted] });
  },
});
