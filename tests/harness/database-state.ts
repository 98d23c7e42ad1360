import crypto from 'node:crypto';
import type { Core } from '@strapi/strapi';

/**
 * A fingerprint of the whole database: for every table, its row count and a hash of all its rows.
 * Two equal fingerprints mean nothing was written anywhere, billing tables or not.
 */
export type Fingerprint = Record<string, { rows: number; hash: string }>;

/**
 * Rows Strapi rewrites on a timer of its own, whatever the requests: the upload plugin's weekly
 * metrics job, scheduled relative to the boot time, stamps its last run in the core store.
 */
const BACKGROUND: Record<string, { column: string; value: string }> = {
  strapi_core_store_settings: { column: 'key', value: 'plugin_upload_metrics' },
};

/**
 * Tables that hold no record, only a clock: the Stripe request budget the instances share moves
 * with every request sent to Stripe, whatever the request then writes or not.
 */
const NOT_RECORDS = new Set(['plan_renewal_stripe_pace']);

const tableNames = async (strapi: Core.Strapi): Promise<string[]> => {
  const knex = strapi.db.connection;
  if (strapi.db.dialect.client === 'postgres') {
    const rows = await knex('information_schema.tables')
      .select('table_name')
      .whereRaw('table_schema = current_schema()')
      .andWhere('table_type', 'BASE TABLE');
    return rows.map((row: any) => row.table_name).filter((name: string) => !NOT_RECORDS.has(name)).sort();
  }
  const rows = await knex('sqlite_master').select('name').where('type', 'table').andWhereNot('name', 'like', 'sqlite_%');
  return rows.map((row: any) => row.name).sort();
};

// Per test file (jest loads modules afresh for each), so per database.
let cachedTables: string[] | null = null;

export const fingerprint = async (strapi: Core.Strapi): Promise<Fingerprint> => {
  const knex = strapi.db.connection;
  cachedTables ??= await tableNames(strapi);
  const result: Fingerprint = {};
  if (strapi.db.dialect.client === 'postgres') {
    // One round trip: each table's rows as text, hashed by the database in a stable order.
    const union = cachedTables
      .map((table) => {
        const skip = BACKGROUND[table] ? ` where x."${BACKGROUND[table].column}" <> '${BACKGROUND[table].value}'` : '';
        return `select '${table}' as t, count(*)::int as n, md5(coalesce(string_agg(x::text, '|' order by x::text), '')) as h from "${table}" x${skip}`;
      })
      .join(' union all ');
    const { rows } = await knex.raw(union);
    for (const row of rows) result[row.t] = { rows: row.n, hash: row.h };
    return result;
  }
  for (const table of cachedTables) {
    const query = knex(table).select('*');
    const rows = await (BACKGROUND[table] ? query.whereNot(BACKGROUND[table].column, BACKGROUND[table].value) : query);
    const lines = rows.map((row: unknown) => JSON.stringify(row)).sort();
    result[table] = { rows: rows.length, hash: crypto.createHash('sha1').update(lines.join('\n')).digest('hex') };
  }
  return result;
};
