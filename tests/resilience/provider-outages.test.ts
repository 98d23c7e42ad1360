import { describeWave, inFlight, report, scenario, waitFor } from './harness/scenario';
import { seedDuePlans } from './harness/seed';
import { paymentIntentRequests } from './harness/stripe';

/**
 * Scenario 4, provider outages during a renewal wave. SendGrid answers its first requests 500,
 * the next 429, the next hang (the connection is held past the client's timeout, and nothing is
 * accepted), then recovers: every receipt must end sent, and accepted exactly once. (The phases
 * are counted in requests, not seconds: a failed email waits 30 s before its next try, so a phase
 * measured in seconds could pass without a single request.) Stripe answers the first
 * charges late — it makes the PaymentIntent at once but the answer comes after the client's
 * timeout — so the app retries with the same idempotency key: no second charge.
 */
const PLANS = Number(process.env.RESILIENCE_OUTAGE_PLANS ?? 40);
/** Requests answered each way before SendGrid recovers. */
const PER_PHASE = Math.floor(PLANS / 3);
const HANG_MS = 15_000;

const world = scenario('outages');

test('SendGrid failing, rate-limiting and hanging, Stripe answering after the timeout: every email sent once, every invoice charged once', async () => {
  const { db, stripe, sendgrid } = world;
  const started = Date.now();
  // STRIPE_TIMEOUT_MS is 3 s: an answer after 10 s is a timeout, each of the client's three tries.
  await world.start('outages-app');
  for (let i = 0; i < 4; i += 1) stripe.standIn.faults.push({ path: '/v1/payment_intents', delayMs: 10_000 });
  stripe.standIn.faults.push({ path: '/v1/payment_intents', status: 500 });

  const failures = [
    ...Array<number>(PER_PHASE).fill(500),
    ...Array<number>(PER_PHASE).fill(429),
    ...Array.from({ length: PER_PHASE }, () => ({ hangMs: HANG_MS })),
  ];
  sendgrid.script.push(...failures);
  const due = await seedDuePlans(db.pool, PLANS);
  await waitFor('SendGrid to have failed every way', async () => sendgrid.script.length === 0, 240_000, () => describeWave(db.pool));
  const atRecovery = { ...(await inFlight(db.pool)), sendGridRequestsDuringOutage: sendgrid.received.length };
  const recoveredAt = Date.now();

  await world.settle('every receipt to be sent', due, 420_000);
  const settledAt = Date.now();

  const { figures, violations, expectClean } = await world.check(due);
  const charges = paymentIntentRequests(stripe.standIn);
  report('provider-outages', {
    injected: {
      sendgrid: `the first ${PER_PHASE} requests answered 500, the next ${PER_PHASE} 429, the next ${PER_PHASE} held ${HANG_MS / 1000} s and closed unanswered (client timeout 2 s), then recovered`,
      stripe: '4 PaymentIntent requests answered after 10 s (client timeout 3 s, 2 retries), 1 answered 500',
    },
    inFlightAtRecovery: atRecovery,
    recovery: { secondsFromRecoveryToSettled: Math.round((settledAt - recoveredAt) / 1000), paymentIntentRequests: charges, webhooks: stripe.stats },
    figures,
    violations: violations.length,
    totalSeconds: Math.round((Date.now() - started) / 1000),
  });
  expectClean();
  expect(figures.renewedOnce).toBe(PLANS);
  expect(charges.replayed).toBeGreaterThan(0); // the late answers were asked for again, with the same key
  expect(figures.paymentIntents).toBe(PLANS);
  expect(figures.emails.byState.sent).toBe(PLANS);
  expect(new Set(sendgrid.accepted).size).toBe(PLANS);
  expect(sendgrid.accepted).toHaveLength(PLANS);
  expect(sendgrid.received.length).toBeGreaterThan(PLANS); // failed attempts were retried
});
