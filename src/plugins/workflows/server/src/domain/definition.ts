/**
 * A workflow definition is data: an ordered list of steps of a few kinds, the roles its tasks go
 * to, and the steps that still run after a rejection. The engine knows the kinds, never the steps,
 * so a process is added by declaring it, not by changing the engine.
 */
export const STEP_KINDS = ['automatic', 'human-task', 'await-signal', 'notify', 'decision', 'parallel'] as const;
export type StepKind = (typeof STEP_KINDS)[number];

export const NOTIFY_CHANNELS = ['email', 'sms'] as const;
export type NotifyChannel = (typeof NOTIFY_CHANNELS)[number];

/** What a task's outcome does to its run: go on, or enter the reject branch. */
export const OUTCOME_EFFECTS = ['continue', 'reject'] as const;
export type OutcomeEffect = (typeof OUTCOME_EFFECTS)[number];

export interface RoleDefinition {
  label: string;
}

export interface TaskOutcome {
  effect: OutcomeEffect;
  label: string;
}

/** A task for a role (a candidate group), completed with one of its declared outcomes. */
export interface TaskDefinition {
  /** The task's type, stored on each task row (a process may share a type between steps). */
  type: string;
  role: string;
  /** What a task list calls the task; without one, its step's title. */
  title?: string;
  outcomes: Readonly<Record<string, TaskOutcome>>;
  /** Separation of duties: whoever requested or started the run may not complete this task. */
  separationOfDuties?: boolean;
  /** When the task is due, in business days after it opens (Monday to Friday); none: no due date. */
  dueBusinessDays?: number;
}

/** Where a decision's branch leads: on to the next step, forward to a named step, or into the reject branch. */
export type DecisionBranch = { then: 'continue' } | { then: 'go-to'; step: string } | { then: 'reject' };

interface StepBase {
  /** Stable: a run's record of the step and the idempotency keys of its effects use it. */
  id: string;
  title: string;
  /** A condition the process provides, by name: when it does not hold the step is skipped. */
  when?: string;
}

export interface AutomaticStep extends StepBase {
  kind: 'automatic';
}

export interface HumanTaskStep extends StepBase {
  kind: 'human-task';
  task: TaskDefinition;
}

export interface AwaitSignalStep extends StepBase {
  kind: 'await-signal';
  signal: string;
}

export interface NotifyStep extends StepBase {
  kind: 'notify';
  channel: NotifyChannel;
}

export interface DecisionStep extends StepBase {
  kind: 'decision';
  /** By label: the label the process's effect returns picks the branch. */
  branches: Readonly<Record<string, DecisionBranch>>;
  /** The label taken when the effect returns none. */
  defaultBranch: string;
}

/** One of the tasks a parallel step opens at once. */
export interface ParallelTask extends TaskDefinition {
  id: string;
  title: string;
}

export interface ParallelStep extends StepBase {
  kind: 'parallel';
  tasks: readonly ParallelTask[];
}

/**
 * A task outside the steps: work a process opens for a role when something needs a person
 * besides its runs (a payment that matches nothing, a dispute). Each outcome is a way of closing
 * it: it records what was done and moves no run.
 */
export interface FollowUpDefinition {
  type: string;
  role: string;
  title: string;
  outcomes: Readonly<Record<string, { label: string }>>;
}

export type StepDefinition = AutomaticStep | HumanTaskStep | AwaitSignalStep | NotifyStep | DecisionStep | ParallelStep;

export interface WorkflowDefinition {
  id: string;
  /** A positive integer, stored on each run: a run finishes on the version it started on. */
  version: number;
  name: string;
  /** The roles its tasks go to, by role id (the users-permissions role type). */
  roles: Readonly<Record<string, RoleDefinition>>;
  steps: readonly StepDefinition[];
  /**
   * Steps that still run after a rejection (notices, clean-up), consecutive and in the order of
   * `steps`. A run that is not rejected skips them; a rejected run skips what lies between the
   * rejection and them, and then goes on to the end.
   */
  rejectBranch?: readonly string[];
  /** The tasks it opens outside its steps, by type (`tasks.ensure`). */
  followUps?: readonly FollowUpDefinition[];
  /**
   * Whether a failed run keeps its open key (one open run per subject) until it is retried or
   * cancelled (`kept`, the default), or frees it so a new run may start (`released`); retrying a
   * run that freed its key takes it back, refused while another run holds it.
   */
  openKeyWhenFailed?: 'kept' | 'released';
}

/** The definition's step with this id, or undefined. */
export const findStep = (definition: WorkflowDefinition, id: string | null): StepDefinition | undefined =>
  definition.steps.find((step) => step.id === id);

/** The tasks a step opens: one for a human task, several for a parallel step, none otherwise. */
export const tasksOf = (step: StepDefinition): readonly (TaskDefinition & { id?: string })[] => {
  if (step.kind === 'human-task') return [step.task];
  if (step.kind === 'parallel') return step.tasks;
  return [];
};

/** A human-task step's task; anything else is a mistake in the caller. */
export const taskOf = (step: StepDefinition): TaskDefinition => {
  if (step.kind !== 'human-task') throw new Error(`Step ${step.id} is ${step.kind}, not a human task`);
  return step.task;
};

/** The definition's follow-up task of this type, or undefined. */
export const findFollowUp = (definition: WorkflowDefinition, type: string): FollowUpDefinition | undefined =>
  definition.followUps?.find((followUp) => followUp.type === type);
