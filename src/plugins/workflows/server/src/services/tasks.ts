import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import type { Transaction } from '../../../../../setup/knex';
import { Actor, currentActor } from '../../../../../guards/actor';
import { now as clockNow, today } from '../clock';
import {
  HumanTask,
  RunDuties,
  StepActor,
  StepDefinition,
  TaskDefinition,
  WorkflowDefinition,
  actorName,
  waitingForTasks,
  claimTask,
  findFollowUp,
  findStep,
  isOpen,
  isRefusal,
  mayCompleteTask,
  reassignTask,
  sameActor,
  stepTaskRow,
  tasksOf,
  unclaimTask,
} from '../domain';
import { ConflictError, refusalError } from '../errors';
import { getService } from '../utils';
import type { Subject, TaskData, TaskDecision, WorkRun, WorkTask } from './registry';
import { RUN_TABLE, RunRow, asStepActor, lockRow } from './runner';

/**
 * The tasks of the runs the engine keeps: one row per task a human step opens (one per task of a
 * parallel step), made once by its key whoever asks and however often (`open`), and the follow-ups
 * a process opens outside its steps (`ensure`), made once by the key the process gives. People
 * claim, give back and complete them by the task rules of the domain, under the task's (and its
 * run's) row lock; every change is audited.
 */
export const TASK_UID = 'plugin::workflows.task';
const TASK_TABLE = 'workflow_tasks';

interface TaskRow {
  id: number;
  documentId: string;
  processId: string;
  run: RunRow | null;
  /** Null for a follow-up outside the steps. */
  stepId: string | null;
  taskId: string | null;
  subjectType: string | null;
  subjectId: string | null;
  title: string;
  type: string;
  role: string;
  state: 'open' | 'completed' | 'cancelled';
  outcome: string | null;
  claimedBy: StepActor | null;
  claimedAt: string | null;
  completedBy: StepActor | null;
  dueDate: string | null;
  details: string | null;
}

/** An overdue task as `escalateOverdue` reads it. */
type OverdueTask = Pick<TaskRow, 'id' | 'documentId' | 'type' | 'role' | 'details'> & { title: string | null; dueDate: string };

/** A users-permissions user as stored (username and email are required there), with their role when populated. */
interface StaffUser {
  id: number;
  documentId: string;
  username: string;
  email: string;
  blocked: boolean | null;
  role?: { type: string } | null;
}

const humanTask = (task: TaskRow): HumanTask => ({
  id: task.documentId,
  type: task.type,
  role: task.role,
  state: task.state,
  outcome: task.outcome,
  claimedBy: task.claimedBy,
});

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const tasks = () => strapi.db.query(TASK_UID);
  const registry = () => getService(strapi, 'registry');
  const runner = () => getService(strapi, 'runner');

  const definitionOf = (task: TaskRow): WorkflowDefinition => registry().get(task.processId, task.run?.processVersion).definition;

  /** The task's declaration in its run's definition; a follow-up's, in its process's latest, with outcomes that close it. */
  const declarationOf = (task: TaskRow): TaskDefinition => {
    if (task.stepId === null) {
      const followUp = findFollowUp(registry().get(task.processId).definition, task.type);
      if (!followUp) throw new Error(`Task ${task.documentId}: ${task.processId} declares no follow-up ${task.type}`);
      return { type: followUp.type, role: followUp.role, outcomes: Object.fromEntries(Object.entries(followUp.outcomes).map(([id, { label }]) => [id, { effect: 'continue', label }])) };
    }
    const step = findStep(definitionOf(task), task.stepId);
    const declared = step && tasksOf(step).find((t) => (t.id ?? null) === task.taskId);
    if (!declared) throw new Error(`Task ${task.documentId}: step ${task.stepId} of ${task.processId} declares no task ${task.taskId ?? ''}`);
    return declared;
  };

  const workTaskOf = (task: TaskRow): WorkTask => ({
    documentId: task.documentId,
    process: task.processId,
    type: task.type,
    title: task.title,
    role: task.role,
    state: task.state,
    outcomes: Object.entries(declarationOf(task).outcomes).map(([id, { label, effect }]) => ({ id, label, rejects: effect === 'reject' })),
    dueDate: task.dueDate,
    details: task.details,
    claimedBy: task.claimedBy,
    claimedAt: task.claimedAt,
    run: task.run?.documentId ?? null,
    subject: task.subjectType && task.subjectId ? { type: task.subjectType, documentId: task.subjectId } : null,
  });

  const find = (documentId: string): Promise<TaskRow | null> => tasks().findOne({ where: { documentId }, populate: ['run'] });

  /** The task under its row lock, read afresh: 404 when there is none, 403 when it is not for one of `roles`. */
  const locked = async (trx: Transaction, documentId: string, roles: readonly string[] | 'any'): Promise<TaskRow> => {
    await lockRow(strapi, trx, TASK_TABLE, documentId);
    const task = await find(documentId);
    if (!task) throw new errors.NotFoundError(`No task ${documentId}`);
    if (roles !== 'any' && !roles.includes(task.role)) throw new errors.PolicyError(`This task is for the ${task.role} role`);
    return task;
  };

  /** Whether the definition keeps the task from the run's starter, and who that is. */
  const dutiesOf = (task: TaskRow): RunDuties => ({
    separationOfDuties: declarationOf(task).separationOfDuties === true,
    startedBy: task.run?.startedBy ?? null,
  });

  const audit = (task: TaskRow, action: string, summary: string, actor: StepActor, extra: Record<string, unknown> = {}, changes?: Record<string, { before: unknown; after: unknown }>) =>
    getService(strapi, 'audit').record({
      action,
      entityUid: TASK_UID,
      entityDocumentId: task.documentId,
      actor: actor as Actor,
      changes,
      summary: `${task.title} (${task.processId}) ${summary}`,
      data: { task: task.documentId, run: task.run?.documentId ?? null, process: task.processId, ...extra },
    });

  const storeClaim = async (task: TaskRow, claimedBy: StepActor | null, action: string, summary: string, actor: StepActor, reason?: string) => {
    await tasks().update({ where: { id: task.id }, data: { claimedBy, claimedAt: claimedBy ? clockNow() : null } });
    await audit(task, action, `${summary}${reason ? `: ${reason}` : ''}`, actor, reason ? { reason } : {}, { claimedBy: { before: task.claimedBy, after: claimedBy } });
    return workTaskOf((await find(task.documentId))!);
  };

  const by = (actor?: Actor | StepActor) => asStepActor(actor ?? currentActor(strapi));

  /** Closes a follow-up with its outcome: what was done is recorded and audited; no run moves. */
  const closeFollowUp = async (task: TaskRow, input: { outcome: string; note?: string | null; data?: TaskData }, who: StepActor) => {
    const note = input.note?.trim() ? input.note.trim().slice(0, 2000) : null;
    await tasks().update({ where: { id: task.id }, data: { state: 'completed', outcome: input.outcome, note, data: input.data ?? null, completedBy: who, completedAt: clockNow() } });
    await audit(task, 'task.completed', `closed by ${actorName(who)}: ${input.outcome}${note ? `: ${note}` : ''}`, who, { outcome: input.outcome });
  };

  /**
   * Records a decision on an open task of the run's current step, under both row locks: the
   * process's check first (throwing refuses, nothing written), then the task, the run's decisions
   * and its progress (its other tasks closed once the step is decided), and the audit entry.
   * Answers the run to advance.
   */
  const decide = async (task: TaskRow, run: RunRow, input: { outcome: string; note?: string; data?: TaskData }, who: StepActor): Promise<string> => {
    const note = input.note?.trim() ? input.note.trim() : undefined;
    const check = registry().get(run.processId, run.processVersion).handlers.checkOutcome?.[task.type];
    if (check) await check({ ...runner().contextOf(run, task.stepId!, who), outcome: input.outcome, note: note ?? null });
    await tasks().update({
      where: { id: task.id },
      data: { state: 'completed', outcome: input.outcome, note: note ?? null, data: input.data ?? null, completedBy: who, completedAt: clockNow() },
    });
    const at = clockNow().toISOString();
    // The run keeps every decision, so later steps (a certificate, a notice) can say who decided what.
    const decision: TaskDecision = { step: task.stepId!, task: task.taskId, title: task.title, role: task.role, outcome: input.outcome, note: note ?? null, by: who, at, data: input.data ?? null };
    const decisions = { ...((run.context?.decisions as Record<string, TaskDecision> | undefined) ?? {}), [task.taskId ? `${task.stepId}:${task.taskId}` : task.stepId!]: decision };
    const saved = await runner().decideIn(run, { type: 'task-outcome', outcome: input.outcome, actor: who, at, note, ...(task.taskId ? { task: task.taskId } : {}) }, who, { decisions });
    // The step is decided (all its tasks continued, or one rejected): its other tasks are no longer needed.
    if (saved.currentStep !== task.stepId) await service.cancelOpen(run.id, task.stepId!);
    await audit(task, 'task.completed', `completed by ${actorName(who)}: ${input.outcome}${note ? `: ${note}` : ''}`, who, { outcome: input.outcome });
    return run.documentId;
  };

  const service = {
    /**
     * Inside the step's transaction: the tasks a human or parallel step opens, each once (by its
     * key), with its due date; answers what the run now waits for, to say so on the step.
     */
    async open(run: RunRow, definition: WorkflowDefinition, step: StepDefinition): Promise<string> {
      for (const declared of tasksOf(step)) {
        const row = stepTaskRow(run, step, declared, today());
        const existing = await tasks().findOne({ where: { taskKey: row.taskKey } });
        if (!existing) await tasks().create({ data: { ...row, run: run.id } });
      }
      return waitingForTasks(definition, step);
    },

    /**
     * In the caller's transaction, if there is one: opens a follow-up the process declares, once
     * per `key` (asked again, the task there is answered), for the role and with the title its
     * declaration gives, about `subject` and `run` when given.
     */
    async ensure(input: { process: string; type: string; key: string; details: string; dueDate?: string | null; subject?: Subject | null; run?: string | null }): Promise<WorkTask> {
      const { definition } = registry().get(input.process);
      const followUp = findFollowUp(definition, input.type);
      if (!followUp) throw new Error(`${definition.name} declares no follow-up ${input.type} (declared: ${(definition.followUps ?? []).map((f) => f.type).join(', ') || 'none'})`);
      const existing = await tasks().findOne({ where: { taskKey: input.key }, select: ['documentId'] });
      if (!existing) {
        const run = input.run ? await getService(strapi, 'runner').load(input.run) : null;
        await tasks().create({
          data: {
            processId: definition.id,
            run: run?.id ?? null,
            stepId: null,
            taskId: null,
            title: followUp.title,
            type: followUp.type,
            role: followUp.role,
            state: 'open',
            details: input.details.slice(0, 2000),
            dueDate: input.dueDate ?? today(),
            subjectType: input.subject?.type ?? null,
            subjectId: input.subject?.documentId ?? null,
            taskKey: input.key,
          },
        });
      }
      return workTaskOf((await tasks().findOne({ where: { taskKey: input.key }, populate: ['run'] }))!);
    },

    /**
     * In the caller's transaction, if there is one: the open follow-ups with these keys are closed
     * with `outcome` (the matter was settled elsewhere, say by the decision they asked for), each
     * audited. Answers how many were open.
     */
    async close(keys: readonly string[], input: { outcome: string; note?: string | null }, actor?: Actor | StepActor): Promise<number> {
      const who = by(actor);
      const open: TaskRow[] = await tasks().findMany({ where: { taskKey: { $in: [...keys] }, state: 'open', stepId: null }, populate: ['run'] });
      for (const task of open) {
        if (!declarationOf(task).outcomes[input.outcome]) throw new Error(`A ${task.type} follow-up has no outcome ${input.outcome}`);
        await closeFollowUp(task, input, who);
      }
      return open.length;
    },

    /** Inside the caller's transaction: the run's open tasks are cancelled (the run was). */
    async cancelOpen(runId: number, stepId?: string) {
      // By id: an update cannot join the run's link table.
      const open: { id: number }[] = await tasks().findMany({ select: ['id'], where: { run: { id: runId }, state: 'open', ...(stepId ? { stepId } : {}) } });
      if (open.length > 0) await tasks().updateMany({ where: { id: { $in: open.map((task) => task.id) } }, data: { state: 'cancelled' } });
    },

    /**
     * Open tasks past their due date, escalated once each: an email to every member of the task's
     * role and an audit entry, in one transaction, claimed by a conditional update so two
     * instances never escalate one task twice.
     */
    async escalateOverdue(today: string, now: Date): Promise<number> {
      const overdue: OverdueTask[] = await tasks().findMany({ where: { state: 'open', dueDate: { $lt: today }, escalatedAt: null }, limit: 500 });
      let escalated = 0;
      for (const task of overdue) {
        await strapi.db.transaction(async () => {
          const claimed = await tasks().updateMany({ where: { id: task.id, escalatedAt: null }, data: { escalatedAt: now } });
          if (claimed.count !== 1) return;
          escalated += 1;
          const name = task.title ?? task.type;
          const staff: StaffUser[] = await strapi.db.query('plugin::users-permissions.user').findMany({ where: { role: { type: task.role }, blocked: false } });
          for (const user of staff) {
            await getService(strapi, 'messages').enqueue({
              channel: 'email',
              key: `${task.documentId}:overdue:${user.id}`,
              to: user.email,
              subject: `Overdue ${name} task (due ${task.dueDate})`,
              text: `A ${name} task for the ${task.role} role was due on ${task.dueDate} and is still open.\n${task.details ?? ''}\nOpen it from the task list.\n`,
            });
          }
          await getService(strapi, 'audit').record({
            action: 'task.overdue',
            entityUid: TASK_UID,
            entityDocumentId: task.documentId,
            actor: { type: 'system', name: 'overdue-tasks' },
            summary: `${name} task due ${task.dueDate} escalated to ${staff.length} ${task.role} user${staff.length === 1 ? '' : 's'}`,
            data: { task: task.documentId, role: task.role },
            occurredAt: now,
          });
        });
      }
      return escalated;
    },

    /** The open tasks of `roles`, the most urgent first. */
    async openTasks(roles: readonly string[]): Promise<WorkTask[]> {
      if (roles.length === 0) return [];
      const rows: TaskRow[] = await tasks().findMany({ where: { state: 'open', role: { $in: [...roles] } }, populate: ['run'], orderBy: [{ dueDate: 'asc' }, { id: 'asc' }], limit: 500 });
      return rows.map(workTaskOf);
    },

    async findTask(documentId: string): Promise<WorkTask | null> {
      const task = await find(documentId);
      return task && workTaskOf(task);
    },

    /** Takes an open task of one of `roles` on; someone else's claim is never overridden (409 naming the holder). */
    async claim(documentId: string, roles: readonly string[], actor?: Actor | StepActor): Promise<WorkTask> {
      const who = by(actor);
      return strapi.db.transaction(async ({ trx }) => {
        const task = await locked(trx, documentId, roles);
        const ruling = claimTask(humanTask(task), who, dutiesOf(task));
        if (isRefusal(ruling)) throw refusalError(ruling);
        if (!ruling.changed) return workTaskOf(task);
        return storeClaim(task, ruling.claimedBy, 'task.claimed', `claimed by ${actorName(who)}`, who);
      });
    },

    /** The holder gives a claimed task back to its role; anyone else gets a 409 (an admin reassigns instead). */
    async unclaim(documentId: string, roles: readonly string[], actor?: Actor | StepActor): Promise<WorkTask> {
      const who = by(actor);
      return strapi.db.transaction(async ({ trx }) => {
        const task = await locked(trx, documentId, roles);
        const ruling = unclaimTask(humanTask(task), who);
        if (isRefusal(ruling)) throw refusalError(ruling);
        return storeClaim(task, null, 'task.unclaimed', `given back by ${actorName(who)}`, who);
      });
    },

    /** An admin hands an open task to a staff user of its role, whoever held it (audited with the reason). */
    async reassign(documentId: string, input: { user: string; reason?: string }, actor?: Actor | StepActor): Promise<WorkTask> {
      const who = by(actor);
      return strapi.db.transaction(async ({ trx }) => {
        const task = await locked(trx, documentId, 'any');
        const user: StaffUser | null = await strapi.db.query('plugin::users-permissions.user').findOne({ where: { documentId: input.user }, populate: ['role'] });
        if (!user) throw new errors.ValidationError(`No staff user ${input.user}`);
        if (user.blocked) throw new errors.ValidationError(`${user.username} is blocked: a task goes to someone who can sign in`);
        const to: StepActor = { type: 'user', id: String(user.id), name: user.username ?? user.email };
        const ruling = reassignTask(humanTask(task), { actor: to, roles: user.role?.type ? [user.role.type] : [] }, dutiesOf(task));
        if (isRefusal(ruling)) throw refusalError(ruling);
        if (!ruling.changed) return workTaskOf(task);
        const from = task.claimedBy ? ` from ${actorName(task.claimedBy)}` : '';
        return storeClaim(task, to, 'task.reassigned', `reassigned${from} to ${to.name}`, who, input.reason);
      });
    },

    /**
     * Completes an open task with one of its declared outcomes; its run moves on, waits for the
     * other tasks of a parallel step, or enters its reject branch. Under the run's and the task's
     * row locks, the task rules decide first: a task someone else claimed is theirs (409), the
     * run's starter may not complete a task kept from them and nobody completes two tasks of one
     * parallel step (403), a rejection needs a note (400). Answers the run afterwards.
     */
    async complete(documentId: string, input: { outcome: string; note?: string; data?: TaskData }, roles: readonly string[], actor?: Actor | StepActor): Promise<WorkRun | null> {
      const who = by(actor);
      const runId = await strapi.db.transaction(async ({ trx }) => {
        const found = await find(documentId);
        if (!found) throw new errors.NotFoundError(`No task ${documentId}`);
        if (found.run) await lockRow(strapi, trx, RUN_TABLE, found.run.documentId);
        const task = await locked(trx, documentId, roles);
        const declared = declarationOf(task);
        const outcome = declared.outcomes[input.outcome];
        const refusal = mayCompleteTask(humanTask(task), who, dutiesOf(task), { rejects: outcome?.effect === 'reject', note: input.note });
        if (refusal) throw refusalError(refusal);
        if (!outcome) throw new errors.ValidationError(`The outcome of a ${task.type} task must be one of ${Object.keys(declared.outcomes).join(', ')}, not ${input.outcome}`);
        if (input.data !== undefined) {
          const check = registry().get(task.processId, task.run?.processVersion).handlers.taskData?.[task.type];
          if (!check) throw new errors.ValidationError(`A ${task.type} task takes no data: send an outcome and a note`);
          const problem = check(input.data, input.outcome);
          if (problem) throw new errors.ValidationError(`${task.title}: ${problem}`);
        }
        if (task.stepId === null) {
          await closeFollowUp(task, input, who);
          return null;
        }
        const run = task.run;
        if (!run || !isOpen(run.state) || run.currentStep !== task.stepId) {
          throw new ConflictError(`Run ${run?.documentId ?? '(none)'} is not waiting for this task`);
        }
        if (task.taskId) {
          // Separation of duties within a parallel step: nobody completes two of its tasks.
          const siblings: TaskRow[] = await tasks().findMany({ where: { run: { id: run.id }, stepId: task.stepId, state: 'completed' } });
          const mine = siblings.find((sibling) => sibling.id !== task.id && sameActor(sibling.completedBy, who));
          if (mine) {
            throw refusalError({ refused: 'forbidden', reason: `Separation of duties: you completed "${mine.title}" of this step, so another person must complete "${task.title}"` });
          }
        }
        return decide(task, run, input, who);
      });
      return runId === null ? null : runner().advance(runId, who);
    },

    /**
     * Inside the caller's transaction (a signal's: an outside system confirmed what the task
     * checks, say): the process completes the open task of this type of the run's current step
     * itself, on behalf of `actor`, whoever claimed it; its outcome must be declared, and the
     * process's check must allow it.
     * Answers the run to advance after commit, or null when the run waits for no such task
     * (nothing written).
     */
    async completeIn(trx: Transaction, runDocumentId: string, input: { type: string; outcome: string; note?: string }, actor: Actor | StepActor): Promise<string | null> {
      const who = by(actor);
      await lockRow(strapi, trx, RUN_TABLE, runDocumentId);
      const run = await runner().load(runDocumentId);
      if (!run || !isOpen(run.state)) return null;
      const open: TaskRow | null = await tasks().findOne({ where: { run: { id: run.id }, stepId: run.currentStep, type: input.type, state: 'open' }, select: ['documentId'] });
      if (!open) return null;
      const task = await locked(trx, open.documentId, 'any');
      const declared = declarationOf(task);
      if (!declared.outcomes[input.outcome]) throw new Error(`${task.processId}: a ${task.type} task has no outcome ${input.outcome}`);
      return decide(task, run, input, who);
    },
  };
  return service;
};
