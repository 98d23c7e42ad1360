import type { Core } from '@strapi/strapi';

/**
 * What the process does with a promise rejection nobody handled.
 *
 * When PostgreSQL restarts, every open connection is cut and the query each was running fails.
 * Our code awaits its queries, but Strapi's does not always: after every Document Service write
 * it re-reads the entry to emit its `entry.*` event from a commit callback whose promise nobody
 * awaits (@strapi/core document-service/events.js, run by @strapi/database transaction-context's
 * `commitCallbacks.forEach((cb) => cb())`). Node stops the process on an unhandled rejection, so
 * one database restart at the wrong moment took the app down with it (seen in the
 * database-restart resilience scenario). A lost connection destroys nothing:
 * the transaction it interrupted is rolled back by the server, the pool opens new connections,
 * and the work is taken up again by whoever owns it (a job, Stripe's webhook retries, the caller
 * that got a 5xx). So a rejection that is a lost database connection is logged and survived.
 * Anything else is a bug, and keeps Node's default: the process stops, loudly.
 */

/** PostgreSQL SQLSTATE classes meaning the connection is gone: 08 (connection exception), 57P (operator intervention: shutdown, crash, cannot connect now). */
const CONNECTION_STATES = /^(08|57P)/;
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTCONN']);
const CONNECTION_MESSAGES = [/Connection terminated/i, /not queryable/i, /terminating connection/i, /the database system is (starting up|shutting down)/i];

export const isLostConnection = (error: unknown): boolean => {
  if (!error || typeof error !== 'object') return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (CONNECTION_STATES.test(code) || CONNECTION_CODES.has(code))) return true;
  return typeof message === 'string' && CONNECTION_MESSAGES.some((pattern) => pattern.test(message));
};

/** Marks our handler, so a second boot in one process (tests boot many) updates it instead of adding another. */
const MARK = Symbol.for('prepaid-plans.lost-connection-handler');

/** Our handler, with the app it logs through. */
type Marked = NodeJS.UnhandledRejectionListener & { [MARK]: { strapi: Core.Strapi } };

/** Installs the handler once per process; the latest app to boot logs through it. */
export const handleLostConnections = (strapi: Core.Strapi): void => {
  const installed = process.listeners('unhandledRejection').find((listener) => (listener as Marked)[MARK]) as Marked | undefined;
  if (installed) {
    installed[MARK].strapi = strapi;
    return;
  }
  const holder = { strapi };
  const listener = (reason: unknown) => {
    if (!isLostConnection(reason)) throw reason; // as Node does without a handler: an uncaught error stops the process
    const message = ((reason as Error).message ?? String(reason)).split('\n')[0].slice(0, 300);
    holder.strapi.log.warn(`A database connection was lost mid-query and the query's failure went unobserved; its transaction was rolled back and the work is taken up again: ${message}`);
  };
  Object.assign(listener, { [MARK]: holder });
  process.on('unhandledRejection', listener);
};
