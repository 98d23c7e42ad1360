import { CalendarDate, addDays, addMonths } from './period';
import { money, sum } from './money';
import { StateMachine } from './status';
import { taxForLine } from './tax';

/**
 * Transit passes: what a fare product costs, how long a pass is valid, and whether a pass is valid
 * at an instant (what a gate or an inspector's device asks). Pure: the time comes in. Vocabulary
 * after GTFS-Fares v2 (fare products, rider categories, fare media).
 */
export const RIDER_CATEGORIES = ['adult', 'senior', 'student', 'resident', 'reduced'] as const;
export const FARE_MEDIA = ['digital', 'card'] as const;
export const VALIDITY_KINDS = ['single-use', 'days', 'months'] as const;
export const ACTIVATIONS = ['on-purchase', 'on-first-use'] as const;
export const PROOFS = ['none', 'age', 'student', 'residency'] as const;
export type ValidityKind = (typeof VALIDITY_KINDS)[number];
export type Activation = (typeof ACTIVATIONS)[number];

export const PASS_ORDER_STATUSES = ['Pending', 'Paid', 'Failed', 'Cancelled'] as const;
export type PassOrderStatus = (typeof PASS_ORDER_STATUSES)[number];
export const passOrderMachine: StateMachine<PassOrderStatus> = {
  name: 'pass order',
  statuses: PASS_ORDER_STATUSES,
  initial: ['Pending'],
  transitions: { Pending: ['Paid', 'Failed', 'Cancelled'], Paid: ['Cancelled'], Failed: [], Cancelled: [] },
};

export const PASS_STATUSES = ['Issued', 'Active', 'Expired', 'Revoked'] as const;
export type PassStatus = (typeof PASS_STATUSES)[number];
export const passMachine: StateMachine<PassStatus> = {
  name: 'pass',
  statuses: PASS_STATUSES,
  initial: ['Issued', 'Active'],
  transitions: { Issued: ['Active', 'Revoked', 'Expired'], Active: ['Expired', 'Revoked'], Expired: [], Revoked: [] },
};

export interface FarePricing {
  priceMinor: number;
  serviceFeeMinor: number;
  taxRateBps: number;
  currency: string;
}

export interface OrderLine {
  kind: 'base' | 'service-fee' | 'tax';
  description: string;
  amountMinor: number;
}

/** Base price + service fee + tax on both (rounded by the money rule, once on their sum). */
export const orderTotals = (product: FarePricing & { name: string }) => {
  const taxable = sum([money(product.priceMinor, product.currency), money(product.serviceFeeMinor, product.currency)], product.currency);
  const tax = taxForLine(taxable, product.taxRateBps);
  const lines: OrderLine[] = [
    { kind: 'base', description: product.name, amountMinor: product.priceMinor },
    { kind: 'service-fee', description: 'Service fee', amountMinor: product.serviceFeeMinor },
    { kind: 'tax', description: `Tax ${product.taxRateBps / 100} %`, amountMinor: tax.amountMinor },
  ];
  return { lines, subtotalMinor: taxable.amountMinor, taxMinor: tax.amountMinor, totalMinor: taxable.amountMinor + tax.amountMinor };
};

/** The agency-local calendar date of an instant (daily revenue is counted by it). */
export const localDate = (instant: Date, timezone: string): CalendarDate =>
  new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);

/**
 * When a pass activated at `from` stops being valid: single-use N minutes later; a period pass
 * N days later, or N months later on the same day of the month (clamped to the month's end, as
 * plan periods are), at the same time of day.
 */
export const validUntil = (from: Date, kind: ValidityKind, amount: number): Date => {
  if (kind === 'single-use') return new Date(from.getTime() + amount * 60_000);
  const day = from.toISOString().slice(0, 10);
  const time = from.toISOString().slice(10);
  const end = kind === 'days' ? addDays(day, amount) : addMonths(day, amount);
  return new Date(`${end}${time}`);
};

export interface PassValidity {
  valid: boolean;
  reason: string;
  validFrom: string | null;
  validUntil: string | null;
}

/** Whether a pass lets its holder travel at `at`, and why (nothing personal). */
export const validityAt = (pass: { state: PassStatus; validFrom: string | null; validUntil: string | null; activation: Activation }, at: Date): PassValidity => {
  const answer = (valid: boolean, reason: string): PassValidity => ({ valid, reason, validFrom: pass.validFrom, validUntil: pass.validUntil });
  if (pass.state === 'Revoked') return answer(false, 'revoked');
  if (pass.state === 'Issued' && pass.activation === 'on-first-use' && !pass.validFrom) return answer(true, 'not yet activated: valid from its first use');
  if (pass.state === 'Issued' && !pass.validFrom) return answer(false, 'not yet paid or issued');
  if (pass.validFrom && at < new Date(pass.validFrom)) return answer(false, `not valid before ${pass.validFrom}`);
  if (pass.state === 'Expired' || (pass.validUntil && at >= new Date(pass.validUntil))) return answer(false, 'expired');
  return answer(true, 'valid');
};

/** Whether an eligibility verification still holds on `on`, and whether re-verification is open (within `reverifyDays` of its expiry). */
export const verificationStanding = (expiresAt: Date | null, on: Date, reverifyDays: number) => {
  if (!expiresAt) return { valid: true, reverify: false };
  const valid = on < expiresAt;
  return { valid, reverify: valid && expiresAt.getTime() - on.getTime() <= reverifyDays * 86_400_000 };
};
