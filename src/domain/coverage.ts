import { CalendarDate, CalendarMonth, Period, addCalendarMonths, addDays, isCalendarMonth, PeriodError } from './period';
import { ServicePlanStatus } from './status';
import { monthlyRecurringRevenue } from './mrr';
import type { CustomerMrr } from './mrr-movements';
import { money } from './money';

/**
 * Paid means covered. A customer who paid for a period is covered until that period ends: a
 * renewal in progress, a declined renewal card or a refund of the renewal never takes away a
 * period already paid. These rules decide what the plan shows, when it lapses, what a refund
 * undoes, when a renewal may start and which plans count in MRR. Periods end exclusively, as
 * everywhere: a period of 2026-10-03 to 2026-11-03 covers November 2 and not November 3.
 */

export const covers = (period: Period, day: CalendarDate): boolean => period.start <= day && day < period.end;

/** The latest end of the periods paid for (not refunded), or null when nothing is paid. */
export const paidUntil = (paid: readonly Period[]): CalendarDate | null =>
  paid.reduce<CalendarDate | null>((latest, p) => (latest === null || p.end > latest ? p.end : latest), null);

/** The day a customer would call "paid through": the last day covered (the end is exclusive). */
export const paidThroughDay = (until: CalendarDate | null): CalendarDate | null => (until ? addDays(until, -1) : null);

/**
 * The period the customer is covered for on `today`: the paid period covering it; when none
 * does, the last one that has ended (what the plan last gave), else the first one to come.
 */
export const currentPeriod = (paid: readonly Period[], today: CalendarDate): Period | null => {
  const sorted = [...paid].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  return sorted.find((p) => covers(p, today)) ?? [...sorted].reverse().find((p) => p.end <= today) ?? sorted[0] ?? null;
};

// ----- MRR ------------------------------------------------------------------------------------

export interface MrrPlan {
  customer: string | number;
  state: ServicePlanStatus;
  currency: string;
  termMonths: number;
  /** Recurring revenue per term: price plus recurring add-ons (see `recurringPerTerm`). */
  recurringMinor: number;
  /** Periods of the plan's Paid invoices (refunded, void and open ones are not paid periods). */
  paid: readonly Period[];
}

/**
 * The one MRR rule. A plan counts on a day when a Paid invoice's period covers that day and the
 * plan is not Cancelled — whatever state its renewal run is in (Processing, PastDue). It counts
 * its recurring revenue per term divided by the term, rounded per plan half away from zero.
 */
export const countsForMrr = (plan: Pick<MrrPlan, 'state' | 'paid'>, day: CalendarDate): boolean =>
  plan.state !== 'Cancelled' && plan.paid.some((p) => covers(p, day));

export const planMrrMinor = (plan: Pick<MrrPlan, 'recurringMinor' | 'currency' | 'termMonths'>): number =>
  monthlyRecurringRevenue(money(plan.recurringMinor, plan.currency), plan.termMonths).amountMinor;

/** MRR per currency on `day`: the sum of the counted plans' figures, and how many plans counted. */
export const mrrOn = (plans: readonly MrrPlan[], day: CalendarDate) => {
  const totals = new Map<string, { currency: string; mrrMinor: number; plans: number }>();
  for (const plan of plans) {
    if (!countsForMrr(plan, day)) continue;
    const entry = totals.get(plan.currency) ?? { currency: plan.currency, mrrMinor: 0, plans: 0 };
    entry.mrrMinor += planMrrMinor(plan);
    entry.plans += 1;
    totals.set(plan.currency, entry);
  }
  return [...totals.values()].sort((a, b) => a.currency.localeCompare(b.currency));
};

/** Each customer's MRR per currency on `day`, by the same rule: the figures movements compare. */
export const customerMrrOn = (plans: readonly MrrPlan[], day: CalendarDate): CustomerMrr[] => {
  const lines = new Map<string, CustomerMrr>();
  for (const plan of plans) {
    if (!countsForMrr(plan, day)) continue;
    const key = `${plan.currency}\u0000${plan.customer}`;
    const line = lines.get(key) ?? { customer: plan.customer, currency: plan.currency, mrrMinor: 0 };
    line.mrrMinor += planMrrMinor(plan);
    lines.set(key, line);
  }
  return [...lines.values()];
};

export const lastDayOfMonth = (month: CalendarMonth): CalendarDate => {
  if (!isCalendarMonth(month)) throw new PeriodError(`A month is YYYY-MM, not ${month}`);
  return addDays(`${addCalendarMonths(month, 1)}-01`, -1);
};

/**
 * The day a month's MRR is measured on: a finished month at its end (its last day, in the jobs'
 * time zone: the day that contains the month's last instant), the current month today (a live
 * figure, replaced until the month ends). A month to come has no figure.
 */
export const mrrMeasureDay = (month: CalendarMonth, today: CalendarDate): { day: CalendarDate; final: boolean } => {
  const thisMonth = today.slice(0, 7);
  if (month > thisMonth) throw new PeriodError(`${month} has not started yet`);
  return month < thisMonth ? { day: lastDayOfMonth(month), final: true } : { day: today, final: false };
};

/** The calendar date of an instant in an IANA time zone. */
export const dateInZone = (instant: Date, timeZone: string): CalendarDate =>
  new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);

// ----- the plan's lifecycle --------------------------------------------------------------------

/** What a paid invoice does to the plan's dates: the current period and the paid-through end. */
export const datesAfterPayment = (input: {
  current: Period | null;
  paidUntil: CalendarDate | null;
  paid: Period;
  today: CalendarDate;
}): { current: Period; paidUntil: CalendarDate } => {
  const stillCovered = input.current !== null && covers(input.current, input.today) && input.paid.start >= input.current.end;
  return {
    current: stillCovered ? (input.current as Period) : input.paid,
    paidUntil: input.paidUntil && input.paidUntil > input.paid.end ? input.paidUntil : input.paid.end,
  };
};

const LAPSING: readonly ServicePlanStatus[] = ['Active', 'Processing', 'PastDue'];

/**
 * What happens to a plan when its coverage is checked on `today`: nothing while a paid period
 * covers it; once the paid period has ended, PastDue while a renewal is still owed (its invoice
 * open), Expired when nothing is owed. A renewal started after the plan had expired is a new
 * start, not a payment late: it is past due only after its invoice's due date (`lateRenewalDue`).
 */
export const lapse = (input: {
  state: ServicePlanStatus;
  paidUntil: CalendarDate | null;
  today: CalendarDate;
  renewalOwed: boolean;
  lateRenewalDue?: CalendarDate | null;
}): 'PastDue' | 'Expired' | null => {
  if (!LAPSING.includes(input.state)) return null;
  if (input.paidUntil && input.today < input.paidUntil) return null;
  if (input.renewalOwed && input.lateRenewalDue && input.today <= input.lateRenewalDue) return null;
  if (input.renewalOwed) return input.state === 'PastDue' ? null : 'PastDue';
  return 'Expired';
};

/**
 * Where a plan goes when a run closes without payment (Finance rejects it, it is cancelled): a
 * purchase never paid is cancelled; a renewal leaves the plan as its paid periods make it —
 * Active while one still covers today, Expired once they have ended.
 */
export const stateAfterUnpaidRun = (input: {
  kind: 'new' | 'renewal';
  previous: ServicePlanStatus | null;
  paidUntil: CalendarDate | null;
  today: CalendarDate;
}): ServicePlanStatus => {
  if (input.kind === 'new' || !input.previous || input.previous === 'Pending') return 'Cancelled';
  if (!LAPSING.includes(input.previous)) return input.previous;
  return input.paidUntil && input.today < input.paidUntil ? 'Active' : 'Expired';
};

/**
 * A payment refunded in full. A refund of the first purchase cancels the plan. A refund of a
 * renewal takes back that renewal only: the plan keeps the periods still paid, is covered until
 * they end (then expires as any plan does), and is Expired at once if none covers today.
 */
export const afterRefund = (input: {
  kind: 'new' | 'renewal';
  state: ServicePlanStatus;
  stillPaid: readonly Period[];
  today: CalendarDate;
}): { state: ServicePlanStatus; current: Period | null; paidUntil: CalendarDate | null } => {
  const until = paidUntil(input.stillPaid);
  const current = currentPeriod(input.stillPaid, input.today);
  if (input.state === 'Cancelled' || input.kind === 'new') return { state: 'Cancelled', current, paidUntil: until };
  if (input.state === 'Expired') return { state: 'Expired', current, paidUntil: until };
  return { state: until && input.today < until ? 'Active' : 'Expired', current, paidUntil: until };
};

/**
 * When a renewal may start: from `leadDays` before the paid period ends. A plan never paid for,
 * or whose paid period is that close or over, may be renewed at once.
 */
export const firstRenewalDay = (paidUntilDate: CalendarDate | null, leadDays: number): CalendarDate | null => {
  if (!Number.isInteger(leadDays) || leadDays < 0) throw new PeriodError(`Lead days must be a whole number >= 0, got ${leadDays}`);
  return paidUntilDate ? addDays(paidUntilDate, -leadDays) : null;
};

export const renewalMayStart = (input: { paidUntil: CalendarDate | null; leadDays: number; today: CalendarDate }): boolean => {
  const first = firstRenewalDay(input.paidUntil, input.leadDays);
  return first === null || input.today >= first;
};
