import { addBusinessDays } from '../../../../../domain/period';
import { StepDefinition, TaskDefinition, WorkflowDefinition, tasksOf } from './definition';

/**
 * What the runner stores for a step, as pure functions from their inputs to the values written:
 * the audit entry of a step's outcome, and the row of a task a human or parallel step opens with
 * what its run then says it waits for. The runner and the tasks service write them one at a time;
 * a process opening many runs at once in bulk writes the same values from the same builders.
 */

/** A task as a step declares it: one for a human step, each of a parallel step's (with its id and title). */
export type DeclaredTask = TaskDefinition & { id?: string; title?: string };

/** The key that makes a step's task once: its run, its step, and its id within a parallel step. */
export const stepTaskKey = (run: { documentId: string }, step: Pick<StepDefinition, 'id'>, task: { id?: string }): string =>
  `${run.documentId}:${step.id}${task.id ? `:${task.id}` : ''}`;

/** What a step's task is called: its declared title, else its step's. */
export const stepTaskTitle = (step: Pick<StepDefinition, 'title'>, task: DeclaredTask): string => task.title ?? step.title;

/** What a run waiting for the task says of it: its title and the label of its role. */
export const awaitedTask = (definition: Pick<WorkflowDefinition, 'roles'>, step: Pick<StepDefinition, 'title'>, task: DeclaredTask): string =>
  `${stepTaskTitle(step, task)} (${definition.roles[task.role]?.label ?? task.role})`;

/** What a run waiting at a human or parallel step says it waits for: each of the step's tasks. */
export const waitingForTasks = (definition: Pick<WorkflowDefinition, 'roles'>, step: StepDefinition): string =>
  `Waiting for ${tasksOf(step)
    .map((task) => awaitedTask(definition, step, task))
    .join(' and ')}`;

/**
 * The row of a task a step opens (its run is linked by the caller): open, due its declared
 * business days after `today` (none declared: no due date), made once by its key.
 */
export const stepTaskRow = (run: { documentId: string; processId: string }, step: Pick<StepDefinition, 'id' | 'title'>, task: DeclaredTask, today: string) => ({
  processId: run.processId,
  stepId: step.id,
  taskId: task.id ?? null,
  title: stepTaskTitle(step, task),
  type: task.type,
  role: task.role,
  state: 'open' as const,
  dueDate: task.dueBusinessDays === undefined ? null : addBusinessDays(today, task.dueBusinessDays),
  taskKey: stepTaskKey(run, step, task),
});

/**
 * The audit entry of what happened to the run's current step (`verb`: done, waiting, skipped,
 * failed, rejected), on the run (`runUid`, the content type of runs); the actor is the caller's.
 */
export const stepAuditEntry = (
  runUid: string,
  run: { documentId: string; processId: string; currentStep: string | null },
  definition: Pick<WorkflowDefinition, 'name'>,
  title: string,
  verb: string,
  result: string,
) => ({
  action: `run.step-${verb}`,
  entityUid: runUid,
  entityDocumentId: run.documentId,
  summary: `${definition.name}: step "${title}" ${verb}: ${result}`,
  data: { run: run.documentId, process: run.processId, step: run.currentStep, result },
});
