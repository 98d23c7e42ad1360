import type { Core } from '@strapi/strapi';
import { numbersEndingAt } from '../../../../../domain';
import { atStartup } from '../../../../../setup/database';

/**
 * Gapless document numbers for every process (PO-2026-000001, AR-2026-000001): one counter row per
 * series and year, taken by an increment inside the caller's transaction, so the row stays locked
 * until that transaction ends and a rollback gives the number back.
 */
export const NUMBER_TABLE = 'workflow_number_sequences';

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  /**
   * Creates the counters' table if it is missing, at start. Instances starting together on
   * PostgreSQL take turns (two CREATE TABLE IF NOT EXISTS at once can collide in the catalog).
   */
  async ensureTable() {
    await atStartup(strapi, NUMBER_TABLE, async (trx) => {
      await trx.raw(`CREATE TABLE IF NOT EXISTS ${NUMBER_TABLE} (series varchar(16) NOT NULL, year integer NOT NULL, last_value integer NOT NULL DEFAULT 0, PRIMARY KEY (series, year))`);
    });
  },

  /** The next number of `series` for `year`, in the caller's transaction. */
  async next(series: string, year: number): Promise<string> {
    const [number] = await this.nextMany(series, year, 1);
    return number;
  },

  /** The next `count` numbers of `series` for `year`, in order, taken at once (a bulk opening's batch), in the caller's transaction. */
  async nextMany(series: string, year: number, count: number): Promise<string[]> {
    return strapi.db.transaction(async ({ trx }) => {
      await trx(NUMBER_TABLE).insert({ series, year, last_value: 0 }).onConflict(['series', 'year']).ignore();
      const [row] = await trx(NUMBER_TABLE).where({ series, year }).increment('last_value', count).returning('last_value');
      return numbersEndingAt(series, year, Number(typeof row === 'object' ? row.last_value : row), count);
    });
  },
});
