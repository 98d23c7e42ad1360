import { WorkflowDefinition, findStep, tasksOf } from './definition';
import { StepActor, sameActor } from './progress';

/**
 * The rules of a human task (after Camunda's user tasks): who may claim it, give it back, have it
 * reassigned, and complete it. Each rule answers with the claim to store or with a refusal saying
 * why, of one of three kinds: the task's state is in the way (a conflict: 409), this person may
 * not (forbidden: 403), or the input cannot be taken (invalid: 400). The caller reads the task
 * under a row lock, asks, and stores what it is told, so a claim is never lost to another.
 */
export const TASK_REFUSALS = ['conflict', 'forbidden', 'invalid'] as const;
export type TaskRefusalKind = (typeof TASK_REFUSALS)[number];

export interface TaskRefusal {
  refused: TaskRefusalKind;
  reason: string;
  /** What the caller may want to know to act on it: the holder of the claim, the outcome already given. */
  details?: Record<string, unknown>;
}

/** The claim a rule leaves on the task; `changed: false` when it already was so (nothing to store). */
export interface ClaimChange {
  claimedBy: StepActor | null;
  changed: boolean;
}

/** A task as its rules read it. */
export interface HumanTask {
  /** Its document id, to name it in a refusal. */
  id: string;
  type: string;
  role: string;
  /** `open` until it is completed or cancelled. */
  state: string;
  outcome?: string | null;
  claimedBy: StepActor | null;
}

/** What completing a task depends on beyond the task itself. */
export interface RunDuties {
  /** Whether its definition keeps the task from the run's starter (`separationOfDuties`). */
  separationOfDuties: boolean;
  /** Who requested or started the run; the system (no id) is nobody in particular. */
  startedBy: StepActor | null;
}

export const isRefusal = (ruling: TaskRefusal | ClaimChange | null): ruling is TaskRefusal => ruling !== null && 'refused' in ruling;

/** How a person is named in a refusal. */
export const actorName = (actor: StepActor): string => actor.name ?? actor.type;

const notOpen = (task: HumanTask): TaskRefusal | null =>
  task.state === 'open' ? null : { refused: 'conflict', reason: `Task ${task.id} is already ${task.state}`, details: { state: task.state, outcome: task.outcome ?? null } };

const heldBy = (holder: StepActor) => ({ claimedBy: holder });

/** A member of the task's role takes it on; others see who works on it. Claiming it again changes nothing. */
export const claimTask = (task: HumanTask, actor: StepActor, duties: RunDuties): TaskRefusal | ClaimChange => {
  const closed = notOpen(task);
  if (closed) return closed;
  const holder = task.claimedBy;
  if (holder && !sameActor(holder, actor)) {
    return { refused: 'conflict', reason: `Task ${task.id} is already claimed by ${actorName(holder)}`, details: heldBy(holder) };
  }
  // Nobody holds a task they may not complete: it would keep it from those who may.
  if (duties.separationOfDuties && sameActor(duties.startedBy, actor)) {
    return { refused: 'forbidden', reason: `Separation of duties: you started this run, so another member of the ${task.role} role must take its ${task.type} task` };
  }
  return holder ? { claimedBy: holder, changed: false } : { claimedBy: actor, changed: true };
};

/** The holder gives the task back to the role; nobody else can take a claim away (an admin reassigns instead). */
export const unclaimTask = (task: HumanTask, actor: StepActor): TaskRefusal | ClaimChange => {
  const closed = notOpen(task);
  if (closed) return closed;
  const holder = task.claimedBy;
  if (!holder) return { refused: 'conflict', reason: `Task ${task.id} is not claimed: there is nothing to give back` };
  if (!sameActor(holder, actor)) {
    return { refused: 'conflict', reason: `Task ${task.id} is claimed by ${actorName(holder)}: only they can give it back (an admin may reassign it)`, details: heldBy(holder) };
  }
  return { claimedBy: null, changed: true };
};

/**
 * An admin hands the task to a member of its role, whoever held it; not to the run's starter when
 * the task is kept from them, as they could not complete it.
 */
export const reassignTask = (task: HumanTask, to: { actor: StepActor; roles: readonly string[] }, duties: RunDuties): TaskRefusal | ClaimChange => {
  const closed = notOpen(task);
  if (closed) return closed;
  const name = actorName(to.actor);
  if (!to.roles.includes(task.role)) {
    return { refused: 'invalid', reason: `${name} does not hold the ${task.role} role: a ${task.type} task goes to a member of that role` };
  }
  if (duties.separationOfDuties && sameActor(duties.startedBy, to.actor)) {
    return { refused: 'invalid', reason: `${name} started this run, and its ${task.type} task may not be completed by its starter (separation of duties)` };
  }
  if (sameActor(task.claimedBy, to.actor)) return { claimedBy: task.claimedBy, changed: false };
  return { claimedBy: to.actor, changed: true };
};

/**
 * Whether `actor` may complete the task with an outcome (declared, as the caller checked): null
 * when they may. An unclaimed task may be completed directly by any member of its role; a claimed
 * one only by its holder. A rejection needs a note saying why.
 */
export const mayCompleteTask = (task: HumanTask, actor: StepActor, duties: RunDuties, outcome: { rejects: boolean; note?: string | null }): TaskRefusal | null => {
  const closed = notOpen(task);
  if (closed) return closed;
  if (task.claimedBy && !sameActor(task.claimedBy, actor)) {
    return {
      refused: 'conflict',
      reason: `Task ${task.id} is claimed by ${actorName(task.claimedBy)}: only they can complete it, unless they give it back first`,
      details: heldBy(task.claimedBy),
    };
  }
  if (duties.separationOfDuties && sameActor(duties.startedBy, actor)) {
    return {
      refused: 'forbidden',
      reason: `Separation of duties: you started this run, so another member of the ${task.role} role must complete its ${task.type} task`,
    };
  }
  if (outcome.rejects && !outcome.note?.trim()) return { refused: 'invalid', reason: 'A rejection needs a note saying why' };
  return null;
};

/** Whether the definition keeps the task of this step (this task of a parallel step) from the run's starter. */
export const separatesDuties = (definition: WorkflowDefinition, stepId: string | null, taskId?: string): boolean => {
  const step = findStep(definition, stepId);
  if (!step) return false;
  return tasksOf(step).some((task) => (taskId === undefined || task.id === taskId) && task.separationOfDuties === true);
};
