import { SELF_SERVICE_ROUTES } from '../../setup/staff-accounts';

/**
 * Users-permissions as staff accounts need it:
 *
 * - no self-service routes (sign-up, password reset and email confirmation by email): staff
 *   accounts are made and reset by administrators, see src/setup/staff-accounts.ts;
 * - an access token is accepted only while its session lasts: Strapi checks a refresh token's
 *   session, but not an access token's, which would otherwise keep working after sign-out, a
 *   password change or a block until it expires.
 */
export default (plugin: any) => {
  // A staff member's mobile number (E.164), for the alerts a process texts to them.
  plugin.contentTypes.user.schema.attributes.phone = { type: 'string', maxLength: 20 };

  const contentApi = plugin.routes['content-api'];
  contentApi.routes = contentApi.routes.filter((route: any) => !SELF_SERVICE_ROUTES.includes(route.path));

  const createJwtService = plugin.services.jwt;
  plugin.services.jwt = (context: { strapi: any }) => {
    const service = createJwtService(context);
    const verify = service.verify.bind(service);
    return Object.assign(service, {
      async verify(token: string) {
        const payload = await verify(token);
        if (payload?.sessionId && !(await context.strapi.sessionManager('users-permissions').isSessionActive(payload.sessionId))) {
          throw new Error('Invalid token.');
        }
        return payload;
      },
    });
  };
  return plugin;
};
