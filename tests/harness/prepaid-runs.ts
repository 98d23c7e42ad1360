import type { Core } from '@strapi/strapi';
import type { RunRow } from '../../src/plugins/workflows/server/src/services/runner';

/**
 * The runs of the pre-paid plan process and the tasks of their human steps, read where the engine
 * keeps them: a run in `plugin::workflows.run` (its service plan as subject, what it keeps in its
 * context), a step's task in `plugin::workflows.task`, linked to its run.
 */
export const PREPAID_PROCESS_ID = 'prepaid-plan';
export const WORKFLOW_RUN_UID = 'plugin::workflows.run';
export const WORKFLOW_TASK_UID = 'plugin::workflows.task';
export const SERVICE_PLAN_UID = 'api::service-plan.service-plan';

/** A run's row as stored, with what its context keeps lifted beside its columns. */
export type PrepaidRunRow = Omit<RunRow, 'context'> & {
  context: Record<string, any>;
  createdAt: string;
  updatedAt: string;
  // Lifted from `context`:
  kind: 'new' | 'renewal';
  periodStart: string | null;
  periodEnd: string | null;
  invoice: { documentId: string; number: string } | null;
  previousPlanState: string | null;
  /** The run's subject. */
  servicePlan: { documentId: string | null };
};

const lift = (row: any): PrepaidRunRow => {
  const context = row.context ?? {};
  return {
    ...row,
    context,
    kind: context.kind,
    periodStart: context.periodStart ?? null,
    periodEnd: context.periodEnd ?? null,
    invoice: context.invoice ?? null,
    previousPlanState: context.previousPlanState ?? null,
    servicePlan: { documentId: row.subjectId },
  };
};

/** The runs of a service plan, oldest first; only those of `kind` when given. */
export const prepaidRunsOf = async (strapi: Core.Strapi, servicePlanDocumentId: string, filter: { kind?: 'new' | 'renewal' } = {}): Promise<PrepaidRunRow[]> => {
  const rows = await strapi.db.query(WORKFLOW_RUN_UID).findMany({
    where: { processId: PREPAID_PROCESS_ID, subjectType: SERVICE_PLAN_UID, subjectId: servicePlanDocumentId },
    orderBy: { id: 'asc' },
  });
  return rows.map(lift).filter((run: PrepaidRunRow) => !filter.kind || run.kind === filter.kind);
};

/** A run of the process by its document id, or null. */
export const prepaidRun = async (strapi: Core.Strapi, runDocumentId: string): Promise<PrepaidRunRow | null> => {
  const row = await strapi.db.query(WORKFLOW_RUN_UID).findOne({ where: { documentId: runDocumentId, processId: PREPAID_PROCESS_ID } });
  return row ? lift(row) : null;
};

/** The tasks of a run's human steps, oldest first; `where` narrows them (`{ state: 'open' }`, `{ type: 'quality-check' }`). */
export const stepTasksOf = (strapi: Core.Strapi, runDocumentId: string, where: Record<string, unknown> = {}): Promise<any[]> =>
  strapi.db.query(WORKFLOW_TASK_UID).findMany({
    where: { processId: PREPAID_PROCESS_ID, run: { documentId: runDocumentId }, ...where },
    orderBy: { id: 'asc' },
  });

/** The run's one open step task (undefined when none). */
export const openStepTaskOf = async (strapi: Core.Strapi, runDocumentId: string): Promise<any> => {
  const open = await stepTasksOf(strapi, runDocumentId, { state: 'open' });
  if (open.length > 1) throw new Error(`Run ${runDocumentId} has ${open.length} open step tasks`);
  return open[0];
};
