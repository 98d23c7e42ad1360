import crypto from 'node:crypto';
import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import Stripe from 'stripe';
import { toStripeAmount } from '../../../../../domain';
import { readEnvironment } from '../../../../../setup/environment';

/**
 * Everything this application asks of Stripe, through the official client pointed at
 * STRIPE_API_BASE (Stripe itself in production, a local stand-in in tests and local runs).
 *
 * Every request that creates something carries a deterministic idempotency key, so a step that
 * is re-run after a crash gets back the object it created the first time instead of a second one.
 * Objects carry `metadata.app = plan-renewals`: events about anything else are not ours.
 */
export const METADATA_APP = 'plan-renewals';

/**
 * The Stripe API version this application speaks, pinned here and nowhere else: upgrading the
 * stripe package does not change the shape of the objects it reads. The webhook endpoint in the
 * Stripe dashboard must be created with this version too (README, "Stripe"); events of another
 * version are logged once and shown in the admin panel's Settings.
 */
export const STRIPE_API_VERSION = '2026-10-28.endive';

/** What this application writes in the metadata of the objects it creates: `app`, and what they are for. */
export interface StripeMetadata {
  app: typeof METADATA_APP;
  [key: string]: string;
}

export interface PaymentMetadata extends StripeMetadata {
  invoice: string;
  invoiceNumber: string;
  run: string;
  [key: string]: string;
}

/** An invoice as Stripe is asked to collect it. */
export interface PayableInvoice {
  documentId: string;
  number: string;
  totalMinor: number;
  currency: string;
}

/** A customer as Stripe is told about them. */
export interface StripeCustomerRecord {
  documentId: string;
  email: string;
  name: string;
  phone?: string | null;
  stripeCustomerId?: string | null;
}

/** What is read of a failed request's error: a StripeError's fields, each missing when it is not one. */
interface StripeFailure {
  statusCode?: number;
  type?: string;
  message?: string;
  headers?: Record<string, string>;
  payment_intent?: Stripe.PaymentIntent;
  raw?: { payment_intent?: Stripe.PaymentIntent };
}

const clients = new Map<string, Stripe>();

const client = (): Stripe => {
  const env = readEnvironment();
  if (!env.STRIPE_SECRET_KEY) {
    throw new errors.ValidationError('Card payments need STRIPE_SECRET_KEY; use a manual payment, or configure Stripe');
  }
  const cacheKey = `${env.STRIPE_SECRET_KEY}@${env.STRIPE_API_BASE}`;
  if (!clients.has(cacheKey)) {
    const base = new URL(env.STRIPE_API_BASE);
    const protocol = base.protocol === 'http:' ? 'http' : 'https';
    clients.set(
      cacheKey,
      new Stripe(env.STRIPE_SECRET_KEY, {
        apiVersion: STRIPE_API_VERSION,
        host: base.hostname,
        port: base.port || (protocol === 'http' ? 80 : 443),
        protocol,
        timeout: env.STRIPE_TIMEOUT_MS,
        maxNetworkRetries: 2,
        telemetry: false,
        appInfo: { name: 'prepaid-plans' },
      }),
    );
  }
  return clients.get(cacheKey)!;
};

export interface StripeLimits {
  requestsPerSecond: number;
  maxConcurrentRequests: number;
  rateLimitRetries: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A 429: Stripe did not process the request, so sending it again with the same key is safe. */
export const isRateLimited = (error: unknown): boolean =>
  (error as StripeFailure | undefined)?.statusCode === 429 || (error as StripeFailure | undefined)?.type === 'StripeRateLimitError';

/** How long to wait before retry `attempt` (0-based): Stripe's Retry-After, else 0.5 s doubling to 8 s, with jitter. */
export const rateLimitDelayMs = (error: unknown, attempt: number, random: number = Math.random()): number => {
  const header = Number((error as StripeFailure | undefined)?.headers?.['retry-after']);
  const base = Number.isFinite(header) && header > 0 ? header * 1000 : Math.min(8000, 500 * 2 ** attempt);
  return Math.round(base * (1 + 0.25 * random));
};

/**
 * How long after it was sent a request may still reach Stripe, at most: a request leaves the
 * process some time after the pacer lets it go (stripe-node's own work, an event loop busy with a
 * synchronous SQLite statement), so a window counted on send times alone lets requests sent a
 * second apart arrive less than a second apart, and Stripe answers the later one 429.
 */
export const ARRIVAL_SLACK_MS = 30;

/**
 * How late after its shared slot a request may still leave, at most; one the event loop (or the
 * database's answer) makes later takes a new slot instead, and its own goes unused. A request
 * that leaves late counts against the second of the requests after it: sent 300 ms late it joins
 * the 95 that follow it in the next second (two instances renewing 5,000 plans on a loaded
 * machine, each request sent whenever it could: up to 330 ms late, 113 requests in one second at
 * Stripe, 7 to 47 429s a wave). A new slot costs the budget one spacing, as a 429 does, without
 * the second's wait; on a loaded machine it is the price of the event loops' stalls (1 to 3% of
 * a wave's requests missed their slot by more than this at a load average of 5, up to 12% at 10).
 */
export const LATE_LIMIT_MS = 30;

/**
 * The spacing of the shared budget's slots: a second, and what a request may lose on its way
 * (leaving up to LATE_LIMIT_MS late, arriving up to ARRIVAL_SLACK_MS after it left), over the
 * rate: 10.6 ms at 100 requests/s, 94.3 a second. Evenly spaced requests, each counted by Stripe
 * at most that much after its slot, are at most `rate` in any second.
 */
export const slotSpacingMs = (requestsPerSecond: number) => (1000 + LATE_LIMIT_MS + ARRIVAL_SLACK_MS) / requestsPerSecond;

/** How many times one request takes a new slot for having missed its slot, at most; it then leaves as late as it is. */
export const SLOT_RETAKES = 3;

/**
 * How long to wait before sending, from a budget every instance shares (or none: one instance).
 * It is asked once per request, after this instance's own pacing let the request go. Negative:
 * the slot has passed already (the answer came late), by that much.
 */
export type SharedPace = (requestsPerSecond: number) => Promise<number>;

/** Where the instances on one PostgreSQL database keep their shared Stripe pace: one row per Stripe account. */
export const PACE_TABLE = 'plan_renewal_stripe_pace';

/**
 * The shared budget: every request, of whichever instance, gets the next free slot,
 * slotSpacingMs(rate) after the one before, on the database's clock (instances' clocks may
 * differ; the database's is one). Evenly spaced requests are at most `rate` in any second, even
 * if each leaves up to LATE_LIMIT_MS late and reaches Stripe ARRIVAL_SLACK_MS after that. One statement
 * reserves the slot and answers how long until it: the row is the queue. `dbNow` is the
 * database's clock as the statement read it.
 *
 * The table is UNLOGGED: a reservation holds the row until it commits, and a logged commit waits
 * for its WAL to reach the disk, so every reservation of every instance would wait for the one
 * before it to be flushed — on a busy disk fewer reservations per second than the rate, each
 * answered late by a varying delay (two instances renewing 5,000 plans: a median of 133 ms, up to
 * 1.4 s), which spread the requests out (the wave took 1.38x its floor) and bunched them up (429s).
 * The pace needs no durability: lost in a crash, the next reservation starts a new queue.
 */
export const reserveSlot = async (
  strapi: Core.Strapi,
  account: string,
  requestsPerSecond: number,
): Promise<{ slotAt: number; waitMs: number; dbNow: number }> => {
  const spacing = slotSpacingMs(requestsPerSecond);
  const now = 'extract(epoch from clock_timestamp()) * 1000';
  const result = await strapi.db.connection.raw(
    `INSERT INTO ${PACE_TABLE} AS pace (account, next_at) VALUES (?, ${now} + ?)
     ON CONFLICT (account) DO UPDATE SET next_at = GREATEST(pace.next_at, ${now}) + ?
     RETURNING next_at - ? AS slot_at, ${now} AS db_now`,
    [account, spacing, spacing, spacing],
  );
  const [row] = result.rows;
  const slotAt = Number(row.slot_at);
  const dbNow = Number(row.db_now);
  return { slotAt, waitMs: Math.max(0, slotAt - dbNow), dbNow };
};

/**
 * The database's clock read on this instance's monotonic clock. A reading `dbNow` answered at
 * local time `t` was taken at most at `t`, so `dbNow - t` is at most the clocks' true offset, and
 * the largest of the recent readings is the closest (off by the quickest answer's delay, a few
 * milliseconds; recent only, so that a clock stepped by NTP is followed within a second or so).
 * A slot mapped with it is never earlier than it truly is.
 */
export const databaseClock = (now: () => number = () => performance.now(), readings = 100) => {
  const offsets: number[] = [];
  return {
    /** One reading of the database's clock, answered at `answeredAt` (local). */
    observe(dbNow: number, answeredAt: number = now()) {
      offsets.push(dbNow - answeredAt);
      if (offsets.length > readings) offsets.shift();
    },
    /** The local time of a database instant (needs one reading). */
    toLocal: (dbTime: number) => dbTime - Math.max(...offsets),
  };
};

/**
 * The shared pace of one Stripe account, as the pacer asks it: how long to wait for the next slot.
 * The wait is counted from when the slot is known on this instance's clock, not from when the
 * statement ran: the answer's own delay (a busy database, a busy event loop) is not added to it,
 * so a request answered late does not leave late, after others reserved later than it.
 */
export const sharedPace =
  (strapi: Core.Strapi, account: string, clock = databaseClock()): SharedPace =>
  async (requestsPerSecond) => {
    const { slotAt, dbNow } = await reserveSlot(strapi, account, requestsPerSecond);
    clock.observe(dbNow);
    return clock.toLocal(slotAt) - performance.now();
  };

/**
 * Paces one instance's Stripe requests: at most the configured rate in any second, a bounded number in
 * flight, and 429s retried after Stripe's Retry-After with the same idempotency key (stripe-node
 * does not retry rate-limited requests itself). With a `shared` pace (several instances on one
 * PostgreSQL database), each request also waits for its slot in the budget they share, so
 * together they keep to the rate; if the database cannot answer, the instance's own pace holds.
 *
 * A request counts against the second after it reached Stripe. When that was is not known, only
 * that it was between sending and the answer; the pacer counts it until one second after its
 * answer, but never longer than one second and ARRIVAL_SLACK_MS after it was sent. Against a
 * nearby Stripe that is nearly exact; against a distant one it costs at most the slack.
 */
export const createPacer = (limits: () => StripeLimits, now: () => number = () => performance.now(), shared?: SharedPace, onSharedFailure?: (error: Error) => void) => {
  /** The requests still counted: until when each is, at the latest (lowered once it is answered). */
  const counted: { until: number }[] = [];
  let inFlight = 0;
  const queue: (() => void)[] = [];
  /** Late: sent more than LATE_LIMIT_MS after its shared slot even so, having missed SLOT_RETAKES new ones (a busy event loop or database): it may draw a 429. */
  /** Retaken: slots given up for a new one, the request having missed them by more than LATE_LIMIT_MS. */
  const counts = { requests: 0, rateLimited: 0, late: 0, retaken: 0, latestMs: 0 };

  /** Waits for a slot, then until sending keeps the pace: never more than the rate within any second. */
  const acquire = async () => {
    if (inFlight >= limits().maxConcurrentRequests) await new Promise<void>((resolve) => queue.push(resolve));
    else inFlight += 1;
    const perWindow = Math.max(1, Math.floor(limits().requestsPerSecond));
    for (;;) {
      const at = now();
      for (let i = counted.length - 1; i >= 0; i -= 1) if (counted[i].until <= at) counted.splice(i, 1);
      if (counted.length < perWindow) {
        const entry = { until: at + 1000 + ARRIVAL_SLACK_MS };
        counted.push(entry);
        return entry;
      }
      await sleep(Math.max(1, Math.ceil(Math.min(...counted.map((entry) => entry.until)) - at)));
    }
  };
  const release = (entry: { until: number }) => {
    entry.until = Math.min(entry.until, now() + 1000);
    const next = queue.shift();
    if (next)
      next(); // the slot passes straight to the next waiting request
    else inFlight -= 1;
  };

  return {
    counts,
    async send<T>(call: () => Promise<T>): Promise<T> {
      for (let attempt = 0; ; attempt += 1) {
        const entry = await acquire();
        if (shared) {
          try {
            for (let retake = 0; ; retake += 1) {
              const wait = await shared(limits().requestsPerSecond);
              const slot = now() + wait;
              if (wait > 0) await sleep(Math.ceil(wait));
              const lateMs = now() - slot;
              if (lateMs > LATE_LIMIT_MS && retake < SLOT_RETAKES) {
                counts.retaken += 1; // missed: the slot goes unused, the request waits for a new one
                continue;
              }
              if (lateMs > LATE_LIMIT_MS) counts.late += 1;
              counts.latestMs = Math.max(counts.latestMs, Math.round(lateMs));
              break;
            }
          } catch (error) {
            onSharedFailure?.(error as Error);
          }
        }
        counts.requests += 1;
        let failure: unknown;
        try {
          return await call();
        } catch (error) {
          failure = error;
        } finally {
          release(entry);
        }
        if (!isRateLimited(failure) || attempt >= limits().rateLimitRetries) throw failure;
        counts.rateLimited += 1;
        await sleep(rateLimitDelayMs(failure, attempt));
      }
    },
  };
};

export default ({ strapi }: { strapi: Core.Strapi }) => {
  // Several instances share one database only on PostgreSQL (SQLite is one instance): there they
  // share the budget of the Stripe account their key belongs to (named by a hash, never the key).
  const account = () => crypto.createHash('sha256').update(readEnvironment().STRIPE_SECRET_KEY ?? '').digest('hex').slice(0, 32);
  const clock = databaseClock();
  const shared: SharedPace | undefined =
    strapi.db.dialect.client === 'postgres' ? (rate) => sharedPace(strapi, account(), clock)(rate) : undefined;
  let warned = 0;
  const pacer = createPacer(
    () => strapi.plugin('plan-renewals').config('stripe') as StripeLimits,
    undefined,
    shared,
    (error) => {
      // The database is away: requests keep this instance's own pace meanwhile. Said once a minute.
      if (Date.now() - warned < 60_000) return;
      warned = Date.now();
      strapi.log.warn(`Stripe requests keep this instance's own pace: the shared budget could not be read (${error.message})`);
    },
  );
  return {
    /** The table of the shared request budget (PostgreSQL; Strapi does not manage it); created at bootstrap. */
    async ensureTables() {
      if (strapi.db.dialect.client !== 'postgres') return;
      // Instances starting together take turns: two CREATE TABLE IF NOT EXISTS at once can collide.
      await strapi.db.connection.transaction(async (trx) => {
        await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [PACE_TABLE]);
        await trx.raw(`CREATE UNLOGGED TABLE IF NOT EXISTS ${PACE_TABLE} (account varchar(64) PRIMARY KEY, next_at double precision NOT NULL)`);
        // Created logged by an earlier version: made unlogged (one row per account, rewritten at once).
        const { rows } = await trx.raw(`SELECT relpersistence FROM pg_class WHERE oid = to_regclass(?)`, [PACE_TABLE]);
        if (rows[0]?.relpersistence === 'p') await trx.raw(`ALTER TABLE ${PACE_TABLE} SET UNLOGGED`);
      });
      // A few readings of the database's clock before the first slot: the estimate only improves
      // (each reading can only move slots earlier), and slots mapped while it still moves by
      // several milliseconds come closer together than their spacing (seen in the first second
      // of the first wave after a start).
      for (let i = 0; i < 5; i += 1) {
        const { rows: readings } = await strapi.db.connection.raw('SELECT extract(epoch from clock_timestamp()) * 1000 AS db_now');
        clock.observe(Number(readings[0].db_now));
      }
    },

    /** Requests sent, 429s retried, and requests sent late for their shared slot by this instance since it started. */
    counts: () => ({ ...pacer.counts }),

    /** Whether card payments can be requested at all (a secret key is configured). */
    configured: () => Boolean(readEnvironment().STRIPE_SECRET_KEY),

    /** Live keys expect live events, test keys test events. */
    livemode: () => /^(sk|rk)_live_/.test(readEnvironment().STRIPE_SECRET_KEY ?? ''),

    /** The customer's Stripe customer id, created (once, whatever happens) when missing. */
    async ensureCustomer(customer: StripeCustomerRecord): Promise<string> {
      if (customer.stripeCustomerId) return customer.stripeCustomerId;
      const created = await pacer.send(() =>
        client().customers.create(
          { email: customer.email, name: customer.name, phone: customer.phone ?? undefined, metadata: { app: METADATA_APP, customer: customer.documentId } },
          { idempotencyKey: `customer:${customer.documentId}` },
        ),
      );
      await strapi.documents('api::customer.customer').update({ documentId: customer.documentId, data: { stripeCustomerId: created.id } });
      return created.id;
    },

    /**
     * A Checkout session paying the invoice once and saving the card for later off-session
     * renewals. Returns the URL to send the customer to.
     */
    async checkout(input: { invoice: PayableInvoice; customerId: string; description: string; metadata: StripeMetadata; key: string; returnQuery?: string }) {
      const env = readEnvironment();
      const { amount, currency } = toStripeAmount(input.invoice.totalMinor, input.invoice.currency);
      const session = await pacer.send(() =>
        client().checkout.sessions.create(
          {
            mode: 'payment',
            customer: input.customerId,
            client_reference_id: input.invoice.documentId,
            line_items: [{ quantity: 1, price_data: { currency, unit_amount: amount, product_data: { name: input.description } } }],
            payment_intent_data: { setup_future_usage: 'off_session', metadata: input.metadata, description: input.description },
            metadata: input.metadata,
            success_url: `${env.PUBLIC_URL}/payment-complete?${input.returnQuery ?? `invoice=${encodeURIComponent(input.invoice.number)}`}`,
            cancel_url: `${env.PUBLIC_URL}/payment-cancelled?${input.returnQuery ?? `invoice=${encodeURIComponent(input.invoice.number)}`}`,
          },
          { idempotencyKey: input.key },
        ),
      );
      return { id: session.id, url: session.url as string };
    },

    /**
     * Charges the saved card without the customer present (`off_session`, confirmed at once).
     * A decline is not an exception here: the PaymentIntent exists either way and its webhook
     * decides; only a failure to reach Stripe at all throws.
     */
    async chargeOffSession(input: { invoice: PayableInvoice; customerId: string; paymentMethodId: string; description: string; metadata: StripeMetadata; key: string }) {
      const { amount, currency } = toStripeAmount(input.invoice.totalMinor, input.invoice.currency);
      try {
        const intent = await pacer.send(() =>
          client().paymentIntents.create(
            {
              amount,
              currency,
              customer: input.customerId,
              payment_method: input.paymentMethodId,
              off_session: true,
              confirm: true,
              // Nobody is there to follow a redirect: only payment methods that need none. A card
              // that asks for authentication fails with requires_action, handled by its webhook.
              automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
              description: input.description,
              metadata: input.metadata,
            },
            { idempotencyKey: input.key },
          ),
        );
        return { id: intent.id, status: intent.status as string, error: null as string | null };
      } catch (caught) {
        const error = caught as StripeFailure | undefined;
        const intent = error?.raw?.payment_intent ?? error?.payment_intent;
        if (error?.type === 'StripeCardError' && intent?.id) return { id: intent.id as string, status: intent.status as string, error: String(error.message) };
        throw error;
      }
    },

    /**
     * Refunds a PaymentIntent in full. The key makes a repeated request (a retry, a second
     * instance) answer the refund Stripe made the first time.
     */
    async refund(input: { paymentIntent: string; metadata: StripeMetadata; key: string }): Promise<{ id: string; status: string }> {
      const refund = await pacer.send(() =>
        client().refunds.create({ payment_intent: input.paymentIntent, reason: 'requested_by_customer', metadata: input.metadata }, { idempotencyKey: input.key }),
      );
      return { id: refund.id, status: String(refund.status) };
    },

    /** The payment method a PaymentIntent was paid with (to save the card after Checkout). */
    async paymentMethodOf(paymentIntentId: string): Promise<string | null> {
      const intent = await pacer.send(() => client().paymentIntents.retrieve(paymentIntentId));
      const method = intent.payment_method;
      return typeof method === 'string' ? method : (method?.id ?? null);
    },

    /**
     * The event, if the signature header matches the raw bytes under one of the configured
     * secrets (several during a rotation) within the tolerance; a ValidationError otherwise.
     */
    verify(raw: Buffer, header: string | undefined): Stripe.Event {
      const env = readEnvironment();
      const secrets = env.STRIPE_WEBHOOK_SECRET ?? [];
      if (secrets.length === 0) throw new errors.ValidationError('Stripe webhooks are not configured (STRIPE_WEBHOOK_SECRET)');
      if (!header) throw new errors.ValidationError('Missing Stripe-Signature header');
      let lastError: unknown;
      for (const secret of secrets) {
        try {
          return Stripe.webhooks.constructEvent(raw, header, secret, env.STRIPE_WEBHOOK_TOLERANCE_S);
        } catch (error) {
          lastError = error;
        }
      }
      throw new errors.ValidationError(`Invalid Stripe signature: ${(lastError as Error)?.message ?? 'no secret matched'}`.slice(0, 300));
    },
  };
};
