import crypto from 'node:crypto';
import Stripe from 'stripe';
import type { StripeStandIn } from '../../harness/stripe';

const { startStripeStandIn } = require('../../../scripts/stripe-stand-in.js');

/**
 * Stripe as the running app meets it: the API stand-in (which can fail or answer late), and
 * webhooks sent the way Stripe sends them — signed, concurrently, and again after any answer
 * other than 2xx or no answer at all, with a back-off (compressed from Stripe's hours to
 * seconds), until the endpoint acknowledges. Every PaymentIntent the app makes is paid: a
 * `payment_intent.succeeded` event follows it shortly after.
 */
export const WEBHOOK_SECRET = 'whsec_resilience0000000000000000';
export const SECRET_KEY = 'sk_test_resilience';

export interface WebhookStats {
  events: number;
  /** Deliveries answered 2xx (one per event and target). */
  acknowledged: number;
  attempts: number;
  /** Attempts that got a 5xx, another non-2xx status, or no answer (refused, reset, timed out). */
  serverErrors: number;
  otherStatuses: number;
  noAnswer: number;
  /** Answers other than 2xx, by status, with the first body seen for each. */
  failures: Record<string, { count: number; example: string }>;
}

interface Delivery {
  event: any;
  target: string;
  attempts: number;
  nextAt: number;
}

export interface StripeSide {
  standIn: StripeStandIn;
  stats: WebhookStats;
  /** Where webhooks go: every event to each of these app bases (all at once when several). */
  targets: string[];
  /** Resolves once every event sent so far has been acknowledged by every target. */
  settled: (timeoutMs: number) => Promise<void>;
  /** Events still to be acknowledged. */
  outstanding: () => number;
  /** What each attempt to deliver the events about a PaymentIntent got back (for a failure's report). */
  deliveriesAbout: (paymentIntent: string) => { event: string; answers: string[] }[];
  env: () => Record<string, string>;
  close: () => Promise<void>;
}

const backoffMs = (attempts: number) => Math.min(4000, 250 * 2 ** Math.max(0, attempts - 1));

export const succeededEvent = (intent: any) => ({
  id: `evt_${crypto.randomBytes(12).toString('hex')}`,
  object: 'event',
  api_version: '2026-10-28.endive',
  created: Math.floor(Date.now() / 1000),
  livemode: false,
  pending_webhooks: 1,
  request: { id: null, idempotency_key: null },
  type: 'payment_intent.succeeded',
  data: { object: { ...intent, status: 'succeeded', amount_received: intent.amount, last_payment_error: null } },
});

export const startStripe = async (options: { concurrency?: number } = {}): Promise<StripeSide> => {
  const concurrency = options.concurrency ?? 8;
  const stats: WebhookStats = { events: 0, acknowledged: 0, attempts: 0, serverErrors: 0, otherStatuses: 0, noAnswer: 0, failures: {} };
  const failed = (status: string, example: string) => {
    stats.failures[status] ??= { count: 0, example: example.slice(0, 300) };
    stats.failures[status].count += 1;
  };
  const queue: Delivery[] = [];
  const answers = new Map<string, { event: string; answers: string[] }[]>();
  const answered = (delivery: Delivery, answer: string) => {
    const about = delivery.event.data.object.id as string;
    const list = answers.get(about) ?? [];
    let entry = list.find((e) => e.event === delivery.event.id);
    if (!entry) list.push((entry = { event: delivery.event.id, answers: [] }));
    entry.answers.push(answer.slice(0, 300));
    answers.set(about, list);
  };
  let inFlight = 0;
  let timer: NodeJS.Timeout | null = null;
  let closed = false;

  const attempt = async (delivery: Delivery) => {
    const payload = JSON.stringify(delivery.event);
    stats.attempts += 1;
    delivery.attempts += 1;
    try {
      const response = await fetch(`${delivery.target}/api/plan-renewals/stripe/webhook`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          // Signed at each attempt, as Stripe does.
          'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET }),
        },
        body: payload,
        signal: AbortSignal.timeout(30_000),
      });
      const body = await response.text();
      answered(delivery, `${response.status} ${body}`);
      if (response.ok) {
        stats.acknowledged += 1;
        return;
      }
      if (response.status >= 500) stats.serverErrors += 1;
      else stats.otherStatuses += 1;
      failed(String(response.status), body);
    } catch (error) {
      stats.noAnswer += 1;
      answered(delivery, `no answer: ${String((error as Error).cause ?? (error as Error).message)}`);
      failed('no answer', String((error as Error).cause ?? (error as Error).message));
    }
    delivery.nextAt = Date.now() + backoffMs(delivery.attempts);
    queue.push(delivery);
  };

  const pump = () => {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = null;
    while (inFlight < concurrency) {
      const now = Date.now();
      const index = queue.findIndex((delivery) => delivery.nextAt <= now);
      if (index < 0) break;
      const [delivery] = queue.splice(index, 1);
      inFlight += 1;
      // attempt() catches every failure of its delivery itself and never rejects.
      void attempt(delivery).finally(() => {
        inFlight -= 1;
        pump();
      });
    }
    if (queue.length) {
      const next = Math.min(...queue.map((delivery) => delivery.nextAt));
      timer = setTimeout(pump, Math.max(10, next - Date.now()));
    }
  };

  const side = {} as StripeSide;
  const standIn: StripeStandIn = await startStripeStandIn({
    onPaymentIntent: (intent: any) => {
      const event = succeededEvent(intent);
      stats.events += 1;
      // Stripe's webhook leaves a moment after the charge: sometimes before the app has even
      // recorded the answer to its request, sometimes after.
      const at = Date.now() + Math.floor(Math.random() * 300);
      for (const target of side.targets) queue.push({ event, target, attempts: 0, nextAt: at });
      pump();
    },
  });

  return Object.assign(side, {
    standIn,
    stats,
    targets: [] as string[],
    outstanding: () => queue.length + inFlight,
    deliveriesAbout: (paymentIntent: string) => answers.get(paymentIntent) ?? [],
    async settled(timeoutMs: number) {
      const deadline = Date.now() + timeoutMs;
      while (queue.length + inFlight > 0) {
        if (Date.now() > deadline) throw new Error(`${queue.length + inFlight} webhook deliveries still unacknowledged after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
    env: () => ({
      STRIPE_SECRET_KEY: SECRET_KEY,
      STRIPE_API_BASE: standIn.base,
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    }),
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await standIn.close();
    },
  });
};

/** The PaymentIntents the stand-in made (replays and refused requests excluded), with their keys. */
export const paymentIntentsMade = (standIn: StripeStandIn) =>
  standIn.received
    .filter((r) => r.method === 'POST' && r.path === '/v1/payment_intents' && r.created)
    .map((r) => ({ id: r.created!, invoice: (r.params?.metadata?.invoice as string) ?? null, key: r.idempotencyKey ?? null }));

/** Requests for PaymentIntents: how many, how many answered from an earlier request with the same key. */
export const paymentIntentRequests = (standIn: StripeStandIn) => {
  const requests = standIn.received.filter((r) => r.method === 'POST' && r.path === '/v1/payment_intents');
  return {
    requests: requests.length,
    replayed: requests.filter((r) => r.replayed).length,
    refused: requests.filter((r) => r.fault).length,
    made: requests.filter((r) => r.created).length,
  };
};
