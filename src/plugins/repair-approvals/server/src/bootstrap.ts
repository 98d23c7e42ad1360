import type { Core } from '@strapi/strapi';
import cron, { type ScheduledTask } from 'node-cron';
import { runAs } from '../../../../guards/actor';
import { readEnvironment } from '../../../../setup/environment';
import { NUMBER_TABLE } from './services/steps';

/**
 * The admin action of the Approvals pages; the counters of request and certificate numbers (one
 * row per series and year, locked by the transaction that takes a number, so numbers have no
 * gaps); and the drafts clean-up job. The application's bootstrap grants the action to the staff's
 * admin roles once they exist.
 */
export const scheduled: ScheduledTask[] = [];

export default async ({ strapi }: { strapi: Core.Strapi }) => {
  await strapi.plugin('repair-approvals').service('access').registerActions();
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
        // Another instance created it meanwhile.
        if (!(await knex.schema.hasTable(NUMBER_TABLE))) throw error;
      });
  }
  const { draftsCleanupSchedule } = strapi.config.get('plugin::repair-approvals') as { draftsCleanupSchedule: string };
  if (draftsCleanupSchedule && readEnvironment().JOBS_ENABLED) {
    // Idempotent: every instance may run it, what is removed stays removed.
    scheduled.push(
      cron.schedule(draftsCleanupSchedule, async () => {
        try {
          const removed: { removedDrafts: number; removedVersions: number } = await runAs({ type: 'system', name: 'drafts clean-up' }, () => strapi.plugin('repair-approvals').service('requests').cleanUpDrafts());
          strapi.log.info(`Drafts clean-up: ${removed.removedDrafts} abandoned draft(s), ${removed.removedVersions} leftover version(s) removed`);
        } catch (error) {
          strapi.log.error(`Drafts clean-up failed: ${(error as Error).message}`);
        }
      }),
    );
  }
};
