import type { Core } from '@strapi/strapi';
import { atStartup } from '../../../../setup/database';
import { TRANSIT_PASS, PROCESS_ID } from './domain';

/**
 * Finance's follow-ups about pass orders' card payments are the engine's tasks of this process.
 * A database from before kept them with the pre-paid plans' tasks: they move over once at start,
 * as they were (open or closed, claimed, escalated), with their keys, so a payment asked about
 * again finds its task and a decision closes it.
 */
const LEGACY_TASKS = 'plan_renewal_tasks';
const LEGACY_LINKS = ['plan_renewal_tasks_run_lnk', 'plan_renewal_tasks_invoice_lnk', 'plan_renewal_tasks_assignee_lnk'];
const TASKS = 'workflow_tasks';

/** The columns a task keeps as it moves; the rest are the engine's. */
const KEPT = ['document_id', 'type', 'role', 'state', 'outcome', 'claimed_by', 'claimed_at', 'completed_by', 'completed_at', 'escalated_at', 'note', 'due_date', 'details', 'task_key', 'created_at', 'updated_at'];

export const moveLegacyFollowUps = (strapi: Core.Strapi): Promise<void> =>
  atStartup(strapi, 'transit-follow-ups', async (trx) => {
    if (!(await trx.schema.hasTable(LEGACY_TASKS))) return;
    // Its keys name the process; a dispute's does not, its details name the pass order.
    const rows: Record<string, unknown>[] = await trx(LEGACY_TASKS)
      .where('task_key', 'like', '%:transit:%')
      .orWhere((dispute) => dispute.where('type', 'dispute').andWhere('details', 'like', '%of pass order%'));
    if (rows.length === 0) return;
    const titles = new Map((TRANSIT_PASS.followUps ?? []).map((followUp) => [followUp.type, followUp.title]));
    for (const row of rows) {
      const moved = await trx(TASKS).where({ task_key: row.task_key }).first('id');
      if (!moved) {
        await trx(TASKS).insert({
          ...Object.fromEntries(KEPT.map((column) => [column, row[column] ?? null])),
          process_id: PROCESS_ID,
          step_id: null,
          task_id: null,
          title: titles.get(String(row.type)) ?? String(row.type),
          published_at: row.published_at ?? row.created_at ?? null,
        });
      }
      for (const links of LEGACY_LINKS) {
        if (await trx.schema.hasTable(links)) await trx(links).where({ task_id: row.id }).delete();
      }
      await trx(LEGACY_TASKS).where({ id: row.id }).delete();
    }
    strapi.log.info(`${rows.length} Finance follow-up(s) of pass orders moved to the engine's tasks`);
  });
