import type { WorkflowDefinition } from '../../../../workflows/server/src/domain';

/**
 * The transit pass process, declared as data for the workflows engine (DESIGN.md, "Transit pass
 * subscriptions"): a purchase or renewal of a pass. A verification is recorded by a step of its
 * own after the check that made it. The payment step is two steps here, one per
 * way of paying (a Billing task at the desk, or Stripe's confirmation as a signal), each skipped
 * when the order is paid the other way; a declined payment or a rejected verification enters the
 * reject branch, which undoes the order (the card released, a paid order refunded and its pass
 * revoked) and tells the customer.
 */
export const PROCESS_ID = 'transit-pass';

export const ROLES = {
  billing: { label: 'Billing' },
  verification: { label: 'Verification' },
} as const;

/** How Finance closes a follow-up about a card payment: what was needed was done, or nothing was. */
const FINANCE_OUTCOMES = { resolved: { label: 'Resolved' }, dismissed: { label: 'Dismissed' } };

/** The first version, kept registered so runs started on it finish on it (none paid by card: it was not open then). */
export const TRANSIT_PASS_V1: WorkflowDefinition = {
  id: PROCESS_ID,
  version: 1,
  name: 'Transit pass purchase or renewal',
  roles: ROLES,
  steps: [
    { id: 'retrieve-profile', title: 'Retrieve the customer profile and subscriptions', kind: 'automatic' },
    { id: 'check-availability', title: 'Check availability (reserve a card)', kind: 'automatic' },
    { id: 'calculate-total', title: 'Calculate the total', kind: 'automatic' },
    { id: 'create-order', title: 'Create the order (Pending)', kind: 'automatic' },
    {
      id: 'desk-payment',
      title: 'Take the payment at the desk',
      kind: 'human-task',
      when: 'pays-at-desk',
      task: {
        type: 'desk-payment',
        role: 'billing',
        outcomes: { paid: { effect: 'continue', label: 'Paid' }, declined: { effect: 'reject', label: 'Declined' } },
        dueBusinessDays: 1,
      },
    },
    { id: 'card-payment', title: 'Card payment confirmed', kind: 'await-signal', signal: 'payment-succeeded', when: 'pays-by-card' },
    { id: 'mark-paid', title: 'Order Paid', kind: 'automatic' },
    { id: 'daily-revenue', title: "Refresh the day's revenue", kind: 'automatic' },
    { id: 'generate-pass', title: 'Generate the pass', kind: 'automatic' },
    {
      id: 'verify-eligibility',
      title: 'Identity and document check',
      kind: 'human-task',
      when: 'needs-proof',
      task: {
        type: 'eligibility-check',
        role: 'verification',
        outcomes: { verified: { effect: 'continue', label: 'Verified' }, rejected: { effect: 'reject', label: 'Rejected' } },
        dueBusinessDays: 2,
      },
    },
    { id: 'record-verification', title: 'Record the verification', kind: 'automatic', when: 'verified-now' },
    { id: 'email-pass', title: 'Email the receipt and the pass', kind: 'notify', channel: 'email' },
    { id: 'sms-activation', title: 'SMS activation alert', kind: 'notify', channel: 'sms', when: 'has-phone' },
    { id: 'subscription-active', title: 'Subscription status Active', kind: 'automatic' },
    { id: 'monthly-report', title: 'Count in the monthly subscription report', kind: 'automatic' },
    { id: 'undo-order', title: 'Undo the order', kind: 'automatic' },
    { id: 'tell-customer', title: 'Tell the customer', kind: 'notify', channel: 'email' },
    { id: 'remove-expired', title: 'Remove expired temporary passes', kind: 'automatic' },
  ],
  rejectBranch: ['undo-order', 'tell-customer'],
};

/**
 * Version 2: card payments. The `card-payment` step waits for Stripe to settle the payment (a
 * signed webhook signals it, paid or failed) and the `card-outcome` decision that follows sends a
 * failed payment (a Checkout session that expired unpaid) into the reject branch, as a payment
 * declined at the desk: the order Failed, its card released, the customer told.
 */
export const TRANSIT_PASS: WorkflowDefinition = {
  ...TRANSIT_PASS_V1,
  version: 2,
  // Finance looks into a card payment that needs a person, outside the steps of any run.
  roles: { ...ROLES, finance: { label: 'Finance' } },
  followUps: [
    { type: 'payment-mismatch', role: 'finance', title: 'Card payment that does not match its order', outcomes: FINANCE_OUTCOMES },
    { type: 'refund', role: 'finance', title: 'Refund a card payment', outcomes: FINANCE_OUTCOMES },
    { type: 'dispute', role: 'finance', title: 'Answer a card dispute', outcomes: FINANCE_OUTCOMES },
  ],
  steps: TRANSIT_PASS_V1.steps.flatMap((step) =>
    step.id === 'card-payment'
      ? [
          { id: 'card-payment', title: 'Card payment settled by Stripe', kind: 'await-signal', signal: 'payment-settled', when: 'pays-by-card' },
          {
            id: 'card-outcome',
            title: 'Card payment paid or failed',
            kind: 'decision',
            when: 'pays-by-card',
            branches: { paid: { then: 'continue' }, failed: { then: 'reject' } },
            defaultBranch: 'paid',
          },
        ]
      : [step],
  ),
};
