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

/** The names of Strapi's API token strategy: `content-api-token` in Strapi 5, `api-token` before. */
const API_TOKEN_STRATEGIES: readonly unknown[] = ['content-api-token', 'api-token'];

/** Whether the request is authenticated by an API token rather than by a person. */
export const byApiToken = (ctx: { state?: { auth?: { strategy?: { name?: string } } } } | null | undefined): boolean =>
  API_TOKEN_STRATEGIES.includes(ctx?.state?.auth?.strategy?.name);

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
  if (API_TOKEN_STRATEGIES.includes(strategy)) {
    const token = ctx?.state?.auth?.credentials;
    return { type: 'api-token', id: token?.id != null ? String(token.id) : undefined, name: token?.name };
  }
  return { type: 'system', name: 'application' };
};

/**
 * Who edits a record from outside the application, if anyone: the content manager's administrator,
 * or the role (or API token) calling one of the generic REST routes of a content type. Null when
 * the application itself writes — a process step, a Stripe event, a job, a plugin route — even
 * inside a staff member's request: those writes are decided by the process, not typed in.
 */
export const currentEditor = (strapi: Core.Strapi): string | null => {
  if (explicitActor.getStore()) return null;
  const ctx = strapi.requestContext.get();
  if (!ctx) return null;
  if (String(ctx.request?.path ?? '').startsWith('/content-manager/')) return 'admin';
  const handler = ctx.state?.route?.handler;
  if (typeof handler !== 'string' || !handler.startsWith('api::')) return null;
  if (byApiToken(ctx)) return 'api-token';
  return ctx.state?.user?.role?.type ?? 'public';
};
