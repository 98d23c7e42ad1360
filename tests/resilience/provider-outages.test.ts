import { startSendGridStandIn, StandIn as SendGridStandIn } from '../harness/sendgrid-stand-in';
import { describeViolations } from './invariants';
import { AppProcess, appSecrets, createApp } from './harness/app';
import { Database, createDatabase } from './harness/postgres';
import { appEnvironment, checkAll, inFlight, report, sleep, waitFor, waveSettled } from './harness/scenario';
import { seedDuePlans } from './harness/seed';
import { StripeSide, paymentIntentRequests, startStripe } from './harness/stripe';

/**
 * Scenario 4, provider outages during a renewal wave. SendGrid answers 500, then 429, then
 * hangs (the connection is held until the client gives up, and nothing is accepted), then
 * recovers: every receipt must end sent, and accepted exactly once. Stripe answers the first
 * charges late — it makes the PaymentIntent at once but the answer comes after the client's
 * timeout — so the app retries with the same idempotency key: no second charge.
 */
const PLANS = Number(process.env.RESILIENCE_OUTAGE_PLANS ?? 40);
const PHASE_MS = 8000;

let db: Database;
let stripe: StripeSide;
let sendgrid: SendGridStandIn;
let app: AppProcess;

beforeAll(async () => {
  db = await createDatabase('outages');
  stripe = await startStripe();
  sendgrid = await startSendGridStandIn();
});

afterAll(async () => {
  await app?.kill();
  await stripe?.close();
  await sendgrid?.close();
  await db?.drop();
});

test('SendGrid failing, rate-limiting and hanging, Stripe answering after the timeout: every email sent once, every invoice charged once', async () => {
  const started = Date.now();
  // STRIPE_TIMEOUT_MS is 3 s: an answer after 10 s is a timeout, each of the client's three tries.
  app = await createApp('outages-app', appEnvironment({ secrets: appSecrets(), databaseUrl: db.url, stripe, sendgrid }));
  await app.start();
  stripe.targets.push(app.base);
  for (let i = 0; i < 4; i += 1) stripe.standIn.faults.push({ path: '/v1/payment_intents', delayMs: 10_000 });
  stripe.standIn.faults.push({ path: '/v1/payment_intents', status: 500 });

  sendgrid.outage = { status: 500 };
  const due = await seedDuePlans(db.pool, PLANS);
  await waitFor('the first receipts to be tried', async () => sendgrid.received.length >= 3, 240_000, async () => JSON.stringify(await inFlight(db.pool)));
  const phases: Record<string, number> = {};
  const phase = async (name: string, outage: SendGridStandIn['outage']) => {
    sendgrid.outage = outage;
    const before = sendgrid.received.length;
    await sleep(PHASE_MS);
    phases[name] = sendgrid.received.length - before;
  };
  await phase('500', { status: 500 });
  await phase('429', { status: 429 });
  await phase('hang', { hangMs: 15_000 });
  const atRecovery = { ...(await inFlight(db.pool)), sendGridRequestsDuringOutage: sendgrid.received.length };
  sendgrid.outage = null;
  const recoveredAt = Date.now();

  await waitFor('every receipt to be sent', () => waveSettled(db.pool, due, stripe), 420_000, async () => JSON.stringify(await inFlight(db.pool)));
  const settledAt = Date.now();
  await app.stop();

  const { figures, violations } = await checkAll(db.pool, { due, stripe, sendgrid });
  const charges = paymentIntentRequests(stripe.standIn);
  report('provider-outages', {
    injected: {
      sendgrid: `500 until ${Math.round(PHASE_MS / 1000)} s after the first receipt was tried, then 429 for ${PHASE_MS / 1000} s, then hanging for ${PHASE_MS / 1000} s`,
      sendgridRequestsPerPhase: phases,
      stripe: '4 PaymentIntent requests answered after 10 s (client timeout 3 s, 2 retries), 1 answered 500',
    },
    inFlightAtRecovery: atRecovery,
    recovery: { secondsFromRecoveryToSettled: Math.round((settledAt - recoveredAt) / 1000), paymentIntentRequests: charges, webhooks: stripe.stats },
    figures,
    violations: violations.length,
    totalSeconds: Math.round((Date.now() - started) / 1000),
  });
  expect(describeViolations(violations)).toBe('');
  expect(app.leakedSecrets()).toEqual([]); // its worst day's logs included
  expect(figures.renewedOnce).toBe(PLANS);
  expect(charges.replayed).toBeGreaterThan(0); // the late answers were asked for again, with the same key
  expect(figures.paymentIntents).toBe(PLANS);
  expect(figures.emails.byState.sent).toBe(PLANS);
  expect(new Set(sendgrid.accepted).size).toBe(PLANS);
  expect(sendgrid.accepted).toHaveLength(PLANS);
  expect(sendgrid.received.length).toBeGreaterThan(PLANS); // failed attempts were retried
});
