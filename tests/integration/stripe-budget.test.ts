import type { Core } from '@strapi/strapi';
import { PACE_TABLE, createPacer, databaseClock, reserveSlot, sharedPace, slotSpacingMs } from '../../src/plugins/plan-renewals/server/src/services/stripe';
import { startStrapi, stopStrapi } from '../harness/strapi';

/**
 * One Stripe request budget for every instance on a PostgreSQL database: each request, of
 * whichever instance, takes the next slot of a queue kept in one row, spaced so that together they
 * never exceed the configured rate in any second. Two pacers here stand for two instances: each
 * paces itself to the full rate, and only the shared budget keeps them to it together.
 */
let strapi: Core.Strapi;
const postgres = () => strapi.db.dialect.client === 'postgres';

beforeAll(async () => {
  strapi = await startStrapi();
});
afterAll(() => stopStrapi(strapi));

const RATE = 20;
const SPACING = slotSpacingMs(RATE);
const limits = () => ({ requestsPerSecond: RATE, maxConcurrentRequests: 8, rateLimitRetries: 0 });

test('two instances sharing the budget send no faster together than the rate allows one', async () => {
  if (!postgres()) return; // SQLite is one instance: nothing to share (checked below)
  const shared = sharedPace(strapi, `test-${Date.now()}`);
  const instances = [createPacer(limits, undefined, shared), createPacer(limits, undefined, shared)];
  const sent: number[] = [];
  const started = Date.now();
  await Promise.all(
    instances.flatMap((pacer) =>
      Array.from({ length: 20 }, () =>
        pacer.send(async () => {
          sent.push(Date.now());
        }),
      ),
    ),
  );
  expect(sent).toHaveLength(40);
  // 40 requests, evenly spaced: the last leaves 39 spacings after the first slot at the earliest.
  expect(Math.max(...sent) - started).toBeGreaterThanOrEqual(Math.floor(39 * SPACING) - 5);

  // Each pacing itself only, the two together send the 40 in about one second.
  const alone = [createPacer(limits), createPacer(limits)];
  const quick = Date.now();
  await Promise.all(alone.flatMap((pacer) => Array.from({ length: 20 }, () => pacer.send(async () => undefined))));
  expect(Date.now() - quick).toBeLessThan(39 * SPACING);
});

test('every request gets a slot of its own, spaced for the rate on the database clock, whoever asks at once', async () => {
  if (!postgres()) return;
  const account = `slots-${Date.now()}`;
  const reserved = await Promise.all(Array.from({ length: 30 }, () => reserveSlot(strapi, account, RATE)));
  const slots = reserved.map((r) => r.slotAt).sort((a, b) => a - b);
  const gaps = slots.slice(1).map((slot, i) => slot - slots[i]);
  for (const gap of gaps) expect(gap).toBeCloseTo(SPACING, 6);
  // The first waits for nothing; each later one for its place in the queue.
  expect(Math.min(...reserved.map((r) => r.waitMs))).toBeLessThan(SPACING);
  expect(Math.max(...reserved.map((r) => r.waitMs))).toBeGreaterThan(20 * SPACING);
});

test('the app shares its budget by a hash of its Stripe account, never the key; SQLite keeps no such table', async () => {
  const table = await strapi.db.connection.schema.hasTable(PACE_TABLE);
  expect(table).toBe(postgres());
  if (!postgres()) return;
  const stripe = strapi.plugin('plan-renewals').service('stripe');
  const persistence = async () => (await strapi.db.connection.raw('SELECT relpersistence FROM pg_class WHERE oid = to_regclass(?)', [PACE_TABLE])).rows[0].relpersistence;
  // Unlogged: a reservation's commit does not wait for the disk (one made logged by an earlier version is converted).
  expect(await persistence()).toBe('u');
  await strapi.db.connection.raw(`ALTER TABLE ${PACE_TABLE} SET LOGGED`);
  await stripe.ensureTables(); // again: a second instance's start changes nothing else
  expect(await persistence()).toBe('u');
  const rows = await strapi.db.connection(PACE_TABLE).select('*');
  for (const row of rows) {
    expect(row.account).toMatch(/^([0-9a-f]{32}|test-\d+|slots-\d+)$/);
    expect(JSON.stringify(row)).not.toContain(process.env.STRIPE_SECRET_KEY ?? 'sk_');
  }
});

test('without the database the instance keeps its own pace: the request still goes, the failure is reported', async () => {
  const failures: string[] = [];
  const pacer = createPacer(
    limits,
    undefined,
    async () => {
      throw new Error('connection lost');
    },
    (error) => failures.push(error.message),
  );
  await expect(pacer.send(async () => 'sent')).resolves.toBe('sent');
  expect(failures).toEqual(['connection lost']);
});

test('the database clock on the local one: never earlier than the truth, as close as the quickest answer', () => {
  const offset = 1_700_000_000_000; // the database's epoch clock against this process's monotonic one
  let local = 0;
  const clock = databaseClock(() => local);
  // Readings taken at local 100, 200, 300, answered 40, 3 and 250 ms later.
  for (const [taken, delay] of [
    [100, 40],
    [200, 3],
    [300, 250],
  ]) {
    local = taken + delay;
    clock.observe(taken + offset);
  }
  const slot = 1000 + offset;
  expect(clock.toLocal(slot)).toBeGreaterThanOrEqual(1000);
  expect(clock.toLocal(slot)).toBe(1003);
});

test('a slot answered late is waited for from when it was reserved, not from the answer', async () => {
  // The database answers each reservation `delay` ms after its statement read the clock, the slot 300 ms ahead.
  let delay = 0;
  const fake = {
    db: {
      connection: {
        raw: async () => {
          const dbNow = performance.now();
          await new Promise((resolve) => setTimeout(resolve, delay));
          return { rows: [{ slot_at: dbNow + 300, db_now: dbNow }] };
        },
      },
    },
  } as unknown as Core.Strapi;
  const pace = sharedPace(fake, 'late-answers');
  expect(await pace(RATE)).toBeGreaterThan(250); // answered at once: the whole 300 ms
  delay = 200;
  const wait = await pace(RATE);
  expect(wait).toBeLessThan(200); // answered 200 ms late (or later, on a busy machine): about 100 ms left, not 300
});
