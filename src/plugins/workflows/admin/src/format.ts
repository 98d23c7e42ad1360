/** Display helpers shared by the engine's pages. */
export interface Actor {
  type: string;
  id?: string;
  name?: string | null;
}

export const formatDateTime = (value: string | null | undefined): string => {
  if (!value) return '—';
  return new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(value));
};

export const formatDate = (value: string | null | undefined): string => {
  if (!value) return '—';
  const date = new Date(value.length === 10 ? `${value}T00:00:00Z` : value);
  return new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeZone: 'UTC' }).format(date);
};

/** A person by name; the system, a job or a token by its kind too. */
export const actorName = (actor: Actor | null | undefined): string =>
  !actor ? '—' : actor.name ? `${actor.name}${actor.type === 'admin' || actor.type === 'user' ? '' : ` (${actor.type})`}` : actor.type;

/** A count with its noun: "1 run", "3 runs". */
export const counted = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;

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
