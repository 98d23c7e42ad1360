import type { Core } from '@strapi/strapi';

/**
 * Database objects Strapi's schema sync does not manage, created idempotently at every start:
 *
 * - `invoice_number_sequences`: one counter row per year. Numbers are taken inside the invoice's
 *   own transaction by an UPDATE that locks the row, so they are gapless (a rolled-back invoice
 *   gives its number back) and never handed out twice across instances.
 * - Triggers making `audit_logs` append-only in the database itself, the last line behind the
 *   lifecycle guards: an UPDATE of an entry's content or a DELETE is aborted, whatever the caller.
 */
export const SEQUENCE_TABLE = 'invoice_number_sequences';

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
];

export const ensureDatabaseObjects = async (strapi: Core.Strapi): Promise<void> => {
  const knex = strapi.db.connection;
  if (!(await knex.schema.hasTable(SEQUENCE_TABLE))) {
    await knex.schema.createTable(SEQUENCE_TABLE, (table) => {
      table.integer('year').primary();
      table.integer('last_value').notNullable().defaultTo(0);
    });
  }

  const columns = AUDIT_COLUMNS.join(', ');
  const message = 'audit_logs is append-only: entries cannot be changed or deleted';
  if (strapi.db.dialect.client === 'sqlite') {
    await knex.raw(
      `CREATE TRIGGER IF NOT EXISTS audit_logs_no_update BEFORE UPDATE OF ${columns} ON audit_logs
       BEGIN SELECT RAISE(ABORT, '${message}'); END`,
    );
    await knex.raw(
      `CREATE TRIGGER IF NOT EXISTS audit_logs_no_delete BEFORE DELETE ON audit_logs
       BEGIN SELECT RAISE(ABORT, '${message}'); END`,
    );
    return;
  }
  await knex.raw(`
    CREATE OR REPLACE FUNCTION audit_logs_append_only() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION '${message}'; END;
    $$ LANGUAGE plpgsql`);
  await knex.raw(
    `CREATE OR REPLACE TRIGGER audit_logs_no_update BEFORE UPDATE OF ${columns} ON audit_logs
     FOR EACH ROW EXECUTE FUNCTION audit_logs_append_only()`,
  );
  await knex.raw(
    `CREATE OR REPLACE TRIGGER audit_logs_no_delete BEFORE DELETE ON audit_logs
     FOR EACH ROW EXECUTE FUNCTION audit_logs_append_only()`,
  );
};
