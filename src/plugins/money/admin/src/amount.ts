import { type ParsedAmount, formatAmount, formatMajorUnits, isCurrencyCode, parseMajorUnits } from '../../../../domain';
import { CURRENCY_FIELD, type CurrencyFrom } from '../../server/src/fields';

/**
 * The admin's money helpers, over the domain's one formatter and parser (the same exponents as
 * invoices and emails). Without a known currency an amount is shown and typed as it is stored,
 * in minor units, and says so.
 */
const isStoredAmount = (value: unknown): value is number | string =>
  (typeof value === 'number' && Number.isSafeInteger(value)) || (typeof value === 'string' && /^-?\d+$/.test(value));

/**
 * The currency of a row of the content manager's list: its own, or that of the to-one relation
 * the field's `currencyFrom` names (the list populates to-one relations with their fields).
 */
export const rowCurrency = (row: Record<string, unknown>, attribute: { options?: { currencyFrom?: CurrencyFrom } }): unknown => {
  const from = attribute.options?.currencyFrom;
  if (!from) return row[CURRENCY_FIELD];
  const related = row[from.field];
  return related && typeof related === 'object' ? (related as Record<string, unknown>)[CURRENCY_FIELD] : undefined;
};

/** "USD 643.00" for 64300 in USD; "-" for no amount. */
export const displayAmount = (value: unknown, currency: unknown): string => {
  if (value === null || value === undefined || value === '') return '-';
  if (!isStoredAmount(value)) return String(value);
  return isCurrencyCode(currency) ? formatAmount(value, currency) : `${value} (minor units)`;
};

/** What the input shows for a stored amount: "1,234.50" beside "USD". */
export const inputText = (value: unknown, currency: unknown): string => {
  if (!isStoredAmount(value)) return '';
  return isCurrencyCode(currency) ? formatMajorUnits(value, currency, { grouping: true }) : String(value);
};

/** What a person typed: minor units (null for nothing typed), or the problem with it — the domain's parse result. */
export type InputReading = ParsedAmount;

/** What a person typed, as minor units, checked against the field's bounds (written as money). */
export const readInput = (text: string, currency: unknown, bounds: { min?: unknown; max?: unknown }): InputReading => {
  const known = isCurrencyCode(currency) ? currency : null;
  const parsed: InputReading = known
    ? parseMajorUnits(text, known)
    : text.trim() === ''
      ? { amountMinor: null }
      : /^\s*-?\d+\s*$/.test(text)
        ? { amountMinor: BigInt(text.trim()) }
        : { problem: 'Write the amount in minor units, with digits only' };
  if (parsed.amountMinor === null || parsed.amountMinor === undefined) return parsed;
  const show = (minor: bigint) => (known ? formatAmount(minor, known) : `${minor} minor units`);
  const min = isStoredAmount(bounds.min) ? BigInt(bounds.min) : null;
  const max = isStoredAmount(bounds.max) ? BigInt(bounds.max) : null;
  if (min !== null && parsed.amountMinor < min) return { problem: `The amount must be at least ${show(min)}` };
  if (max !== null && parsed.amountMinor > max) return { problem: `The amount must be at most ${show(max)}` };
  return parsed;
};
