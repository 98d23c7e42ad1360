import type { Core, Data } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { AUDIT_LOG_UID } from '../../../../../guards/audit';
import { today as clockToday } from '../clock';
import { StepDefinition, WorkflowDefinition, tasksOf } from '../domain';
import { getService } from '../utils';
import type { PanelPage, PanelRecords, PanelRun, PanelTask } from './registry';
import { RUN_UID, subjectOf } from './runner';
import { TASK_UID } from './tasks';

/**
 * What the engine's admin pages show of the runs and tasks of every process: those the engine's
 * runner keeps, and those of a process keeping its own records (its `records.panel`), listed
 * together. Everything a page draws comes from here, labels included, so the pages know no
 * process: a run comes with its definition's steps, their kinds and tasks, and the roles' names.
 * The admin's actions (retry, cancel, reassign) go to whichever keeps the run or task.
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

  /** The processes whose runs the engine's runner keeps. */
  const engineProcessIds = (): string[] =>
    registry()
      .list()
      .filter(({ handlers }) => !handlers.records)
      .map(({ definition }) => definition.id);

  const page = async <T>(rows: Promise<unknown[]>, total: Promise<number>): Promise<PanelPage<T>> => ({ rows: (await rows) as T[], total: await total });

  /**
   * The runs and tasks the engine keeps, read as the pages read any process's: those of the
   * processes its runner executes, and the follow-ups of `followUpsOf` (processes keeping their own
   * runs open their follow-ups as the engine's tasks).
   */
  const engineRecords = (processIds: string[], followUpsOf: string[] = []): PanelRecords => {
    const ours = { $or: [{ processId: { $in: processIds } }, { processId: { $in: followUpsOf }, stepId: null }] };
    return {
      uids: { run: RUN_UID, task: TASK_UID },
      runs({ state, limit, offset }) {
        const where = { processId: { $in: processIds }, ...(state ? { state } : {}) };
        return page(runs().findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], limit, offset }), runs().count({ where }));
      },
      run: (documentId) => runs().findOne({ where: { documentId, processId: { $in: processIds } } }),
      tasks({ state, role, limit, offset }) {
        const where = { state, ...ours, ...(role ? { role } : {}) };
        const orderBy = state === 'open' ? [{ dueDate: 'asc' }, { id: 'asc' }] : [{ updatedAt: 'desc' }, { id: 'desc' }];
        return page(tasks().findMany({ where, populate: ['run'], orderBy, limit, offset }), tasks().count({ where }));
      },
      tasksOfRun: (runDocumentId) => tasks().findMany({ where: { run: { documentId: runDocumentId } }, populate: ['run'], orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),
      task: (documentId) => tasks().findOne({ where: { documentId, ...ours }, populate: ['run'] }),
      retry: (documentId) => getService(strapi, 'runner').retry(documentId),
      cancel: (documentId, reason) => getService(strapi, 'runner').cancel(documentId, reason),
      reassign: (documentId, input) => getService(strapi, 'tasks').reassign(documentId, input),
    };
  };

  /**
   * Where the pages read runs and tasks: the engine's tables, and each process keeping records of
   * its own; `process` keeps the one holding that process.
   */
  const sourcesOf = (process?: string): PanelRecords[] => {
    const engine = engineProcessIds().filter((id) => !process || id === process);
    const keeping = registry()
      .list()
      .filter(({ definition, handlers }) => handlers.records?.panel && (!process || definition.id === process));
    const own = keeping.map(({ handlers }) => handlers.records!.panel!);
    const followUpsOf = keeping.map(({ definition }) => definition.id);
    return [...(engine.length || followUpsOf.length ? [engineRecords(engine, followUpsOf)] : []), ...own];
  };

  /** How deep a list of several sources goes: each is read from its first row to the page's end. */
  const MERGED_DEPTH = 1_000;

  /**
   * A page of rows across sources, in the pages' order: one source is asked for the page itself;
   * several for everything up to the page's end, merged and cut, at most MERGED_DEPTH rows deep
   * (further pages are a 400 asking for a process filter, which pages in the database).
   */
  const pageAcross = async <T>(
    sources: PanelRecords[],
    read: (source: PanelRecords, limit: number, offset: number) => Promise<PanelPage<T>>,
    order: (a: T, b: T) => number,
    filters: { page: number; pageSize: number },
  ): Promise<PanelPage<T>> => {
    const offset = (filters.page - 1) * filters.pageSize;
    if (sources.length === 1) return read(sources[0], filters.pageSize, offset);
    if (offset + filters.pageSize > MERGED_DEPTH) {
      throw new errors.ValidationError(`page: the list of every process shows its first ${MERGED_DEPTH} rows; filter by process to page further`);
    }
    const pages = await Promise.all(sources.map((source) => read(source, offset + filters.pageSize, 0)));
    const rows = pages.flatMap((p) => p.rows).sort(order);
    return { rows: rows.slice(offset, offset + filters.pageSize), total: pages.reduce((sum, p) => sum + p.total, 0) };
  };

  const time = (value: unknown) => (value ? new Date(value as string).getTime() : 0);
  const newestFirst = (a: { createdAt: string; documentId: string }, b: { createdAt: string; documentId: string }) =>
    time(b.createdAt) - time(a.createdAt) || b.documentId.localeCompare(a.documentId);
  const taskOrder = (state: string) => (a: PanelTask, b: PanelTask) =>
    state === 'open'
      ? (a.dueDate ?? '9999-12-31').localeCompare(b.dueDate ?? '9999-12-31') || time(a.createdAt) - time(b.createdAt) || a.documentId.localeCompare(b.documentId)
      : time(b.updatedAt) - time(a.updatedAt) || b.documentId.localeCompare(a.documentId);

  /** The source holding run `documentId`, and the run (404 when none does). */
  const holderOfRun = async (documentId: string) => {
    for (const source of sourcesOf()) {
      const run = await source.run(documentId);
      if (run) return { source, run };
    }
    throw new errors.NotFoundError(`No run ${documentId}`);
  };

  /** The source holding task `documentId`, and the task (404 when none does). */
  const holderOfTask = async (documentId: string) => {
    for (const source of sourcesOf()) {
      const task = await source.task(documentId);
      if (task) return { source, task };
    }
    throw new errors.NotFoundError(`No task ${documentId}`);
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
        .filter(({ handlers }) => !handlers.records || handlers.records.panel)
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
      const { rows, total } = await pageAcross(sourcesOf(filters.process), (source, limit, offset) => source.runs({ state: filters.state, limit, offset }), newestFirst, filters);
      return { items: rows.map(runSummary), pagination: { page: filters.page, pageSize: filters.pageSize, total, pageCount: Math.ceil(total / filters.pageSize) } };
    },

    /** One run: its summary, its stored steps, its definition's steps, its tasks and its audit trail (404 when there is none). */
    async findRun(documentId: string) {
      const { source, run } = await holderOfRun(documentId);
      const definition = definitionOf(run.processId, run.processVersion);
      const rows = await source.tasksOfRun(run.documentId);
      const today = clockToday();
      // The run's trail: its steps' entries and its tasks' (claims, reassignments, completions).
      const audit: Data.ContentType<typeof AUDIT_LOG_UID>[] = await strapi.db.query(AUDIT_LOG_UID).findMany({
        where: { entityDocumentId: { $in: [run.documentId, ...rows.map((task) => task.documentId)] }, entityUid: { $in: [source.uids.run, source.uids.task] } },
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
      const { rows, total } = await pageAcross(
        sourcesOf(filters.process),
        (source, limit, offset) => source.tasks({ state: filters.state, role: filters.role, limit, offset }),
        taskOrder(filters.state),
        filters,
      );
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
      return taskView((await holderOfTask(documentId)).task, clockToday());
    },

    /** Tries the run's failed step again, by whichever keeps the run; answers the run afresh. */
    async retryRun(documentId: string) {
      await (await holderOfRun(documentId)).source.retry(documentId);
      return views.findRun(documentId);
    },

    /** Cancels the open run, by whichever keeps it; answers the run afresh. */
    async cancelRun(documentId: string, reason: string) {
      await (await holderOfRun(documentId)).source.cancel(documentId, reason);
      return views.findRun(documentId);
    },

    /** Hands the open task to a staff user of its role, by whichever keeps it; answers the task afresh. */
    async reassignTask(documentId: string, input: { user: string; reason?: string }) {
      await (await holderOfTask(documentId)).source.reassign(documentId, input);
      return views.findTask(documentId);
    },
  };
  return views;
};
