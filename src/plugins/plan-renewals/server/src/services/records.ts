import type { Core } from '@strapi/strapi';
import type { PanelRecords, PanelRun, PanelTask, ProcessRecords, WorkRun, WorkTask } from '../../../../workflows/server/src/services/registry';
import { OUTCOME_LABELS, PREPAID_PLAN_PROCESS, TASK_OUTCOMES, TASK_TITLES } from '../domain';
import type { TaskRole } from '../domain';
import { RUN_UID, TASK_UID } from './steps';
import type { LoadedRun, PrepaidTask } from './steps';
import { ownService } from '../utils';

/**
 * The pre-paid plan process's runs and tasks as the workflows engine's routes show them, and a
 * person's work on a task handed to this process's engine (its locks, task rules and audit). The
 * plugin's own routes answer the same records in their earlier shape.
 */
const SERVICE_PLAN_UID = 'api::service-plan.service-plan';

const capitalised = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

export const workTask = (task: PrepaidTask): WorkTask => ({
  documentId: task.documentId,
  type: task.type,
  title: TASK_TITLES[task.type] ?? task.type,
  role: task.role,
  state: task.state,
  outcomes: Object.entries(TASK_OUTCOMES[task.type] ?? {}).map(([id, effect]) => ({
    id,
    label: OUTCOME_LABELS[task.type]?.[id] ?? capitalised(id),
    rejects: effect === 'reject',
  })),
  dueDate: task.dueDate ?? null,
  details: task.details ?? null,
  claimedBy: task.claimedBy ?? null,
  claimedAt: task.claimedAt ?? null,
  run: task.run?.documentId ?? null,
});

export const workRun = (run: LoadedRun): WorkRun => ({
  documentId: run.documentId,
  // Runs stored before the version was recorded have none (they are all of version 1).
  version: run.processVersion ?? null,
  state: run.state,
  // Runs completed before outcomes were stored were all accepted (a rejection used to fail the run).
  outcome: run.outcome ?? (run.state === 'completed' ? 'accepted' : null),
  currentStep: run.currentStep ?? null,
  subject: run.servicePlan ? { type: SERVICE_PLAN_UID, documentId: run.servicePlan.documentId } : null,
  context: {
    kind: run.kind,
    periodStart: run.periodStart ?? null,
    periodEnd: run.periodEnd ?? null,
    servicePlan: run.servicePlan ? { documentId: run.servicePlan.documentId, state: run.servicePlan.state } : null,
    invoice: run.invoice
      ? { documentId: run.invoice.documentId, number: run.invoice.number, state: run.invoice.state, paymentUrl: run.invoice.paymentUrl ?? null }
      : null,
  },
  steps: run.steps,
});

/** A run as the engine's admin pages read it. */
export const panelRun = (run: LoadedRun): PanelRun => {
  const view = workRun(run);
  return {
    documentId: run.documentId,
    processId: run.processId ?? PREPAID_PLAN_PROCESS.id,
    processVersion: view.version ?? 1,
    subjectType: view.subject?.type ?? null,
    subjectId: view.subject?.documentId ?? null,
    context: view.context,
    state: run.state,
    outcome: view.outcome as PanelRun['outcome'],
    currentStep: view.currentStep,
    steps: run.steps,
    startedBy: run.startedBy ?? null,
    createdAt: run.createdAt,
    updatedAt: run.updatedAt,
  };
};

/** A task as the engine's admin pages read it (the pages fill in what a row leaves out). */
export const panelTask = (task: PrepaidTask): PanelTask => ({
  ...task,
  processId: PREPAID_PLAN_PROCESS.id,
  run: task.run ? { documentId: task.run.documentId, state: task.run.state, currentStep: task.run.currentStep ?? null, processVersion: task.run.processVersion ?? 1 } : null,
  stepId: task.stepId ?? null,
  taskId: null,
  title: TASK_TITLES[task.type] ?? task.type,
});

/** The process's runs and tasks in the engine's admin pages, and the admin's actions on them by this process's engine. */
const prepaidPlanPanel = (strapi: Core.Strapi): PanelRecords => {
  const engine = () => ownService(strapi, 'engine');
  const runs = () => strapi.db.query(RUN_UID);
  const tasks = () => strapi.db.query(TASK_UID);
  const runPopulate = { servicePlan: true, invoice: true };
  return {
    uids: { run: RUN_UID, task: TASK_UID },
    async runs({ state, limit, offset }) {
      const where = state ? { state } : {};
      const [rows, total] = await Promise.all([
        runs().findMany({ where, populate: runPopulate, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], limit, offset }),
        runs().count({ where }),
      ]);
      return { rows: rows.map(panelRun), total };
    },
    async run(documentId) {
      const run = await runs().findOne({ where: { documentId }, populate: runPopulate });
      return run ? panelRun(run) : null;
    },
    async tasks({ state, role, limit, offset }) {
      const where = { state, ...(role ? { role } : {}) };
      const orderBy = state === 'open' ? [{ dueDate: 'asc' }, { id: 'asc' }] : [{ updatedAt: 'desc' }, { id: 'desc' }];
      const [rows, total] = await Promise.all([tasks().findMany({ where, populate: ['run'], orderBy, limit, offset }), tasks().count({ where })]);
      return { rows: rows.map(panelTask), total };
    },
    async tasksOfRun(runDocumentId) {
      const rows = await tasks().findMany({ where: { run: { documentId: runDocumentId } }, populate: ['run'], orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
      return rows.map(panelTask);
    },
    async task(documentId) {
      const task = await tasks().findOne({ where: { documentId }, populate: ['run'] });
      return task ? panelTask(task) : null;
    },
    retry: (documentId) => engine().retry(documentId),
    cancel: (documentId, reason) => engine().cancel(documentId, reason),
    reassign: (documentId, input) => engine().reassignTask(documentId, input),
  };
};

export const prepaidPlanRecords = (strapi: Core.Strapi): ProcessRecords => {
  const engine = () => ownService(strapi, 'engine');
  const findRun = async (documentId: string) =>
    (await strapi.documents(RUN_UID).findOne({ documentId, populate: { servicePlan: true, invoice: true } })) as LoadedRun | null;
  const findTask = async (documentId: string) => (await strapi.documents(TASK_UID).findOne({ documentId, populate: { run: true } })) as PrepaidTask | null;

  return {
    async openTasks(roles) {
      const tasks = (await strapi.documents(TASK_UID).findMany({
        filters: { role: { $in: [...roles] as TaskRole[] }, state: 'open' },
        populate: { run: true },
        sort: ['dueDate:asc', 'id:asc'],
      })) as PrepaidTask[];
      return tasks.map(workTask);
    },
    async findTask(documentId) {
      const task = await findTask(documentId);
      return task ? workTask(task) : null;
    },
    async claim(documentId, roles) {
      return workTask((await engine().claimTask(documentId, [...roles]))!);
    },
    async unclaim(documentId, roles) {
      return workTask((await engine().unclaimTask(documentId, [...roles]))!);
    },
    async complete(documentId, input, roles) {
      const task = await findTask(documentId);
      await engine().completeTask(documentId, input, [...roles]);
      // The run as the completion left it: moved on, or ended by a rejection.
      const run = task?.run ? await findRun(task.run.documentId) : null;
      return run ? workRun(run) : null;
    },
    async findRun(documentId) {
      const run = await findRun(documentId);
      return run ? workRun(run) : null;
    },
    panel: prepaidPlanPanel(strapi),
  };
};
