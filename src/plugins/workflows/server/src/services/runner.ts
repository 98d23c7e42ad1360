import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import type { Transaction } from '../../../../../setup/knex';
import { Actor, currentActor } from '../../../../../guards/actor';
import { now as clockNow, today } from '../clock';
import { RunInput, RunProgress, StepActor, StepDefinition, WorkflowDefinition, WorkflowError, findStep, isOpen, progressRun, startRun, stepAuditEntry } from '../domain';
import { ConflictError } from '../errors';
import { getService } from '../utils';
import type { RegisteredWorkflow, RunView, StepCondition, StepContext, StepEffect, StepOutcome, Subject, WorkRun } from './registry';

/**
 * The runner: executes the runs of every process the engine keeps, one step per transaction. Each
 * transaction locks the run's row, executes its current step by the step's kind, and stores the
 * step's outcome with its effects, its messages and its audit entry, so a crash between steps
 * loses nothing and repeats nothing: the next `advance` picks up at the first step not recorded
 * as done. Messages are sent once the step is committed, never inside it.
 */
export const RUN_UID = 'plugin::workflows.run';
export const RUN_TABLE = 'workflow_runs';

/** A run's row as stored. */
export interface RunRow {
  id: number;
  documentId: string;
  processId: string;
  processVersion: number;
  subjectType: string | null;
  subjectId: string | null;
  context: Record<string, unknown> | null;
  state: RunProgress['state'];
  outcome: RunProgress['outcome'] | null;
  currentStep: string | null;
  steps: RunProgress['steps'];
  startedBy: StepActor | null;
  /** The key the run holds while it is open (one open run per key), null once it frees it. */
  openKey: string | null;
  /** The key the run was opened with, kept when it frees it: a retry takes it back. */
  runKey: string | null;
}

export const asStepActor = (actor: Actor | StepActor): StepActor => ({ type: actor.type, ...(actor.id ? { id: actor.id } : {}), ...(actor.name ? { name: actor.name } : {}) });

export const progressOf = (run: RunRow): RunProgress => ({
  state: run.state,
  currentStep: run.currentStep,
  steps: run.steps,
  ...(run.outcome ? { outcome: run.outcome } : {}),
});

export const subjectOf = (run: Pick<RunRow, 'subjectType' | 'subjectId'>): Subject | null => (run.subjectType && run.subjectId ? { type: run.subjectType, documentId: run.subjectId } : null);

export const viewOf = (run: RunRow): RunView => ({
  documentId: run.documentId,
  processId: run.processId,
  version: run.processVersion,
  subject: subjectOf(run),
  context: run.context ?? {},
  startedBy: run.startedBy ?? null,
});

/** The run as the engine's routes answer it. */
export const workRunOf = (run: RunRow): WorkRun => ({
  documentId: run.documentId,
  process: run.processId,
  version: run.processVersion,
  state: run.state,
  outcome: run.outcome ?? null,
  currentStep: run.currentStep,
  subject: subjectOf(run),
  context: run.context ?? {},
  steps: run.steps,
});

/** Locks a row of an engine table until the transaction ends (PostgreSQL; SQLite serializes writers anyway). */
export const lockRow = async (strapi: Core.Strapi, trx: Transaction, table: string, documentId: string) => {
  if (strapi.db.dialect.client === 'postgres') await trx(table).where({ document_id: documentId }).forUpdate().first();
};

/** A mistake of the input against the run's definition: the message names it (400). */
const asInputError = (error: unknown): never => {
  if (error instanceof WorkflowError) throw new errors.ValidationError(error.message);
  throw error;
};

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const runs = () => strapi.db.query(RUN_UID);
  const registered = (run: RunRow): RegisteredWorkflow => getService(strapi, 'registry').get(run.processId, run.processVersion);
  const load = (documentId: string): Promise<RunRow | null> => runs().findOne({ where: { documentId } });

  const contextOf = (run: RunRow, step: StepDefinition, actor: StepActor): StepContext => ({
    strapi,
    run: viewOf(run),
    step,
    actor,
    now: clockNow(),
    today: today(),
  });

  /**
   * Stores the run's new progress (and what its step added to the context). A completed or
   * cancelled run frees its open key; a failed one keeps it, as a person may retry it, unless its
   * definition releases it (`openKeyWhenFailed`).
   */
  const save = async (run: RunRow, progress: RunProgress, context?: Record<string, unknown>) => {
    const merged = context ? { ...(run.context ?? {}), ...context } : run.context;
    const holdsKey = isOpen(progress.state) || (progress.state === 'failed' && registered(run).definition.openKeyWhenFailed !== 'released');
    await runs().update({
      where: { id: run.id },
      data: {
        state: progress.state,
        outcome: progress.outcome ?? null,
        currentStep: progress.currentStep,
        steps: progress.steps,
        context: merged,
        openKey: holdsKey ? (run.runKey ?? run.openKey) : null,
      },
    });
    return { ...run, ...progress, outcome: progress.outcome ?? null, context: merged, openKey: holdsKey ? (run.runKey ?? run.openKey) : null };
  };

  const audit = (run: RunRow, definition: WorkflowDefinition, title: string, verb: string, result: string, actor: StepActor) =>
    getService(strapi, 'audit').record({ ...stepAuditEntry(RUN_UID, run, definition, title, verb, result), actor: actor as Actor });

  /**
   * Applies one input to the run and stores it with its audit entry; the caller holds the run's
   * lock. An input that rejects the run lets its process undo what it did (`onReject`) first.
   */
  const apply = async (run: RunRow, definition: WorkflowDefinition, input: RunInput, verb: string, result: string, actor: StepActor, context?: Record<string, unknown>) => {
    const current = findStep(definition, run.currentStep);
    const title = current?.title ?? 'run';
    const progress = (() => {
      try {
        return progressRun(definition, progressOf(run), input);
      } catch (error) {
        return asInputError(error);
      }
    })();
    const { onReject } = registered(run).handlers;
    if (onReject && progress.outcome === 'rejected' && run.outcome !== 'rejected') {
      const undone = await onReject({ ...contextOf(run, current ?? definition.steps[0], actor), reason: result });
      if (undone) result = `${result}; ${undone}`;
    }
    const saved = await save(run, progress, context);
    // What happened to the step says the verb: a rejection whatever decided it, done once a parallel step's last task is.
    const decided = progress.steps.find((s) => s.id === run.currentStep)?.state;
    await audit(run, definition, title, decided === 'rejected' ? 'rejected' : decided === 'done' && verb === 'task-done' ? 'done' : verb, result, actor);
    return saved;
  };

  const enqueue = async (run: RunRow, step: StepDefinition, messages: NonNullable<Extract<StepOutcome, { outcome: 'done' }>['messages']>) => {
    const outbox = getService(strapi, 'messages');
    for (const [index, message] of messages.entries()) {
      const key = message.key ?? `${run.documentId}:${step.id}${messages.length > 1 ? `:${index + 1}` : ''}`;
      const common = { key, to: message.to, text: message.text, run: run.documentId, priority: message.priority };
      if (message.channel === 'sms') await outbox.enqueue({ channel: 'sms', ...common });
      else await outbox.enqueue({ channel: 'email', ...common, subject: message.subject ?? '', html: message.html, images: message.images });
    }
  };

  /** Executes the current step once; returns whether the run moved on to another step it may take now. */
  const step = async (documentId: string, actor: StepActor): Promise<boolean> =>
    strapi.db.transaction(async ({ trx }): Promise<boolean> => {
      await lockRow(strapi, trx, RUN_TABLE, documentId);
      const run = await load(documentId);
      if (!run || run.state !== 'running') return false;
      const { definition, handlers } = registered(run);
      const step = findStep(definition, run.currentStep)!;
      const record = run.steps.find((s) => s.id === step.id)!;
      const context = contextOf(run, step, actor);
      const at = clockNow().toISOString();

      if (step.when && record.state === 'pending') {
        const holds = await (handlers.conditions![step.when] as StepCondition)(context);
        if (holds !== true) {
          const reason = typeof holds === 'string' && holds.trim() ? holds : `Skipped: ${step.when} does not hold`;
          await apply(run, definition, { type: 'skip', reason, at }, 'skipped', reason, actor);
          return true;
        }
      }

      const effect = handlers.effects[step.id] as StepEffect | undefined;
      if (step.kind === 'human-task' || step.kind === 'parallel' || (step.kind === 'await-signal' && !effect)) {
        if (record.state === 'waiting') return false;
        const waitingFor =
          step.kind === 'await-signal' ? `Waiting for ${step.signal}` : await getService(strapi, 'tasks').open(run, definition, step);
        await apply(run, definition, { type: 'wait', at, result: waitingFor }, 'waiting', waitingFor, actor);
        return false;
      }

      const outcome = await effect!(context);
      if (outcome.outcome === 'wait') {
        if (record.state === 'waiting' && record.result === outcome.result) return false;
        await apply(run, definition, { type: 'wait', at, result: outcome.result }, 'waiting', outcome.result, actor);
        return false;
      }
      if (outcome.outcome === 'fail') {
        await apply(run, definition, { type: 'fail', actor, result: outcome.result, at }, 'failed', outcome.result, actor);
        return false;
      }
      if (outcome.messages?.length) await enqueue(run, step, outcome.messages);
      const input: RunInput =
        step.kind === 'await-signal'
          ? { type: 'signal', signal: step.signal, actor, result: outcome.result, at }
          : { type: 'done', actor, result: outcome.result, at, ...(outcome.branch ? { branch: outcome.branch } : {}) };
      const saved = await apply(run, definition, input, 'done', outcome.result, actor, outcome.context);
      return saved.state === 'running';
    });

  /** Sends what committed steps wrote to the outbox; a failure here never fails the run (the outbox job retries). */
  const dispatch = async () => {
    try {
      await getService(strapi, 'messages').dispatch();
    } catch (error) {
      strapi.log.warn(`Message dispatch failed, it will be retried: ${(error as Error).message}`);
    }
  };

  /** The process's side effects of the committed steps (a request to an outside system); never fails the run. */
  const afterCommit = async (documentId: string) => {
    const run = await load(documentId);
    const hook = run && registered(run).handlers.afterCommit;
    if (!hook) return;
    try {
      await hook({ strapi, run: viewOf(run) });
    } catch (error) {
      strapi.log.warn(`Run ${documentId}: what its committed steps asked of an outside system failed, it will be retried: ${(error as Error).message}`);
    }
  };

  const actorNow = (actor?: Actor | StepActor): StepActor => asStepActor(actor ?? currentActor(strapi));

  const runner = {
    /** The run as the routes show it, or null. */
    async find(documentId: string): Promise<WorkRun | null> {
      const run = await load(documentId);
      return run && workRunOf(run);
    },

    /**
     * Opens a run of the process's latest version, in the caller's transaction if there is one (so
     * a process creates its subject and its run together), without taking a step: `advance` does,
     * after commit. With an `openKey` (the subject's id, say) one run at a time holds it: a second
     * is refused with 409 naming the open run.
     */
    async open(processId: string, input: { subject?: Subject; context?: Record<string, unknown>; openKey?: string }, actor?: Actor | StepActor) {
      const { definition } = getService(strapi, 'registry').get(processId);
      const refuse = (existing: { documentId: string }): never => {
        throw new ConflictError(`${definition.name}: ${input.openKey} already has an open run`, { run: existing.documentId });
      };
      if (input.openKey) {
        const already = await runs().findOne({ where: { openKey: input.openKey } });
        if (already) refuse(already);
      }
      try {
        return (await strapi.db.transaction(() =>
          runs().create({
            data: {
              processId: definition.id,
              processVersion: definition.version,
              subjectType: input.subject?.type ?? null,
              subjectId: input.subject?.documentId ?? null,
              context: input.context ?? {},
              openKey: input.openKey ?? null,
              runKey: input.openKey ?? null,
              startedBy: actorNow(actor),
              ...startRun(definition),
            },
          }),
        )) as RunRow;
      } catch (error) {
        // Two requests at once: the unique open key lets one through and refuses the other.
        const winner = input.openKey ? await runs().findOne({ where: { openKey: input.openKey } }) : null;
        if (winner) refuse(winner);
        throw error;
      }
    },

    /** Opens a run and takes its steps until it waits, fails or completes. */
    async start(processId: string, input: { subject?: Subject; context?: Record<string, unknown>; openKey?: string }, actor?: Actor | StepActor) {
      const run = await runner.open(processId, input, actor);
      return runner.advance(run.documentId, actor);
    },

    /**
     * Inside the caller's transaction: takes the run's steps until it waits, fails or completes,
     * sending nothing (the caller's commit decides; `advance` after it sends). A process uses it
     * to refuse a request whose first steps fail, leaving neither the run nor what they wrote;
     * with `limit`, it takes at most that many steps.
     */
    async takeStepsIn(documentId: string, actor?: Actor | StepActor, limit?: number): Promise<WorkRun> {
      const by = actorNow(actor);
      const run = await load(documentId);
      if (!run) throw new errors.NotFoundError(`No run ${documentId}`);
      // At most `limit` steps when given: those whose failure must leave nothing; `advance` takes the rest.
      for (let i = 0; i < Math.min(limit ?? Infinity, run.steps.length + 1) && (await step(documentId, by)); i += 1);
      return workRunOf((await load(documentId))!);
    },

    /** Takes the run's steps, each in its own transaction, until it waits, fails or completes; then sends its messages. */
    async advance(documentId: string, actor?: Actor | StepActor): Promise<WorkRun> {
      const by = actorNow(actor);
      const run = await load(documentId);
      if (!run) throw new errors.NotFoundError(`No run ${documentId}`);
      // Each step moves on at most once (a decision jumps forward only), so this bounds the loop.
      for (let i = 0; i <= run.steps.length && (await step(documentId, by)); i += 1);
      await afterCommit(documentId);
      await dispatch();
      return workRunOf((await load(documentId))!);
    },

    /**
     * Inside the caller's transaction: the signal a run's current step waits for arrived (a
     * webhook, a person at the desk). False when the run does not wait for it (nothing written).
     */
    async signalIn(trx: Transaction, documentId: string, signal: string, input: { actor?: Actor | StepActor; result?: string } = {}): Promise<boolean> {
      await lockRow(strapi, trx, RUN_TABLE, documentId);
      const run = await load(documentId);
      if (!run || !isOpen(run.state)) return false;
      const { definition } = registered(run);
      const current = findStep(definition, run.currentStep);
      if (current?.kind !== 'await-signal' || current.signal !== signal) return false;
      const by = actorNow(input.actor);
      const result = input.result ?? `Signal ${signal} received`;
      await apply(run, definition, { type: 'signal', signal, actor: by, result, at: clockNow().toISOString() }, 'done', result, by);
      return true;
    },

    /** The signal arrived: the run moves on (409 when it does not wait for it). */
    async signal(documentId: string, signal: string, input: { actor?: Actor | StepActor; result?: string } = {}) {
      const taken = await strapi.db.transaction(({ trx }) => runner.signalIn(trx, documentId, signal, input));
      if (!taken) {
        if (!(await load(documentId))) throw new errors.NotFoundError(`No run ${documentId}`);
        throw new ConflictError(`Run ${documentId} is not waiting for ${signal}`);
      }
      return runner.advance(documentId, input.actor);
    },

    /** Applies a person's decision on a task of the run's current step; the caller holds the locks and checked the task rules. */
    async decideIn(run: RunRow, input: Extract<RunInput, { type: 'task-outcome' }>, actor: StepActor, context?: Record<string, unknown>) {
      const { definition } = registered(run);
      const verb = input.task && findStep(definition, run.currentStep)?.kind === 'parallel' ? 'task-done' : 'done';
      return apply(run, definition, input, verb, `${input.task ? `${input.task}: ` : ''}${input.outcome}${input.note ? `: ${input.note}` : ''}`, actor, context);
    },

    /** Cancels an open run: what was not decided is skipped, its open tasks cancelled. */
    async cancel(documentId: string, reason: string, actor?: Actor | StepActor) {
      const by = actorNow(actor);
      await strapi.db.transaction(async ({ trx }) => {
        await lockRow(strapi, trx, RUN_TABLE, documentId);
        const run = await load(documentId);
        if (!run) throw new errors.NotFoundError(`No run ${documentId}`);
        if (!isOpen(run.state)) throw new ConflictError(`Run ${documentId} is ${run.state}: only an open run can be cancelled`);
        const { definition, handlers } = registered(run);
        // The process undoes what the run did so far, or refuses (nothing written).
        const step = findStep(definition, run.currentStep) ?? definition.steps[0];
        const undone = handlers.onCancel ? await handlers.onCancel({ ...contextOf(run, step, by), reason }) : undefined;
        await apply(run, definition, { type: 'cancel', actor: by, reason, at: clockNow().toISOString() }, 'cancelled', undone ? `${reason}; ${undone}` : reason, by);
        await getService(strapi, 'tasks').cancelOpen(run.id);
      });
      return (await runner.find(documentId))!;
    },

    /**
     * Inside the caller's transaction: cancels an open run whose process already undid what it had
     * to (its own reason to stop, say), without asking its `onCancel`; its open tasks are
     * cancelled. False when the run is not open (nothing written).
     */
    async cancelIn(trx: Transaction, documentId: string, reason: string, actor?: Actor | StepActor): Promise<boolean> {
      const by = actorNow(actor);
      await lockRow(strapi, trx, RUN_TABLE, documentId);
      const run = await load(documentId);
      if (!run || !isOpen(run.state)) return false;
      await apply(run, registered(run).definition, { type: 'cancel', actor: by, reason, at: clockNow().toISOString() }, 'cancelled', reason, by);
      await getService(strapi, 'tasks').cancelOpen(run.id);
      return true;
    },

    /** Tries a failed step again (after its cause was fixed) and moves the run on. */
    async retry(documentId: string, actor?: Actor | StepActor) {
      const by = actorNow(actor);
      await strapi.db.transaction(async ({ trx }) => {
        await lockRow(strapi, trx, RUN_TABLE, documentId);
        const run = await load(documentId);
        if (!run) throw new errors.NotFoundError(`No run ${documentId}`);
        if (run.state !== 'failed') throw new ConflictError(`Run ${documentId} is ${run.state}: it has no failed step to retry`);
        // A run that freed its key takes it back: not while another run holds it.
        const key = run.openKey ? null : run.runKey;
        const holder = key ? await runs().findOne({ where: { openKey: key }, select: ['documentId'] }) : null;
        if (holder) throw new ConflictError(`${registered(run).definition.name}: ${key} has another open run`, { run: holder.documentId });
        await apply(run, registered(run).definition, { type: 'retry' }, 'retried', 'tried again by hand', by);
      });
      return runner.advance(documentId, by);
    },

    /** Runs left mid-step before `before` (a crash, a lost connection) resume where they stopped; answers how many. */
    async resumeStuck(before: Date, limit = 100): Promise<number> {
      const stuck: { documentId: string }[] = await runs().findMany({ where: { state: 'running', updatedAt: { $lt: before } }, select: ['documentId'], limit });
      for (const { documentId } of stuck) await runner.advance(documentId, { type: 'system', name: 'stuck-runs' });
      return stuck.length;
    },

    load,

    /** What a process's hook is given about the run at one of its steps, on behalf of `actor`. */
    contextOf: (run: RunRow, stepId: string, actor: StepActor): StepContext => contextOf(run, findStep(registered(run).definition, stepId)!, actor),
  };
  return runner;
};
