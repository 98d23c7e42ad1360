import type { Core } from '@strapi/strapi';

/**
 * Staff accounts (users-permissions users) are created and managed by administrators in the
 * admin panel; nobody signs up or resets a password by email over the API.
 */
const USER_UID = 'plugin::users-permissions.user';

/**
 * The self-service routes taken out of the content API (src/extensions/users-permissions): sign-up
 * created a confirmed account for anyone, and forgot-password answered differently for a known
 * email and mailed through Strapi's default sender. An administrator sets a staff member's new
 * password in the admin panel (Content Manager, User), which ends their sessions.
 */
export const SELF_SERVICE_ROUTES = ['/auth/local/register', '/auth/forgot-password', '/auth/reset-password', '/auth/email-confirmation', '/auth/send-email-confirmation'];

/** The advanced settings of users-permissions as this application needs them, at every start. */
export const closeSelfService = async (strapi: Core.Strapi): Promise<void> => {
  const store = strapi.store({ type: 'plugin', name: 'users-permissions' });
  const advanced = ((await store.get({ key: 'advanced' })) ?? {}) as Record<string, unknown>;
  if (advanced.allow_register === false && !advanced.email_reset_password) return;
  await store.set({ key: 'advanced', value: { ...advanced, allow_register: false, email_reset_password: null } });
};

const endSessions = (strapi: Core.Strapi, userId: unknown) =>
  strapi.sessionManager('users-permissions').invalidateRefreshToken(String(userId));

/**
 * A new password or a block ends every session of the staff member, however it was made (their own
 * change of password, or an administrator in the admin panel): their refresh tokens stop working,
 * and so do the access tokens minted from them (the session is checked on each request).
 */
export const endSessionsOnPasswordChangeOrBlock = (strapi: Core.Strapi): void => {
  strapi.db.lifecycles.subscribe({
    models: [USER_UID],
    async afterUpdate(event) {
      const data = event.params?.data ?? {};
      if (!('password' in data) && data.blocked !== true) return;
      const ids = event.result?.id !== undefined ? [event.result.id] : [];
      for (const id of ids) await endSessions(strapi, id);
    },
    async afterUpdateMany(event) {
      const data = event.params?.data ?? {};
      if (!('password' in data) && data.blocked !== true) return;
      const rows = await strapi.db.query(USER_UID).findMany({ where: event.params?.where ?? {}, select: ['id'] });
      for (const row of rows) await endSessions(strapi, row.id);
    },
  });
};
