import {
  MrrPlan,
  PeriodError,
  afterRefund,
  countsForMrr,
  currentPeriod,
  dateInZone,
  datesAfterPayment,
  firstRenewalDay,
  lapse,
  lastDayOfMonth,
  mrrMeasureDay,
  mrrOn,
  paidThroughDay,
  paidUntil,
  renewalMayStart,
  stateAfterUnpaidRun,
} from '../../src/domain';

const p = (start: string, end: string) => ({ start, end });

describe('the MRR rule: a Paid period covers the day and the plan is not Cancelled', () => {
  const oct = p('2026-10-03', '2026-11-03');
  const nov = p('2026-11-03', '2026-12-03');
  test.each([
    ['Active, paid period covers the day', 'Active', [oct], '2026-10-31', true],
    ['renewal open across the month end (Processing)', 'Processing', [oct], '2026-10-31', true],
    ['renewal declined, still inside the paid period (PastDue)', 'PastDue', [oct], '2026-10-31', true],
    ['the end day is not covered (ends exclusively)', 'Active', [oct], '2026-11-03', false],
    ['the first day is covered', 'Active', [oct], '2026-10-03', true],
    ['renewal paid: the next period covers the next month', 'Active', [oct, nov], '2026-11-30', true],
    ['paid period over, renewal unpaid', 'PastDue', [oct], '2026-11-30', false],
    ['Cancelled inside a paid period', 'Cancelled', [oct], '2026-10-31', false],
    ['nothing paid (refunded, void or open invoices only)', 'Processing', [], '2026-10-31', false],
    ['Expired state but a paid period still covers the day', 'Expired', [oct], '2026-10-31', true],
  ] as const)('%s', (_what, state, paid, day, expected) => {
    expect(countsForMrr({ state, paid }, day)).toBe(expected);
  });

  const plan = (over: Partial<MrrPlan>): MrrPlan => ({ customer: 1, state: 'Active', currency: 'USD', termMonths: 1, recurringMinor: 5499, paid: [oct], ...over });

  test('October by hand: the customer renewing across the month end still counts (360.02, not 305.03)', () => {
    // Five customers; the one renewing (opened Oct 29, paid Nov 1) is Processing on Oct 31.
    const plans = [
      plan({ customer: 1, recurringMinor: 5499, state: 'Processing' }), // 54.99
      plan({ customer: 2, recurringMinor: 72000, termMonths: 12, paid: [p('2026-03-01', '2027-03-01')] }), // 60.00
      plan({ customer: 3, recurringMinor: 27900 + 3000, termMonths: 6, paid: [p('2026-09-10', '2027-03-10')] }), // 51.50
      plan({ customer: 4, recurringMinor: 77700, termMonths: 12, paid: [p('2026-06-01', '2027-06-01')] }), // 64.75
      plan({ customer: 5, recurringMinor: 12878, paid: [p('2026-10-15', '2026-11-15')] }), // 128.78
    ];
    expect(mrrOn(plans, '2026-10-31')).toEqual([{ currency: 'USD', mrrMinor: 5499 + 6000 + 5150 + 6475 + 12878, plans: 5 }]);
    expect(5499 + 6000 + 5150 + 6475 + 12878).toBe(36002);
    // Counting only Active plans would have dropped the renewing customer: 360.02 - 54.99 = 305.03.
    expect(mrrOn(plans.slice(1), '2026-10-31')[0].mrrMinor).toBe(30503);
  });

  test('per plan rounding half away from zero, per currency', () => {
    const plans = [
      plan({ recurringMinor: 15003, termMonths: 6, currency: 'EUR' }), // 25.005 -> 25.01
      plan({ recurringMinor: 9000, termMonths: 3, currency: 'JPY' }),
      plan({ recurringMinor: 4999 }),
      plan({ recurringMinor: 4999, state: 'Cancelled' }),
    ];
    expect(mrrOn(plans, '2026-10-10')).toEqual([
      { currency: 'EUR', mrrMinor: 2501, plans: 1 },
      { currency: 'JPY', mrrMinor: 3000, plans: 1 },
      { currency: 'USD', mrrMinor: 4999, plans: 1 },
    ]);
  });

  test.each([
    ['2026-10', '2026-12-02', '2026-10-31', true],
    ['2026-02', '2026-12-02', '2026-02-28', true],
    ['2028-02', '2028-03-01', '2028-02-29', true],
    ['2026-12', '2026-12-02', '2026-12-02', false],
  ])('month %s measured on %s: day %s, final %p', (month, today, day, final) => {
    expect(mrrMeasureDay(month, today)).toEqual({ day, final });
  });

  test('a month to come has no figure', () => {
    expect(() => mrrMeasureDay('2027-01', '2026-12-02')).toThrow(PeriodError);
    expect(lastDayOfMonth('2026-12')).toBe('2026-12-31');
  });

  test.each([
    ['2026-11-01T03:30:00Z', 'UTC', '2026-11-01'],
    ['2026-11-01T03:30:00Z', 'America/Chicago', '2026-10-31'], // still October 31 in Chicago
    ['2026-10-31T23:30:00Z', 'Europe/Berlin', '2026-11-01'],
  ])('%s in %s is %s', (instant, zone, date) => {
    expect(dateInZone(new Date(instant), zone)).toBe(date);
  });
});

describe('plan dates: the period covered now and the paid-through date', () => {
  const first = p('2026-01-15', '2027-01-15');
  const second = p('2027-01-15', '2028-01-15');
  test.each([
    ['a first purchase', null, null, first, '2026-01-15', first, '2027-01-15'],
    ['a renewal paid early: covered by the first period, paid through the second', first, '2027-01-15', second, '2027-01-02', first, '2028-01-15'],
    ['a renewal paid after the first ended (PastDue)', first, '2027-01-15', second, '2027-01-20', second, '2028-01-15'],
    ['a late renewal starting today', first, '2027-01-15', p('2027-03-01', '2028-03-01'), '2027-03-01', p('2027-03-01', '2028-03-01'), '2028-03-01'],
  ] as const)('%s', (_what, current, until, paid, today, expectedCurrent, expectedUntil) => {
    expect(datesAfterPayment({ current, paidUntil: until, paid, today })).toEqual({ current: expectedCurrent, paidUntil: expectedUntil });
  });

  test.each([
    [[first, second], '2026-06-01', first],
    [[second, first], '2027-01-15', second], // the renewal becomes current the day the first ends
    [[first], '2027-02-01', first], // nothing covers: the last one that ended
    [[second], '2026-06-01', second], // only one to come
    [[], '2026-06-01', null],
  ] as const)('current period of %j on %s', (paid, today, expected) => {
    expect(currentPeriod(paid, today)).toEqual(expected);
  });

  test('paid through: the last covered day, the end being exclusive', () => {
    expect(paidUntil([first, second])).toBe('2028-01-15');
    expect(paidThroughDay('2028-01-15')).toBe('2028-01-14');
    expect(paidUntil([])).toBeNull();
    expect(paidThroughDay(null)).toBeNull();
  });
});

describe('PastDue only once the paid period has ended unpaid', () => {
  test.each([
    ['last retry failed, paid period runs for months', 'Processing', '2027-03-01', '2026-12-02', true, null],
    ['paid period ended, renewal still owed', 'Processing', '2026-12-02', '2026-12-02', true, 'PastDue'],
    ['already PastDue, still owed', 'PastDue', '2026-12-01', '2026-12-05', true, null],
    ['paid period ended, nothing owed (no auto-renewal)', 'Active', '2026-12-02', '2026-12-02', false, 'Expired'],
    ['PastDue, the renewal written off', 'PastDue', '2026-12-01', '2026-12-05', false, 'Expired'],
    ['Active inside its paid period', 'Active', '2026-12-03', '2026-12-02', false, null],
    ['Cancelled never lapses', 'Cancelled', '2026-12-01', '2026-12-05', false, null],
    ['Expired stays Expired', 'Expired', '2026-12-01', '2026-12-05', false, null],
  ] as const)('%s', (_what, state, until, today, renewalOwed, expected) => {
    expect(lapse({ state, paidUntil: until, today, renewalOwed })).toBe(expected);
  });

  test.each([
    ['renewed after it expired, its invoice not yet due', '2026-12-11', '2026-12-04', null],
    ['renewed after it expired, on its invoice\'s due date', '2026-12-11', '2026-12-11', null],
    ['renewed after it expired, its invoice overdue', '2026-12-11', '2026-12-12', 'PastDue'],
    ['renewed before it expired (no grace: the paid period ended unpaid)', null, '2026-12-04', 'PastDue'],
  ] as const)('%s', (_what, lateRenewalDue, today, expected) => {
    expect(lapse({ state: 'Processing', paidUntil: '2026-10-30', today, renewalOwed: true, lateRenewalDue })).toBe(expected);
  });

  test.each([
    ['rejected purchase', 'new', 'Pending', null, '2026-12-02', 'Cancelled'],
    ['rejected renewal inside the paid period', 'renewal', 'Active', '2027-01-15', '2026-12-02', 'Active'],
    ['rejected renewal after the paid period', 'renewal', 'Active', '2026-12-01', '2026-12-02', 'Expired'],
    ['cancelled renewal of a PastDue plan', 'renewal', 'PastDue', '2026-12-01', '2026-12-02', 'Expired'],
    ['late renewal of an Expired plan, rejected', 'renewal', 'Expired', '2026-10-01', '2026-12-02', 'Expired'],
  ] as const)('%s', (_what, kind, previous, until, today, expected) => {
    expect(stateAfterUnpaidRun({ kind, previous, paidUntil: until, today })).toBe(expected);
  });
});

describe('a full refund takes back what it paid for, nothing more', () => {
  const first = p('2026-01-15', '2027-01-15');
  test.each([
    ['the first purchase: the plan is cancelled', 'new', 'Active', [], '2026-02-01', 'Cancelled', null, null],
    ['a renewal paid early: covered until the first period ends', 'renewal', 'Active', [first], '2026-12-20', 'Active', first, '2027-01-15'],
    ['a renewal while its run is still open', 'renewal', 'Processing', [first], '2026-12-20', 'Active', first, '2027-01-15'],
    ['a renewal already current: nothing paid covers today', 'renewal', 'Active', [first], '2027-02-01', 'Expired', first, '2027-01-15'],
    ['a renewal of a cancelled plan stays cancelled', 'renewal', 'Cancelled', [first], '2026-12-20', 'Cancelled', first, '2027-01-15'],
  ] as const)('%s', (_what, kind, state, stillPaid, today, expectedState, current, until) => {
    expect(afterRefund({ kind, state, stillPaid, today })).toEqual({ state: expectedState, current, paidUntil: until });
  });
});

describe('a renewal may start from renewalLeadDays before the paid period ends', () => {
  test.each([
    ['2027-01-15', 14, '2026-12-31', false, '2027-01-01'],
    ['2027-01-15', 14, '2027-01-01', true, '2027-01-01'],
    ['2027-01-15', 14, '2027-02-01', true, '2027-01-01'], // lapsed: at once
    ['2027-01-15', 0, '2027-01-14', false, '2027-01-15'],
    [null, 14, '2026-12-02', true, null], // never paid
  ] as const)('paid until %s, lead %p, on %s: %p (first day %s)', (until, leadDays, today, may, first) => {
    expect(renewalMayStart({ paidUntil: until, leadDays, today })).toBe(may);
    expect(firstRenewalDay(until, leadDays)).toBe(first);
  });

  test('a negative or fractional lead is refused', () => {
    expect(() => firstRenewalDay('2027-01-15', -1)).toThrow(PeriodError);
    expect(() => firstRenewalDay('2027-01-15', 1.5)).toThrow(PeriodError);
  });
});
