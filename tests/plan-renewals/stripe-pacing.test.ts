import { ARRIVAL_SLACK_MS, LATE_LIMIT_MS, SLOT_RETAKES, createPacer, isRateLimited, rateLimitDelayMs } from '../../src/plugins/plan-renewals/server/src/services/stripe';

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

/**
 * The pacer against a Stripe that counts requests when they arrive: each request leaves the
 * process up to ARRIVAL_SLACK_MS after the pacer let it go (a busy event loop) and is answered
 * 5 ms after arriving. In no second may more requests arrive than the rate allows, and the pace
 * must stay close to that rate.
 */
describe('the Stripe pacer', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  /** The most arrivals within any one-second window. */
  const busiestSecond = (arrivals: number[]) => Math.max(...arrivals.map((at) => arrivals.filter((other) => other >= at && other - at < 1000).length));

  test.each([
    ['leaving at once', () => 0],
    ['leaving late, by up to the slack', () => Math.floor(Math.random() * ARRIVAL_SLACK_MS)],
    ['alternately at once and as late as allowed', (i: number) => (i % 2 === 0 ? 0 : ARRIVAL_SLACK_MS)],
  ])('requests %s: never more than the rate in any second, and near the rate', async (_name, lateness) => {
    const rate = 20;
    const pacer = createPacer(() => ({ requestsPerSecond: rate, maxConcurrentRequests: 8, rateLimitRetries: 0 }), () => Date.now());
    const arrivals: number[] = [];
    const started = Date.now();
    const all = Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        pacer.send(async () => {
          await delay(lateness(i));
          arrivals.push(Date.now());
          await delay(5);
        }),
      ),
    );
    await jest.advanceTimersByTimeAsync(20_000);
    await all;
    expect(arrivals).toHaveLength(100);
    expect(busiestSecond(arrivals)).toBeLessThanOrEqual(rate);
    // 100 requests at 20 per second: the last leaves a little after 4 s (the first 20 at once).
    const lastArrival = Math.max(...arrivals) - started;
    expect(lastArrival).toBeGreaterThanOrEqual(4000);
    expect(lastArrival).toBeLessThan(4000 + 5 * (ARRIVAL_SLACK_MS + 10));
  });

  test('a 429 is sent again with the same call after Retry-After, and counted', async () => {
    const pacer = createPacer(() => ({ requestsPerSecond: 100, maxConcurrentRequests: 4, rateLimitRetries: 2 }), () => Date.now());
    const calls: number[] = [];
    const result = pacer.send(async () => {
      calls.push(Date.now());
      if (calls.length < 3) throw Object.assign(new Error('rate limited'), { statusCode: 429, headers: { 'retry-after': '1' } });
      return 'ok';
    });
    await jest.advanceTimersByTimeAsync(5_000);
    await expect(result).resolves.toBe('ok');
    expect(calls).toHaveLength(3);
    expect(calls[1] - calls[0]).toBeGreaterThanOrEqual(1000);
    expect(pacer.counts).toEqual({ requests: 3, rateLimited: 2, late: 0, retaken: 0, latestMs: 0 }); // no shared budget: never late for a slot
  });

  /**
   * A shared slot missed by more than LATE_LIMIT_MS (the event loop stalled while the request
   * waited for it) is given up for a new one, at most SLOT_RETAKES times: a request leaving late
   * would join the requests of the next second at Stripe.
   */
  test.each([
    ['on time', [0], { reservations: 1, retaken: 0, late: 0 }],
    ['late by the limit', [LATE_LIMIT_MS], { reservations: 1, retaken: 0, late: 0 }],
    ['missing its slot once', [LATE_LIMIT_MS + 50, 0], { reservations: 2, retaken: 1, late: 0 }],
    ['missing every slot', Array.from({ length: SLOT_RETAKES + 1 }, () => 300), { reservations: SLOT_RETAKES + 1, retaken: SLOT_RETAKES, late: 1 }],
  ])('a request %s', async (_name, stalls, expected) => {
    let stalled = 0;
    let reservations = 0;
    // Each reservation's slot is 20 ms away; the event loop then stalls for that reservation's stall before the timer runs.
    const shared = async () => {
      const stall = stalls[reservations] ?? 0;
      reservations += 1;
      setTimeout(() => (stalled += stall), 10);
      return 20;
    };
    const pacer = createPacer(() => ({ requestsPerSecond: 100, maxConcurrentRequests: 4, rateLimitRetries: 0 }), () => Date.now() + stalled, shared);
    const sent: number[] = [];
    const result = pacer.send(async () => sent.push(Date.now()));
    await jest.advanceTimersByTimeAsync(1_000);
    await result;
    expect(sent).toHaveLength(1);
    expect({ reservations, retaken: pacer.counts.retaken, late: pacer.counts.late }).toEqual(expected);
  });
});
