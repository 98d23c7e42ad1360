import type { Core } from '@strapi/strapi';
import { ACTION_DEFINITIONS, ADMIN_ROLES } from '../config/actions';

/**
 * The plugin's admin RBAC: its actions, registered at the plugin's bootstrap (before the admin's
 * own bootstrap gives the super admin every registered action), and the Finance and Customer
 * Success admin roles. Those are created by the application's bootstrap, after the admin's:
 * the admin creates its default roles (Super Admin, Editor, Author) only when no role exists yet,
 * so a role created before would leave a fresh install without a Super Admin.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async registerActions() {
    await strapi.service('admin::permission').actionProvider.registerMany(ACTION_DEFINITIONS);
  },

  /** Creates each role missing (found by code, so an admin may rename or change it later). */
  async ensureAdminRoles() {
    const roles = strapi.service('admin::role');
    for (const definition of ADMIN_ROLES) {
      if (await strapi.db.query('admin::role').findOne({ where: { code: definition.code } })) continue;
      try {
        const role = await roles.create({ name: definition.name, code: definition.code, description: definition.description });
        await roles.assignPermissions(role.id, definition.permissions);
      } catch (error) {
        // Another instance booting at the same time created it first.
        if (!(await strapi.db.query('admin::role').findOne({ where: { code: definition.code } }))) throw error;
      }
    }
  },
});
