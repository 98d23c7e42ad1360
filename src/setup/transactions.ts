import type { Core } from '@strapi/strapi';

/**
 * A transaction reported as committed has committed.
 *
 * Strapi's `db.transaction(cb)` ends with Knex's `trx.commit()`, and that promise resolves even
 * when the COMMIT itself fails — when the connection ends as it is sent (PostgreSQL restarting),
 * or a deferred constraint refuses it: Knex reports the failure only on the transaction's
 * `executionPromise`, which Strapi never reads (@strapi/database `transaction-context.js`
 * `commit`; knex `lib/execution/transaction.js` `query`). So work that was rolled back was taken
 * for done: a Stripe webhook answered 200 for a payment never recorded, and Stripe did not send
 * it again (the database-restart resilience scenario: two renewals waited for ever).
 *
 * Every outermost transaction, ours and Strapi's own (each Document Service write opens one),
 * now waits for that promise: a failed commit throws like any failed query, and the caller's
 * rules for a failure apply (a 5xx that Stripe retries, a job that tries again). It is settled by
 * the time `commit()` returns, so this costs one microtask. Nested calls join the outer
 * transaction, as in Strapi, and leave the check to it.
 */
type Transaction = Core.Strapi['db']['transaction'];

const PATCHED = Symbol.for('service-processes.commit-checked');

export const checkCommits = (strapi: Core.Strapi): void => {
  const db = strapi.db as Core.Strapi['db'] & { [PATCHED]?: true };
  if (db[PATCHED]) return;
  const transaction = db.transaction.bind(db) as (cb?: (params: { trx: unknown }) => unknown) => Promise<unknown>;
  const open = new WeakSet<object>();
  const sqlite = db.dialect.client === 'sqlite';

  const checked = async (cb?: (params: { trx: unknown }) => unknown) => {
    // Without a callback the caller commits and rolls back by hand, and owns the outcome.
    if (!cb) return transaction();
    let outermost: { executionPromise?: Promise<unknown> } | null = null;
    try {
      const result = await transaction((params) => {
        const trx = params.trx as { executionPromise?: Promise<unknown> };
        if (!open.has(trx)) {
          open.add(trx);
          outermost = trx;
        }
        return cb(params);
      });
      // Resolved by a COMMIT that succeeded; rejected with the error of one that did not.
      try {
        await (outermost as { executionPromise?: Promise<unknown> } | null)?.executionPromise;
      } catch (error) {
        // PostgreSQL ends a transaction whose COMMIT failed; SQLite keeps it open (a deferred
        // constraint), on its one connection, which Knex has already given back: end it there.
        if (sqlite) await db.connection.raw('ROLLBACK').catch(() => undefined);
        throw error;
      }
      return result;
    } finally {
      if (outermost) open.delete(outermost);
    }
  };
  Object.assign(db, { transaction: checked as unknown as Transaction, [PATCHED]: true });
};
