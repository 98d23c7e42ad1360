import { StateMachine } from './status';
import { Money, money, multiplyRatio, sum } from './money';
import { taxForLine } from './tax';

/**
 * Repair estimates put to approval: their lines and totals, the credit check, and the status
 * machine of a request. Pure: the caller brings the customer's figures and the time.
 */
export const APPROVAL_STATUSES = ['Draft', 'Submitted', 'UnderReview', 'Approved', 'Rejected'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

export const approvalRequestMachine: StateMachine<ApprovalStatus> = {
  name: 'approval request',
  statuses: APPROVAL_STATUSES,
  initial: ['Draft'],
  transitions: {
    Draft: ['Submitted'],
    // Reviewed, or refused before any review (a decision may reject outright).
    Submitted: ['UnderReview', 'Rejected'],
    UnderReview: ['Approved', 'Rejected'],
    Approved: [],
    Rejected: [],
  },
};

export const ESTIMATE_LINE_KINDS = ['labor', 'parts', 'fee'] as const;
export type EstimateLineKind = (typeof ESTIMATE_LINE_KINDS)[number];

/** A line as typed: a quantity with at most two decimals (1.5 hours), a unit price in minor units. */
export interface EstimateLineInput {
  kind: EstimateLineKind;
  description: string;
  /** Hundredths of a unit: 150 is 1.5 hours. */
  quantityHundredths: number;
  unitPriceMinor: number;
}

export interface EstimateLine extends EstimateLineInput {
  amountMinor: number;
}

export interface EstimateTotals {
  lines: EstimateLine[];
  subtotalMinor: number;
  taxMinor: number;
  totalMinor: number;
}

/**
 * Each line's amount is quantity x unit price, rounded by the money rule (half away from zero to
 * the minor unit); tax is taken on the subtotal once (an estimate is one taxable supply), and the
 * total is their sum. Throws a MoneyError when a line, the subtotal or the total leaves the
 * range a money column stores.
 */
export const estimateTotals = (lines: readonly EstimateLineInput[], currency: string, taxRateBps: number): EstimateTotals => {
  const priced = lines.map((line) => ({ ...line, amountMinor: multiplyRatio(money(line.unitPriceMinor, currency), line.quantityHundredths, 100).amountMinor }));
  const subtotal: Money = sum(priced.map((line) => money(line.amountMinor, currency)), currency);
  const tax = taxForLine(subtotal, taxRateBps);
  const total = money(subtotal.amountMinor + tax.amountMinor, currency);
  return { lines: priced, subtotalMinor: subtotal.amountMinor, taxMinor: tax.amountMinor, totalMinor: total.amountMinor };
};

/** The credit check as taken at step 5, kept on the request. */
export interface CreditCheck {
  currency: string;
  /** Open and past-due invoices of the customer in the request's currency. */
  unpaidInvoicesMinor: number;
  unpaidInvoices: number;
  /** Authorized estimates committed against the limit and not yet invoiced. */
  committedMinor: number;
  requestMinor: number;
  /** Unpaid + committed + this request. */
  exposureMinor: number;
  /** Null: no credit limit is set for the customer. */
  limitMinor: number | null;
  over: boolean;
  /** Unpaid invoices in other currencies, left out of the sum (their count, by currency). */
  otherCurrencies: Record<string, number>;
}

/**
 * After ERPNext's credit-limit check (outstanding + this amount > limit): over the limit does not
 * refuse the request, it tells the Finance audit to decide. No limit: never over.
 */
export const creditCheck = (input: {
  currency: string;
  unpaid: readonly { amountMinor: number; currency: string }[];
  committedMinor: number;
  requestMinor: number;
  limitMinor: number | null;
}): CreditCheck => {
  const mine = input.unpaid.filter((invoice) => invoice.currency === input.currency);
  const otherCurrencies: Record<string, number> = {};
  for (const invoice of input.unpaid) if (invoice.currency !== input.currency) otherCurrencies[invoice.currency] = (otherCurrencies[invoice.currency] ?? 0) + 1;
  const unpaidInvoicesMinor = mine.reduce((total, invoice) => total + invoice.amountMinor, 0);
  const exposureMinor = unpaidInvoicesMinor + input.committedMinor + input.requestMinor;
  return {
    currency: input.currency,
    unpaidInvoicesMinor,
    unpaidInvoices: mine.length,
    committedMinor: input.committedMinor,
    requestMinor: input.requestMinor,
    exposureMinor,
    limitMinor: input.limitMinor,
    over: input.limitMinor !== null && exposureMinor > input.limitMinor,
    otherCurrencies,
  };
};

/** The median of a list of numbers (the mean of the middle two for an even count); null for none. */
export const median = (values: readonly number[]): number | null => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
