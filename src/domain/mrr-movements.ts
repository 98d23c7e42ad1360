import { divideRounded } from './money';

/**
 * What moved MRR from one month to the next, and the two figures read beside it: the customer
 * churn rate and the average revenue per account (ARPA). MRR itself is the one rule in
 * coverage.ts; these definitions compare each customer's MRR in a currency at the two month ends
 * (each measured as that rule measures a month). The database applies them in SQL over the stored
 * per-customer lines (services/mrr.ts); the integration tests check it against this code.
 *
 * A customer "has MRR" in a currency when their MRR in it is above zero. A customer with plans in
 * two currencies is a customer in each: figures are per currency, never converted.
 */
export const MRR_MOVEMENTS = ['new', 'expansion', 'contraction', 'churn', 'reactivation'] as const;
export type MrrMovementKind = (typeof MRR_MOVEMENTS)[number];

/** How each movement enters the change in MRR. */
export const MOVEMENT_SIGN: Readonly<Record<MrrMovementKind, 1 | -1>> = { new: 1, expansion: 1, reactivation: 1, contraction: -1, churn: -1 };

/** One line per figure, worded for the person reading it; the API returns them with the figures. */
export const MRR_DEFINITIONS = {
  mrr: 'Monthly recurring revenue at the month end (today for the current month): every plan a paid period covers, its price plus recurring add-ons divided by its term in months.',
  arr: 'Annual recurring revenue: 12 × MRR.',
  new: 'MRR of customers who have it at this month end and never had it at an earlier month end.',
  expansion: 'MRR gained by customers who had MRR last month end and have more now.',
  contraction: 'MRR lost by customers who had MRR last month end and have less now, but still some.',
  churn: 'MRR lost by customers who had MRR last month end and have none now.',
  reactivation: 'MRR of customers who have it again after at least one month end without it.',
  churnRate: 'Customers churned this month ÷ customers with MRR at the start of the month (last month end), in basis points (100 = 1 %), rounded half up.',
  arpa: 'Average revenue per account: MRR ÷ customers with MRR at the month end, in minor units, rounded half up.',
} as const;

export type MrrFigureName = keyof typeof MRR_DEFINITIONS;

/**
 * Where one customer's change lands: at most one movement, so the movements of all customers sum
 * to the change in MRR exactly. `hadMrrEarlier`: the customer had MRR in this currency at a month
 * end before the first of the two months.
 */
export const movementOf = (change: { beforeMinor: number; afterMinor: number; hadMrrEarlier: boolean }): { kind: MrrMovementKind; amountMinor: number } | null => {
  const { beforeMinor, afterMinor } = change;
  if (!Number.isSafeInteger(beforeMinor) || !Number.isSafeInteger(afterMinor) || beforeMinor < 0 || afterMinor < 0) {
    throw new RangeError(`MRR must be a whole, non-negative number of minor units, got ${beforeMinor} and ${afterMinor}`);
  }
  if (beforeMinor === 0 && afterMinor === 0) return null;
  if (beforeMinor === 0) return { kind: change.hadMrrEarlier ? 'reactivation' : 'new', amountMinor: afterMinor };
  if (afterMinor === 0) return { kind: 'churn', amountMinor: beforeMinor };
  if (afterMinor > beforeMinor) return { kind: 'expansion', amountMinor: afterMinor - beforeMinor };
  if (afterMinor < beforeMinor) return { kind: 'contraction', amountMinor: beforeMinor - afterMinor };
  return null;
};

/** A customer's MRR in one currency at one month end. */
export interface CustomerMrr {
  customer: string | number;
  currency: string;
  mrrMinor: number;
}

export interface MrrMovementTotals {
  currency: string;
  startMinor: number;
  newMinor: number;
  expansionMinor: number;
  reactivationMinor: number;
  contractionMinor: number;
  churnMinor: number;
  endMinor: number;
  customers: { atStart: number; atEnd: number; new: number; expanded: number; reactivated: number; contracted: number; churned: number };
}

const AMOUNT_FIELD = { new: 'newMinor', expansion: 'expansionMinor', reactivation: 'reactivationMinor', contraction: 'contractionMinor', churn: 'churnMinor' } as const;
const COUNT_FIELD = { new: 'new', expansion: 'expanded', reactivation: 'reactivated', contraction: 'contracted', churn: 'churned' } as const;

/** The movements per currency between two month ends' customer figures. */
export const mrrMovements = (input: {
  start: readonly CustomerMrr[];
  end: readonly CustomerMrr[];
  hadMrrEarlier: (customer: string | number, currency: string) => boolean;
}): MrrMovementTotals[] => {
  const key = (line: CustomerMrr) => `${line.currency}\u0000${line.customer}`;
  const pairs = new Map<string, { customer: string | number; currency: string; beforeMinor: number; afterMinor: number }>();
  for (const [side, lines] of [['beforeMinor', input.start], ['afterMinor', input.end]] as const) {
    for (const line of lines) {
      const pair = pairs.get(key(line)) ?? { customer: line.customer, currency: line.currency, beforeMinor: 0, afterMinor: 0 };
      pair[side] += line.mrrMinor;
      pairs.set(key(line), pair);
    }
  }
  const totals = new Map<string, MrrMovementTotals>();
  for (const pair of pairs.values()) {
    const total = totals.get(pair.currency) ?? {
      currency: pair.currency,
      startMinor: 0,
      newMinor: 0,
      expansionMinor: 0,
      reactivationMinor: 0,
      contractionMinor: 0,
      churnMinor: 0,
      endMinor: 0,
      customers: { atStart: 0, atEnd: 0, new: 0, expanded: 0, reactivated: 0, contracted: 0, churned: 0 },
    };
    total.startMinor += pair.beforeMinor;
    total.endMinor += pair.afterMinor;
    if (pair.beforeMinor > 0) total.customers.atStart += 1;
    if (pair.afterMinor > 0) total.customers.atEnd += 1;
    const movement = movementOf({ ...pair, hadMrrEarlier: pair.beforeMinor === 0 && input.hadMrrEarlier(pair.customer, pair.currency) });
    if (movement) {
      total[AMOUNT_FIELD[movement.kind]] += movement.amountMinor;
      total.customers[COUNT_FIELD[movement.kind]] += 1;
    }
    totals.set(pair.currency, total);
  }
  return [...totals.values()].sort((a, b) => a.currency.localeCompare(b.currency));
};

/** The movements' net effect on MRR: new + expansion + reactivation − contraction − churn. */
export const netMovementMinor = (m: Omit<MrrMovementTotals, 'currency' | 'startMinor' | 'endMinor' | 'customers'>): number =>
  MRR_MOVEMENTS.reduce((net, kind) => net + MOVEMENT_SIGN[kind] * m[AMOUNT_FIELD[kind]], 0);

/** Whether the movements account for the change in MRR to the minor unit (they always must). */
export const reconciles = (m: MrrMovementTotals): boolean => m.startMinor + netMovementMinor(m) === m.endMinor;

/**
 * The one rounding rule for rates: a share in basis points (1 bp = 0.01 %), rounded half up
 * (the money rule, `divideRounded`, on non-negative counts). No whole, no rate: null.
 */
export const rateBps = (part: number, whole: number): number | null => {
  if (!Number.isSafeInteger(part) || !Number.isSafeInteger(whole) || part < 0 || whole < 0) {
    throw new RangeError(`A rate needs whole, non-negative counts, got ${part} of ${whole}`);
  }
  return whole === 0 ? null : Number(divideRounded(BigInt(part) * 10_000n, BigInt(whole)));
};

/** Customer churn rate of a month: customers churned ÷ customers with MRR at its start (`rateBps`). */
export const churnRateBps = (m: Pick<MrrMovementTotals, 'customers'>): number | null => rateBps(m.customers.churned, m.customers.atStart);

/**
 * Average revenue per account: MRR ÷ customers with MRR, in minor units, rounded half up by the
 * money rule (`divideRounded`); no customers, no average: null.
 */
export const arpaMinor = (mrrMinor: number, customers: number): number | null => {
  if (!Number.isSafeInteger(mrrMinor) || !Number.isSafeInteger(customers) || mrrMinor < 0 || customers < 0) {
    throw new RangeError(`ARPA needs whole, non-negative MRR and customers, got ${mrrMinor} and ${customers}`);
  }
  return customers === 0 ? null : Number(divideRounded(BigInt(mrrMinor), BigInt(customers)));
};
