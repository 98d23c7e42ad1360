import { InvoiceTotals, Period, format, money } from '../../../../../domain';
import { RunProgress, StepActor, StepDefinition, WorkflowDefinition, findStep, progressRun, startRun, waitingForTasks } from '../../../../workflows/server/src/domain';

/**
 * What a run of the pre-paid plan process writes that is the process's own, as pure functions
 * from their inputs to the values stored: its steps' results, how far a run opened in one go gets
 * (the engine's progression, step by step), the Pending transaction of a card charge. The engine's
 * runner writes them one at a time; the renewal wave writes the same values for a batch of plans
 * in bulk. (The run's audit entries and its steps' tasks are the engine's `stepAuditEntry` and
 * `stepTaskRow`; the invoice is `issuedInvoice` and its number `documentNumber`, in src/domain;
 * the audit entries of creations and status changes are the guards' `creationEntry` and
 * `changeEntry`.)
 */
/** The engine keeps the process's runs and tasks. */
export const RUN_UID = 'plugin::workflows.run';
export const TASK_UID = 'plugin::workflows.task';
/** Where the process kept its runs and its steps' tasks before the engine did (their rows move at start). */
export const LEGACY_RUN_UID = 'plugin::plan-renewals.run';
export const LEGACY_TASK_UID = 'plugin::plan-renewals.task';

/** The key a run of a service plan holds while open (one open run per plan), and keeps as its run key. */
export const openKeyOf = (servicePlanDocumentId: string) => `api::service-plan.service-plan:${servicePlanDocumentId}`;

export type RunKind = 'new' | 'renewal';

/** What the first steps record as their result. */
export const stepResults = {
  retrieved: (customer: { name: string; email: string }, plan: { code: string }) => `${customer.name} <${customer.email}>, plan ${plan.code}`,
  processing: (from: string) => `Service plan ${from} -> Processing`,
  calculated: (totals: Pick<InvoiceTotals, 'currency' | 'totalMinor' | 'subtotalMinor' | 'taxMinor'>, period: Period) => {
    const show = (amount: number) => format(money(amount, totals.currency));
    return `${show(totals.totalMinor)} (subtotal ${show(totals.subtotalMinor)}, tax ${show(totals.taxMinor)}) for ${period.start} to ${period.end}`;
  },
  invoiced: (invoice: { number: string; totalMinor: number; currency: string }, payment: string) =>
    `Invoice ${invoice.number} issued for ${format(money(invoice.totalMinor, invoice.currency))}, ${payment}`,
  cardRequested: 'card payment to be requested from Stripe once this step is committed',
};

/** A step a run took, as the runner audits it: what happened to it (`done`, `waiting`) and its result. */
export interface TakenStep {
  step: StepDefinition;
  verb: 'done' | 'waiting';
  result: string;
}

/**
 * A run taken in one go up to its first task, as the engine's runner takes it step by step from
 * its start: each automatic step done with its result in `results` (by step id), then the first
 * human step waiting for its tasks (`Waiting for <task title> (<role label>)`). Answers the
 * progress, and each step taken in order. A run whose steps before its first task are not all
 * unconditional automatic steps with a result here cannot be opened this way (an error: the caller
 * opens such runs one by one).
 */
export const takenToFirstTask = (definition: WorkflowDefinition, results: Readonly<Record<string, string>>, actor: StepActor, at: string) => {
  let progress: RunProgress = startRun(definition);
  const taken: TakenStep[] = [];
  while (progress.state === 'running') {
    const step = findStep(definition, progress.currentStep)!;
    if (step.kind === 'human-task' && !step.when) {
      const result = waitingForTasks(definition, step);
      progress = progressRun(definition, progress, { type: 'wait', at, result });
      taken.push({ step, verb: 'waiting', result });
      return { progress, taken };
    }
    const result = results[step.id];
    if (step.kind !== 'automatic' || step.when || result === undefined) {
      throw new Error(`A run cannot be opened in bulk up to its first task: step "${step.id}" is not an automatic step with a result given`);
    }
    progress = progressRun(definition, progress, { type: 'done', actor, result, at });
    taken.push({ step, verb: 'done', result });
  }
  throw new Error('A run cannot be opened in bulk: the process has no task to wait at');
};

/** The Pending transaction of an off-session charge Stripe accepted, until its webhook settles it. */
export const pendingCardTransaction = (input: { invoice: { totalMinor: number; currency: string }; intentId: string; occurredAt: Date }) => ({
  amountMinor: input.invoice.totalMinor,
  currency: input.invoice.currency,
  state: 'Pending' as const,
  provider: 'stripe' as const,
  providerReference: input.intentId,
  occurredAt: input.occurredAt,
});
