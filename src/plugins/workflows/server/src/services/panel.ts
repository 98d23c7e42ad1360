import type { Core, Data } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { AUDIT_LOG_UID } from '../../../../../guards/audit';
import { today as clockToday } from '../clock';
import { StepDefinition, WorkflowDefinition, tasksOf } from '../domain';
import { getService } from '../utils';
import type { PanelRun, PanelTask } from './registry';
import { RUN_UID, subjectOf } from './runner';
import { TASK_UID } from './tasks';

/**
 * What the engine's admin pages show of the runs and tasks of every process. Everything a page
 * draws comes from here, labels included, so the pages know no process: a run comes with its
 * definition's steps, their kinds and tasks, and the roles' names. The admin's actions (retry,
 * cancel, reassign) are the runner's and the tasks service's.
 */
export interface RunFilters {
  process?: string;
  state?: string;
  page: number;
  pageSize: number;
}

export interface TaskFilters {
  process?: string;
  role?: string;
  state: string;
  page: number;
  pageSize: number;
}



export default ({ strapi }: { strapi: Core.Strapi }) => {
  const registry = () => getService(strapi, 'registry');
  const runs = () => strapi.db.query(RUN_UID);
  const tasks = () => strapi.db.query(TASK_UID);

  /** The processes the pages show: every registered one, or the one a filter names. */
  const processesOf = (process?: string): string[] =>
    registry()
      .list()
      .map(({ definition }) => definition.id)
      .filter((id) => !process || id === process);

  /** The run `documentId` (404 when there is none). */
  const runOf = async (documentId: string): Promise<PanelRun> => {
    const run: PanelRun | null = await runs().findOne({ where: { documentId } });
    if (!run) throw new errors.NotFoundError(`No run ${documentId}`);
    return run;
  };

  /** The task `documentId` with its run (404 when there is none). */
  const taskOf = async (documentId: string): Promise<PanelTask> => {
    const task: PanelTask | null = await tasks().findOne({ where: { documentId }, populate: ['run'] });
    if (!task) throw new errors.NotFoundError(`No task ${documentId}`);
    return task;
  };

  /** The definition a run or task was made by; null when that version is no longer registered. */
  const definitionOf = (processId: string, version?: number): WorkflowDefinition | null => {
    try {
      return registry().get(processId, version).definition;
    } catch {
      return null;
    }
  };

  const roleLabel = (definition: WorkflowDefinition | null, role: string) => definition?.roles[role]?.label ?? role;

  const runSummary = (run: PanelRun) => {
    const definition = definitionOf(run.processId, run.processVersion);
    const current = run.steps?.find((step) => step.id === run.currentStep) ?? null;
    return {
      documentId: run.documentId,
      process: { id: run.processId, name: definition?.name ?? run.processId },
      version: run.processVersion,
      state: run.state,
      outcome: run.outcome ?? null,
      currentStep: current ? { id: current.id, title: current.title } : null,
      stepsDone: (run.steps ?? []).filter((step) => step.state === 'done').length,
      stepCount: (run.steps ?? []).length,
      subject: subjectOf(run),
      startedBy: run.startedBy ?? null,
      createdAt: run.createdAt,
      updatedAt: run.updatedAt,
    };
  };

  /** A step of the definition as the run page draws it: what kind, when, which tasks for whom. */
  const stepView = (definition: WorkflowDefinition, step: StepDefinition) => ({
    id: step.id,
    title: step.title,
    kind: step.kind,
    when: step.when ?? null,
    inRejectBranch: (definition.rejectBranch ?? []).includes(step.id),
    signal: step.kind === 'await-signal' ? step.signal : null,
    channel: step.kind === 'notify' ? step.channel : null,
    branches:
      step.kind === 'decision'
        ? Object.entries(step.branches).map(([label, branch]) => ({ label, then: branch.then, step: branch.then === 'go-to' ? branch.step : null, isDefault: label === step.defaultBranch }))
        : [],
    tasks: tasksOf(step).map((task) => ({
      id: task.id ?? null,
      title: task.title ?? step.title,
      type: task.type,
      role: task.role,
      roleLabel: roleLabel(definition, task.role),
      outcomes: Object.entries(task.outcomes).map(([id, { label, effect }]) => ({ id, label, rejects: effect === 'reject' })),
      separationOfDuties: task.separationOfDuties === true,
    })),
  });

  const definitionView = (definition: WorkflowDefinition) => ({
    id: definition.id,
    version: definition.version,
    name: definition.name,
    roles: Object.entries(definition.roles).map(([id, { label }]) => ({ id, label })),
    steps: definition.steps.map((step) => stepView(definition, step)),
  });

  const taskView = (task: PanelTask, today: string) => {
    const definition = definitionOf(task.processId, task.run?.processVersion);
    return {
      documentId: task.documentId,
      process: { id: task.processId, name: definition?.name ?? task.processId },
      run: task.run ? { documentId: task.run.documentId, state: task.run.state, currentStep: task.run.currentStep } : null,
      stepId: task.stepId,
      taskId: task.taskId ?? null,
      title: task.title,
      type: task.type,
      role: task.role,
      roleLabel: roleLabel(definition, task.role),
      state: task.state,
      outcome: task.outcome ?? null,
      claimedBy: task.claimedBy ?? null,
      claimedAt: task.claimedAt ?? null,
      completedBy: task.completedBy ?? null,
      completedAt: task.completedAt ?? null,
      note: task.note ?? null,
      dueDate: task.dueDate ?? null,
      overdue: task.state === 'open' && !!task.dueDate && task.dueDate < today,
      details: task.details ?? null,
      createdAt: task.createdAt,
    };
  };

  const views = {
    /** Every registered process, for the pages' filters: its latest version, roles and size. */
    processes() {
      return registry()
        .list()
        .map(({ definition }) => ({
          id: definition.id,
          name: definition.name,
          version: definition.version,
          roles: Object.entries(definition.roles).map(([id, { label }]) => ({ id, label })),
          stepCount: definition.steps.length,
        }));
    },

    /** Ids a filter may name: the processes the pages show, and the roles they give tasks to. */
    processIds: (): string[] => views.processes().map(({ id }) => id),
    roleIds: (): string[] => [...new Set(views.processes().flatMap(({ roles }) => roles.map(({ id }) => id)))].sort(),

    /** Runs of every process (or of one), newest first, a page at a time. */
    async listRuns(filters: RunFilters) {
      const where = { processId: { $in: processesOf(filters.process) }, ...(filters.state ? { state: filters.state } : {}) };
      const [rows, total]: [PanelRun[], number] = await Promise.all([
        runs().findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], limit: filters.pageSize, offset: (filters.page - 1) * filters.pageSize }),
        runs().count({ where }),
      ]);
      return { items: rows.map(runSummary), pagination: { page: filters.page, pageSize: filters.pageSize, total, pageCount: Math.ceil(total / filters.pageSize) } };
    },

    /** One run: its summary, its stored steps, its definition's steps, its tasks and its audit trail (404 when there is none). */
    async findRun(documentId: string) {
      const run = await runOf(documentId);
      const definition = definitionOf(run.processId, run.processVersion);
      const rows: PanelTask[] = await tasks().findMany({ where: { run: { documentId: run.documentId } }, populate: ['run'], orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
      const today = clockToday();
      // The run's trail: its steps' entries and its tasks' (claims, reassignments, completions).
      const audit: Data.ContentType<typeof AUDIT_LOG_UID>[] = await strapi.db.query(AUDIT_LOG_UID).findMany({
        // By document id only: entries a process wrote before the engine kept its runs name other content types.
        where: { entityDocumentId: { $in: [run.documentId, ...rows.map((task) => task.documentId)] } },
        orderBy: [{ occurredAt: 'asc' }, { id: 'asc' }],
        limit: 200,
      });
      return {
        ...runSummary(run),
        context: run.context ?? {},
        steps: run.steps,
        definition: definition ? definitionView(definition) : null,
        tasks: rows.map((task) => taskView(task, today)),
        audit: audit.map((entry) => ({
          documentId: entry.documentId,
          action: entry.action,
          summary: entry.summary,
          actorType: entry.actorType,
          actorName: entry.actorName ?? null,
          occurredAt: entry.occurredAt,
        })),
      };
    },

    /** Tasks of every process (or of one), open ones by due date (the most urgent first), others latest first. */
    async listTasks(filters: TaskFilters) {
      const where = { processId: { $in: processesOf(filters.process) }, state: filters.state, ...(filters.role ? { role: filters.role } : {}) };
      const orderBy = filters.state === 'open' ? [{ dueDate: 'asc' }, { createdAt: 'asc' }, { id: 'asc' }] : [{ updatedAt: 'desc' }, { id: 'desc' }];
      const [rows, total]: [PanelTask[], number] = await Promise.all([
        tasks().findMany({ where, populate: ['run'], orderBy, limit: filters.pageSize, offset: (filters.page - 1) * filters.pageSize }),
        tasks().count({ where }),
      ]);
      const today = clockToday();
      return { items: rows.map((task) => taskView(task, today)), pagination: { page: filters.page, pageSize: filters.pageSize, total, pageCount: Math.ceil(total / filters.pageSize) } };
    },

    /** The staff users (not blocked) of each of `roles`: whom a task may be handed to. */
    async staffOf(roles: string[]) {
      if (roles.length === 0) return {};
      const users: Data.ContentType<'plugin::users-permissions.user'>[] = await strapi.db.query('plugin::users-permissions.user').findMany({
        where: { role: { type: { $in: roles } }, blocked: false },
        populate: ['role'],
        orderBy: { username: 'asc' },
        limit: 500,
      });
      return Object.fromEntries(
        roles.map((role) => [role, users.filter((user) => user.role?.type === role).map((user) => ({ documentId: user.documentId, username: user.username }))]),
      );
    },

    /** A task as the list shows it, read afresh (after a reassignment). */
    async findTask(documentId: string) {
      return taskView(await taskOf(documentId), clockToday());
    },

    /** Tries the run's failed step again; answers the run afresh. */
    async retryRun(documentId: string) {
      await runOf(documentId);
      await getService(strapi, 'runner').retry(documentId);
      return views.findRun(documentId);
    },

    /** Cancels the open run (its process undoes what it did first); answers the run afresh. */
    async cancelRun(documentId: string, reason: string) {
      await runOf(documentId);
      await getService(strapi, 'runner').cancel(documentId, reason);
      return views.findRun(documentId);
    },

    /** Hands the open task to a staff user of its role; answers the task afresh. */
    async reassignTask(documentId: string, input: { user: string; reason?: string }) {
      await getService(strapi, 'tasks').reassign(documentId, input);
      return views.findTask(documentId);
    },
  };
  return views;
};
