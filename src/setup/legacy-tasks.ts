import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import type { FollowUpDefinition } from '../plugins/workflows/server/src/domain';
import { atStartup } from './database';

/**
 * Follow-ups are the engine's tasks (`workflow_tasks`, with the process that opened them). A
 * database from before kept them with the pre-paid plans' tasks (`plan_renewal_tasks`), the
 * transit process's among them: each process moves its own over once at start, as they were
 * (open or closed, claimed, escalated, with their keys, so a payment asked about again finds its
 * task), about what they were about. Instances starting together take turns; a second start
 * finds nothing left to move.
 */
const LEGACY_TASKS = 'plan_renewal_tasks';
const LEGACY_LINKS = ['plan_renewal_tasks_run_lnk', 'plan_renewal_tasks_invoice_lnk', 'plan_renewal_tasks_assignee_lnk'];
const TASKS = 'workflow_tasks';

/** The columns a task keeps as it moves; the rest are the engine's. */
const KEPT = ['document_id', 'type', 'role', 'state', 'outcome', 'claimed_by', 'claimed_at', 'completed_by', 'completed_at', 'escalated_at', 'note', 'due_date', 'details', 'task_key', 'created_at', 'updated_at'];

export type LegacyTask = Record<string, unknown> & { id: number; type: string; task_key: string };

export interface LegacyFollowUps {
  /** The process they belong to, and the follow-ups it declares (their titles). */
  process: string;
  followUps: readonly FollowUpDefinition[];
  /** Narrows the legacy rows to this process's follow-ups. */
  which: (rows: Knex.QueryBuilder) => Knex.QueryBuilder;
  /** What a row is about (a content-type uid and a document id), if it can say. */
  subject?: (row: LegacyTask, trx: Knex.Transaction) => Promise<{ type: string; documentId: string } | null>;
}

/** Moves the process's follow-ups from the pre-paid plans' task table to the engine's; answers how many moved. */
export const moveLegacyFollowUps = (strapi: Core.Strapi, move: LegacyFollowUps): Promise<number> => {
  let moved = 0;
  return atStartup(strapi, `${move.process}-follow-ups`, async (trx) => {
    if (!(await trx.schema.hasTable(LEGACY_TASKS))) return;
    const rows: LegacyTask[] = await move.which(trx(LEGACY_TASKS).whereNull('step_id'));
    const titles = new Map(move.followUps.map((followUp) => [followUp.type, followUp.title]));
    for (const row of rows) {
      if (!(await trx(TASKS).where({ task_key: row.task_key }).first('id'))) {
        const subject = move.subject ? await move.subject(row, trx) : null;
        await trx(TASKS).insert({
          ...Object.fromEntries(KEPT.map((column) => [column, row[column] ?? null])),
          process_id: move.process,
          step_id: null,
          task_id: null,
          title: titles.get(row.type) ?? row.type,
          subject_type: subject?.type ?? null,
          subject_id: subject?.documentId ?? null,
          published_at: row.published_at ?? row.created_at ?? null,
        });
      }
      for (const links of LEGACY_LINKS) {
        if (await trx.schema.hasTable(links)) await trx(links).where({ task_id: row.id }).delete();
      }
      await trx(LEGACY_TASKS).where({ id: row.id }).delete();
      moved += 1;
    }
    if (moved > 0) strapi.log.info(`${moved} follow-up task(s) of ${move.process} moved to the engine's tasks`);
  }).then(() => moved);
};
