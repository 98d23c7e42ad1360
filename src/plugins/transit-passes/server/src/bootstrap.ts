import type { Core } from '@strapi/strapi';
import cron, { type ScheduledTask } from 'node-cron';
import { runAs } from '../../../../guards/actor';
import { readEnvironment } from '../../../../setup/environment';
import { NUMBER_TABLE, removeExpiredTemporary, transitConfig } from './services/steps';

export const scheduled: ScheduledTask[] = [];

/**
 * The counter of order numbers (one row per series and year, locked by the transaction that takes
 * a number: no gaps), and the daily removal of expired temporary passes.
 */
export default async ({ strapi }: { strapi: Core.Strapi }) => {
  const knex = strapi.db.connection;
  if (!(await knex.schema.hasTable(NUMBER_TABLE))) {
    await knex.schema
      .createTable(NUMBER_TABLE, (table) => {
        table.string('series', 8).notNullable();
        table.integer('year').notNullable();
        table.integer('last_value').notNullable().defaultTo(0);
        table.primary(['series', 'year']);
      })
      .catch(async (error: unknown) => {
        if (!(await knex.schema.hasTable(NUMBER_TABLE))) throw error;
      });
  }
  const { cleanupSchedule } = transitConfig(strapi);
  if (cleanupSchedule && readEnvironment().JOBS_ENABLED) {
    // Idempotent: every instance may run it, what is removed stays removed.
    scheduled.push(
      cron.schedule(cleanupSchedule, async () => {
        try {
          const removed = await runAs({ type: 'system', name: 'expired-passes clean-up' }, () => removeExpiredTemporary(strapi, new Date()));
          strapi.log.info(`Expired temporary passes removed: ${removed}`);
        } catch (error) {
          strapi.log.error(`Expired-passes clean-up failed: ${(error as Error).message}`);
        }
      }),
    );
  }
};
