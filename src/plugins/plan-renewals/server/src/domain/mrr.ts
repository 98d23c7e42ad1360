import { AddOn, Money, add, divideRounded, money, sum } from '../../../../../domain';

/**
 * Monthly recurring revenue of one active plan: the plan price plus its recurring add-ons (tax
 * and one-time fees excluded), divided by the term in months with the money rounding rule
 * (half away from zero): a 12-month plan of 600.00 is 50.00 a month.
 */
export const monthlyRecurringRevenue = (plan: {
  priceMinor: number;
  currency: string;
  termMonths: number;
  addOns: readonly AddOn[];
  chosenAddOnCodes: readonly string[];
}): Money => {
  const recurring = plan.addOns.filter((a) => a.billing === 'recurring' && plan.chosenAddOnCodes.includes(a.code));
  const perTerm = add(
    money(plan.priceMinor, plan.currency),
    sum(recurring.map((a) => money(a.feeMinor, plan.currency)), plan.currency),
  );
  return money(Number(divideRounded(BigInt(perTerm.amountMinor), BigInt(plan.termMonths))), plan.currency);
};
