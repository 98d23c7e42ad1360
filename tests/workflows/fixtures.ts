import { TaskOutcome, WorkflowDefinition } from '../../src/plugins/workflows/server/src/domain';

export const decided: Record<string, TaskOutcome> = {
  accepted: { effect: 'continue', label: 'Accepted' },
  refused: { effect: 'reject', label: 'Refused' },
};

/**
 * A made-up article review with one step of every kind: a decision that can jump ahead or
 * reject, a conditional step, two reviews at once, a sign-off, a signal, notices, and a reject
 * branch followed by a step every run ends with.
 */
export const REVIEW: WorkflowDefinition = {
  id: 'article-review',
  version: 1,
  name: 'Article review',
  roles: { reviewer: { label: 'Reviewer' }, legal: { label: 'Legal' }, editor: { label: 'Editor' } },
  steps: [
    { id: 'collect', title: 'Collect the draft', kind: 'automatic' },
    {
      id: 'route',
      title: 'Route the draft',
      kind: 'decision',
      branches: { normal: { then: 'continue' }, urgent: { then: 'go-to', step: 'publish' }, spam: { then: 'reject' } },
      defaultBranch: 'normal',
    },
    { id: 'fact-check', title: 'Check the facts', kind: 'automatic', when: 'has-claims' },
    {
      id: 'reviews',
      title: 'Reviews',
      kind: 'parallel',
      tasks: [
        { id: 'content', title: 'Content review', type: 'content-review', role: 'reviewer', outcomes: decided },
        { id: 'legal', title: 'Legal review', type: 'legal-review', role: 'legal', outcomes: decided },
      ],
    },
    { id: 'sign-off', title: 'Editor sign-off', kind: 'human-task', task: { type: 'sign-off', role: 'editor', outcomes: decided } },
    { id: 'typeset', title: 'Wait for typesetting', kind: 'await-signal', signal: 'typeset' },
    { id: 'publish', title: 'Publish', kind: 'automatic' },
    { id: 'tell-author', title: 'Tell the author', kind: 'notify', channel: 'email' },
    { id: 'mark-refused', title: 'Mark refused', kind: 'automatic' },
    { id: 'tell-refusal', title: 'Tell the author why', kind: 'notify', channel: 'sms', when: 'has-phone' },
    { id: 'clean-up', title: 'Remove the drafts', kind: 'automatic' },
  ],
  rejectBranch: ['mark-refused', 'tell-refusal'],
};
