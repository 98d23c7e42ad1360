import { AsyncLocalStorage } from 'node:async_hooks';
import type { Core } from '@strapi/strapi';

/** Who made a change, as the audit log records it. */
export interface Actor {
  type: 'system' | 'stripe' | 'user' | 'admin' | 'api-token';
  id?: string;
  name?: string;
}

const explicitActor = new AsyncLocalStorage<Actor>();

/**
 * Runs `work` on behalf of a named actor (a scheduled job, a Stripe event, the seed script), so
 * every audit entry written inside says who did it even though there is no HTTP request.
 */
export const runAs = <T>(actor: Actor, work: () => Promise<T>): Promise<T> => explicitActor.run(actor, work);

/** The actor of the current change: an explicit one, else the authenticated caller of the request. */
export const currentActor = (strapi: Core.Strapi): Actor => {
  const explicit = explicitActor.getStore();
  if (explicit) return explicit;

  const ctx = strapi.requestContext.get();
  const strategy = ctx?.state?.auth?.strategy?.name;
  const user = ctx?.state?.user;
  if (strategy === 'admin' && user) {
    const fullName = [user.firstname, user.lastname].filter(Boolean).join(' ');
    return { type: 'admin', id: String(user.id), name: fullName || user.email };
  }
  if (strategy === 'users-permissions' && user) {
    return { type: 'user', id: String(user.id), name: user.username ?? user.email };
  }
  if (strategy === 'api-token') {
    const token = ctx?.state?.auth?.credentials;
    return { type: 'api-token', id: token?.id != null ? String(token.id) : undefined, name: token?.name };
  }
  return { type: 'system', name: 'application' };
};
