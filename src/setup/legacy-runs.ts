import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import { findStep, tasksOf } from '../plugins/workflows/server/src/domain/definition';
import { stepTaskTitle, waitingForTasks } from '../plugins/workflows/server/src/domain/rows';
import type { StepDefinition, WorkflowDefinition } from '../plugins/workflows/server/src/domain/definition';
import { isOpen } from '../plugins/workflows/server/src/domain/progress';
import type { RunOutcome, RunState, RunStep, StepActor } from '../plugins/workflows/server/src/domain/progress';
import type { TaskDecision } from '../plugins/workflows/server/src/services/registry';
import { PREPAID_PLAN_PROCESS } from '../plugins/plan-renewals/server/src/domain/process';
import { LEGACY_RUN_UID, LEGACY_TASK_UID, RUN_UID, TASK_UID, openKeyOf } from '../plugins/plan-renewals/server/src/domain/rows';

/**
 * The pre-paid plan process's runs and the tasks of its human steps are the engine's
 * (`workflow_runs`, `workflow_tasks`), like every other process's. A database from before kept
 * them in the process's own tables (`plan_renewal_runs`, `plan_renewal_tasks`): at start they move
 * over once, as they were (their document ids, which audit entries and links name, their times,
 * their progress, who started them and who holds or decided their tasks), in the shape the
 * engine's runner and tasks service write:
 *
 * - the run is about its service plan (subject), keeps what the old columns held in its context
 *   (`kind`, `periodStart`, `periodEnd`, `invoice: { documentId, number }`, `previousPlanState`,
 *   and the people's decisions on its tasks), holds its plan's key while running or waiting and
 *   keeps it as its run key for a retry;
 * - its step records carry the definition's step kinds (runs stored by the first definition
 *   carry older names) and, on a human step waiting for its task, the runner's wait result;
 * - a completed run stored before runs had an outcome was accepted (a rejection failed it then);
 * - a run stored before `startedBy` was started by whoever took its first step.
 *
 * One transaction, which instances starting together take in turns on PostgreSQL (an advisory
 * lock); a run or task already there (by document id) is not written again, and the old rows and
 * their links are deleted once moved, so a second start finds nothing left to move. Step tasks
 * linked to no run stay where they are: no run could take their outcome.
 */
const SERVICE_PLAN_UID = 'api::service-plan.service-plan';

const LEGACY_RUNS = 'plan_renewal_runs';
const LEGACY_TASKS = 'plan_renewal_tasks';
const LEGACY_RUN_LINKS = ['plan_renewal_runs_service_plan_lnk', 'plan_renewal_runs_invoice_lnk'];
const LEGACY_TASK_RUN_LINKS = 'plan_renewal_tasks_run_lnk';
const LEGACY_TASK_LINKS = [LEGACY_TASK_RUN_LINKS, 'plan_renewal_tasks_invoice_lnk', 'plan_renewal_tasks_assignee_lnk'];

/** Runs read and moved per round, so a large table is never read at once. */
const BATCH = 200;

/** Kind names of the first definition, as the definition now names them. */
const EARLIER_KINDS: Readonly<Record<string, string>> = { 'wait-for-payment': 'await-signal', notification: 'notify' };

/** A step record as an old run stored it (fields added later may be missing). */
type StoredStep = Partial<RunStep> & { id: string };

/** An old run as the query engine reads it, with its service plan and invoice. */
interface LegacyRun {
  id: number;
  documentId: string;
  kind: 'new' | 'renewal';
  processVersion: number | null;
  servicePlan: { id: number; documentId: string } | null;
  invoice: { id: number; documentId: string; number: string } | null;
  periodStart: string | null;
  periodEnd: string | null;
  state: RunState;
  outcome: RunOutcome | null;
  currentStep: string | null;
  steps: StoredStep[] | null;
  previousPlanState: string | null;
  startedBy: StepActor | null;
  createdAt: string;
  updatedAt: string;
  publishedAt: string | null;
}

/** An old step task, with its run. */
interface LegacyTask {
  id: number;
  documentId: string;
  type: string;
  role: string;
  state: 'open' | 'completed' | 'cancelled';
  outcome: string | null;
  claimedBy: StepActor | null;
  claimedAt: string | null;
  completedBy: StepActor | null;
  completedAt: string | null;
  escalatedAt: string | null;
  note: string | null;
  dueDate: string | null;
  stepId: string;
  details: string | null;
  taskKey: string;
  run: { id: number } | null;
  createdAt: string;
  updatedAt: string;
  publishedAt: string | null;
}


/** The title a step's task gets, as the engine's tasks service gives it: the declared task's, else the step's. */
const taskTitle = (step: StepDefinition | undefined, type: string): string => {
  if (!step) return type;
  const declared = tasksOf(step).find((task) => task.type === type) ?? tasksOf(step)[0];
  return declared ? stepTaskTitle(step, declared) : step.title;
};

/** The run's step records as the engine's progression and runner write them. */
export const engineSteps = (definition: WorkflowDefinition, run: { state: RunState; currentStep: string | null; steps: readonly StoredStep[] }): RunStep[] =>
  run.steps.map((record) => {
    const step = findStep(definition, record.id);
    const kind = step?.kind ?? (record.kind ? (EARLIER_KINDS[record.kind] ?? record.kind) : 'automatic');
    const waitsForTask = !!step && isOpen(run.state) && record.id === run.currentStep && record.state === 'waiting' && tasksOf(step).length > 0;
    return {
      ...record,
      title: record.title ?? step?.title ?? record.id,
      kind,
      state: record.state ?? 'pending',
      startedAt: record.startedAt ?? null,
      endedAt: record.endedAt ?? null,
      actor: record.actor ?? null,
      result: waitsForTask && step ? waitingForTasks(definition, step) : (record.result ?? null),
    };
  });

const iso = (value: string | Date) => new Date(value).toISOString();

/** Moves the old runs of the pre-paid plan process and their step tasks to the engine's; answers how many runs moved. */
export const moveLegacyRuns = async (strapi: Core.Strapi): Promise<number> => {
  // The old content types stay registered while a database from before may hold rows of them.
  if (!strapi.db.metadata.has(LEGACY_RUN_UID) || !strapi.db.metadata.has(LEGACY_TASK_UID)) return 0;
  const definition = PREPAID_PLAN_PROCESS;
  const runs = () => strapi.db.query(RUN_UID);
  const tasks = () => strapi.db.query(TASK_UID);
  let movedRuns = 0;
  let movedTasks = 0;

  /** The run's row in the engine's table (the one there already, if any): its id. */
  const moveRun = async (run: LegacyRun, own: LegacyTask[]): Promise<number> => {
    const existing: { id: number } | null = await runs().findOne({ where: { documentId: run.documentId }, select: ['id'] });
    if (existing) return existing.id;
    const key = run.servicePlan ? openKeyOf(run.servicePlan.documentId) : null;
    let openKey = isOpen(run.state) ? key : null;
    let runKey = key;
    if (openKey && (await runs().findOne({ where: { openKey }, select: ['documentId'] }))) {
      // The runner would take its key back at its next step and break the one-open-run rule: it moves without a key at all.
      strapi.log.warn(`Run ${run.documentId} of ${definition.id} moves without its open key: another run of its service plan is open; cancel one of them`);
      openKey = null;
      runKey = null;
    }
    const decisions: Record<string, TaskDecision> = {};
    for (const task of own) {
      if (task.state !== 'completed' || !task.outcome || !task.completedBy || !task.completedAt) continue;
      decisions[task.stepId] = {
        step: task.stepId,
        task: null,
        title: taskTitle(findStep(definition, task.stepId), task.type),
        role: task.role,
        outcome: task.outcome,
        note: task.note ?? null,
        by: task.completedBy,
        at: iso(task.completedAt),
        data: null,
      };
    }
    const steps = engineSteps(definition, { state: run.state, currentStep: run.currentStep, steps: run.steps ?? [] });
    const created: { id: number } = await runs().create({
      data: {
        documentId: run.documentId,
        processId: definition.id,
        processVersion: run.processVersion ?? definition.version,
        subjectType: run.servicePlan ? SERVICE_PLAN_UID : null,
        subjectId: run.servicePlan?.documentId ?? null,
        context: {
          kind: run.kind,
          periodStart: run.periodStart ?? null,
          periodEnd: run.periodEnd ?? null,
          invoice: run.invoice ? { documentId: run.invoice.documentId, number: run.invoice.number } : null,
          previousPlanState: run.previousPlanState ?? null,
          ...(Object.keys(decisions).length > 0 ? { decisions } : {}),
        },
        state: run.state,
        outcome: run.outcome ?? (run.state === 'completed' ? 'accepted' : null),
        currentStep: run.currentStep ?? null,
        steps,
        startedBy: run.startedBy ?? steps[0]?.actor ?? null,
        openKey,
        runKey,
        createdAt: run.createdAt,
        updatedAt: run.updatedAt,
        publishedAt: run.publishedAt ?? run.createdAt,
      },
      select: ['id'],
    });
    return created.id;
  };

  const moveTask = async (task: LegacyTask, runId: number): Promise<void> => {
    const existing = await tasks().findOne({ where: { $or: [{ documentId: task.documentId }, { taskKey: task.taskKey }] }, select: ['id'] });
    if (existing) return;
    await tasks().create({
      data: {
        documentId: task.documentId,
        processId: definition.id,
        run: runId,
        stepId: task.stepId,
        taskId: null,
        title: taskTitle(findStep(definition, task.stepId), task.type),
        type: task.type,
        role: task.role,
        state: task.state,
        outcome: task.outcome ?? null,
        claimedBy: task.claimedBy ?? null,
        claimedAt: task.claimedAt ?? null,
        completedBy: task.completedBy ?? null,
        completedAt: task.completedAt ?? null,
        escalatedAt: task.escalatedAt ?? null,
        note: task.note ?? null,
        data: null,
        dueDate: task.dueDate ?? null,
        details: task.details ?? null,
        subjectType: null,
        subjectId: null,
        taskKey: task.taskKey,
        createdAt: task.createdAt,
        updatedAt: task.updatedAt,
        publishedAt: task.publishedAt ?? task.createdAt,
      },
      select: ['id'],
    });
  };

  /** Deletes the rows and every link row naming them, in the link tables there are. */
  const remove = async (trx: Knex.Transaction, table: string, links: readonly string[], column: string, ids: number[]) => {
    if (ids.length === 0) return;
    for (const linkTable of links) {
      if (await trx.schema.hasTable(linkTable)) await trx(linkTable).whereIn(column, ids).delete();
    }
    await trx(table).whereIn('id', ids).delete();
  };

  await strapi.db.transaction(async ({ trx }) => {
    if (strapi.db.dialect.client === 'postgres') await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`${definition.id}-runs`]);
    if (!(await trx.schema.hasTable(LEGACY_RUNS))) return;
    for (;;) {
      const batch: LegacyRun[] = await strapi.db.query(LEGACY_RUN_UID).findMany({
        populate: { servicePlan: { select: ['id', 'documentId'] }, invoice: { select: ['id', 'documentId', 'number'] } },
        orderBy: { id: 'asc' },
        limit: BATCH,
      });
      if (batch.length === 0) break;
      const runIds = batch.map((run) => run.id);
      const stepTasks: LegacyTask[] = await strapi.db.query(LEGACY_TASK_UID).findMany({
        where: { stepId: { $notNull: true }, run: { id: { $in: runIds } } },
        populate: { run: { select: ['id'] } },
        orderBy: { id: 'asc' },
      });
      for (const run of batch) {
        const own = stepTasks.filter((task) => task.run?.id === run.id);
        const runId = await moveRun(run, own);
        for (const task of own) await moveTask(task, runId);
      }
      await remove(trx, LEGACY_TASKS, LEGACY_TASK_LINKS, 'task_id', stepTasks.map((task) => task.id));
      // Any other task still linked to these runs (none should be) keeps its row, not the link.
      if (await trx.schema.hasTable(LEGACY_TASK_RUN_LINKS)) await trx(LEGACY_TASK_RUN_LINKS).whereIn('run_id', runIds).delete();
      await remove(trx, LEGACY_RUNS, LEGACY_RUN_LINKS, 'run_id', runIds);
      movedRuns += batch.length;
      movedTasks += stepTasks.length;
    }
  });
  if (movedRuns > 0) strapi.log.info(`${movedRuns} run(s) of ${definition.id} and ${movedTasks} step task(s) moved to the engine's runs and tasks`);
  return movedRuns;
};
