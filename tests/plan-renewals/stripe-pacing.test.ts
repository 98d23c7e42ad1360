import { isRateLimited, rateLimitDelayMs } from '../../src/plugins/plan-renewals/server/src/services/stripe';

/** When a request Stripe refused for its rate limit is sent again. */
describe('rate-limited Stripe requests', () => {
  test.each([
    [{ statusCode: 429, type: 'StripeRateLimitError' }, true],
    [{ statusCode: 429, type: 'StripeInvalidRequestError', code: 'lock_timeout' }, true],
    [{ statusCode: 402, type: 'StripeCardError' }, false],
    [{ statusCode: 500, type: 'StripeAPIError' }, false],
    [new Error('socket hang up'), false],
    [undefined, false],
  ])('%o is a rate limit: %s', (error, expected) => {
    expect(isRateLimited(error)).toBe(expected);
  });

  test.each([
    // Stripe's Retry-After (seconds) first, whatever the attempt; jitter adds up to a quarter.
    [{ headers: { 'retry-after': '1' } }, 0, 0, 1000],
    [{ headers: { 'retry-after': '2' } }, 5, 1, 2500],
    // Without it: 0.5 s doubling per attempt, at most 8 s.
    [{}, 0, 0, 500],
    [{}, 1, 0, 1000],
    [{}, 3, 0, 4000],
    [{}, 6, 0, 8000],
    [{ headers: { 'retry-after': 'soon' } }, 2, 0.5, 2250],
  ])('%o, attempt %i, jitter %d: waits %i ms', (error, attempt, random, expected) => {
    expect(rateLimitDelayMs(error, attempt, random)).toBe(expected);
  });
});
