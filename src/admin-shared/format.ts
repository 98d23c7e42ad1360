import { counted, formatAmount, isCurrencyCode } from '../domain';

/**
 * Display helpers every plugin's pages share. Money is formatted by the application's domain
 * (the same exponents and grouping as invoices, receipts and emails: "USD 1,234.50"), never
 * through floating point; dates through Intl.
 */

/** Counts with their noun ("1 run", "2 runs"), worded as the server words them. */
export { counted };

/**
 * An amount of integer minor units in its currency: "USD 643.00", "USD -5.00". A total may arrive
 * as a string of digits (a biginteger column) and stays one. No amount: "—". A value that is not a
 * whole number of minor units (a snapshot altered behind the app's back) is shown as it is; an
 * unknown currency shows the minor units and says so.
 */
export const formatMoney = (amountMinor: number | bigint | string | null | undefined, currency: string): string => {
  if (amountMinor == null) return '—';
  const text = String(amountMinor);
  if (!/^-?\d+$/.test(text)) return text;
  return isCurrencyCode(currency) ? formatAmount(text, currency) : `${text} ${currency} (minor units)`;
};

/** Minor units as a plain number of major units, for chart axes only (never for display or sums). */
export const majorUnits = (amountMinor: number, currency: string): number => {
  const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  return amountMinor / 10 ** digits;
};

/** A calendar date ("2026-03-01", read in UTC) or an instant, as its day. */
export const formatDate = (value: string | null | undefined): string => {
  if (!value) return '—';
  const date = new Date(value.length === 10 ? `${value}T00:00:00Z` : value);
  return new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeZone: 'UTC' }).format(date);
};

/** An instant, in the admin's own time zone. */
export const formatDateTime = (value: string | null | undefined): string => {
  if (!value) return '—';
  return new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(value));
};

/** A month ("2026-03") as "March 2026". */
export const formatMonth = (month: string): string =>
  new Intl.DateTimeFormat('en', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${month}-01T00:00:00Z`));

/** A month ("2026-03") as "Mar 2026", where room is short (a chart's axis, a figure's label). */
export const formatShortMonth = (month: string): string =>
  new Intl.DateTimeFormat('en', { month: 'short', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${month}-01T00:00:00Z`));

/** Who did something, as the audit and the engine record them. */
export interface Actor {
  type: string;
  id?: string;
  name?: string | null;
}

/** A person by name; the system, a job or a token by its kind too. */
export const actorName = (actor: Actor | null | undefined): string =>
  !actor ? '—' : actor.name ? `${actor.name}${actor.type === 'admin' || actor.type === 'user' ? '' : ` (${actor.type})`}` : actor.type;
