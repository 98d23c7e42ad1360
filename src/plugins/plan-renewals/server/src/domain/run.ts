/**
 * The states a run of the pre-paid plan process moves through: the workflows engine's, whose pure
 * progression (`progressRun`) moves it by the process's definition.
 */
export { RUN_STATES, STEP_STATES, WorkflowError, isOpen } from '../../../../workflows/server/src/domain';
export type { RunProgress, RunState, RunStep, StepActor, StepState } from '../../../../workflows/server/src/domain';
