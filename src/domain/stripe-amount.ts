import { CurrencyCode, currencyExponent, isCurrencyCode } from './currency';
import { MoneyError } from './money';

/**
 * Stripe's "smallest currency unit" is not always ISO 4217's minor unit. Written once, here:
 * - zero-decimal currencies (JPY, KRW, CLP, VND, ...) are sent in whole units;
 * - ISK and UGX are zero-decimal in ISO but Stripe keeps two decimals for them (amounts must be
 *   whole units, so the last two digits are zero);
 * - three-decimal currencies (BHD, JOD, KWD, OMR, TND) are sent with three decimals, and Stripe
 *   requires the last digit to be zero;
 * - every other currency is sent in its ISO minor units.
 * An amount Stripe could not represent exactly is refused, never rounded.
 */
const STRIPE_EXPONENTS: Partial<Record<CurrencyCode, number>> = { ISK: 2, UGX: 2 };
const LAST_DIGIT_ZERO: ReadonlySet<string> = new Set(['BHD', 'JOD', 'KWD', 'OMR', 'TND']);

const stripeExponent = (currency: CurrencyCode) => STRIPE_EXPONENTS[currency] ?? currencyExponent(currency);

/** The amount to send to Stripe for `minor` ISO minor units, with the lower-case currency. */
export const toStripeAmount = (minor: number, currency: string): { amount: number; currency: string } => {
  if (!isCurrencyCode(currency)) throw new MoneyError(`Unknown currency ${currency}`);
  if (!Number.isSafeInteger(minor) || minor <= 0) throw new MoneyError(`A Stripe charge needs a positive whole amount, not ${minor}`);
  const amount = minor * 10 ** (stripeExponent(currency) - currencyExponent(currency));
  if (LAST_DIGIT_ZERO.has(currency) && amount % 10 !== 0) {
    throw new MoneyError(`Stripe charges ${currency} only in multiples of 10 minor units; ${minor} is not`);
  }
  return { amount, currency: currency.toLowerCase() };
};

/** The ISO minor units of an amount Stripe reports; null when it is not a whole number of them. */
export const fromStripeAmount = (amount: number, stripeCurrency: string): { minor: number; currency: CurrencyCode } | null => {
  const currency = String(stripeCurrency).toUpperCase();
  if (!isCurrencyCode(currency) || !Number.isSafeInteger(amount)) return null;
  const factor = 10 ** (stripeExponent(currency) - currencyExponent(currency));
  if (amount % factor !== 0) return null;
  return { minor: amount / factor, currency };
};
