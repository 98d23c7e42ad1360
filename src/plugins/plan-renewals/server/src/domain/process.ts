import type { OutcomeEffect, TaskDefinition, WorkflowDefinition } from '../../../../workflows/server/src/domain';

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
  role: 'finance',
  outcomes: { approved: { effect: 'continue', label: 'Approved' }, rejected: { effect: 'reject', label: 'Rejected' } },
  // An approval: whoever requested the purchase or started the renewal does not confirm its payment.
  separationOfDuties: true,
};

const QUALITY_CHECK: TaskDefinition = {
  type: 'quality-check',
  role: 'customer-success',
  // A failed check is recorded for follow-up; the plan the customer paid for stays active.
  outcomes: { passed: { effect: 'continue', label: 'Passed' }, failed: { effect: 'continue', label: 'Failed' } },
};

/** The thirteen steps of a purchase or renewal of a pre-paid service plan (DESIGN.md). */
export const PREPAID_PLAN_PROCESS: WorkflowDefinition = {
  id: 'prepaid-plan',
  version: 1,
  name: 'Pre-paid plan purchase or renewal',
  roles: ROLES,
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
};

const effects = (task: TaskDefinition): Record<string, OutcomeEffect> =>
  Object.fromEntries(Object.entries(task.outcomes).map(([outcome, { effect }]) => [outcome, effect]));

/** What a task of each type is called (the admin pages and the engine's task list say it so). */
export const TASK_TITLES: Record<string, string> = {
  [VERIFY_PAYMENT.type]: 'Verify payment',
  [QUALITY_CHECK.type]: 'Quality check',
  'payment-mismatch': 'Payment mismatch',
  dispute: 'Dispute',
  'collect-payment': 'Collect payment',
  refund: 'Refund a payment',
  'stripe-event': 'Stripe event not applied',
};

/** The label of each outcome a person may choose for a task type. */
export const OUTCOME_LABELS: Record<string, Record<string, string>> = {
  [VERIFY_PAYMENT.type]: Object.fromEntries(Object.entries(VERIFY_PAYMENT.outcomes).map(([id, { label }]) => [id, label])),
  [QUALITY_CHECK.type]: Object.fromEntries(Object.entries(QUALITY_CHECK.outcomes).map(([id, { label }]) => [id, label])),
};

/** Outcomes a task of each type accepts, and whether the outcome lets the run go on. */
export const TASK_OUTCOMES: Record<string, Record<string, OutcomeEffect | 'close'>> = {
  [VERIFY_PAYMENT.type]: effects(VERIFY_PAYMENT),
  [QUALITY_CHECK.type]: effects(QUALITY_CHECK),
  // Finance follow-ups outside the steps (a payment that does not match, a dispute, a renewal
  // the card could not pay): closing one records what was done and moves no run.
  'payment-mismatch': { resolved: 'close', dismissed: 'close' },
  dispute: { resolved: 'close', dismissed: 'close' },
  'collect-payment': { resolved: 'close', dismissed: 'close' },
  refund: { resolved: 'close', dismissed: 'close' },
  'stripe-event': { resolved: 'close', dismissed: 'close' },
};
