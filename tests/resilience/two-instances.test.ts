import { describeWave, inFlight, report, scenario, waitFor } from './harness/scenario';
import { createStaffUser, seedDuePlans, signIn } from './harness/seed';
import { paymentIntentRequests } from './harness/stripe';

/**
 * Scenario 2, two instances on one PostgreSQL and no balancer: both run every scheduled job on
 * the same schedule, every Stripe webhook is delivered to both at the same moment (one stores it
 * in the inbox, the other finds it there; both inbox workers apply events), and Customer
 * Success completes each quality check on both at once. Every effect must happen once: one run,
 * invoice, charge and email per plan, each job fire executed by one instance, one completion per
 * task (the other answered 409).
 */
const PLANS = Number(process.env.RESILIENCE_INSTANCE_PLANS ?? 60);

const world = scenario('instances');

const post = async (base: string, path: string, jwt: string, body: unknown) => {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${jwt}` },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  return response.status;
};

test('two instances, each webhook delivered to both at once and every job firing on both: every effect once', async () => {
  const { db, stripe, sendgrid, apps } = world;
  const started = Date.now();
  const first = await world.start('instance-a'); // creates the schema before the second instance starts on it
  const second = await world.start('instance-b');

  const due = await seedDuePlans(db.pool, PLANS);
  await world.settle('the renewals to be paid and activated', due, 420_000);
  const paidAt = Date.now();

  // Customer Success completes each quality check, the same request sent to both instances at once.
  const jwt = await signIn(first.base, await createStaffUser(db.pool, 'customer-success'));
  const { rows: tasks } = await db.pool.query(
    `SELECT document_id FROM workflow_tasks WHERE process_id = 'prepaid-plan' AND step_id = 'quality-check' AND state = 'open'`,
  );
  const answers: Record<string, number> = {};
  for (let i = 0; i < tasks.length; i += 4) {
    const batch = tasks.slice(i, i + 4);
    const statuses = await Promise.all(
      batch.flatMap((task) => apps.map((app) => post(app.base, `/api/plan-renewals/tasks/${task.document_id}/complete`, jwt, { outcome: 'passed', note: 'all features reachable' }))),
    );
    for (const status of statuses) answers[status] = (answers[status] ?? 0) + 1;
  }
  await waitFor('every run to complete', async () => (await inFlight(db.pool)).runsCompleted === PLANS, 120_000, () => describeWave(db.pool));
  await Promise.all(apps.map((app) => app.stop()));

  // Each fire an instance reports having run, across both instances: none twice.
  const executed = apps.flatMap((app) => app.lines(/Job [a-z-]+ ran \[/).map((line) => line.match(/ ran \[([^\]]+)\]/)![1]));
  const executedByInstance = Object.fromEntries(apps.map((app) => [app.name, app.lines(/Job [a-z-]+ ran \[/).length]));
  const firesTwice = executed.length - new Set(executed).size;

  const { figures, violations, expectClean } = await world.check(due);
  // Which instance's inbox worker applied each event (the instance part of its claim).
  const { rows: appliers } = await db.pool.query(
    `SELECT split_part(claimed_by, ':', 1) AS instance, count(*)::int AS n FROM plan_renewal_stripe_events WHERE state = 'applied' GROUP BY 1`,
  );
  const deadlocks = [...first.lines(/deadlock detected/), ...second.lines(/deadlock detected/)];
  report('two-instances', {
    injected: `2 instances, ${PLANS} plans due; each of ${stripe.stats.events} webhook events delivered to both at once; ${tasks.length} quality checks completed on both at once`,
    jobFires: { executed: executed.length, executedByInstance, executedTwice: firesTwice },
    deadlocksBrokenByPostgres: deadlocks.length,
    taskCompletionAnswers: answers,
    eventsAppliedByInstance: appliers.map((row) => row.n),
    webhooks: stripe.stats,
    paymentIntentRequests: paymentIntentRequests(stripe.standIn),
    secondsToPaid: Math.round((paidAt - started) / 1000),
    figures,
    violations: violations.length,
    totalSeconds: Math.round((Date.now() - started) / 1000),
  });
  expectClean();
  // Locks taken in one order (invoice first) by the wave and the webhooks: PostgreSQL never had to break a deadlock.
  expect(deadlocks).toEqual([]);
  expect(firesTwice).toBe(0);
  expect(Object.values(executedByInstance).every((count) => count > 0)).toBe(true); // both took part
  expect(answers).toEqual({ 200: PLANS, 409: PLANS });
  expect(stripe.stats.acknowledged).toBe(2 * PLANS); // every delivery acknowledged by both
  expect(figures.stripeEvents).toBe(PLANS);
  // Each event acknowledged by one instance (the other's insert a no-op) and applied once, by either.
  expect(appliers.reduce((sum, row) => sum + row.n, 0)).toBe(PLANS);
  expect(appliers).toHaveLength(2);
  expect(figures.renewedOnce).toBe(PLANS);
  expect(figures.runs.byState).toEqual({ completed: PLANS });
  expect(figures.paymentIntents).toBe(PLANS);
  expect(sendgrid.accepted).toHaveLength(PLANS);
});
