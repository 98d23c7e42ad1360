import { AddOn } from './invoice';
import { Money, add, divideRounded, money, sum } from './money';

/**
 * Recurring revenue of a plan for one term: the plan price plus the recurring add-ons chosen
 * (tax and one-time fees excluded). Stored on an active service plan so MRR can be summed by
 * the database.
 */
export const recurringPerTerm = (plan: {
  priceMinor: number;
  currency: string;
  addOns: readonly AddOn[];
  chosenAddOnCodes: readonly string[];
}): Money => {
  const recurring = plan.addOns.filter((a) => a.billing === 'recurring' && plan.chosenAddOnCodes.includes(a.code));
  return add(
    money(plan.priceMinor, plan.currency),
    sum(recurring.map((a) => money(a.feeMinor, plan.currency)), plan.currency),
  );
};

/**
 * Monthly recurring revenue of one plan: its recurring revenue per term divided by the term in
 * months, rounded per plan with the money rounding rule (half away from zero): a 12-month plan
 * of 600.00 is 50.00 a month. MRR totals are sums of these per-plan figures, so the database's
 * sum and this function agree to the minor unit.
 */
export const monthlyRecurringRevenue = (perTerm: Money, termMonths: number): Money =>
  money(Number(divideRounded(BigInt(perTerm.amountMinor), BigInt(termMonths))), perTerm.currency);
