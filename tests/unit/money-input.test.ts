import { displayAmount, inputText, readInput, rowCurrency } from '../../src/plugins/money/admin/src/amount';

/** The money field's admin helpers: what a list cell and the edit-view input show, and what a typed amount is stored as. */
const INT32 = { min: 0, max: 2147483647 };

describe('displayAmount() (list cells)', () => {
  test.each([
    [64300, 'USD', 'USD 643.00'],
    [5000, 'JPY', 'JPY 5,000'],
    [1250, 'KWD', 'KWD 1.250'],
    ['9007199254740993', 'USD', 'USD 90,071,992,547,409.93'],
    [null, 'USD', '-'],
    [undefined, 'USD', '-'],
    [64300, undefined, '64300 (minor units)'],
    [64300, 'XXX', '64300 (minor units)'],
  ])('%p %p -> %p', (value, currency, expected) => {
    expect(displayAmount(value, currency)).toBe(expected);
  });
});

describe('inputText() (what the input shows)', () => {
  test.each([
    [64300, 'USD', '643.00'],
    [123456789, 'USD', '1,234,567.89'],
    [5000, 'JPY', '5,000'],
    [5, 'BHD', '0.005'],
    [null, 'USD', ''],
    [64300, null, '64300'],
  ])('%p %p -> %p', (value, currency, expected) => {
    expect(inputText(value, currency)).toBe(expected);
  });
});

describe('readInput() (what is stored)', () => {
  test.each([
    ['643.00', 'USD', 64300n],
    ['5,000', 'JPY', 5000n],
    ['1.25', 'KWD', 1250n],
    ['', 'USD', null],
    ['21,474,836.47', 'USD', 2147483647n],
    ['64300', null, 64300n],
  ])('%p in %p -> %p', (text, currency, expected) => {
    expect(readInput(text, currency, INT32)).toEqual({ amountMinor: expected });
  });

  test.each([
    ['643.001', 'USD', 'USD amounts have at most 2 decimals'],
    ['0.5', 'JPY', 'JPY amounts have no decimals'],
    ['21,474,836.48', 'USD', 'The amount must be at most USD 21,474,836.47'],
    ['-1', 'USD', 'The amount must be at least USD 0.00'],
    ['643.5', null, 'Write the amount in minor units, with digits only'],
    ['2147483648', null, 'The amount must be at most 2147483647 minor units'],
  ])('refuses %p in %p: %s', (text, currency, problem) => {
    expect(readInput(text, currency, INT32)).toEqual({ problem });
  });

  test('a biginteger field without bounds takes any size, exactly', () => {
    expect(readInput('123,456,789,012,345,678.90', 'USD', {})).toEqual({ amountMinor: 12345678901234567890n });
  });
});

describe('rowCurrency() (a list row)', () => {
  const fromPlan = { options: { currencyFrom: { field: 'plan', model: 'api::plan.plan' } } };
  test.each([
    [{ currency: 'KWD' }, {}, 'KWD'],
    [{ plan: { currency: 'JPY' } }, fromPlan, 'JPY'],
    [{ plan: null }, fromPlan, undefined],
    [{ plan: { count: 1 } }, fromPlan, undefined],
  ])('%p -> %p', (row, attribute, expected) => {
    expect(rowCurrency(row, attribute)).toBe(expected);
  });
});
