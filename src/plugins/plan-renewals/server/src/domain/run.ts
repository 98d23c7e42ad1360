import { RunProgress, StepActor, progressRun, startRun as startWorkflowRun } from '../../../../workflows/server/src/domain';
import { PREPAID_PLAN_PROCESS } from './process';

/**
 * How a run of the pre-paid plan process moves: the workflows engine's pure progression, with
 * this process's definition. Kept as named moves because the runner and the renewal wave read
 * best that way.
 */
export { RUN_STATES, STEP_STATES, WorkflowError, isOpen } from '../../../../workflows/server/src/domain';
export type { RunProgress, RunState, RunStep, StepActor, StepState } from '../../../../workflows/server/src/domain';

const PROCESS = PREPAID_PLAN_PROCESS;

/** A new run: every step pending, the first one current. */
export const startRun = (): RunProgress => startWorkflowRun(PROCESS);

/** The current step started (or is waiting for a person or a payment). */
export const markStep = (run: RunProgress, state: 'running' | 'waiting', now: string): RunProgress =>
  progressRun(PROCESS, run, state === 'waiting' ? { type: 'wait', at: now } : { type: 'start', at: now });

/** The current step's effect is done; the next one becomes current, or the run completes. */
export const completeStep = (run: RunProgress, actor: StepActor, result: string, now: string): RunProgress =>
  progressRun(PROCESS, run, { type: 'done', actor, result, at: now });

/**
 * A person completed the current step's task with an outcome: the run goes on, or, on a
 * rejection, skips the steps left and completes with the outcome `rejected`.
 */
export const completeTask = (run: RunProgress, outcome: string, actor: StepActor, note: string | undefined, now: string): RunProgress =>
  progressRun(PROCESS, run, { type: 'task-outcome', outcome, note, actor, at: now });

/** The current step failed (an error a person can fix and retry): the run stops there. */
export const failStep = (run: RunProgress, actor: StepActor, result: string, now: string): RunProgress =>
  progressRun(PROCESS, run, { type: 'fail', actor, result, at: now });

/** The run is cancelled: steps not yet done are skipped. */
export const cancelRun = (run: RunProgress, actor: StepActor, reason: string, now: string): RunProgress =>
  progressRun(PROCESS, run, { type: 'cancel', actor, reason, at: now });

/**
 * A failed automatic step is tried again (after someone fixed what it stopped on). A human
 * decision (a rejected payment) is not undone this way: its effects were applied, so a new
 * renewal is the way forward.
 */
export const retryStep = (run: RunProgress): RunProgress => progressRun(PROCESS, run, { type: 'retry' });
