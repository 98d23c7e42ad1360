import { ProcessDefinition, ProcessError, StepKind } from './process';

/**
 * A run is one execution of a process. Its steps are stored with it; these pure functions say
 * how a run moves, and the engine persists each result before doing anything else.
 */
export const RUN_STATES = ['running', 'waiting', 'completed', 'failed', 'cancelled'] as const;
export type RunState = (typeof RUN_STATES)[number];

export const STEP_STATES = ['pending', 'running', 'waiting', 'done', 'failed', 'skipped'] as const;
export type StepState = (typeof STEP_STATES)[number];

export interface StepActor {
  type: string;
  id?: string;
  name?: string;
}

export interface RunStep {
  id: string;
  title: string;
  kind: StepKind;
  state: StepState;
  startedAt: string | null;
  endedAt: string | null;
  actor: StepActor | null;
  result: string | null;
}

export interface RunProgress {
  state: RunState;
  currentStep: string | null;
  steps: RunStep[];
}

export const isOpen = (state: RunState): boolean => state === 'running' || state === 'waiting';

/** A new run: every step pending, the first one current. */
export const startRun = (process: ProcessDefinition): RunProgress => ({
  state: 'running',
  currentStep: process.steps[0].id,
  steps: process.steps.map((step) => ({
    id: step.id,
    title: step.title,
    kind: step.kind,
    state: 'pending',
    startedAt: null,
    endedAt: null,
    actor: null,
    result: null,
  })),
});

const current = (run: RunProgress): { step: RunStep; index: number } => {
  const index = run.steps.findIndex((step) => step.id === run.currentStep);
  if (index < 0 || !isOpen(run.state)) {
    throw new ProcessError(`The run is ${run.state}: it has no current step`);
  }
  return { step: run.steps[index], index };
};

const replaceStep = (run: RunProgress, index: number, step: RunStep): RunStep[] =>
  run.steps.map((existing, i) => (i === index ? step : existing));

/** The current step started (or is waiting for a person or a payment). */
export const markStep = (run: RunProgress, state: 'running' | 'waiting', now: string): RunProgress => {
  const { step, index } = current(run);
  return {
    ...run,
    state: state === 'waiting' ? 'waiting' : 'running',
    steps: replaceStep(run, index, { ...step, state, startedAt: step.startedAt ?? now }),
  };
};

/** The current step is done; the next one becomes current, or the run completes. */
export const completeStep = (run: RunProgress, actor: StepActor, result: string, now: string): RunProgress => {
  const { step, index } = current(run);
  const steps = replaceStep(run, index, {
    ...step,
    state: 'done',
    startedAt: step.startedAt ?? now,
    endedAt: now,
    actor,
    result,
  });
  const next = steps[index + 1];
  return next
    ? { state: 'running', currentStep: next.id, steps }
    : { state: 'completed', currentStep: null, steps };
};

/** The current step failed: the run stops there (a rejection, or an error to retry by hand). */
export const failStep = (run: RunProgress, actor: StepActor, result: string, now: string): RunProgress => {
  const { step, index } = current(run);
  return {
    state: 'failed',
    currentStep: step.id,
    steps: replaceStep(run, index, { ...step, state: 'failed', startedAt: step.startedAt ?? now, endedAt: now, actor, result }),
  };
};

/** The run is cancelled: steps not yet done are skipped. */
export const cancelRun = (run: RunProgress, actor: StepActor, reason: string, now: string): RunProgress => {
  if (!isOpen(run.state)) throw new ProcessError(`A ${run.state} run cannot be cancelled`);
  return {
    state: 'cancelled',
    currentStep: null,
    steps: run.steps.map((step) =>
      step.state === 'done' ? step : { ...step, state: 'skipped', endedAt: now, actor, result: step.id === run.currentStep ? reason : null },
    ),
  };
};

/**
 * A failed automatic step is tried again (after someone fixed what it stopped on): the run is
 * running again at that step. A human decision (a rejected payment, a failed quality check) is
 * not undone this way: its effects were applied, so a new renewal is the way forward.
 */
export const retryStep = (run: RunProgress): RunProgress => {
  if (run.state !== 'failed') throw new ProcessError(`A ${run.state} run has no failed step to retry`);
  const index = run.steps.findIndex((step) => step.id === run.currentStep);
  const step = run.steps[index];
  if (!step || step.state !== 'failed') throw new ProcessError('The run has no failed step to retry');
  if (step.kind === 'human-task') {
    throw new ProcessError(`"${step.title}" was decided by a person (${step.result ?? 'failed'}); start a new run instead`);
  }
  return {
    state: 'running',
    currentStep: step.id,
    steps: replaceStep(run, index, { ...step, state: 'pending', startedAt: null, endedAt: null, actor: null, result: null }),
  };
};
