import { counted, formatAmount, isCurrencyCode } from '../../../../domain';

export { counted };

/**
 * Display helpers. Money is formatted by the application's domain (the same exponents and
 * grouping as receipts and reports), never through floating point: a day's total arrives as a
 * string of digits and stays one.
 */
export const formatMoney = (amountMinor: number | string | null | undefined, currency: string): string => {
  if (amountMinor == null) return '—';
  return isCurrencyCode(currency) ? formatAmount(amountMinor, currency) : `${amountMinor} ${currency} (minor units)`;
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
  new Intl.DateTimeFormat('en', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${month}-01T00:00:00Z`));

/** The rider categories and fare media as the pages name them. */
export const CATEGORY_LABELS: Record<string, string> = { adult: 'Adult', senior: 'Senior', student: 'Student', resident: 'Resident', reduced: 'Reduced fare' };
export const categoryLabel = (category: string): string => CATEGORY_LABELS[category] ?? category;
export const MEDIUM_LABELS: Record<string, string> = { digital: 'Digital', card: 'Card' };

export const ORDER_STATES = ['Pending', 'Paid', 'Failed', 'Cancelled'] as const;
