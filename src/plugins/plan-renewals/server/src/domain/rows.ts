import { CalendarDate, InvoiceTotals, Period, addBusinessDays, format, money } from '../../../../../domain';
import { StepDefinition, taskOf } from '../../../../workflows/server/src/domain';
import { PREPAID_PLAN_PROCESS } from './process';
import { RunProgress, StepActor, completeStep, markStep, startRun } from './run';

/**
 * What a run of the pre-paid plan process writes, as pure functions from their inputs to the
 * values stored: the run as opened, a step's result and its audit entry, a step's task, the
 * Pending transaction of a card charge. The engine writes them one at a time through the Document
 * Service; the renewal wave writes the same values for a batch of plans in bulk. (The invoice is
 * `issuedInvoice` and its number `documentNumber`, in src/domain; the audit entries of creations
 * and status changes are the guards' `creationEntry` and `changeEntry`.)
 */
export const RUN_UID = 'plugin::plan-renewals.run';
export const TASK_UID = 'plugin::plan-renewals.task';

const PROCESS = PREPAID_PLAN_PROCESS;

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
  waitingFor: (step: StepDefinition) => `Waiting for ${taskOf(step).role}: ${step.title.toLowerCase()}`,
};

/** A run as opened for a service plan: every step pending, the plan's open key taken. */
export const openingRun = (input: { kind: RunKind; servicePlan: { documentId: string; state: string }; startedBy: StepActor }) => ({
  kind: input.kind,
  processId: PROCESS.id,
  processVersion: PROCESS.version,
  previousPlanState: input.servicePlan.state,
  openKey: input.servicePlan.documentId,
  startedBy: input.startedBy,
  ...startRun(),
});

/** The current step waits (for a person or a payment), saying for what. */
export const waitAt = (progress: RunProgress, result: string, now: string): RunProgress => {
  const waiting = markStep(progress, 'waiting', now);
  waiting.steps = waiting.steps.map((s) => (s.id === progress.currentStep ? { ...s, result } : s));
  return waiting;
};

/**
 * The progress of a run opened in one go, as the engine leaves it step by step: each automatic
 * step done with its result in `results` (by step id), up to the first human task, which waits.
 * A process whose first task comes after a step without a result here cannot be opened this way
 * (an error: the caller opens such runs one by one).
 */
export const openedProgress = (results: Record<string, string>, actor: StepActor, now: string): RunProgress => {
  let progress = startRun();
  for (const step of PROCESS.steps) {
    if (step.kind === 'human-task') return waitAt(progress, stepResults.waitingFor(step), now);
    if (step.kind !== 'automatic' || results[step.id] === undefined) {
      throw new Error(`A run cannot be opened in bulk up to its first task: step "${step.id}" has no result given`);
    }
    progress = completeStep(progress, actor, results[step.id], now);
  }
  throw new Error('A run cannot be opened in bulk: the process has no task to wait at');
};

/** The audit entry of a step's outcome (done, waiting, failed, ...), on the run. */
export const stepAuditEntry = (run: { documentId: string; kind: RunKind }, step: { id: string; title: string }, verb: string, result: string) => ({
  action: `run.step-${verb}`,
  entityUid: RUN_UID,
  entityDocumentId: run.documentId,
  summary: `${run.kind === 'new' ? 'Purchase' : 'Renewal'} step "${step.title}" ${verb}: ${result}`.slice(0, 500),
  data: { run: run.documentId, step: step.id, result },
});

/** The open task of a human-task step, due the configured business days after `today`. */
export const stepTask = (input: { runDocumentId: string; step: StepDefinition; today: CalendarDate; taskDueBusinessDays: Record<string, number> }) => {
  const task = taskOf(input.step);
  return {
    type: task.type,
    role: task.role,
    state: 'open' as const,
    stepId: input.step.id,
    taskKey: `${input.runDocumentId}:${input.step.id}`,
    dueDate: addBusinessDays(input.today, input.taskDueBusinessDays[task.type] ?? 1),
  };
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
