import crypto from 'node:crypto';
import type { Core } from '@strapi/strapi';
import type Stripe from 'stripe';
import { writeAudit } from '../../../../../guards/audit';
import { readEnvironment } from '../../../../../setup/environment';
import type { Connection } from '../../../../../setup/knex';
import { EVENT_UID, INBOX_TABLE, acknowledgementsInFlight, applyEvent } from './webhooks';
import { ownService } from '../utils';

/**
 * The Stripe event inbox as a durable queue. The webhook stores each acknowledged event `pending`;
 * workers, on every instance, apply it once:
 *
 * - an event is claimed by one conditional UPDATE (pending, not claimed or its claim expired), for
 *   a lease: a worker that crashed mid-event loses it when the lease ends and another takes it;
 * - the claim is checked again, and the row marked `applied`, first in the transaction of the
 *   event's effects (which locks the row until the commit): a worker whose lease was taken over
 *   writes nothing, so an event is applied once even when two workers hold it one after the other;
 * - events about one object (a PaymentIntent) are applied in the order they arrived: one waits
 *   while an earlier one about the same object is still pending (claimed, or waiting to be tried again);
 * - a failed attempt is tried again after a back-off; after the last, the event is `dead`: a
 *   Finance task and an audit entry say so, and it no longer holds back the events after it.
 *
 * Each instance kicks its worker when it acknowledges an event, and looks at the inbox every
 * `pollSeconds` for the rest (events another instance acknowledged, or acknowledged before a restart).
 */
export interface InboxSettings {
  maxAttempts: number;
  retryBaseSeconds: number;
  leaseSeconds: number;
  pollSeconds: number;
  concurrency: number;
}

export interface WorkResult {
  applied: number;
  failed: number;
  dead: number;
  /** Candidates another worker claimed first. */
  taken: number;
}

/** The wait before attempt `attempt + 1`, after `attempt` failed ones: base x 4^(attempt-1), at most an hour. */
export const retryDelayMs = (attempt: number, baseSeconds: number) => Math.min(3_600_000, baseSeconds * 1000 * 4 ** Math.max(0, attempt - 1));

/** An inbox row as a worker reads it to apply its event. */
interface InboxRow {
  id: number;
  document_id: string;
  event_id: string;
  type: string;
  object_id: string | null;
  /** The event as stored: JSON text, or parsed already by the database driver. */
  payload: string | Stripe.Event;
  attempts: number | null;
}

class ClaimLost extends Error {}

/** The longest the worker waits for this process's acknowledgements before its next event. */
const MAX_GIVE_WAY_MS = 250;

/**
 * Acknowledging is the latency Stripe sees and applying is not: before each event the worker waits
 * while this process is acknowledging deliveries, at most MAX_GIVE_WAY_MS, so a burst is answered
 * first and the worker still moves on under a steady stream. (Waiting for the whole burst to end
 * instead answered a quiet burst faster, but on a loaded machine left a backlog whose application
 * stalled the process long enough for clients' connections to be reset.)
 */
const giveWay = async () => {
  const until = Date.now() + MAX_GIVE_WAY_MS;
  while (acknowledgementsInFlight() > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 5));
};

const SYSTEM = { type: 'system', id: 'stripe-inbox', name: 'Stripe event inbox' } as const;

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const settings = () => strapi.plugin('plan-renewals').config('webhooks') as InboxSettings;
  const knex = () => strapi.db.connection;
  const instance = crypto.randomBytes(6).toString('hex');
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let again = false;
  let started = false;

  /**
   * Events that may be claimed now, oldest first: pending, due (unless `ignoreBackoff`), not
   * claimed or their claim expired, and with no earlier pending event about the same object.
   */
  const candidates = async (now: Date, limit: number, ignoreBackoff: boolean): Promise<number[]> => {
    const db = knex();
    const query = db(`${INBOX_TABLE} as e`)
      .select('e.id')
      .where('e.state', 'pending')
      .where((b) => b.whereNull('e.claimed_until').orWhere('e.claimed_until', '<', now))
      .whereNotExists(
        db(`${INBOX_TABLE} as p`).select(db.raw('1')).whereRaw('p.object_id = e.object_id').whereRaw('p.id < e.id').where('p.state', 'pending'),
      )
      .orderBy('e.id')
      .limit(limit);
    if (!ignoreBackoff) query.where((b) => b.whereNull('e.next_attempt_at').orWhere('e.next_attempt_at', '<=', now));
    return (await query).map((row: { id: number | string }) => Number(row.id));
  };

  /** Claims one event for a lease, in one statement; the claim's token, or null when another worker has it. */
  const claim = async (id: number): Promise<string | null> => {
    const now = new Date();
    const token = `${instance}:${crypto.randomBytes(6).toString('hex')}`;
    const claimed = await knex()(INBOX_TABLE)
      .where({ id, state: 'pending' })
      .where((b) => b.whereNull('claimed_until').orWhere('claimed_until', '<', now))
      .update({
        claimed_by: token,
        claimed_until: new Date(now.getTime() + settings().leaseSeconds * 1000),
        attempts: knex().raw('coalesce(attempts, 0) + 1'),
        updated_at: now,
      });
    return Number(claimed) === 1 ? token : null;
  };

  const release = (trx: Connection, id: number, token: string) => trx(INBOX_TABLE).where({ id, claimed_by: token, state: 'pending' });

  /** After a failed attempt: tried again after a back-off, or, after the last, dead-lettered to Finance. */
  const failed = async (row: InboxRow, token: string, error: unknown): Promise<'failed' | 'dead'> => {
    const now = new Date();
    const attempts = Number(row.attempts);
    const message = String((error as Error)?.message ?? error).slice(0, 1000);
    const { maxAttempts, retryBaseSeconds } = settings();
    // The row is no longer this claim's (its effects committed before the error, or another worker
    // took it over): nothing to try again nor to dead-letter.
    const gone = () => {
      strapi.log.warn(`Stripe event ${row.event_id} (${row.type}): ${message} (after its row left this claim; not retried)`);
      return 'failed' as const;
    };
    if (attempts < maxAttempts) {
      const released = await release(knex(), row.id, token).update({
        last_error: message,
        next_attempt_at: new Date(now.getTime() + retryDelayMs(attempts, retryBaseSeconds)),
        claimed_by: null,
        claimed_until: null,
        updated_at: now,
      });
      if (Number(released) !== 1) return gone();
      strapi.log.warn(`Stripe event ${row.event_id} (${row.type}) failed on attempt ${attempts} of ${maxAttempts}; tried again later: ${message}`);
      return 'failed';
    }
    let deadLettered = false;
    await strapi.db.transaction(async ({ trx }) => {
      const dead = await release(trx, row.id, token).update({
        state: 'dead',
        outcome: `not applied after ${attempts} attempts: ${message}`.slice(0, 1000),
        last_error: message,
        claimed_by: null,
        claimed_until: null,
        next_attempt_at: null,
        updated_at: now,
      });
      if (Number(dead) !== 1) return;
      deadLettered = true;
      const details = `Stripe event ${row.event_id} (${row.type}, ${row.object_id ?? 'no object'}) could not be applied after ${attempts} attempts: ${message}. Look at it in Stripe and apply what it says by hand.`;
      await ownService(strapi, 'follow-ups').open(`${row.event_id}:stripe-event`, 'stripe-event', details, null, now.toISOString().slice(0, 10));
      await writeAudit(strapi, {
        action: 'stripe-event.dead-lettered',
        entityUid: EVENT_UID,
        entityDocumentId: row.document_id,
        actor: SYSTEM,
        summary: `Stripe event ${row.event_id} (${row.type}) not applied after ${attempts} attempts; Finance task opened`.slice(0, 500),
        data: { event: row.event_id, type: row.type, object: row.object_id, attempts, error: message },
        occurredAt: now,
      });
    });
    if (!deadLettered) return gone();
    strapi.log.error(`Stripe event ${row.event_id} (${row.type}) dead-lettered after ${attempts} attempts: ${message}`);
    return 'dead';
  };

  /** Applies one claimed event: its effects and its row's `applied` in one transaction. */
  const applyClaimed = async (id: number, token: string): Promise<'applied' | 'failed' | 'dead' | 'taken'> => {
    const row: InboxRow = await knex()(INBOX_TABLE).where({ id }).first('id', 'document_id', 'event_id', 'type', 'object_id', 'payload', 'attempts');
    try {
      const event = (typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload) as Stripe.Event;
      await applyEvent(strapi, event, {
        async begin(trx) {
          const marked = await release(trx, id, token).update({ state: 'applied', updated_at: new Date() });
          if (Number(marked) !== 1) throw new ClaimLost(`Stripe event ${row.event_id} was claimed by another worker`);
        },
        async end(trx, handled) {
          const now = new Date();
          await trx(INBOX_TABLE)
            .where({ id })
            // claimed_by stays: which instance (and claim) applied it.
            .update({ outcome: handled.outcome.slice(0, 1000), applied_at: now, claimed_until: null, next_attempt_at: null, last_error: null, updated_at: now });
        },
      });
      return 'applied';
    } catch (error) {
      if (error instanceof ClaimLost) return 'taken';
      return failed(row, token, error);
    }
  };

  /** One pass: claims and applies what is claimable now, `concurrency` at a time. */
  const work = async (options: { ignoreBackoff?: boolean } = {}): Promise<WorkResult> => {
    // SQLite has one connection and one writer: events one at a time, so an acknowledgement waits
    // for one event's transaction at most.
    const concurrency = strapi.db.dialect.client === 'sqlite' ? 1 : settings().concurrency;
    const result: WorkResult = { applied: 0, failed: 0, dead: 0, taken: 0 };
    const ids = await candidates(new Date(), concurrency * 16, Boolean(options.ignoreBackoff));
    let next = 0;
    const lane = async () => {
      for (;;) {
        await giveWay();
        // Another lane may have taken the last candidate while this one gave way.
        if (next >= ids.length) return;
        const id = ids[next++];
        const token = await claim(id);
        result[token ? await applyClaimed(id, token) : 'taken'] += 1;
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, lane));
    return result;
  };

  const progress = (r: WorkResult) => r.applied + r.failed + r.dead;

  const loop = async () => {
    while (again && started) {
      again = false;
      while (started && progress(await work()) > 0);
    }
  };

  return {
    work,

    /** Runs this instance's worker soon (now if idle, after its current pass otherwise). */
    kick() {
      if (!started) return;
      again = true;
      if (running) return;
      running = loop()
        .catch((error) => {
          strapi.log.error(`Stripe event inbox: ${(error as Error).message}`);
        })
        .finally(() => {
          running = null;
        });
    },

    /**
     * Applies everything claimable until nothing is (tests, benchmarks), waiting for this
     * instance's worker; `ignoreBackoff` tries failed events again at once.
     */
    async drain(options: { ignoreBackoff?: boolean } = {}): Promise<WorkResult> {
      const total: WorkResult = { applied: 0, failed: 0, dead: 0, taken: 0 };
      for (;;) {
        if (running) await running;
        const pass = await work(options);
        for (const key of Object.keys(total) as (keyof WorkResult)[]) total[key] += pass[key];
        if (pass.applied + pass.failed + pass.dead + pass.taken === 0 && !running) return total;
        if (pass.taken > 0 && !running) await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },

    /** Rows stored before the inbox was a queue were applied with their effects. */
    async migrate() {
      await knex()(INBOX_TABLE).whereNull('state').update({ state: 'applied' });
    },

    /** Starts this instance's worker (unless STRIPE_EVENTS_WORKER=false): at once, then every `pollSeconds`. */
    start() {
      if (started || !readEnvironment().STRIPE_EVENTS_WORKER) return;
      started = true;
      timer = setInterval(() => this.kick(), settings().pollSeconds * 1000);
      timer.unref();
      this.kick();
    },

    /** Stops the worker and waits for the event it is applying. */
    async stop() {
      started = false;
      if (timer) clearInterval(timer);
      timer = null;
      again = false;
      if (running) await running;
    },
  };
};
