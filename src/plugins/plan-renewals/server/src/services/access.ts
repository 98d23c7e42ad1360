import type { Core, Schema, Struct } from '@strapi/strapi';
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

  /**
   * Creates each role missing (found by code, so an admin may rename or change it later), and
   * keeps the private fields of records (a customer's Stripe ids) out of what they read.
   */
  async ensureAdminRoles() {
    const roles = strapi.service('admin::role');
    for (const definition of ADMIN_ROLES) {
      const existing = await strapi.db.query('admin::role').findOne({ where: { code: definition.code } });
      if (existing) {
        await this.hidePrivateFields(existing.id);
        continue;
      }
      try {
        const role = await roles.create({ name: definition.name, code: definition.code, description: definition.description });
        await roles.assignPermissions(role.id, definition.permissions.map((permission) => this.withFields(permission)));
      } catch (error) {
        // Another instance booting at the same time created it first.
        if (!(await strapi.db.query('admin::role').findOne({ where: { code: definition.code } }))) throw error;
      }
    }
  },

  /** The fields of a content type an admin of these roles may read: all but the private ones. */
  publicFields(subject: string): string[] {
    const model: Struct.ContentTypeSchema | undefined = strapi.contentTypes[subject as keyof typeof strapi.contentTypes];
    const fields: string[] = strapi.service('admin::content-type').getNestedFields(model, { components: strapi.components });
    const isPrivate = (path: string) => {
      let current: Struct.ContentTypeSchema | Struct.ComponentSchema | null | undefined = model;
      for (const segment of path.split('.')) {
        const attribute: (Schema.Attribute.AnyAttribute & Schema.Attribute.PrivateOption) | undefined = current?.attributes?.[segment];
        if (!attribute || attribute.private === true) return Boolean(attribute);
        current = attribute.type === 'component' ? strapi.components[attribute.component as keyof typeof strapi.components] : null;
      }
      return false;
    };
    return fields.filter((field) => !isPrivate(field));
  },

  withFields<P extends { action: string; subject: string | null }>(permission: P) {
    if (!permission.subject || !permission.action.startsWith('plugin::content-manager.explorer.')) return permission;
    return { ...permission, properties: { fields: this.publicFields(permission.subject) } };
  },

  /**
   * Roles made before their field lists existed, or widened to every field since (no list means
   * every field, private ones included): their content-manager permissions lose the private fields.
   */
  async hidePrivateFields(roleId: number) {
    const permissions = await strapi.db.query('admin::permission').findMany({ where: { role: { id: roleId }, action: { $startsWith: 'plugin::content-manager.explorer.' } } });
    for (const permission of permissions) {
      if (!permission.subject || !strapi.contentTypes[permission.subject as keyof typeof strapi.contentTypes]) continue;
      const allowed = this.publicFields(permission.subject);
      const fields: string[] | null | undefined = permission.properties?.fields;
      const next = fields ? fields.filter((field) => allowed.includes(field)) : allowed;
      if (fields && next.length === fields.length) continue;
      await strapi.db.query('admin::permission').update({ where: { id: permission.id }, data: { properties: { ...permission.properties, fields: next } } });
    }
  },
});
