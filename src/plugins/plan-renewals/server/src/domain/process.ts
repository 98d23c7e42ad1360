import type { FollowUpDefinition, OutcomeEffect, TaskDefinition, WorkflowDefinition } from '../../../../workflows/server/src/domain';

/**
 * The pre-paid plan process, declared as data for the workflows engine, which knows the step
 * kinds and never these steps. Registered from the plugin's register(), where it is validated.
 */
/** The roles the process gives tasks to (users-permissions role types), with their names: declared once. */
export const ROLES = { finance: { label: 'Finance' }, 'customer-success': { label: 'Customer Success' } } as const;
export type TaskRole = keyof typeof ROLES;
export const TASK_ROLES = Object.keys(ROLES) as TaskRole[];

const VERIFY_PAYMENT: TaskDefinition = {
  type: 'verify-payment',
  title: 'Verify payment',
  role: 'finance',
  outcomes: { approved: { effect: 'continue', label: 'Approved' }, rejected: { effect: 'reject', label: 'Rejected' } },
  // An approval: whoever requested the purchase or started the renewal does not confirm its payment.
  separationOfDuties: true,
};

const QUALITY_CHECK: TaskDefinition = {
  type: 'quality-check',
  title: 'Quality check',
  role: 'customer-success',
  // A failed check is recorded for follow-up; the plan the customer paid for stays active.
  outcomes: { passed: { effect: 'continue', label: 'Passed' }, failed: { effect: 'continue', label: 'Failed' } },
};

/** How Finance closes a follow-up: what was needed was done, or nothing was. */
const FOLLOW_UP_OUTCOMES = { resolved: { label: 'Resolved' }, dismissed: { label: 'Dismissed' } };

/**
 * Finance's follow-ups outside the steps (a payment that does not match, a dispute, a renewal the
 * card could not pay, a refund made in Stripe, a Stripe event that could not be applied): closing
 * one records what was done and moves no run.
 */
export const FOLLOW_UPS = [
  { type: 'payment-mismatch', role: 'finance', title: 'Payment mismatch', outcomes: FOLLOW_UP_OUTCOMES },
  { type: 'dispute', role: 'finance', title: 'Dispute', outcomes: FOLLOW_UP_OUTCOMES },
  { type: 'collect-payment', role: 'finance', title: 'Collect payment', outcomes: FOLLOW_UP_OUTCOMES },
  { type: 'refund', role: 'finance', title: 'Refund a payment', outcomes: FOLLOW_UP_OUTCOMES },
  { type: 'stripe-event', role: 'finance', title: 'Stripe event not applied', outcomes: FOLLOW_UP_OUTCOMES },
] as const satisfies readonly FollowUpDefinition[];
export type FollowUpType = (typeof FOLLOW_UPS)[number]['type'];

/** The thirteen steps of a purchase or renewal of a pre-paid service plan (DESIGN.md). */
export const PREPAID_PLAN_PROCESS: WorkflowDefinition = {
  id: 'prepaid-plan',
  version: 1,
  name: 'Pre-paid plan purchase or renewal',
  roles: ROLES,
  // A failed run frees its plan: a new purchase or renewal may start while a person looks at it.
  openKeyWhenFailed: 'released',
  steps: [
    { id: 'retrieve-subscription', title: 'Retrieve customer subscription details', kind: 'automatic' },
    { id: 'mark-processing', title: 'Update plan status to Processing', kind: 'automatic' },
    { id: 'calculate-total', title: 'Calculate total invoice amount', kind: 'automatic' },
    { id: 'create-invoice', title: 'Create invoice entry', kind: 'automatic' },
    { id: 'verify-payment', title: 'Verify payment authorization', kind: 'human-task', task: VERIFY_PAYMENT },
    { id: 'check-payment', title: 'Check payment status', kind: 'await-signal', signal: 'payment-succeeded' },
    { id: 'mark-invoice-paid', title: 'Update invoice to Paid', kind: 'automatic' },
    { id: 'activate-plan', title: 'Activate service plan', kind: 'automatic' },
    { id: 'provisioning-log', title: 'Create service provisioning log', kind: 'automatic' },
    { id: 'send-confirmation', title: 'Send activation confirmation', kind: 'notify', channel: 'email' },
    { id: 'quality-check', title: 'Post-activation quality check', kind: 'human-task', task: QUALITY_CHECK },
    { id: 'calculate-mrr', title: 'Calculate MRR', kind: 'automatic' },
    { id: 'monthly-report', title: 'Generate monthly revenue report', kind: 'automatic' },
  ],
  followUps: FOLLOW_UPS,
};

/** The tasks its two human steps open, by type, with what a task list calls them. */
const STEP_TASKS = [VERIFY_PAYMENT, QUALITY_CHECK] as (TaskDefinition & { title: string })[];

/** The definition as registered: each step's task due the configured business days after it opens (one by default). */
export const withTaskDueDays = (definition: WorkflowDefinition, dueBusinessDays: Readonly<Record<string, number>>): WorkflowDefinition => ({
  ...definition,
  steps: definition.steps.map((step) => (step.kind === 'human-task' ? { ...step, task: { ...step.task, dueBusinessDays: dueBusinessDays[step.task.type] ?? 1 } } : step)),
});

/** What a task of each type is called (the admin pages and the engine's task list say it so). */
export const TASK_TITLES: Record<string, string> = Object.fromEntries([...STEP_TASKS, ...FOLLOW_UPS].map(({ type, title }) => [type, title]));

/** The label of each outcome a person may choose for a task type, as the definition declares it. */
export const OUTCOME_LABELS: Record<string, Record<string, string>> = Object.fromEntries(
  [...STEP_TASKS, ...FOLLOW_UPS].map(({ type, outcomes }) => [type, Object.fromEntries(Object.entries(outcomes).map(([id, { label }]) => [id, label]))]),
);

/** Outcomes a task of each type accepts, and what each does: a step's task lets the run go on or rejects it; a follow-up's closes it. */
export const TASK_OUTCOMES: Record<string, Record<string, OutcomeEffect | 'close'>> = Object.fromEntries([
  ...STEP_TASKS.map(({ type, outcomes }) => [type, Object.fromEntries(Object.entries(outcomes).map(([id, { effect }]) => [id, effect]))]),
  ...FOLLOW_UPS.map(({ type, outcomes }) => [type, Object.fromEntries(Object.keys(outcomes).map((id) => [id, 'close']))]),
]);
