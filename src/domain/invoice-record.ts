import { InvoiceKind, InvoiceTotals } from './invoice';
import { CalendarDate, Period, addDays } from './period';

/** Days a customer has to pay an invoice once issued. */
export const PAYMENT_TERMS_DAYS = 7;

/** A gapless document number as the counters hand them out: series, year and a six-digit count (INV-2026-000042). */
export const documentNumber = (series: string, year: number, value: number): string => `${series}-${year}-${String(value).padStart(6, '0')}`;

/** The numbers `count` increments of a counter end on `last`, in order. */
export const numbersEndingAt = (series: string, year: number, last: number, count: number): string[] =>
  Array.from({ length: count }, (_, i) => documentNumber(series, year, last - count + 1 + i));

/**
 * An invoice as issued for one period of a service plan, Open: its attributes as stored, from its
 * number and priced totals. Whoever issues one (one at a time, or a renewal wave) writes these.
 */
export const issuedInvoice = (input: { number: string; kind: InvoiceKind; totals: InvoiceTotals; period: Period; issuedOn: CalendarDate }) => ({
  number: input.number,
  kind: input.kind,
  state: 'Open' as const,
  currency: input.totals.currency,
  lines: input.totals.lines,
  subtotalMinor: input.totals.subtotalMinor,
  taxMinor: input.totals.taxMinor,
  totalMinor: input.totals.totalMinor,
  periodStart: input.period.start,
  periodEnd: input.period.end,
  issuedAt: `${input.issuedOn}T09:00:00.000Z`,
  dueDate: addDays(input.issuedOn, PAYMENT_TERMS_DAYS),
});
