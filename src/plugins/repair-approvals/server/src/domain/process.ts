import type { TaskOutcome, WorkflowDefinition } from '../../../../workflows/server/src/domain';

/**
 * The repair-estimate approval process, declared as data for the workflows engine (DESIGN.md,
 * "Repair-estimate approvals"). The seed's nineteen steps are eighteen here: its steps 6 and 7,
 * the Compliance review and the Finance audit, are one parallel step; and the request is marked
 * Under Review and the reviewers told (the seed's 8 and 9) as the reviews open, not after them.
 */
export const PROCESS_ID = 'repair-approval';

export const ROLES = {
  'account-manager': { label: 'Account Manager' },
  compliance: { label: 'Compliance' },
  'finance-manager': { label: 'Finance Manager' },
  executive: { label: 'Executive' },
} as const;
export type ApprovalRole = keyof typeof ROLES;

const DECIDE: Record<string, TaskOutcome> = {
  approved: { effect: 'continue', label: 'Approve' },
  rejected: { effect: 'reject', label: 'Reject' },
};

export const REPAIR_APPROVAL: WorkflowDefinition = {
  id: PROCESS_ID,
  version: 1,
  name: 'Repair-estimate approval',
  roles: ROLES,
  steps: [
    { id: 'fetch-request', title: 'Fetch the submitted request', kind: 'automatic' },
    { id: 'customer-profile', title: 'Customer profile and credit limit', kind: 'automatic' },
    { id: 'sum-lines', title: 'Sum the line items', kind: 'automatic' },
    { id: 'tax-total', title: 'Tax and total', kind: 'automatic' },
    {
      id: 'credit-check',
      title: 'Outstanding debt against the credit limit',
      kind: 'decision',
      // Over the limit never refuses by itself: the Finance audit sees it and decides.
      branches: { within: { then: 'continue' }, over: { then: 'continue' } },
      defaultBranch: 'within',
    },
    { id: 'mark-under-review', title: 'Status Under Review', kind: 'automatic' },
    { id: 'notify-reviewers', title: 'Email the reviewers', kind: 'notify', channel: 'email' },
    {
      id: 'reviews',
      title: 'Compliance review and Finance audit',
      kind: 'parallel',
      tasks: [
        { id: 'compliance', title: 'Compliance review', type: 'compliance-review', role: 'compliance', outcomes: DECIDE, separationOfDuties: true, dueBusinessDays: 2 },
        { id: 'finance', title: 'Financial audit', type: 'financial-audit', role: 'finance-manager', outcomes: DECIDE, separationOfDuties: true, dueBusinessDays: 2 },
      ],
    },
    {
      id: 'executive-approval',
      title: 'Final executive approval',
      kind: 'human-task',
      task: { type: 'executive-approval', role: 'executive', outcomes: DECIDE, separationOfDuties: true, dueBusinessDays: 1 },
    },
    { id: 'mark-approved', title: 'Status Approved', kind: 'automatic' },
    { id: 'write-certificate', title: 'Write the authorization certificate', kind: 'automatic' },
    { id: 'email-customer', title: 'Email the customer', kind: 'notify', channel: 'email' },
    { id: 'sms-account-manager', title: 'High-priority SMS to the account manager', kind: 'notify', channel: 'sms', when: 'account-manager-reachable' },
    { id: 'update-credit', title: "Update the customer's credit", kind: 'automatic' },
    { id: 'count-summary', title: 'Count in the monthly approval summary', kind: 'automatic' },
    { id: 'mark-rejected', title: 'Status Rejected', kind: 'automatic' },
    { id: 'rejection-email', title: 'Email the rejection', kind: 'notify', channel: 'email' },
    { id: 'remove-drafts', title: "Remove the request's temporary drafts", kind: 'automatic' },
  ],
  rejectBranch: ['mark-rejected', 'rejection-email'],
};
