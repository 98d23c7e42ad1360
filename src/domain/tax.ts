import { Money, MoneyError, multiplyRatio } from './money';

/** Tax rates are integers in basis points: 825 = 8.25 %. At most 100 %. */
export const MAX_TAX_RATE_BPS = 10_000;

export const taxRateProblem = (rateBps: unknown): string | null => {
  if (typeof rateBps !== 'number' || !Number.isInteger(rateBps)) {
    return `must be a whole number of basis points, got ${JSON.stringify(rateBps)}`;
  }
  if (rateBps < 0 || rateBps > MAX_TAX_RATE_BPS) {
    return `must be between 0 and ${MAX_TAX_RATE_BPS} basis points, got ${rateBps}`;
  }
  return null;
};

/**
 * Tax on one line: amount x rate / 10,000, rounded by the money rounding rule (half away from
 * zero to the minor unit). Tax is computed per line and then summed, so an invoice's tax always
 * equals the sum of what each line shows.
 */
export const taxForLine = (amount: Money, rateBps: number): Money => {
  const problem = taxRateProblem(rateBps);
  if (problem) throw new MoneyError(`Tax rate ${problem}`);
  return multiplyRatio(amount, rateBps, MAX_TAX_RATE_BPS);
};
