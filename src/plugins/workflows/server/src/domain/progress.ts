import { DecisionStep, StepDefinition, TaskDefinition, WorkflowDefinition, findStep } from './definition';
import { WorkflowError } from './errors';

/**
 * A run is one execution of a definition. Its progress (state, current step, a record per step)
 * is stored with it; `progressRun` says how one input moves it, and the runner persists each result
 * before doing anything else. Pure: the time and the actor come in with the input.
 *
 * The stored shape is `{ state, currentStep, steps: [{ id, title, kind, state, startedAt, endedAt,
 * actor, result }] }`; `outcome`, a decision's `branch` and a parallel step's `tasks` are added
 * only where they apply, so rows stored before they existed read the same.
 */
export const RUN_STATES = ['running', 'waiting', 'completed', 'failed', 'cancelled'] as const;
export type RunState = (typeof RUN_STATES)[number];

/** `rejected`: the step where the run was rejected (a task's outcome, or a decision's branch). */
export const STEP_STATES = ['pending', 'running', 'waiting', 'done', 'rejected', 'failed', 'skipped'] as const;
export type StepState = (typeof STEP_STATES)[number];

export const TASK_STATES = ['pending', 'done', 'rejected', 'cancelled'] as const;
export type TaskState = (typeof TASK_STATES)[number];

/** How a completed run ended: `rejected` when a rejection sent it through the reject branch. */
export const RUN_OUTCOMES = ['accepted', 'rejected'] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

export interface StepActor {
  type: string;
  id?: string;
  name?: string;
}

/** One task of a parallel step. */
export interface TaskRecord {
  id: string;
  title: string;
  state: TaskState;
  outcome: string | null;
  actor: StepActor | null;
  endedAt: string | null;
  result: string | null;
}

export interface RunStep {
  id: string;
  title: string;
  /** As stored when the run started (runs stored by an earlier definition may carry older kind names). */
  kind: string;
  state: StepState;
  startedAt: string | null;
  endedAt: string | null;
  actor: StepActor | null;
  result: string | null;
  /** A decision's branch, once taken. */
  branch?: string;
  /** A parallel step's tasks. */
  tasks?: TaskRecord[];
}

export interface RunProgress {
  state: RunState;
  currentStep: string | null;
  steps: RunStep[];
  /** Set by a rejection, and on completion. */
  outcome?: RunOutcome;
}

export type RunInput =
  /** The current step started. */
  | { type: 'start'; at: string }
  /** The current step waits (for a person, a signal, another system); `result` says for what. */
  | { type: 'wait'; at: string; result?: string }
  /** The current step's effect is done; a decision names its branch (none: the default). */
  | { type: 'done'; actor: StepActor; result: string; at: string; branch?: string | null }
  /** A person completed a task of the current step (`task`: which one, for a parallel step). */
  | { type: 'task-outcome'; outcome: string; actor: StepActor; at: string; note?: string; task?: string }
  /** The signal the current step waits for arrived. */
  | { type: 'signal'; signal: string; actor: StepActor; at: string; result?: string }
  /** The current step's `when` condition does not hold. */
  | { type: 'skip'; reason: string; at: string }
  /** The current step hit an error a person can fix and retry. */
  | { type: 'fail'; actor: StepActor; result: string; at: string }
  /** The failed step is tried again. */
  | { type: 'retry' }
  | { type: 'cancel'; actor: StepActor; reason: string; at: string };

export const isOpen = (state: RunState): boolean => state === 'running' || state === 'waiting';

const FINAL_STEP_STATES: readonly StepState[] = ['done', 'rejected', 'skipped'];

/** A new run: every step pending, the first one current. */
export const startRun = (definition: WorkflowDefinition): RunProgress => ({
  state: 'running',
  currentStep: definition.steps[0].id,
  steps: definition.steps.map((step) => ({
    id: step.id,
    title: step.title,
    kind: step.kind,
    state: 'pending',
    startedAt: null,
    endedAt: null,
    actor: null,
    result: null,
    ...(step.kind === 'parallel'
      ? { tasks: step.tasks.map((task) => ({ id: task.id, title: task.title, state: 'pending' as const, outcome: null, actor: null, endedAt: null, result: null })) }
      : {}),
  })),
});

interface Current {
  record: RunStep;
  index: number;
  step: StepDefinition;
}

const currentOf = (definition: WorkflowDefinition, run: RunProgress): Current => {
  const index = run.steps.findIndex((step) => step.id === run.currentStep);
  if (index < 0 || !isOpen(run.state)) throw new WorkflowError(`The run is ${run.state}: it has no current step`);
  return { record: run.steps[index], index, step: stepOf(definition, run.steps[index].id) };
};

const stepOf = (definition: WorkflowDefinition, id: string): StepDefinition => {
  const step = findStep(definition, id);
  if (!step) throw new WorkflowError(`Step ${id} is not in ${definition.id} version ${definition.version}`);
  return step;
};

const replace = (steps: RunStep[], index: number, record: RunStep): RunStep[] => steps.map((existing, i) => (i === index ? record : existing));

const skipped = (record: RunStep, reason: string, at: string): RunStep => ({ ...record, state: 'skipped', endedAt: at, result: reason });

/**
 * The run after the step at `from` ended: the next step to run becomes current, or the run
 * completes. A decision's `goTo` jumps forward; a rejection jumps to the reject branch (or to the
 * end when there is none after it); a run not rejected skips the reject branch.
 */
const moveOn = (
  definition: WorkflowDefinition,
  run: RunProgress,
  steps: RunStep[],
  from: number,
  at: string,
  jump: { to: number; reason: string } | { rejected: true } | null = null,
): RunProgress => {
  const rejectBranch = definition.rejectBranch ?? [];
  const outcome = jump && 'rejected' in jump ? 'rejected' : run.outcome;
  let next = from + 1;
  if (jump) {
    const to =
      'to' in jump ? jump.to : steps.findIndex((record, i) => i > from && rejectBranch.includes(record.id));
    const target = to < 0 ? steps.length : to;
    const reason = 'to' in jump ? jump.reason : `Skipped: the run was rejected at "${steps[from].title}"`;
    for (; next < target; next += 1) steps = replace(steps, next, skipped(steps[next], reason, at));
  }
  // Only a rejected run goes through the reject branch.
  while (outcome !== 'rejected' && next < steps.length && rejectBranch.includes(steps[next].id)) {
    steps = replace(steps, next, skipped(steps[next], 'Skipped: runs only after a rejection', at));
    next += 1;
  }
  if (next >= steps.length) return { state: 'completed', currentStep: null, steps, outcome: outcome ?? 'accepted' };
  return { state: 'running', currentStep: steps[next].id, steps, ...(outcome ? { outcome } : {}) };
};

const ended = (record: RunStep, state: StepState, actor: StepActor, result: string, at: string): RunStep => ({
  ...record,
  state,
  startedAt: record.startedAt ?? at,
  endedAt: at,
  actor,
  result,
});

const outcomeOf = (task: TaskDefinition, stepTitle: string, outcome: string, note: string | undefined) => {
  const declared = task.outcomes[outcome];
  if (!declared) {
    throw new WorkflowError(`"${stepTitle}": the outcome must be one of ${Object.keys(task.outcomes).join(', ')}, not ${outcome}`);
  }
  if (declared.effect === 'reject' && !note?.trim()) throw new WorkflowError(`"${stepTitle}": a rejection needs a note saying why`);
  return { effect: declared.effect, result: `${outcome}${note ? `: ${note}` : ''}` };
};

/** The same person (or token): same kind and id. An actor without an id (the system, a job) is nobody in particular. */
export const sameActor = (a: StepActor | null | undefined, b: StepActor): boolean =>
  !!a && !!a.id && a.type === b.type && a.id === b.id;

const decide = (definition: WorkflowDefinition, run: RunProgress, current: Current & { step: DecisionStep }, input: Extract<RunInput, { type: 'done' }>) => {
  const { step, record, index } = current;
  const label = input.branch ?? step.defaultBranch;
  const branch = step.branches[label];
  if (!branch) throw new WorkflowError(`Decision "${step.title}" has no branch ${label} (it has ${Object.keys(step.branches).join(', ')})`);
  const result = `${input.result} (branch ${label})`;
  if (branch.then === 'reject') {
    return moveOn(definition, run, replace(run.steps, index, { ...ended(record, 'rejected', input.actor, result, input.at), branch: label }), index, input.at, { rejected: true });
  }
  const steps = replace(run.steps, index, { ...ended(record, 'done', input.actor, result, input.at), branch: label });
  if (branch.then === 'continue') return moveOn(definition, run, steps, index, input.at);
  const to = steps.findIndex((s) => s.id === branch.step);
  const reason = `Skipped: branch ${label} of "${step.title}" goes to "${stepOf(definition, branch.step).title}"`;
  return moveOn(definition, run, steps, index, input.at, { to, reason });
};

const parallelOutcome = (definition: WorkflowDefinition, run: RunProgress, current: Current, input: Extract<RunInput, { type: 'task-outcome' }>) => {
  const { step, record, index } = current;
  if (step.kind !== 'parallel') throw new WorkflowError(`"${step.title}" is ${step.kind}: it has no task ${input.task}`);
  if (input.task === undefined) {
    throw new WorkflowError(`"${step.title}" runs several tasks: say which one (${step.tasks.map((t) => t.id).join(', ')})`);
  }
  const task = step.tasks.find((t) => t.id === input.task);
  const tasks = record.tasks ?? [];
  const done = tasks.find((t) => t.id === input.task);
  if (!task || !done) throw new WorkflowError(`"${step.title}" has no task ${input.task} (it has ${step.tasks.map((t) => t.id).join(', ')})`);
  if (done.state !== 'pending') throw new WorkflowError(`Task "${task.title}" is already ${done.state}`);
  // Separation of duties: nobody decides two tasks of one parallel step.
  const sibling = tasks.find((t) => t.id !== task.id && sameActor(t.actor, input.actor));
  if (sibling) throw new WorkflowError(`Task "${sibling.title}" of "${step.title}" was completed by the same person: another person must complete "${task.title}"`);
  const { effect, result } = outcomeOf(task, task.title, input.outcome, input.note);
  const decided: TaskRecord = { ...done, state: effect === 'continue' ? 'done' : 'rejected', outcome: input.outcome, actor: input.actor, endedAt: input.at, result };
  const updated = tasks.map((t) => (t.id === task.id ? decided : t));
  if (effect === 'reject') {
    // The first rejection decides the step: the other tasks are no longer needed.
    const closed = updated.map((t) => (t.state === 'pending' ? { ...t, state: 'cancelled' as const, endedAt: input.at } : t));
    const rejected = { ...ended(record, 'rejected', input.actor, `${task.title}: ${result}`, input.at), tasks: closed };
    return moveOn(definition, run, replace(run.steps, index, rejected), index, input.at, { rejected: true });
  }
  if (updated.some((t) => t.state === 'pending')) {
    const waiting: RunStep = { ...record, state: 'waiting', startedAt: record.startedAt ?? input.at, tasks: updated };
    return { ...run, state: 'waiting' as const, steps: replace(run.steps, index, waiting) };
  }
  const summary = updated.map((t) => `${t.title}: ${t.result}`).join('; ');
  return moveOn(definition, run, replace(run.steps, index, { ...ended(record, 'done', input.actor, summary, input.at), tasks: updated }), index, input.at);
};

/** The run after one input. Throws a WorkflowError, naming what is wrong, for an input the run cannot take. */
export const progressRun = (definition: WorkflowDefinition, run: RunProgress, input: RunInput): RunProgress => {
  switch (input.type) {
    case 'retry':
      return retry(definition, run);
    case 'cancel':
      return cancel(run, input);
    default:
      break;
  }
  const current = currentOf(definition, run);
  const { step, record, index } = current;
  switch (input.type) {
    case 'start':
    case 'wait': {
      const state = input.type === 'wait' ? 'waiting' : 'running';
      const result = input.type === 'wait' && input.result !== undefined ? input.result : record.result;
      return { ...run, state, steps: replace(run.steps, index, { ...record, state, startedAt: record.startedAt ?? input.at, result }) };
    }
    case 'done': {
      if (step.kind === 'human-task' || step.kind === 'parallel') {
        throw new WorkflowError(`"${step.title}" is done with a task outcome, not by itself`);
      }
      if (step.kind === 'decision') return decide(definition, run, { ...current, step }, input);
      if (input.branch) throw new WorkflowError(`"${step.title}" is not a decision: it takes no branch`);
      return moveOn(definition, run, replace(run.steps, index, ended(record, 'done', input.actor, input.result, input.at)), index, input.at);
    }
    case 'task-outcome': {
      if (input.task !== undefined || step.kind === 'parallel') return parallelOutcome(definition, run, current, input);
      if (step.kind !== 'human-task') throw new WorkflowError(`"${step.title}" is ${step.kind}: it has no task to complete`);
      const { effect, result } = outcomeOf(step.task, step.title, input.outcome, input.note);
      const state = effect === 'continue' ? 'done' : 'rejected';
      return moveOn(definition, run, replace(run.steps, index, ended(record, state, input.actor, result, input.at)), index, input.at, effect === 'reject' ? { rejected: true } : null);
    }
    case 'signal': {
      if (step.kind !== 'await-signal') throw new WorkflowError(`"${step.title}" waits for no signal`);
      if (step.signal !== input.signal) throw new WorkflowError(`"${step.title}" waits for the signal ${step.signal}, not ${input.signal}`);
      const result = input.result ?? `Signal ${input.signal} received`;
      return moveOn(definition, run, replace(run.steps, index, ended(record, 'done', input.actor, result, input.at)), index, input.at);
    }
    case 'skip': {
      if (!step.when) throw new WorkflowError(`"${step.title}" has no condition: it is never skipped`);
      if (record.state !== 'pending' && record.state !== 'running') throw new WorkflowError(`"${step.title}" is ${record.state}: it can no longer be skipped`);
      return moveOn(definition, run, replace(run.steps, index, skipped(record, input.reason, input.at)), index, input.at);
    }
    case 'fail':
      return { ...run, state: 'failed', currentStep: step.id, steps: replace(run.steps, index, ended(record, 'failed', input.actor, input.result, input.at)) };
  }
};

/** The run is cancelled: what was not decided is skipped, the current step carrying the reason. */
const cancel = (run: RunProgress, input: Extract<RunInput, { type: 'cancel' }>): RunProgress => {
  if (!isOpen(run.state)) throw new WorkflowError(`A ${run.state} run cannot be cancelled`);
  return {
    state: 'cancelled',
    currentStep: null,
    steps: run.steps.map((step) => {
      if (FINAL_STEP_STATES.includes(step.state)) return step;
      const tasks = step.tasks?.map((task) => (task.state === 'pending' ? { ...task, state: 'cancelled' as const, endedAt: input.at } : task));
      return {
        ...step,
        state: 'skipped',
        endedAt: input.at,
        actor: input.actor,
        result: step.id === run.currentStep ? input.reason : null,
        ...(tasks ? { tasks } : {}),
      };
    }),
  };
};

/**
 * A failed step is tried again (after someone fixed what it stopped on): the run is running again
 * at that step. What a person decided is not undone this way: its effects were applied, so a new
 * run is the way forward.
 */
const retry = (definition: WorkflowDefinition, run: RunProgress): RunProgress => {
  if (run.state !== 'failed') throw new WorkflowError(`A ${run.state} run has no failed step to retry`);
  const index = run.steps.findIndex((step) => step.id === run.currentStep);
  const record = run.steps[index];
  if (!record || record.state !== 'failed') throw new WorkflowError('The run has no failed step to retry');
  const step = stepOf(definition, record.id);
  if (step.kind === 'human-task' || step.kind === 'parallel') {
    throw new WorkflowError(`"${record.title}" was decided by a person (${record.result ?? 'failed'}); start a new run instead`);
  }
  return {
    ...run,
    state: 'running',
    steps: replace(run.steps, index, { ...record, state: 'pending', startedAt: null, endedAt: null, actor: null, result: null }),
  };
};
