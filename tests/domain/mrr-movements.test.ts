import {
  CustomerMrr,
  MRR_DEFINITIONS,
  MRR_MOVEMENTS,
  MrrPlan,
  arpaMinor,
  churnRateBps,
  customerMrrOn,
  lastDayOfMonth,
  movementOf,
  mrrMovements,
  mrrOn,
  netMovementMinor,
  rateBps,
  reconciles,
} from '../../src/domain';

describe('one customer change lands in at most one movement', () => {
  test.each([
    ['nothing before or after', 0, 0, false, null],
    ['unchanged', 4999, 4999, false, null],
    ['first MRR ever: new', 0, 4999, false, { kind: 'new', amountMinor: 4999 }],
    ['back after a month without: reactivation', 0, 2999, true, { kind: 'reactivation', amountMinor: 2999 }],
    ['more than before: expansion by the difference', 4999, 10999, false, { kind: 'expansion', amountMinor: 6000 }],
    ['less, but some: contraction by the difference', 5001, 3999, false, { kind: 'contraction', amountMinor: 1002 }],
    ['none left: churn of all of it', 5000, 0, false, { kind: 'churn', amountMinor: 5000 }],
    ['none left, whatever came earlier: churn', 5000, 0, true, { kind: 'churn', amountMinor: 5000 }],
    ['had it earlier but also last month: expansion, not reactivation', 100, 200, true, { kind: 'expansion', amountMinor: 100 }],
  ] as const)('%s', (_what, beforeMinor, afterMinor, hadMrrEarlier, expected) => {
    expect(movementOf({ beforeMinor, afterMinor, hadMrrEarlier })).toEqual(expected);
  });

  test.each([
    [-1, 0],
    [0, 1.5],
    [Number.MAX_SAFE_INTEGER + 1, 0],
  ])('refuses %p -> %p (not whole, non-negative minor units)', (beforeMinor, afterMinor) => {
    expect(() => movementOf({ beforeMinor, afterMinor, hadMrrEarlier: false })).toThrow(RangeError);
  });
});

describe('rates: basis points, rounded half up, written once', () => {
  test.each([
    [0, 10, 0],
    [1, 3, 3333], // 3333.33
    [2, 3, 6667], // 6666.67
    [1, 8, 1250],
    [1, 16, 625],
    [1, 20_000, 1], // 0.5 bp rounds up
    [1, 20_001, 0], // 0.49998 bp rounds down
    [3, 3, 10_000],
    [0, 0, null], // nobody at the start: no rate, not 0 %
  ])('%p of %p = %p bp', (part, whole, expected) => {
    expect(rateBps(part, whole)).toBe(expected);
  });

  test.each([
    [-1, 3],
    [1, -3],
    [0.5, 3],
  ])('refuses %p of %p', (part, whole) => {
    expect(() => rateBps(part, whole)).toThrow(RangeError);
  });
});

describe('ARPA: MRR per customer with MRR, in minor units, rounded half up', () => {
  test.each([
    [15000, 3, 5000],
    [16997, 3, 5666], // 5665.67
    [5, 2, 3], // 2.5 rounds up
    [7, 4, 2], // 1.75
    [0, 0, null],
    [3000, 1, 3000],
    [9_007_199_254_740_991, 1, 9_007_199_254_740_991],
  ])('%p of MRR shared by %p = %p', (mrr, customers, expected) => {
    expect(arpaMinor(mrr, customers)).toBe(expected);
  });

  test('refuses a negative or fractional input', () => {
    expect(() => arpaMinor(-1, 1)).toThrow(RangeError);
    expect(() => arpaMinor(10, 1.5)).toThrow(RangeError);
  });
});

describe('three months by hand: the movements are exactly the change in MRR', () => {
  const p = (start: string, end: string) => ({ start, end });
  const plan = (over: Partial<MrrPlan> & Pick<MrrPlan, 'customer'>): MrrPlan => ({ state: 'Active', currency: 'USD', termMonths: 1, recurringMinor: 0, paid: [], ...over });
  const plans: MrrPlan[] = [
    // A: 49.99 a month throughout; from February also a 12-month plan of 720.00 (60.00): expansion.
    plan({ customer: 'A', recurringMinor: 4999, paid: [p('2026-01-01', '2026-04-01')] }),
    plan({ customer: 'A', recurringMinor: 72000, termMonths: 12, paid: [p('2026-02-10', '2027-02-10')] }),
    // B: a 12-month plan of 600.00 (50.00) paid until Feb 15: churn in February; back in March on 29.99: reactivation.
    plan({ customer: 'B', recurringMinor: 60000, termMonths: 12, paid: [p('2025-02-15', '2026-02-15')] }),
    plan({ customer: 'B', recurringMinor: 2999, paid: [p('2026-03-05', '2026-04-05')] }),
    // C: a 6-month plan of 300.03 (50.005 -> 50.01), cancelled in February for 39.99 a month: contraction.
    plan({ customer: 'C', state: 'Cancelled', recurringMinor: 30003, termMonths: 6, paid: [p('2026-01-01', '2026-07-01')] }),
    plan({ customer: 'C', recurringMinor: 3999, paid: [p('2026-02-15', '2026-03-15'), p('2026-03-15', '2026-04-15')] }),
    // D: new in February at 19.99, paid until Mar 20 and not renewed: churn in March.
    plan({ customer: 'D', state: 'Expired', recurringMinor: 1999, paid: [p('2026-02-20', '2026-03-20')] }),
    // E: 90.00 per quarter in EUR throughout: no movement. F: lapsed before January ended: nothing.
    plan({ customer: 'E', currency: 'EUR', recurringMinor: 9000, termMonths: 3, paid: [p('2026-01-10', '2026-04-10')] }),
    plan({ customer: 'F', currency: 'EUR', state: 'PastDue', recurringMinor: 5000, paid: [p('2025-12-20', '2026-01-20')] }),
  ];
  // C's cancelled plan counted in January (it was not cancelled then): January is measured on its own plans.
  const january = customerMrrOn([...plans.slice(0, 4), { ...plans[4], state: 'Active' }, ...plans.slice(5)], lastDayOfMonth('2026-01'));
  const february = customerMrrOn(plans, lastDayOfMonth('2026-02'));
  const march = customerMrrOn(plans, lastDayOfMonth('2026-03'));
  const total = (lines: CustomerMrr[], currency: string) => lines.filter((l) => l.currency === currency).reduce((sum, l) => sum + l.mrrMinor, 0);
  const earlier = (...months: CustomerMrr[][]) => (customer: string | number, currency: string) =>
    months.some((lines) => lines.some((l) => l.customer === customer && l.currency === currency && l.mrrMinor > 0));

  test('the month ends by hand', () => {
    expect([total(january, 'USD'), total(february, 'USD'), total(march, 'USD')]).toEqual([4999 + 5000 + 5001, 10999 + 3999 + 1999, 10999 + 2999 + 3999]);
    expect([total(january, 'USD'), total(february, 'USD'), total(march, 'USD')]).toEqual([15000, 16997, 17997]);
    expect(total(february, 'USD')).toBe(mrrOn(plans, '2026-02-28').find((f) => f.currency === 'USD')!.mrrMinor);
  });

  test('January to February: new 19.99, expansion 60.00, contraction 10.02, churn 50.00', () => {
    const [eur, usd] = mrrMovements({ start: january, end: february, hadMrrEarlier: earlier() });
    expect(usd).toEqual({
      currency: 'USD',
      startMinor: 15000,
      newMinor: 1999,
      expansionMinor: 6000,
      reactivationMinor: 0,
      contractionMinor: 1002,
      churnMinor: 5000,
      endMinor: 16997,
      customers: { atStart: 3, atEnd: 3, new: 1, expanded: 1, reactivated: 0, contracted: 1, churned: 1 },
    });
    expect(netMovementMinor(usd)).toBe(16997 - 15000);
    expect(eur).toMatchObject({ currency: 'EUR', startMinor: 3000, endMinor: 3000, newMinor: 0, churnMinor: 0, customers: { atStart: 1, atEnd: 1 } });
    expect(churnRateBps(usd)).toBe(3333); // 1 of 3
    expect(churnRateBps(eur)).toBe(0);
    expect(arpaMinor(usd.endMinor, usd.customers.atEnd)).toBe(5666); // 169.97 / 3 = 56.6567
  });

  test('February to March: B is back (reactivation 29.99), D churns (19.99)', () => {
    const usd = mrrMovements({ start: february, end: march, hadMrrEarlier: earlier(january) }).find((m) => m.currency === 'USD')!;
    expect(usd).toMatchObject({ startMinor: 16997, reactivationMinor: 2999, churnMinor: 1999, newMinor: 0, expansionMinor: 0, contractionMinor: 0, endMinor: 17997 });
    expect(usd.customers).toEqual({ atStart: 3, atEnd: 3, new: 0, expanded: 0, reactivated: 1, contracted: 0, churned: 1 });
    expect(netMovementMinor(usd)).toBe(17997 - 16997);
    // Without January's lines B would look new: reactivation needs the history.
    expect(mrrMovements({ start: february, end: march, hadMrrEarlier: earlier() }).find((m) => m.currency === 'USD')).toMatchObject({ newMinor: 2999, reactivationMinor: 0 });
  });

  test('every month, every currency reconciles', () => {
    for (const [start, end, history] of [[january, february, []], [february, march, [january]]] as const) {
      for (const m of mrrMovements({ start, end, hadMrrEarlier: earlier(...history) })) {
        expect(reconciles(m)).toBe(true);
        expect(m.endMinor - m.startMinor).toBe(total(end, m.currency) - total(start, m.currency));
      }
    }
  });
});

test('every movement and figure has a one-line definition', () => {
  for (const name of [...MRR_MOVEMENTS, 'mrr', 'arr', 'churnRate', 'arpa'] as const) {
    expect(MRR_DEFINITIONS[name]).toMatch(/^[A-Z0-9].+\.$/);
    expect(MRR_DEFINITIONS[name]).not.toContain('\n');
  }
});
