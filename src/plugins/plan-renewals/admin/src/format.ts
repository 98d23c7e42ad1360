import { format, money } from '../../../../domain';
import { OUTCOME_LABELS, ROLES, TASK_OUTCOMES, TASK_TITLES } from '../../server/src/domain/process';

/** Counts with their noun ("1 run", "2 runs"), worded as the server words them. */
export { counted } from '../../../../domain';

/**
 * Display helpers. Money is formatted by the application's domain (the same exponents and
 * grouping as invoices and emails), never through floating point.
 */
export const formatMoney = (amountMinor: number | null | undefined, currency: string): string => {
  if (amountMinor == null) return '—';
  const text = format(money(Math.abs(amountMinor), currency));
  return amountMinor < 0 ? `-${text}` : text;
};

/** Minor units as a plain number of major units, for chart axes only. */
export const majorUnits = (amountMinor: number, currency: string): number => {
  const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  return amountMinor / 10 ** digits;
};

export const formatDate = (value: string | null | undefined): string => {
  if (!value) return '—';
  const date = new Date(value.length === 10 ? `${value}T00:00:00Z` : value);
  return new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeZone: 'UTC' }).format(date);
};

export const formatDateTime = (value: string | null | undefined): string => {
  if (!value) return '—';
  return new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(value));
};

export const formatMonth = (month: string): string =>
  new Intl.DateTimeFormat('en', { month: 'short', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${month}-01T00:00:00Z`));

/** Each task role's name, as the process declares it. */
export const ROLE_LABELS: Record<string, string> = Object.fromEntries(Object.entries(ROLES).map(([role, { label }]) => [role, label]));

/** What each task type is called: the process's own titles, as the server's task lists name them. */
export const TASK_LABELS: Record<string, string> = TASK_TITLES;

/** The outcomes a person may choose for a task type (the engine's table; it refuses any other). */
export const outcomesOf = (type: string): string[] => Object.keys(TASK_OUTCOMES[type] ?? {});

/** An outcome as the process names it ("Approved"), or the outcome itself for a follow-up task ("resolved"). */
export const outcomeLabel = (type: string, outcome: string): string => OUTCOME_LABELS[type]?.[outcome] ?? outcome.charAt(0).toUpperCase() + outcome.slice(1);

/** A rejection needs a note saying why (the server refuses one without). */
export const isRejection = (type: string, outcome: string): boolean => TASK_OUTCOMES[type]?.[outcome] === 'reject';

export const actorName = (actor: { type: string; name?: string | null } | null | undefined): string =>
  !actor ? '—' : actor.name ? `${actor.name}${actor.type === 'admin' || actor.type === 'user' ? '' : ` (${actor.type})`}` : actor.type;

/** A share in basis points as a percentage ("33.33 %"); no rate (nothing to divide by): "—". */
export const formatRate = (bps: number | null | undefined): string =>
  bps == null ? '—' : `${new Intl.NumberFormat('en', { maximumFractionDigits: 2 }).format(bps / 100)} %`;

/** One condition of a content-manager list filter: a field path, an operator and its value(s). */
export type ListFilter = readonly [path: readonly string[], operator: string, value: string | readonly string[]];

/**
 * The content manager's list of `uid` filtered by `filters` (all of them) and sorted by `sort`,
 * as an admin-relative path for react-router: the records behind a figure.
 */
export const contentManagerList = (uid: string, filters: readonly ListFilter[], sort?: string): string => {
  const params: string[] = [];
  filters.forEach(([path, operator, value], i) => {
    const key = `filters[$and][${i}]${path.map((p) => `[${p}]`).join('')}[${operator}]`;
    if (typeof value === 'string') params.push(`${key}=${encodeURIComponent(value)}`);
    else value.forEach((v, j) => params.push(`${key}[${j}]=${encodeURIComponent(v)}`));
  });
  if (sort) params.push(`sort=${encodeURIComponent(sort)}`);
  params.push('page=1');
  return `/content-manager/collection-types/${uid}?${params.join('&')}`;
};
