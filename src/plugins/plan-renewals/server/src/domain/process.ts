/**
 * A process is data: an ordered list of steps, each of one of four kinds. The engine knows the
 * kinds, not the steps, so another process of the same family (an approval workflow, a pass
 * subscription) is declared as another list without changing the engine.
 */
export const STEP_KINDS = ['automatic', 'human-task', 'wait-for-payment', 'notification'] as const;
export type StepKind = (typeof STEP_KINDS)[number];

export const TASK_ROLES = ['finance', 'customer-success'] as const;
export type TaskRole = (typeof TASK_ROLES)[number];

export interface StepDefinition {
  /** Stable id, used as the step's key in a run and in idempotency keys. */
  id: string;
  title: string;
  kind: StepKind;
  /** For human tasks: which role completes it, and the task's type. */
  task?: { type: string; role: TaskRole };
}

export interface ProcessDefinition {
  id: string;
  name: string;
  steps: readonly StepDefinition[];
}

/** The thirteen steps of a purchase or renewal of a pre-paid service plan (DESIGN.md). */
export const PREPAID_PLAN_PROCESS: ProcessDefinition = {
  id: 'prepaid-plan',
  name: 'Pre-paid plan purchase or renewal',
  steps: [
    { id: 'retrieve-subscription', title: 'Retrieve customer subscription details', kind: 'automatic' },
    { id: 'mark-processing', title: 'Update plan status to Processing', kind: 'automatic' },
    { id: 'calculate-total', title: 'Calculate total invoice amount', kind: 'automatic' },
    { id: 'create-invoice', title: 'Create invoice entry', kind: 'automatic' },
    {
      id: 'verify-payment',
      title: 'Verify payment authorization',
      kind: 'human-task',
      task: { type: 'verify-payment', role: 'finance' },
    },
    { id: 'check-payment', title: 'Check payment status', kind: 'wait-for-payment' },
    { id: 'mark-invoice-paid', title: 'Update invoice to Paid', kind: 'automatic' },
    { id: 'activate-plan', title: 'Activate service plan', kind: 'automatic' },
    { id: 'provisioning-log', title: 'Create service provisioning log', kind: 'automatic' },
    { id: 'send-confirmation', title: 'Send activation confirmation', kind: 'notification' },
    {
      id: 'quality-check',
      title: 'Post-activation quality check',
      kind: 'human-task',
      task: { type: 'quality-check', role: 'customer-success' },
    },
    { id: 'calculate-mrr', title: 'Calculate MRR', kind: 'automatic' },
    { id: 'monthly-report', title: 'Generate monthly revenue report', kind: 'automatic' },
  ],
};

/** Outcomes a task of each type accepts, and whether the outcome lets the run go on. */
export const TASK_OUTCOMES: Record<string, Record<string, 'continue' | 'reject' | 'close'>> = {
  'verify-payment': { approved: 'continue', rejected: 'reject' },
  'quality-check': { passed: 'continue', failed: 'continue' },
  // Finance follow-ups outside the steps (a payment that does not match, a dispute, a renewal
  // the card could not pay): closing one records what was done and moves no run.
  'payment-mismatch': { resolved: 'close', dismissed: 'close' },
  dispute: { resolved: 'close', dismissed: 'close' },
  'collect-payment': { resolved: 'close', dismissed: 'close' },
  refund: { resolved: 'close', dismissed: 'close' },
};

export class ProcessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProcessError';
  }
}

/** Throws unless the definition is usable: steps present, ids unique, tasks where needed. */
export const assertValidProcess = (process: ProcessDefinition): void => {
  if (process.steps.length === 0) throw new ProcessError(`Process ${process.id} has no steps`);
  const ids = new Set<string>();
  for (const step of process.steps) {
    if (ids.has(step.id)) throw new ProcessError(`Process ${process.id} declares step ${step.id} twice`);
    ids.add(step.id);
    if (!(STEP_KINDS as readonly string[]).includes(step.kind)) {
      throw new ProcessError(`Step ${step.id} has unknown kind ${step.kind}`);
    }
    if ((step.kind === 'human-task') !== Boolean(step.task)) {
      throw new ProcessError(`Step ${step.id}: a human-task step, and only one, names its task`);
    }
    if (step.task && !TASK_OUTCOMES[step.task.type]) {
      throw new ProcessError(`Step ${step.id}: task type ${step.task.type} has no declared outcomes`);
    }
  }
};
