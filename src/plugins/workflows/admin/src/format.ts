/** Dates, counts and people as every plugin's pages show them. */
export { actorName, counted, formatDate, formatDateTime } from '../../../../admin-shared/format';
export type { Actor } from '../../../../admin-shared/format';

/** What each step kind is called on the pages. */
export const KIND_LABELS: Record<string, string> = {
  automatic: 'Automatic',
  'human-task': 'Task',
  'await-signal': 'Waits for a signal',
  notify: 'Notification',
  decision: 'Decision',
  parallel: 'Parallel tasks',
};

export const kindLabel = (kind: string): string => KIND_LABELS[kind] ?? kind;

/** A state as read on the pages: "waiting", "not started". */
export const stateLabel = (state: string): string => (state === 'pending' ? 'not started' : state);
