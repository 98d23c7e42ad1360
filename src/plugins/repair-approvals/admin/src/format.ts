import { ROLES } from '../../server/src/domain/process';

/** Money, dates, counts and people as every plugin's pages show them. */
export { actorName, counted, formatDate, formatDateTime, formatMoney, formatMonth } from '../../../../admin-shared/format';

/** A quantity kept in hundredths (150) as typed (1.5). */
export const formatQuantity = (hundredths: number): string => new Intl.NumberFormat('en', { maximumFractionDigits: 2 }).format(hundredths / 100);

/** Hours to decide, as the server rounds them (tenths); none yet: "—". */
export const formatHours = (hours: number | null | undefined): string =>
  hours == null ? '—' : `${new Intl.NumberFormat('en', { maximumFractionDigits: 1 }).format(hours)} h`;

/** Each role's name, as the process declares it. */
export const ROLE_LABELS: Record<string, string> = Object.fromEntries(Object.entries(ROLES).map(([role, { label }]) => [role, label]));

/** A request's states, in the order a request goes through them, as people read them. */
export const STATUS_LABELS: Record<string, string> = {
  Draft: 'Draft',
  Submitted: 'Submitted',
  UnderReview: 'Under review',
  Approved: 'Approved',
  Rejected: 'Rejected',
};
export const STATUSES = Object.keys(STATUS_LABELS);

export const KIND_LABELS: Record<string, string> = { labor: 'Labor', parts: 'Parts', fee: 'Fee' };

/** An outcome as a decision reads ("approved" -> "Approved"). */
export const outcomeLabel = (outcome: string | null | undefined): string => (outcome ? outcome.charAt(0).toUpperCase() + outcome.slice(1) : '—');
