import { describeWave, report, scenario, sleep, waitFor } from './harness/scenario';
import { DuePlan, seedDuePlans } from './harness/seed';

/**
 * Scenario: killed between acknowledgement and application. The app runs a renewal wave with its
 * Stripe inbox worker held back (STRIPE_EVENTS_WORKER=false), so every payment's webhook is
 * acknowledged (200, stored in the inbox) and none applied; it is then killed with SIGKILL and
 * started again with its worker. Stripe sends nothing again (every delivery was answered 200):
 * the inbox alone must bring every acknowledged event to its effect, once.
 */
const PLANS = Number(process.env.RESILIENCE_INBOX_PLANS ?? 40);

const world = scenario('inbox');

const one = async (sql: string) => Number((await world.db.pool.query(sql)).rows[0].n);

test(`SIGKILL after ${PLANS} webhooks were acknowledged and before they were applied: after a restart each is applied once`, async () => {
  const { db, stripe } = world;
  const started = Date.now();
  const env = world.env({ STRIPE_EVENTS_WORKER: 'false' });
  const app = await world.start('app', env);
  const due: DuePlan[] = await seedDuePlans(db.pool, PLANS);

  // Every renewal charged and its webhook acknowledged, none applied.
  await waitFor(
    'every payment webhook to be acknowledged',
    async () => stripe.stats.acknowledged >= PLANS && stripe.outstanding() === 0 && (await one(`SELECT count(*) AS n FROM plan_renewal_stripe_events`)) >= PLANS,
    300_000,
    () => describeWave(db.pool, stripe),
  );
  const atKill = {
    acknowledged: stripe.stats.acknowledged,
    pending: await one(`SELECT count(*) AS n FROM plan_renewal_stripe_events WHERE state = 'pending'`),
    applied: await one(`SELECT count(*) AS n FROM plan_renewal_stripe_events WHERE state = 'applied'`),
    paymentsRecorded: await one(`SELECT count(*) AS n FROM transactions WHERE state = 'Success'`),
  };
  await app.kill();
  expect(atKill.applied).toBe(0);
  expect(atKill.paymentsRecorded).toBe(0);
  expect(atKill.pending).toBe(stripe.stats.events);

  await sleep(1000);
  env.STRIPE_EVENTS_WORKER = 'true';
  await app.start();
  const restartedAt = Date.now();
  await world.settle('the wave to finish after the restart', due, 300_000);
  const settledAt = Date.now();

  const { figures, violations, expectClean } = await world.check(due);
  report('inbox-crash', {
    injected: `worker held back while ${PLANS} renewals were charged and their webhooks acknowledged; SIGKILL; restart with the worker`,
    atKill,
    recovery: { secondsFromRestartToSettled: Math.round((settledAt - restartedAt) / 1000), webhooks: stripe.stats },
    figures,
    violations: violations.length,
    totalSeconds: Math.round((Date.now() - started) / 1000),
  });
  expectClean();
  expect(stripe.stats.acknowledged).toBe(atKill.acknowledged); // nothing was sent again
  expect(figures.renewedOnce).toBe(PLANS);
  expect(figures.stripeEvents).toBe(atKill.pending);
});
