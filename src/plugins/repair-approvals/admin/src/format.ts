import { format, money } from '../../../../domain';
import { ROLES } from '../../server/src/domain/process';

/** Counts with their noun ("1 request", "2 requests"), worded as the server words them. */
export { counted } from '../../../../domain';

/**
 * Display helpers. Money is formatted by the application's domain (the same exponents and
 * grouping as invoices and emails), never through floating point.
 */
export const formatMoney = (amountMinor: number | null | undefined, currency: string): string => {
  if (amountMinor == null) return '—';
  // A snapshot altered behind the certificate's back may hold anything: shown as it is.
  if (!Number.isSafeInteger(amountMinor)) return String(amountMinor);
  const text = format(money(Math.abs(amountMinor), currency));
  return amountMinor < 0 ? `-${text}` : text;
};

/** A quantity kept in hundredths (150) as typed (1.5). */
export const formatQuantity = (hundredths: number): string => new Intl.NumberFormat('en', { maximumFractionDigits: 2 }).format(hundredths / 100);

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
  new Intl.DateTimeFormat('en', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${month}-01T00:00:00Z`));

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

export const actorName = (actor: { type: string; name?: string | null } | null | undefined): string =>
  !actor ? '—' : actor.name ? `${actor.name}${actor.type === 'admin' || actor.type === 'user' ? '' : ` (${actor.type})`}` : actor.type;

/** An outcome as a decision reads ("approved" -> "Approved"). */
export const outcomeLabel = (outcome: string | null | undefined): string => (outcome ? outcome.charAt(0).toUpperCase() + outcome.slice(1) : '—');
