import { CurrencyCode, currencyExponent, isCurrencyCode } from './currency';

/**
 * Money is an integer number of minor units (cents, pence, yen) and an ISO 4217 currency.
 * Never a float, never a decimal column. Values are immutable; every operation returns a new one.
 */
export interface Money {
  readonly amountMinor: number;
  readonly currency: CurrencyCode;
}

/**
 * The largest amount a single stored money field holds. Money columns are 32-bit integers on every
 * supported database, so one invoice, line or payment is at most 21,474,836.47 in a two-decimal
 * currency. Sums over many rows are computed by the database in 64 bits.
 */
export const MAX_STORED_MINOR = 2_147_483_647;

export class MoneyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MoneyError';
  }
}

/** Why an amount is not acceptable as stored money, or null when it is. */
export const amountProblem = (amountMinor: unknown): string | null => {
  if (typeof amountMinor !== 'number' || Number.isNaN(amountMinor)) {
    return 'must be a number of minor units';
  }
  if (!Number.isInteger(amountMinor)) {
    return `must be a whole number of minor units, got ${amountMinor}`;
  }
  if (!Number.isSafeInteger(amountMinor)) {
    return `is outside the safe integer range, got ${amountMinor}`;
  }
  if (amountMinor < 0) {
    return `must not be negative, got ${amountMinor}`;
  }
  if (amountMinor > MAX_STORED_MINOR) {
    return `must be at most ${MAX_STORED_MINOR} minor units, got ${amountMinor}`;
  }
  return null;
};

export const currencyProblem = (currency: unknown): string | null =>
  isCurrencyCode(currency) ? null : `is not a supported ISO 4217 currency code: ${JSON.stringify(currency)}`;

/** Builds a Money, refusing anything that is not a non-negative storable integer in a known currency. */
export const money = (amountMinor: number, currency: string): Money => {
  const amount = amountProblem(amountMinor);
  if (amount) throw new MoneyError(`Amount ${amount}`);
  const code = currencyProblem(currency);
  if (code) throw new MoneyError(`Currency ${code}`);
  return Object.freeze({ amountMinor, currency: currency as CurrencyCode });
};

export const zero = (currency: string): Money => money(0, currency);

const assertSameCurrency = (a: Money, b: Money): void => {
  if (a.currency !== b.currency) {
    throw new MoneyError(`Cannot combine ${a.currency} with ${b.currency}`);
  }
};

export const add = (a: Money, b: Money): Money => {
  assertSameCurrency(a, b);
  return money(a.amountMinor + b.amountMinor, a.currency);
};

export const subtract = (a: Money, b: Money): Money => {
  assertSameCurrency(a, b);
  return money(a.amountMinor - b.amountMinor, a.currency);
};

export const sum = (items: readonly Money[], currency: string): Money =>
  items.reduce((total, item) => add(total, item), zero(currency));

export const equals = (a: Money, b: Money): boolean =>
  a.currency === b.currency && a.amountMinor === b.amountMinor;

/**
 * THE rounding rule, used everywhere an amount is divided: round half away from zero to the
 * nearest minor unit (0.5 cent -> 1 cent). Computed on BigInt so no intermediate product loses
 * precision. Inputs are non-negative integers; denominator is positive.
 */
export const divideRounded = (numerator: bigint, denominator: bigint): bigint => {
  if (denominator <= 0n) throw new MoneyError('Denominator must be positive');
  if (numerator < 0n) throw new MoneyError('Numerator must not be negative');
  return (numerator * 2n + denominator) / (denominator * 2n);
};

/** amount x numerator / denominator, rounded by the one rule. */
export const multiplyRatio = (amount: Money, numerator: number, denominator: number): Money => {
  if (!Number.isSafeInteger(numerator) || numerator < 0) {
    throw new MoneyError(`Ratio numerator must be a non-negative integer, got ${numerator}`);
  }
  if (!Number.isSafeInteger(denominator) || denominator <= 0) {
    throw new MoneyError(`Ratio denominator must be a positive integer, got ${denominator}`);
  }
  const result = divideRounded(BigInt(amount.amountMinor) * BigInt(numerator), BigInt(denominator));
  return money(Number(result), amount.currency);
};

/**
 * Splits an amount into parts proportional to `ratios` so that the parts always sum to the whole:
 * each part gets its floor, and the left-over minor units go one by one to the parts with the
 * largest remainders (earliest first on ties). Used to spread a total over lines or periods.
 */
export const allocate = (amount: Money, ratios: readonly number[]): Money[] => {
  if (ratios.length === 0) throw new MoneyError('Cannot allocate over no ratios');
  if (ratios.some((r) => !Number.isSafeInteger(r) || r < 0)) {
    throw new MoneyError('Allocation ratios must be non-negative integers');
  }
  const total = ratios.reduce((a, b) => a + b, 0);
  if (total === 0) throw new MoneyError('Allocation ratios must not all be zero');

  const whole = BigInt(amount.amountMinor);
  const parts = ratios.map((ratio, index) => {
    const product = whole * BigInt(ratio);
    return { index, floor: product / BigInt(total), remainder: product % BigInt(total) };
  });
  let leftOver = whole - parts.reduce((acc, p) => acc + p.floor, 0n);
  const byRemainder = [...parts].sort((a, b) =>
    a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1,
  );
  for (const part of byRemainder) {
    if (leftOver === 0n) break;
    part.floor += 1n;
    leftOver -= 1n;
  }
  return parts.map((p) => money(Number(p.floor), amount.currency));
};

/**
 * An amount of minor units written in major units, exactly (string arithmetic, never a float):
 * 64300 in USD is "643.00", 5000 in JPY "5000", 1234 in KWD "1.234", -5 in USD "-0.05".
 * `grouping` puts a comma between thousands ("1,234.50"). Takes a number, a bigint or a string
 * of digits (a biginteger column reads as one).
 */
export const formatMajorUnits = (amountMinor: number | bigint | string, currency: CurrencyCode, options: { grouping?: boolean } = {}): string => {
  const text = String(amountMinor);
  if (!/^-?\d+$/.test(text)) throw new MoneyError(`Amount must be a whole number of minor units, got ${JSON.stringify(text)}`);
  const negative = text.startsWith('-') && /[1-9]/.test(text);
  const exponent = currencyExponent(currency);
  const digits = text.replace(/^-?0*/, '').padStart(exponent + 1, '0');
  const units = digits.slice(0, digits.length - exponent);
  const whole = options.grouping ? units.replace(/\B(?=(\d{3})+(?!\d))/g, ',') : units;
  const fraction = exponent === 0 ? '' : `.${digits.slice(digits.length - exponent)}`;
  return `${negative ? '-' : ''}${whole}${fraction}`;
};

/** An amount for people, with its currency: "USD 1,234.50", "JPY 12,000", "KWD -1.250". */
export const formatAmount = (amountMinor: number | bigint | string, currency: CurrencyCode): string =>
  `${currency} ${formatMajorUnits(amountMinor, currency, { grouping: true })}`;

/** Human display, e.g. "USD 1,234.50" or "JPY 12,000". For emails and CSVs, not for arithmetic. */
export const format = (value: Money): string => formatAmount(value.amountMinor, value.currency);

export type ParsedAmount = { amountMinor: bigint | null; problem?: undefined } | { amountMinor?: undefined; problem: string };

/**
 * Reads an amount a person typed in major units ("643", "643.5", "1,234.50", "USD 643.00") as
 * exact minor units in `currency`: digits only, commas only between thousands, and no more
 * decimals than the currency has (refused, not rounded: "12.345" is not a USD amount). Blank is
 * no amount (null). A currency code in front must be `currency`'s.
 */
export const parseMajorUnits = (input: string, currency: CurrencyCode): ParsedAmount => {
  let text = input.trim();
  if (text === '') return { amountMinor: null };
  const code = /^([A-Za-z]{3})(?![A-Za-z])\s*/.exec(text);
  if (code) {
    if (code[1].toUpperCase() !== currency) return { problem: `The amount is in ${currency}, not ${code[1].toUpperCase()}` };
    text = text.slice(code[0].length);
  }
  const match = /^(-?)(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d*))?$/.exec(text);
  if (!match) return { problem: `Write the amount in ${currency} with digits and a decimal point, e.g. ${formatMajorUnits(123450, currency)}` };
  const [, sign, whole, fraction = ''] = match;
  const exponent = currencyExponent(currency);
  if (fraction.length > exponent) {
    return {
      problem: exponent === 0
        ? `${currency} amounts have no decimals`
        : `${currency} amounts have at most ${exponent} decimal${exponent === 1 ? '' : 's'}`,
    };
  }
  const minor = BigInt(whole.replace(/,/g, '') + fraction.padEnd(exponent, '0'));
  return { amountMinor: sign === '-' ? -minor : minor };
};
