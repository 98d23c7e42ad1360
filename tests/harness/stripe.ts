import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Stripe from 'stripe';
import type { Core } from '@strapi/strapi';
import { http } from './strapi';

/**
 * Stripe for tests: the local stand-in the real `stripe` client talks to, and webhook events
 * built from Stripe's published example objects (the subset vendored in scripts/stripe-examples.json), signed the
 * way Stripe signs them.
 */
const { startStripeStandIn } = require('../../scripts/stripe-stand-in.js');

export interface StripeStandIn {
  base: string;
  received: { method: string; path: string; params: any; idempotencyKey?: string; authorization?: string; version?: string; replayed: boolean; fault?: number; created?: string }[];
  script: string[];
  faults: ({ status: number; path?: string; method?: string } | { delayMs: number; path?: string; method?: string })[];
  stats: { requests: number; rateLimited: number; replays: number; created: number };
  limit: (perSecond: number) => void;
  paymentIntents: Map<string, any>;
  remember: (intent: any) => void;
  close: () => Promise<void>;
}

export const OLD_SECRET = 'whsec_previous0000000000000000';
export const SECRET = 'whsec_current1111111111111111';

/** Starts the stand-in and points the application's environment at it (before Strapi starts). */
export const startStripe = async (): Promise<StripeStandIn> => {
  const standIn: StripeStandIn = await startStripeStandIn();
  process.env.STRIPE_SECRET_KEY = 'sk_test_planrenewals';
  process.env.STRIPE_API_BASE = standIn.base;
  process.env.STRIPE_WEBHOOK_SECRET = `${OLD_SECRET},${SECRET}`;
  return standIn;
};

export const stopStripe = async (standIn: StripeStandIn | undefined) => {
  await standIn?.close();
  for (const name of ['STRIPE_SECRET_KEY', 'STRIPE_API_BASE', 'STRIPE_WEBHOOK_SECRET']) delete process.env[name];
};

const fixtures = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', 'scripts', 'stripe-examples.json'), 'utf8')).resources;

/** A Stripe event of `type` around Stripe's example object of that kind, with `overrides`. */
export const stripeEvent = (type: string, object: string, overrides: Record<string, unknown>, eventOverrides: Record<string, unknown> = {}) => ({
  ...fixtures.event,
  id: `evt_${crypto.randomBytes(12).toString('hex')}`,
  type,
  created: Math.floor(Date.now() / 1000),
  livemode: false,
  api_version: '2026-10-28.endive',
  data: { object: { ...structuredClone(fixtures[object]), ...overrides } },
  ...eventOverrides,
});

/** The metadata this application puts on its Stripe objects, for an invoice of a run. */
export const metadataFor = (invoice: { documentId: string; number: string }, run = 'test-run') => ({
  app: 'plan-renewals',
  invoice: invoice.documentId,
  invoiceNumber: invoice.number,
  run,
});

/** A Stripe-shaped object id with `prefix` (`pi`, `cs_test`, `pm`, ...), unique per call. */
export const newId = (prefix: string) => `${prefix}_${crypto.randomBytes(8).toString('hex')}`;

/** A PaymentIntent event for an invoice of this application: `succeeded`, `payment_failed`, ... */
export const intentEvent = (type: string, invoice: any, overrides: Record<string, unknown> = {}, eventOverrides: Record<string, unknown> = {}) =>
  stripeEvent(
    type,
    'payment_intent',
    {
      id: newId('pi'),
      amount: invoice.totalMinor,
      amount_received: type === 'payment_intent.succeeded' ? invoice.totalMinor : 0,
      currency: invoice.currency.toLowerCase(),
      status: type === 'payment_intent.succeeded' ? 'succeeded' : 'requires_payment_method',
      metadata: metadataFor(invoice),
      last_payment_error: type === 'payment_intent.payment_failed' ? { type: 'card_error', code: 'card_declined', message: 'Your card was declined.' } : null,
      next_action: null,
      ...overrides,
    },
    eventOverrides,
  );

/** Stripe's `checkout.session.completed` after the customer paid on the Checkout page. */
export const checkoutCompleted = (invoice: any, intentId: string, stripeCustomer: string | null) =>
  stripeEvent('checkout.session.completed', 'checkout.session', {
    id: newId('cs_test'),
    mode: 'payment',
    status: 'complete',
    payment_status: 'paid',
    amount_total: invoice.totalMinor,
    currency: invoice.currency.toLowerCase(),
    customer: stripeCustomer,
    payment_intent: intentId,
    metadata: metadataFor(invoice),
  });

export const signature = (payload: string, secret = SECRET, timestamp = Math.floor(Date.now() / 1000)) =>
  Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });

/** Posts the event's exact bytes with a signature, as Stripe would: the acknowledgement alone. */
export const acknowledge = (strapi: Core.Strapi, event: unknown, options: { secret?: string; timestamp?: number; payload?: string } = {}) => {
  const payload = options.payload ?? JSON.stringify(event);
  return http(strapi)
    .post('/api/plan-renewals/stripe/webhook')
    .set('Content-Type', 'application/json')
    .set('Stripe-Signature', signature(payload, options.secret, options.timestamp))
    .send(payload);
};

/** Applies every event the inbox holds that can be applied now (failed ones at once with `ignoreBackoff`). */
export const drainInbox = (strapi: Core.Strapi, options: { ignoreBackoff?: boolean } = {}) =>
  strapi.plugin('plan-renewals').service('stripe-inbox').drain(options);

/**
 * Delivers an event as Stripe would and waits until the inbox has applied it: the answer is the
 * acknowledgement, with the event's stored outcome (what applying it did) added as `body.outcome`.
 */
export const deliver = async (strapi: Core.Strapi, event: unknown, options: { secret?: string; timestamp?: number; payload?: string } = {}) => {
  const response = await acknowledge(strapi, event, options);
  if (response.status !== 200) return response;
  await drainInbox(strapi);
  const stored = await strapi.db.query('plugin::plan-renewals.stripe-event').findOne({ where: { eventId: response.body.event }, select: ['outcome', 'state'] });
  response.body = { ...response.body, outcome: stored?.outcome, state: stored?.state };
  return response;
};
