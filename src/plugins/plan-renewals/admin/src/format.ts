import { OUTCOME_LABELS, ROLES, TASK_OUTCOMES, TASK_TITLES } from '../../server/src/domain/process';

/** Money, dates, counts and people as every plugin's pages show them. */
export { actorName, counted, formatDate, formatDateTime, formatMoney, majorUnits } from '../../../../admin-shared/format';
/** Months are short on these pages (chart axes, figure labels). */
export { formatShortMonth as formatMonth } from '../../../../admin-shared/format';

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
