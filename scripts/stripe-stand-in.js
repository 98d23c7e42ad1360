#!/usr/bin/env node
/**
 * A local stand-in for the parts of Stripe's API this application calls, for tests and for local
 * runs without a Stripe account: customers, Checkout sessions, PaymentIntents and refunds. It answers the
 * real `stripe` client (point STRIPE_API_BASE at it), records every request with its parameters
 * and Idempotency-Key, and replays the first answer for a repeated key, as Stripe does.
 *
 *   npm run stripe:stand-in            # listens on 127.0.0.1:12111 (STRIPE_STAND_IN_PORT)
 *
 * Tests steer the next PaymentIntents with `standIn.script` ('processing', 'declined',
 * 'requires_action'); the default is 'processing', and the webhook decides what happened.
 * `standIn.faults` makes the next POSTs (or requests of `method`; to `path`, if given) misbehave, one fault each:
 * `{ status: 500 }` (or 429) answers that without doing anything; `{ delayMs: 5000 }` does the
 * work at once but answers late, as when Stripe made the object and the client gave up waiting. `onPaymentIntent` is told
 * of every PaymentIntent made (not of replays), so a test can send the webhook Stripe would send.
 *
 * With `rateLimit` (requests per second; STRIPE_STAND_IN_RATE_LIMIT on the command line) it
 * limits like Stripe's API: at most that many requests are accepted in any one-second window, and
 * the others are answered 429 with Stripe's `rate_limit` error and `Retry-After: 1`, without
 * `Stripe-Should-Retry` (so stripe-node does not retry them on its own: the caller must). A
 * refused request is not processed, so retrying it with the same key is safe. `stats` counts
 * requests, 429s and idempotent replays.
 */
const http = require('node:http');
const crypto = require('node:crypto');

/** `a[b][0][c]=1` form fields, as stripe-node encodes them, back into objects. */
const nest = (flat) => {
  const root = {};
  for (const [key, value] of Object.entries(flat)) {
    const parts = key.replace(/\]/g, '').split('[');
    let node = root;
    parts.forEach((part, i) => {
      if (i === parts.length - 1) node[part] = value;
      else node = node[part] ??= {};
    });
  }
  return root;
};

/** Stripe's answer to a request over the rate limit (API version 2015-09-08 onwards). */
const RATE_LIMITED = {
  error: {
    type: 'invalid_request_error',
    code: 'rate_limit',
    doc_url: 'https://stripe.com/docs/error-codes/rate-limit',
    message: 'Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.',
  },
};

/** A sliding one-second window: `take()` is true for at most `perSecond` calls in any second. */
const slidingWindow = (perSecond) => {
  const accepted = [];
  return {
    take(now = performance.now()) {
      while (accepted.length && now - accepted[0] >= 1000) accepted.shift();
      if (accepted.length >= perSecond) return false;
      accepted.push(now);
      return true;
    },
  };
};

/** The most of `times` (ms) within any one second: what a sliding window would have counted at its fullest. */
const busiestSecond = (times) => {
  let most = 0;
  for (let first = 0, last = 0; last < times.length; last += 1) {
    while (times[last] - times[first] >= 1000) first += 1;
    most = Math.max(most, last - first + 1);
  }
  return most;
};

const startStripeStandIn = async ({ port = 0, host = '127.0.0.1', onPaymentIntent = null, rateLimit = 0, record = true, keepArrivals = false } = {}) => {
  const received = [];
  // firstAt / lastAt: wall-clock ms of the first and the latest request accepted (past the rate limit).
  const stats = { requests: 0, rateLimited: 0, replays: 0, created: 0, firstAt: null, lastAt: null };
  let limiter = rateLimit > 0 ? slidingWindow(rateLimit) : null;
  // Started by a benchmark: when each request arrived (epoch ms, as the limiter saw it), for its busiest second.
  const arrivals = keepArrivals ? [] : null;
  const script = [];
  const faults = [];
  const byKey = new Map();
  const paymentIntents = new Map();
  let counter = 0;
  const id = (prefix) => `${prefix}_${crypto.randomBytes(8).toString('hex')}${(counter += 1)}`;
  let base = '';

  const create = {
    '/v1/customers': (p) => ({ id: id('cus'), object: 'customer', email: p.email ?? null, name: p.name ?? null, metadata: p.metadata ?? {}, livemode: false }),
    '/v1/checkout/sessions': (p) => {
      const sessionId = id('cs_test');
      const items = Object.values(p.line_items ?? {});
      const total = items.reduce((sum, item) => sum + Number(item.price_data?.unit_amount ?? 0) * Number(item.quantity ?? 1), 0);
      return {
        id: sessionId,
        object: 'checkout.session',
        url: `${base}/checkout/${sessionId}`,
        mode: p.mode,
        status: 'open',
        payment_status: 'unpaid',
        amount_total: total,
        currency: items[0]?.price_data?.currency ?? null,
        customer: p.customer ?? null,
        client_reference_id: p.client_reference_id ?? null,
        metadata: p.metadata ?? {},
        payment_intent: null,
        success_url: p.success_url,
        cancel_url: p.cancel_url,
        livemode: false,
      };
    },
    '/v1/refunds': (p) => {
      const intent = paymentIntents.get(p.payment_intent);
      return {
        id: id('re'),
        object: 'refund',
        payment_intent: p.payment_intent ?? null,
        amount: Number(p.amount ?? intent?.amount_received ?? intent?.amount ?? 0),
        currency: intent?.currency ?? null,
        reason: p.reason ?? null,
        metadata: p.metadata ?? {},
        status: 'succeeded',
      };
    },
    '/v1/payment_intents': (p) => {
      const outcome = script.shift() ?? 'processing';
      const intent = {
        id: id('pi'),
        object: 'payment_intent',
        amount: Number(p.amount),
        currency: p.currency,
        customer: p.customer ?? null,
        payment_method: p.payment_method ?? null,
        metadata: p.metadata ?? {},
        description: p.description ?? null,
        livemode: false,
        status: outcome === 'declined' ? 'requires_payment_method' : outcome,
        last_payment_error: outcome === 'declined' ? { type: 'card_error', code: 'card_declined', message: 'Your card was declined.' } : null,
      };
      paymentIntents.set(intent.id, intent);
      if (onPaymentIntent) setImmediate(() => onPaymentIntent(intent));
      if (outcome === 'declined') {
        return { httpStatus: 402, body: { error: { type: 'card_error', code: 'card_declined', message: 'Your card was declined.', payment_intent: intent } } };
      }
      return intent;
    },
  };

  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://stand-in');
      const params = nest(Object.fromEntries(new URLSearchParams(raw)));
      const idempotencyKey = req.headers['idempotency-key'];
      stats.requests += 1;
      const entry = { method: req.method, path: url.pathname, params, idempotencyKey, authorization: req.headers.authorization, version: req.headers['stripe-version'], replayed: false };
      const faultAt = faults.findIndex((f) => (f.method ?? 'POST') === req.method && (!f.path || f.path === url.pathname));
      const fault = faultAt >= 0 ? faults.splice(faultAt, 1)[0] : undefined;
      const reply = (status, body, headers = {}) => {
        const send = () => {
          if (res.destroyed) return;
          res.writeHead(status, { 'content-type': 'application/json', 'request-id': id('req'), ...headers });
          res.end(JSON.stringify(body));
        };
        if (fault?.delayMs) setTimeout(send, fault.delayMs);
        else send();
      };
      const arrivedAt = performance.now();
      arrivals?.push(performance.timeOrigin + arrivedAt);
      if (limiter && !limiter.take(arrivedAt)) {
        stats.rateLimited += 1;
        return reply(429, RATE_LIMITED, { 'retry-after': '1' });
      }
      stats.lastAt = Date.now();
      stats.firstAt ??= stats.lastAt;
      if (record) received.push(entry);
      if (fault?.status) {
        entry.fault = fault.status;
        return reply(fault.status, { error: { type: fault.status === 429 ? 'rate_limit_error' : 'api_error', message: `stand-in answered ${fault.status}` } });
      }
      if (!String(req.headers.authorization ?? '').startsWith('Bearer sk_')) {
        return reply(401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } });
      }
      const replayKey = idempotencyKey && `${req.method} ${url.pathname} ${idempotencyKey}`;
      if (replayKey && byKey.has(replayKey)) {
        entry.replayed = true;
        stats.replays += 1;
        return reply(...byKey.get(replayKey), { 'idempotent-replayed': 'true' });
      }

      let answer;
      const intentPath = url.pathname.match(/^\/v1\/payment_intents\/([^/]+)$/);
      if (req.method === 'POST' && create[url.pathname]) {
        const made = create[url.pathname](params);
        stats.created += 1;
        answer = made.httpStatus ? [made.httpStatus, made.body] : [200, made];
        entry.created = made.id ?? made.body?.error?.payment_intent?.id;
      } else if (req.method === 'GET' && intentPath) {
        const intent = paymentIntents.get(intentPath[1]);
        answer = intent ? [200, intent] : [404, { error: { type: 'invalid_request_error', code: 'resource_missing', message: `No such payment_intent: '${intentPath[1]}'` } }];
      } else {
        answer = [404, { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${req.method}: ${url.pathname})` } }];
      }
      if (replayKey) byKey.set(replayKey, answer);
      reply(...answer);
    });
  });
  await new Promise((resolve) => server.listen(port, host, resolve));
  base = `http://${host}:${server.address().port}`;
  return {
    base,
    received,
    stats,
    script,
    faults,
    /** Sets the rate limit (requests per second; 0 for none). */
    arrivals,
    limit: (perSecond) => (limiter = perSecond > 0 ? slidingWindow(perSecond) : null),
    paymentIntents,
    /** Records a PaymentIntent as Stripe would have after a Checkout payment, for retrieval. */
    remember: (intent) => paymentIntents.set(intent.id, intent),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
};

module.exports = { startStripeStandIn };

if (require.main === module) {
  const port = Number(process.env.STRIPE_STAND_IN_PORT ?? 12111);
  const rateLimit = Number(process.env.STRIPE_STAND_IN_RATE_LIMIT ?? 0);
  startStripeStandIn({ port, rateLimit, record: !process.send, keepArrivals: Boolean(process.send) }).then((standIn) => {
    // Started by a benchmark (fork): it reports where it listens and answers for its counts.
    if (process.send) {
      process.on('message', (message) => {
        if (message === 'mark') standIn.stats.firstAt = null; // a new measurement starts
        if (message === 'mark') standIn.arrivals.length = 0;
        if (message !== 'stats') return;
        const intents = [...standIn.paymentIntents.values()];
        process.send({ stats: { ...standIn.stats, busiestSecond: busiestSecond(standIn.arrivals) }, paymentIntents: intents.length, invoicesCharged: new Set(intents.map((i) => i.metadata?.invoice)).size });
      });
      process.send({ base: standIn.base });
      return;
    }
    console.log(`Stripe stand-in listening on ${standIn.base} (set STRIPE_API_BASE=${standIn.base}${rateLimit ? `, at most ${rateLimit} requests/s` : ''})`);
    setInterval(() => {
      while (standIn.received.length) {
        const r = standIn.received.shift();
        console.log(`${r.method} ${r.path}${r.idempotencyKey ? ` idempotency-key=${r.idempotencyKey}` : ''}`);
      }
    }, 500);
  });
}
