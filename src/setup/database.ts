import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import { NUMBER_TABLE } from '../plugins/workflows/server/src/services/numbers';

/**
 * Database objects Strapi's schema sync does not manage, created idempotently at every start:
 *
 * - Invoice numbers are the engine's document numbers of the series INV (its `numbers` service:
 *   one counter row per series and year, taken inside the invoice's own transaction, gapless and
 *   never handed out twice across instances). A database from before kept them in a table of
 *   their own, `invoice_number_sequences`: its counters move over once, never backwards.
 * - Triggers making `audit_logs` append-only in the database itself, the last line behind the
 *   lifecycle guards: an UPDATE of an entry's content or a DELETE is aborted, whatever the caller.
 *   Status changes recorded before entries had structured states get them from the entry's own
 *   `data` (`from`, `to`), so reports of earlier months still count them; no other column of an
 *   entry is ever written after it.
 */
export const INVOICE_SERIES = 'INV';
const LEGACY_INVOICE_COUNTERS = 'invoice_number_sequences';

const AUDIT_COLUMNS = [
  'action',
  'entity_uid',
  'entity_document_id',
  'actor_type',
  'actor_id',
  'actor_name',
  'summary',
  'data',
  'occurred_at',
  'document_id',
  'from_state',
  'to_state',
  'changes',
];

/**
 * Runs start-up DDL in one transaction that instances starting together on PostgreSQL take in
 * turns (an advisory lock named after what it creates): two of them creating one table at once
 * would otherwise collide in the catalog and stop one instance. SQLite has one writer anyway.
 */
export const atStartup = (strapi: Core.Strapi, name: string, work: (trx: Knex.Transaction) => Promise<void>): Promise<void> =>
  strapi.db.connection.transaction(async (trx) => {
    if (strapi.db.dialect.client === 'postgres') await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [name]);
    await work(trx);
  });

export const ensureDatabaseObjects = async (strapi: Core.Strapi): Promise<void> => {
  const knex = strapi.db.connection;
  await atStartup(strapi, LEGACY_INVOICE_COUNTERS, async (trx) => {
    if (!(await trx.schema.hasTable(LEGACY_INVOICE_COUNTERS))) return;
    for (const { year, last_value: last } of await trx(LEGACY_INVOICE_COUNTERS).select('year', 'last_value')) {
      const where = { series: INVOICE_SERIES, year };
      const current = await trx(NUMBER_TABLE).where(where).first();
      if (!current) await trx(NUMBER_TABLE).insert({ ...where, last_value: last });
      else if (Number(current.last_value) < Number(last)) await trx(NUMBER_TABLE).where(where).update({ last_value: last });
    }
    await trx.schema.dropTable(LEGACY_INVOICE_COUNTERS);
  });

  const columns = AUDIT_COLUMNS.join(', ');
  const message = 'audit_logs is append-only: entries cannot be changed or deleted';
  if (strapi.db.dialect.client === 'sqlite') {
    // One transaction: the trigger is created again (an existing one may guard fewer columns than
    // this version has) around the one change it allows, the structured states of old entries.
    await knex.transaction(async (trx) => {
      await trx.raw('DROP TRIGGER IF EXISTS audit_logs_no_update');
      await trx.raw(
        `UPDATE audit_logs SET from_state = json_extract(data, '$.from'), to_state = json_extract(data, '$.to')
         WHERE action LIKE '%.status-changed' AND to_state IS NULL AND json_valid(data)`,
      );
      await trx.raw(
        `CREATE TRIGGER audit_logs_no_update BEFORE UPDATE OF ${columns} ON audit_logs
         BEGIN SELECT RAISE(ABORT, '${message}'); END`,
      );
    });
    await knex.raw(
      `CREATE TRIGGER IF NOT EXISTS audit_logs_no_delete BEFORE DELETE ON audit_logs
       BEGIN SELECT RAISE(ABORT, '${message}'); END`,
    );
    return;
  }
  // One transaction under an advisory lock, so instances starting together take turns (two
  // CREATE OR REPLACE FUNCTION at once fail with "tuple concurrently updated") and no other writer
  // ever sees the table unguarded: the trigger is created again around the one change it allows.
  await knex.transaction(async (trx) => {
    await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', ['audit_logs_append_only']);
    await trx.raw(`
      CREATE OR REPLACE FUNCTION audit_logs_append_only() RETURNS trigger AS $$
      BEGIN RAISE EXCEPTION '${message}'; END;
      $$ LANGUAGE plpgsql`);
    await trx.raw('DROP TRIGGER IF EXISTS audit_logs_no_update ON audit_logs');
    await trx.raw(
      `UPDATE audit_logs SET from_state = data->>'from', to_state = data->>'to'
       WHERE action LIKE '%.status-changed' AND to_state IS NULL AND data IS NOT NULL`,
    );
    await trx.raw(
      `CREATE TRIGGER audit_logs_no_update BEFORE UPDATE OF ${columns} ON audit_logs
       FOR EACH ROW EXECUTE FUNCTION audit_logs_append_only()`,
    );
    await trx.raw(
      `CREATE OR REPLACE TRIGGER audit_logs_no_delete BEFORE DELETE ON audit_logs
       FOR EACH ROW EXECUTE FUNCTION audit_logs_append_only()`,
    );
  });
};
