import {
  MAX_STORED_MINOR,
  MoneyError,
  add,
  allocate,
  divideRounded,
  format,
  formatAmount,
  formatMajorUnits,
  money,
  multiplyRatio,
  parseMajorUnits,
  subtract,
  sum,
} from '../../src/domain';
import type { CurrencyCode } from '../../src/domain';

describe('money()', () => {
  test.each([
    [0, 'USD'],
    [1, 'EUR'],
    [MAX_STORED_MINOR, 'JPY'],
    [12345, 'KWD'],
  ])('accepts %p %s', (amount, currency) => {
    expect(money(amount, currency)).toEqual({ amountMinor: amount, currency });
  });

  test.each([
    [-1, 'USD', /must not be negative/],
    [10.5, 'USD', /whole number/],
    [Number.MAX_SAFE_INTEGER + 2, 'USD', /safe integer/],
    [MAX_STORED_MINOR + 1, 'USD', /at most 2147483647/],
    [Number.NaN, 'USD', /number of minor units/],
    ['100' as unknown as number, 'USD', /number of minor units/],
    [100, 'usd', /not a supported ISO 4217/],
    [100, 'XYZ', /not a supported ISO 4217/],
    [100, '', /not a supported ISO 4217/],
  ])('refuses %p %p', (amount, currency, message) => {
    expect(() => money(amount, currency)).toThrow(message);
  });

  test('values are immutable', () => {
    const value = money(100, 'USD');
    expect(Object.isFrozen(value)).toBe(true);
  });
});

describe('arithmetic', () => {
  test('adds, subtracts and sums in one currency', () => {
    expect(add(money(150, 'USD'), money(250, 'USD'))).toEqual(money(400, 'USD'));
    expect(subtract(money(400, 'USD'), money(150, 'USD'))).toEqual(money(250, 'USD'));
    expect(sum([money(1, 'EUR'), money(2, 'EUR'), money(3, 'EUR')], 'EUR')).toEqual(money(6, 'EUR'));
    expect(sum([], 'JPY')).toEqual(money(0, 'JPY'));
  });

  test.each([
    ['add', () => add(money(1, 'USD'), money(1, 'EUR'))],
    ['subtract', () => subtract(money(1, 'USD'), money(1, 'EUR'))],
    ['sum', () => sum([money(1, 'USD')], 'EUR')],
  ])('%s refuses mixed currencies', (_name, operation) => {
    expect(operation).toThrow('Cannot combine');
  });

  test('subtracting below zero is refused, not wrapped', () => {
    expect(() => subtract(money(1, 'USD'), money(2, 'USD'))).toThrow(MoneyError);
  });
});

describe('the rounding rule: half away from zero', () => {
  test.each([
    [10n, 4n, 3n], // 2.5 -> 3
    [9n, 4n, 2n], // 2.25 -> 2
    [11n, 4n, 3n], // 2.75 -> 3
    [5n, 10n, 1n], // 0.5 -> 1
    [4n, 10n, 0n], // 0.4 -> 0
    [0n, 7n, 0n],
    [15n, 10n, 2n], // 1.5 -> 2, and 2.5 -> 3 above: not banker's rounding
    [2n ** 70n + 1n, 2n, 2n ** 69n + 1n], // exact far beyond 2^53
  ])('%p / %p = %p', (numerator, denominator, expected) => {
    expect(divideRounded(numerator, denominator)).toBe(expected);
  });

  test('multiplyRatio rounds the exact product (2147483647 x 8.25 % = 177167400.88)', () => {
    expect(multiplyRatio(money(MAX_STORED_MINOR, 'USD'), 825, 10000)).toEqual(money(177167401, 'USD'));
  });
});

describe('allocate()', () => {
  test.each([
    [100, [1, 1, 1], [34, 33, 33]],
    [100, [1, 1], [50, 50]],
    [5, [3, 7], [2, 3]],
    [1, [1, 1, 1], [1, 0, 0]],
    [0, [1, 2], [0, 0]],
    [1000, [0, 1], [0, 1000]],
    [10001, [7, 2, 1], [7001, 2000, 1000]],
  ])('allocates %p over %p as %p, parts summing to the whole', (amount, ratios, expected) => {
    const parts = allocate(money(amount, 'USD'), ratios);
    expect(parts.map((p) => p.amountMinor)).toEqual(expected);
    expect(parts.reduce((a, p) => a + p.amountMinor, 0)).toBe(amount);
  });

  test.each([
    [[], /no ratios/],
    [[0, 0], /not all be zero/],
    [[-1, 2], /non-negative integers/],
    [[0.5, 1], /non-negative integers/],
  ])('refuses ratios %p', (ratios, message) => {
    expect(() => allocate(money(100, 'USD'), ratios)).toThrow(message);
  });
});

describe('format()', () => {
  test.each([
    [123450, 'USD', 'USD 1,234.50'],
    [5, 'USD', 'USD 0.05'],
    [12000, 'JPY', 'JPY 12,000'],
    [1234, 'KWD', 'KWD 1.234'],
    [0, 'EUR', 'EUR 0.00'],
  ])('%p %s -> %s', (amount, currency, expected) => {
    expect(format(money(amount, currency))).toBe(expected);
  });
});

describe('formatMajorUnits() and formatAmount()', () => {
  test.each<[number | bigint | string, CurrencyCode, string, string]>([
    [0, 'USD', '0.00', 'USD 0.00'],
    [64300, 'USD', '643.00', 'USD 643.00'],
    [7, 'USD', '0.07', 'USD 0.07'],
    [-5, 'USD', '-0.05', 'USD -0.05'],
    ['-0', 'USD', '0.00', 'USD 0.00'],
    [5000, 'JPY', '5000', 'JPY 5,000'],
    [0, 'JPY', '0', 'JPY 0'],
    [1234, 'KWD', '1.234', 'KWD 1.234'],
    [5, 'BHD', '0.005', 'BHD 0.005'],
    [-1250, 'KWD', '-1.250', 'KWD -1.250'],
    [2147483647, 'USD', '21474836.47', 'USD 21,474,836.47'],
    // A biginteger column (MRR sums) reads as a string; beyond 2^53 nothing is lost.
    ['123456789012345678901', 'USD', '1234567890123456789.01', 'USD 1,234,567,890,123,456,789.01'],
    [123456789012345678901n, 'JPY', '123456789012345678901', 'JPY 123,456,789,012,345,678,901'],
  ])('%p %s -> %s / %s', (amount, currency, plain, withCurrency) => {
    expect(formatMajorUnits(amount, currency)).toBe(plain);
    expect(formatAmount(amount, currency)).toBe(withCurrency);
  });

  test.each([['12.5'], ['1e3'], [''], ['abc']])('refuses %p as minor units', (amount) => {
    expect(() => formatMajorUnits(amount, 'USD')).toThrow(MoneyError);
  });
});

describe('parseMajorUnits()', () => {
  test.each<[string, CurrencyCode, bigint | null]>([
    ['643.00', 'USD', 64300n],
    ['643', 'USD', 64300n],
    ['643.5', 'USD', 64350n],
    ['  0.07 ', 'USD', 7n],
    ['0', 'USD', 0n],
    ['12.', 'USD', 1200n],
    ['1,234.50', 'USD', 123450n],
    ['USD 643.00', 'USD', 64300n],
    ['usd643', 'USD', 64300n],
    ['-0.05', 'USD', -5n],
    ['5000', 'JPY', 5000n],
    ['5,000', 'JPY', 5000n],
    ['1.234', 'KWD', 1234n],
    ['1.2', 'KWD', 1200n],
    ['0.005', 'BHD', 5n],
    ['21,474,836.47', 'USD', 2147483647n],
    ['12345678901234567890.12', 'USD', 1234567890123456789012n],
    ['', 'USD', null],
    ['   ', 'JPY', null],
  ])('%p in %s -> %p', (text, currency, expected) => {
    expect(parseMajorUnits(text, currency)).toEqual({ amountMinor: expected });
  });

  test.each<[string, CurrencyCode, RegExp]>([
    ['643.001', 'USD', /USD amounts have at most 2 decimals/],
    ['5000.5', 'JPY', /JPY amounts have no decimals/],
    ['5000.0', 'JPY', /JPY amounts have no decimals/],
    ['1.2345', 'KWD', /KWD amounts have at most 3 decimals/],
    ['EUR 10.00', 'USD', /in USD, not EUR/],
    ['1,2', 'USD', /digits and a decimal point, e\.g\. 1234\.50/],
    ['12,34.00', 'USD', /digits and a decimal point/],
    ['1e3', 'USD', /digits and a decimal point/],
    ['12.3.4', 'USD', /digits and a decimal point/],
    ['.5', 'USD', /digits and a decimal point/],
    ['--5', 'USD', /digits and a decimal point/],
    ['five', 'JPY', /digits and a decimal point, e\.g\. 123450/],
  ])('refuses %p in %s', (text, currency, problem) => {
    const parsed = parseMajorUnits(text, currency);
    expect(parsed.amountMinor).toBeUndefined();
    expect(parsed.problem).toMatch(problem);
  });

  test.each<[number, CurrencyCode]>([
    [0, 'USD'], [64300, 'USD'], [2147483647, 'USD'], [5000, 'JPY'], [1234, 'KWD'], [5, 'BHD'],
  ])('reads back what it formats: %p %s', (amount, currency) => {
    expect(parseMajorUnits(formatAmount(amount, currency), currency)).toEqual({ amountMinor: BigInt(amount) });
  });
});
