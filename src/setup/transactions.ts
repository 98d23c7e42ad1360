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

interface Transactor {
  executionPromise?: Promise<unknown>;
  commit: (...args: unknown[]) => Promise<unknown>;
  client: { acquireConnection: () => Promise<{ inTransaction?: boolean; exec?: (sql: string) => void }> };
}

/**
 * PostgreSQL ends a transaction whose COMMIT failed; SQLite keeps it open (SQLITE_BUSY, a deferred
 * key), and Knex then hands its one connection to the next query, which would run inside it and
 * be lost with it. So on SQLite the transaction's own connection is rolled back as soon as its
 * COMMIT returns, synchronously (better-sqlite3), before anyone else can use it.
 */
const rollBackRefusedCommits = async (trx: Transactor) => {
  const connection = await trx.client.acquireConnection(); // the transaction's own connection
  const commit = trx.commit.bind(trx);
  trx.commit = async (...args: unknown[]) => {
    const answer = await commit(...args);
    if (connection.inTransaction) connection.exec?.('ROLLBACK');
    return answer;
  };
};

export const checkCommits = (strapi: Core.Strapi): void => {
  const db = strapi.db as Core.Strapi['db'] & { [PATCHED]?: true };
  if (db[PATCHED]) return;
  const transaction = db.transaction.bind(db) as (cb?: (params: { trx: unknown }) => unknown) => Promise<unknown>;
  const open = new WeakSet<object>();
  const sqlite = db.dialect.client === 'sqlite';

  const checked = async (cb?: (params: { trx: unknown }) => unknown) => {
    // Without a callback the caller commits and rolls back by hand, and owns the outcome.
    if (!cb) return transaction();
    let outermost: Transactor | null = null;
    try {
      const result = await transaction(async (params) => {
        const trx = params.trx as Transactor;
        if (!open.has(trx)) {
          open.add(trx);
          outermost = trx;
          if (sqlite) await rollBackRefusedCommits(trx);
        }
        return cb(params);
      });
      // Resolved by a COMMIT that succeeded; rejected with the error of one that did not.
      await (outermost as Transactor | null)?.executionPromise;
      return result;
    } finally {
      if (outermost) open.delete(outermost);
    }
  };
  Object.assign(db, { transaction: checked as unknown as Transaction, [PATCHED]: true });
};
