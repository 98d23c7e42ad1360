import { fromStripeAmount, toStripeAmount } from '../../src/domain';

describe('amounts sent to Stripe', () => {
  test.each([
    [65429, 'USD', 65429, 'usd'],
    [1, 'EUR', 1, 'eur'],
    [5000, 'JPY', 5000, 'jpy'], // zero-decimal: whole yen
    [12000, 'KRW', 12000, 'krw'],
    [990, 'CLP', 990, 'clp'],
    [1500, 'ISK', 150000, 'isk'], // ISO zero-decimal, Stripe two-decimal
    [20000, 'UGX', 2000000, 'ugx'],
    [12340, 'KWD', 12340, 'kwd'], // three decimals, last digit zero
  ])('%p %s is sent as %p %s', (minor, currency, amount, stripeCurrency) => {
    expect(toStripeAmount(minor, currency)).toEqual({ amount, currency: stripeCurrency });
  });

  test.each([
    [12345, 'KWD', /multiples of 10/],
    [0, 'USD', /positive whole amount/],
    [-5, 'USD', /positive whole amount/],
    [10.5, 'USD', /positive whole amount/],
    [100, 'XYZ', /Unknown currency/],
  ])('%p %s is refused', (minor, currency, message) => {
    expect(() => toStripeAmount(minor, currency)).toThrow(message);
  });
});

describe('amounts reported by Stripe', () => {
  test.each([
    [65429, 'usd', { minor: 65429, currency: 'USD' }],
    [5000, 'jpy', { minor: 5000, currency: 'JPY' }],
    [150000, 'isk', { minor: 1500, currency: 'ISK' }],
    [150050, 'isk', null], // not a whole krona
    [100, 'xyz', null],
    [1.5, 'usd', null],
  ])('%p %s is %p', (amount, currency, expected) => {
    expect(fromStripeAmount(amount, currency)).toEqual(expected);
  });

  test.each([
    [65429, 'USD'],
    [5000, 'JPY'],
    [1500, 'ISK'],
    [12340, 'BHD'],
  ])('%p %s survives the round trip', (minor, currency) => {
    const sent = toStripeAmount(minor, currency);
    expect(fromStripeAmount(sent.amount, sent.currency)).toEqual({ minor, currency });
  });
});
