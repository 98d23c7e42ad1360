import { PrivateCluster, cutAppConnections, startPrivateCluster } from './harness/postgres';
import { describeWave, inFlight, report, scenario, sleep, waitFor } from './harness/scenario';
import { seedDuePlans } from './harness/seed';
import { paymentIntentRequests } from './harness/stripe';

/**
 * Scenario 3, the database restarted under load: while renewals are being started and webhooks
 * are arriving, the PostgreSQL server (a private cluster, so nobody else's work is touched) is
 * stopped — every connection ended — and started again a few seconds later; then, while the
 * backlog is worked off, the app's connections are cut ten times more. The app is not
 * restarted: it must reconnect by itself; what failed meanwhile is retried by its jobs, and the
 * webhooks answered 5xx are re-sent by Stripe. Nothing may be lost or done twice.
 */
const PLANS = Number(process.env.RESILIENCE_RESTART_PLANS ?? 60);
const DOWN_MS = 5000;
/** After the restart, while the backlog is worked off: the app's connections cut this many times, half a second apart. */
const CUTS = 10;

let cluster: PrivateCluster;
// Hooks run in the order they are declared: the cluster is started before the scenario makes its
// database on it, and destroyed after the scenario has dropped it.
beforeAll(async () => {
  cluster = await startPrivateCluster();
});
const world = scenario('restart', { databaseUrl: () => cluster.url });
afterAll(() => cluster?.destroy());

test('PostgreSQL restarted while renewals and webhooks flow: the app recovers without a restart, nothing lost or doubled', async () => {
  const { db, stripe, sendgrid } = world;
  const started = Date.now();
  const app = await world.start('restart-app');
  const due = await seedDuePlans(db.pool, PLANS);

  await waitFor('renewals and webhooks to be flowing', async () => {
    const now = await inFlight(db.pool);
    return now.runs >= PLANS * 0.3 && stripe.stats.acknowledged >= 3;
  }, 240_000, () => describeWave(db.pool));
  const atStop = { ...(await inFlight(db.pool)), webhookDeliveriesOutstanding: stripe.outstanding() };
  const failuresBefore = stripe.stats.serverErrors + stripe.stats.noAnswer;
  cluster.stop();
  const stoppedAt = Date.now();
  await sleep(DOWN_MS);
  cluster.start();
  const restartedAt = Date.now();
  // Then the connections alone, again and again while the backlog (webhooks answered 5xx meanwhile,
  // payment requests left pending) is being worked off: queries die mid-flight, Strapi's own
  // unawaited re-reads after a commit included.
  let connectionsCut = 0;
  for (let i = 0; i < CUTS; i += 1) {
    connectionsCut += await cutAppConnections(db.pool);
    await sleep(500);
  }

  await world.settle('the wave to finish after the restart', due, 420_000);
  const settledAt = Date.now();
  expect(app.running()).toBe(true); // the same process throughout

  const { figures, violations, expectClean } = await world.check(due);
  report('database-restart', {
    injected: `PostgreSQL stopped (fast: connections ended) ${Math.round((stoppedAt - started) / 1000)} s into the scenario, started again after ${Math.round((restartedAt - stoppedAt) / 1000)} s, then the app's connections cut ${CUTS} times; the app kept running`,
    inFlightAtStop: atStop,
    connectionsCutAfterRestart: `${connectionsCut} in ${CUTS} rounds`,
    recovery: {
      lostConnectionsSurvived: app.lines(/database connection was lost/).length,
      secondsFromRestartToSettled: Math.round((settledAt - restartedAt) / 1000),
      webhookAttemptsFailedDuringOutage: stripe.stats.serverErrors + stripe.stats.noAnswer - failuresBefore,
      webhooks: stripe.stats,
      paymentIntentRequests: paymentIntentRequests(stripe.standIn),
      appErrorsLogged: app.lines(/\berror\b/i).length,
    },
    figures,
    violations: violations.length,
    totalSeconds: Math.round((Date.now() - started) / 1000),
  });
  expectClean();
  expect(figures.renewedOnce).toBe(PLANS);
  expect(figures.paymentIntents).toBe(PLANS);
  expect(sendgrid.accepted).toHaveLength(PLANS);
});
