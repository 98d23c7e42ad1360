import { EstimateLineInput, MoneyError, approvalRequestMachine, canTransition, creditCheck, estimateTotals, median } from '../../src/domain';

const line = (kind: EstimateLineInput['kind'], quantityHundredths: number, unitPriceMinor: number): EstimateLineInput => ({ kind, description: kind, quantityHundredths, unitPriceMinor });

describe('estimateTotals(): each line quantity x price rounded half away from zero, tax once on the subtotal', () => {
  test.each([
    // [lines, currency, tax bps, line amounts, subtotal, tax, total]
    [[line('labor', 150, 12_000)], 'USD', 825, [18_000], 18_000, 1_485, 19_485],
    [[line('labor', 150, 12_000), line('parts', 100, 8_999), line('fee', 100, 1_500)], 'USD', 825, [18_000, 8_999, 1_500], 28_499, 2_351, 30_850],
    // 0.33 x 1.01 = 0.3333 -> 0.33; 0.5 of a cent rounds up.
    [[line('labor', 33, 101)], 'USD', 0, [33], 33, 0, 33],
    [[line('parts', 50, 1)], 'USD', 0, [1], 1, 0, 1],
    [[line('parts', 25, 1)], 'USD', 0, [0], 0, 0, 0],
    // 8.25 % of 6,061 = 500.03 -> 500; of 6,067 = 500.53 -> 501.
    [[line('fee', 100, 6_061)], 'USD', 825, [6_061], 6_061, 500, 6_561],
    [[line('fee', 100, 6_067)], 'USD', 825, [6_067], 6_067, 501, 6_568],
    // A zero-decimal currency: minor units are yen.
    [[line('labor', 150, 9_999)], 'JPY', 1_000, [14_999], 14_999, 1_500, 16_499],
  ])('%#: %j in %s at %d bps', (lines, currency, bps, amounts, subtotal, tax, total) => {
    const totals = estimateTotals(lines as EstimateLineInput[], currency as string, bps as number);
    expect(totals.lines.map((l) => l.amountMinor)).toEqual(amounts);
    expect([totals.subtotalMinor, totals.taxMinor, totals.totalMinor]).toEqual([subtotal, tax, total]);
  });

  test.each([
    ['a line', [line('parts', 200, 2_000_000_000)], 0],
    ['the subtotal', [line('parts', 100, 2_000_000_000), line('parts', 100, 2_000_000_000)], 0],
    ['the total with its tax', [line('parts', 100, 2_000_000_000)], 1_000],
  ])('%s beyond the range a money column stores is refused', (_, lines, bps) => {
    expect(() => estimateTotals(lines as EstimateLineInput[], 'USD', bps as number)).toThrow(MoneyError);
  });
});

describe('creditCheck(): outstanding + committed + this request against the limit, never a refusal by itself', () => {
  const unpaid = [
    { amountMinor: 20_000, currency: 'USD' },
    { amountMinor: 5_000, currency: 'USD' },
    { amountMinor: 9_999, currency: 'EUR' },
  ];
  test.each([
    // [limit, committed, request, exposure, over]
    [null, 0, 30_000, 55_000, false],
    [55_000, 0, 30_000, 55_000, false],
    [54_999, 0, 30_000, 55_000, true],
    [100_000, 50_000, 30_000, 105_000, true],
    [0, 0, 1, 25_001, true],
  ])('limit %p, committed %d, request %d: exposure %d, over %p', (limitMinor, committedMinor, requestMinor, exposure, over) => {
    const check = creditCheck({ currency: 'USD', unpaid, committedMinor: committedMinor as number, requestMinor: requestMinor as number, limitMinor: limitMinor as number | null });
    expect(check).toMatchObject({ unpaidInvoicesMinor: 25_000, unpaidInvoices: 2, exposureMinor: exposure, over, otherCurrencies: { EUR: 1 } });
  });
});

describe('the approval request machine', () => {
  test.each([
    ['Draft', 'Submitted', true],
    ['Draft', 'Approved', false],
    ['Submitted', 'UnderReview', true],
    ['Submitted', 'Rejected', true],
    ['UnderReview', 'Approved', true],
    ['UnderReview', 'Rejected', true],
    ['Approved', 'Rejected', false],
    ['Rejected', 'Approved', false],
    ['Approved', 'Draft', false],
  ] as const)('%s -> %s: %p', (from, to, allowed) => {
    expect(canTransition(approvalRequestMachine, from, to)).toBe(allowed);
  });
});

test.each([
  [[], null],
  [[3], 3],
  [[5, 1, 3], 3],
  [[4, 1, 3, 2], 2.5],
])('median(%j) = %p', (values, expected) => {
  expect(median(values)).toBe(expected);
});
