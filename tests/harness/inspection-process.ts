import type { Core } from '@strapi/strapi';
import type { WorkflowDefinition } from '../../src/plugins/workflows/server/src/domain';
import type { ProcessHandlers, StepContext, StepOutcome } from '../../src/plugins/workflows/server/src/services/registry';
import { getService } from '../../src/plugins/workflows/server/src/utils';
import { ConflictError } from '../../src/plugins/workflows/server/src/errors';

/**
 * A process that exists only in the tests, to prove the engine runs a process it was never told
 * about: a vehicle inspection request. A decision routes it (small jobs skip the reviews, huge
 * ones are refused), two inspectors review in parallel (neither may be the requester, nobody does
 * both), an approver signs off only above a limit (else the step is skipped with the reason), the
 * run waits for the parts to arrive (a signal), the customer gets an SMS (the step fails without a
 * phone number, and a failed request frees its customer for a new one); a rejection sends an email
 * instead (the reject branch) and, as a cancellation, releases the bay (unless the parts are fitted).
 * A vehicle on hold is not signed off (the process's check). A complaint about parts opens a
 * follow-up task for an approver, outside the steps.
 */
const REVIEW_OUTCOMES = {
  approved: { effect: 'continue', label: 'Approved' },
  rejected: { effect: 'reject', label: 'Rejected' },
} as const;

export const INSPECTION: WorkflowDefinition = {
  id: 'test-inspection',
  version: 1,
  name: 'Vehicle inspection',
  roles: { inspector: { label: 'Inspector' }, approver: { label: 'Approver' } },
  steps: [
    {
      id: 'assess',
      title: 'Assess the request',
      kind: 'decision',
      branches: { routine: { then: 'go-to', step: 'parts' }, review: { then: 'continue' }, refuse: { then: 'reject' } },
      defaultBranch: 'review',
    },
    {
      id: 'reviews',
      title: 'Safety and cost reviews',
      kind: 'parallel',
      tasks: [
        { id: 'safety', title: 'Safety review', type: 'safety-review', role: 'inspector', outcomes: REVIEW_OUTCOMES, separationOfDuties: true },
        { id: 'cost', title: 'Cost review', type: 'cost-review', role: 'inspector', outcomes: REVIEW_OUTCOMES, separationOfDuties: true },
      ],
    },
    {
      id: 'sign-off',
      title: 'Sign off the inspection',
      kind: 'human-task',
      when: 'over-limit',
      task: { type: 'sign-off', role: 'approver', outcomes: REVIEW_OUTCOMES, dueBusinessDays: 2 },
    },
    { id: 'parts', title: 'Wait for the parts', kind: 'await-signal', signal: 'parts-arrived' },
    { id: 'text-customer', title: 'Text the customer', kind: 'notify', channel: 'sms' },
    { id: 'refusal-email', title: 'Email the refusal', kind: 'notify', channel: 'email' },
  ],
  rejectBranch: ['refusal-email'],
  // A failed request does not block a new one for the customer; retrying it takes its key back.
  openKeyWhenFailed: 'released',
  // Outside the steps: a customer's complaint about parts, for an approver to answer.
  followUps: [{ type: 'parts-complaint', role: 'approver', title: 'Answer a parts complaint', outcomes: { answered: { label: 'Answered' }, dismissed: { label: 'Dismissed' } } }],
};

/** Above this amount an approver signs off; above the ceiling the request is refused outright. */
export const SIGN_OFF_LIMIT = 50_000;
export const CEILING = 1_000_000;
export const ROUTINE_BELOW = 10_000;

interface InspectionContext {
  amountMinor: number;
  phone: string;
  email: string;
}

const contextOf = (step: StepContext) => step.run.context as unknown as InspectionContext;

const effects: Record<string, (step: StepContext) => StepOutcome> = {
  assess(step) {
    const { amountMinor } = contextOf(step);
    if (amountMinor >= CEILING) return { outcome: 'done', result: `${amountMinor} is over the ceiling`, branch: 'refuse' };
    if (amountMinor < ROUTINE_BELOW) return { outcome: 'done', result: `${amountMinor} is routine`, branch: 'routine', context: { assessed: 'routine' } };
    return { outcome: 'done', result: `${amountMinor} needs reviews`, context: { assessed: 'review' } };
  },
  // Without a phone number the step fails for a person to fix (the run's context) and retry.
  'text-customer': (step) =>
    contextOf(step).phone
      ? {
          outcome: 'done',
          result: `Inspection SMS to ${contextOf(step).phone}`,
          messages: [{ channel: 'sms', to: contextOf(step).phone, text: `Your vehicle inspection ${step.run.documentId} is booked.` }],
        }
      : { outcome: 'fail', result: 'No phone number to text the customer' },
  'refusal-email': (step) => ({
    outcome: 'done',
    result: `Refusal email to ${contextOf(step).email}`,
    messages: [{ channel: 'email', to: contextOf(step).email, subject: 'Your inspection request', text: 'We cannot take on this inspection.' }],
  }),
};

/** A request cancelled or rejected releases the bay it booked; one whose parts are fitted cannot be stopped. */
const releaseBay = (step: StepContext) => {
  if ((step.run.context as { partsFitted?: boolean }).partsFitted) throw new ConflictError('The parts are fitted: the inspection cannot be stopped');
  return `bay released for ${step.run.documentId}`;
};

export const INSPECTION_HANDLERS: ProcessHandlers = {
  effects,
  onCancel: releaseBay,
  onReject: releaseBay,
  // A vehicle on hold (a recall, an unpaid deposit) is not signed off; it may still be refused.
  checkOutcome: {
    'sign-off': (step) => {
      const hold = (step.run.context as { onHold?: string }).onHold;
      if (hold && step.outcome === 'approved') throw new ConflictError(`The vehicle is on hold (${hold}): it cannot be signed off`);
    },
  },
  // The approver may cap what the work may cost; nothing else is taken.
  taskData: {
    'sign-off': (data) => {
      const extra = Object.keys(data).find((key) => key !== 'maxCostMinor');
      if (extra) return `${extra} is not taken (only maxCostMinor)`;
      return Number.isInteger(data.maxCostMinor) && (data.maxCostMinor as number) > 0 ? null : 'maxCostMinor must be a positive whole number of minor units';
    },
  },
  conditions: {
    'over-limit': (step: StepContext) =>
      contextOf(step).amountMinor > SIGN_OFF_LIMIT ? true : `Skipped: ${contextOf(step).amountMinor} is within the sign-off limit of ${SIGN_OFF_LIMIT}`,
  },
};

/** Declares the process to the engine, as a process plugin's register() does. */
export const registerInspection = (strapi: Core.Strapi) => getService(strapi, 'registry').register(INSPECTION, INSPECTION_HANDLERS);
