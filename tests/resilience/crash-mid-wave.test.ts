import { describeWave, inFlight, report, scenario, sleep, waitFor } from './harness/scenario';
import { DuePlan, seedDuePlans } from './harness/seed';
import { paymentIntentRequests } from './harness/stripe';

/**
 * Scenario 1, crash mid-wave: a thousand plans fall due; the renewal wave starts by the clock
 * (renewals-due every five seconds); while it runs, with payments being requested, webhooks
 * arriving and receipts going out, the app is killed with SIGKILL. It is started again and left
 * to finish by itself: its scheduled jobs resume what the dead process left, Stripe re-sends
 * the webhooks that went unanswered. Then every due plan must be renewed exactly once, with no
 * second invoice, PaymentIntent, task or email.
 */
// RESILIENCE_WAVE_PLANS makes the wave smaller for a quick try; CI runs the full thousand.
const PLANS = Number(process.env.RESILIENCE_WAVE_PLANS ?? 1000);

const world = scenario('crash');

test(`SIGKILL during a renewal wave of ${PLANS} plans: after a restart every plan is renewed once, nothing twice`, async () => {
  const { db, stripe, sendgrid } = world;
  const started = Date.now();
  const app = await world.start('app'); // creates the schema; the wave starts at the first renewals-due fire after the seed
  const due: DuePlan[] = await seedDuePlans(db.pool, PLANS);
  const seededAt = Date.now();

  // Kill once the wave is well under way: about 40 % of the renewals started.
  await waitFor('the wave to be under way', async () => (await inFlight(db.pool)).runs >= PLANS * 0.4, 300_000, () => describeWave(db.pool));
  await app.kill();
  const killedAt = Date.now();
  const atKill = {
    ...(await inFlight(db.pool)),
    paymentIntentsMade: paymentIntentRequests(stripe.standIn).made,
    webhookDeliveriesOutstanding: stripe.outstanding(),
    emailsAcceptedBySendGrid: sendgrid.accepted.length,
  };

  await sleep(3000); // Stripe's deliveries meanwhile find nobody and are retried later
  await app.start();
  const restartedAt = Date.now();
  await world.settle('the wave to finish after the restart', due, 660_000);
  const settledAt = Date.now();

  const { figures, violations, expectClean } = await world.check(due);
  report('crash-mid-wave', {
    injected: `SIGKILL ${Math.round((killedAt - seededAt) / 1000)} s into the wave, restart after 3 s`,
    inFlightAtKill: atKill,
    recovery: {
      secondsFromRestartToSettled: Math.round((settledAt - restartedAt) / 1000),
      webhooks: stripe.stats,
      paymentIntentRequests: paymentIntentRequests(stripe.standIn),
      jobsRunAfterRestart: app.lines(/Job (stuck-runs|payment-retries) ran .*: [1-9]/).length,
    },
    figures,
    violations: violations.length,
    totalSeconds: Math.round((Date.now() - started) / 1000),
  });
  expectClean();
  expect(figures.renewedOnce).toBe(PLANS);
  expect(figures.paymentIntents).toBe(PLANS);
  expect(figures.invoices.total).toBe(PLANS);
  expect(figures.emails.byState.sent).toBe(PLANS);
  expect(sendgrid.accepted).toHaveLength(PLANS);
}, 900_000);
