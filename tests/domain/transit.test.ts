import { canTransition, localDate, orderTotals, passMachine, passOrderMachine, validUntil, validityAt, verificationStanding } from '../../src/domain';

describe('orderTotals(): base + service fee, tax once on both, rounded half away from zero', () => {
  test.each([
    // [price, fee, bps, subtotal, tax, total]
    [9_000, 150, 500, 9_150, 458, 9_608],
    [9_000, 0, 0, 9_000, 0, 9_000],
    [250, 0, 825, 250, 21, 271],
    [1_000, 1, 5_000, 1_001, 501, 1_502],
    [0, 0, 825, 0, 0, 0],
  ])('price %d + fee %d at %d bps', (priceMinor, serviceFeeMinor, taxRateBps, subtotal, tax, total) => {
    const totals = orderTotals({ name: 'Pass', priceMinor, serviceFeeMinor, taxRateBps, currency: 'USD' });
    expect([totals.subtotalMinor, totals.taxMinor, totals.totalMinor]).toEqual([subtotal, tax, total]);
    expect(totals.lines.map((l) => l.kind)).toEqual(['base', 'service-fee', 'tax']);
    expect(totals.lines.reduce((sum, l) => sum + l.amountMinor, 0)).toBe(total);
  });
});

describe('validUntil(): minutes, days, or months clamped at the month end, at the same time of day', () => {
  test.each([
    ['2026-01-15T08:30:00.000Z', 'single-use', 90, '2026-01-15T10:00:00.000Z'],
    ['2026-01-15T08:30:00.000Z', 'days', 7, '2026-01-22T08:30:00.000Z'],
    ['2026-01-31T08:30:00.000Z', 'months', 1, '2026-02-28T08:30:00.000Z'],
    ['2028-01-31T23:59:00.000Z', 'months', 1, '2028-02-29T23:59:00.000Z'],
    ['2026-12-31T00:00:00.000Z', 'months', 12, '2027-12-31T00:00:00.000Z'],
    ['2026-03-29T12:00:00.000Z', 'days', 1, '2026-03-30T12:00:00.000Z'],
  ] as const)('%s + %s %d = %s', (from, kind, amount, until) => {
    expect(validUntil(new Date(from), kind, amount).toISOString()).toBe(until);
  });
});

describe('validityAt(): what a gate is told', () => {
  const at = new Date('2026-06-10T12:00:00.000Z');
  test.each([
    [{ state: 'Active', validFrom: '2026-06-01T00:00:00.000Z', validUntil: '2026-07-01T00:00:00.000Z', activation: 'on-purchase' }, true, 'valid'],
    [{ state: 'Active', validFrom: '2026-06-01T00:00:00.000Z', validUntil: '2026-06-10T12:00:00.000Z', activation: 'on-purchase' }, false, 'expired'],
    [{ state: 'Active', validFrom: '2026-06-11T00:00:00.000Z', validUntil: '2026-07-11T00:00:00.000Z', activation: 'on-purchase' }, false, 'not valid before 2026-06-11T00:00:00.000Z'],
    [{ state: 'Revoked', validFrom: '2026-06-01T00:00:00.000Z', validUntil: '2026-07-01T00:00:00.000Z', activation: 'on-purchase' }, false, 'revoked'],
    [{ state: 'Expired', validFrom: '2026-05-01T00:00:00.000Z', validUntil: '2026-06-01T00:00:00.000Z', activation: 'on-purchase' }, false, 'expired'],
    [{ state: 'Issued', validFrom: null, validUntil: null, activation: 'on-first-use' }, true, 'not yet activated: valid from its first use'],
  ] as const)('%j: %p (%s)', (pass, valid, reason) => {
    expect(validityAt(pass, at)).toMatchObject({ valid, reason });
  });
});

describe('verificationStanding(): valid until it expires, re-verification open reverifyDays before', () => {
  const on = new Date('2026-06-10T00:00:00.000Z');
  test.each([
    [null, 30, true, false],
    ['2026-12-31T00:00:00.000Z', 30, true, false],
    ['2026-07-01T00:00:00.000Z', 30, true, true],
    ['2026-06-10T00:00:00.000Z', 30, false, false],
  ])('expires %p, window %d: valid %p, reverify %p', (expires, days, valid, reverify) => {
    expect(verificationStanding(expires ? new Date(expires) : null, on, days)).toEqual({ valid, reverify });
  });
});

test.each([
  ['America/Chicago', '2026-06-10T03:00:00.000Z', '2026-06-09'],
  ['UTC', '2026-06-10T03:00:00.000Z', '2026-06-10'],
  ['Asia/Tokyo', '2026-06-09T16:00:00.000Z', '2026-06-10'],
])('localDate in %s of %s is %s', (zone, instant, date) => {
  expect(localDate(new Date(instant), zone)).toBe(date);
});

test.each([
  [passOrderMachine, 'Pending', 'Paid', true],
  [passOrderMachine, 'Paid', 'Cancelled', true],
  [passOrderMachine, 'Failed', 'Paid', false],
  [passOrderMachine, 'Cancelled', 'Paid', false],
  [passMachine, 'Issued', 'Active', true],
  [passMachine, 'Active', 'Revoked', true],
  [passMachine, 'Revoked', 'Active', false],
  [passMachine, 'Expired', 'Active', false],
] as const)('%#: %s -> %s: %p', (machine, from, to, allowed) => {
  expect(canTransition(machine as any, from, to)).toBe(allowed);
});
