#!/usr/bin/env node
/**
 * npm run stripe:simulate -- <event type> --invoice <number> [--amount <minor units>] [--url <app url>]
 *
 * Posts a correctly signed Stripe webhook event about a real invoice to the running application,
 * like `stripe trigger` does, so the card flow can be shown without a Stripe account. The event is
 * built from Stripe's published example objects (scripts/stripe-examples.json), pointed at the
 * invoice (its PaymentIntent when one was requested, its amount, currency and metadata), and
 * signed with the first secret of STRIPE_WEBHOOK_SECRET (from the environment or .env).
 *
 * Event types: payment_intent.succeeded, payment_intent.payment_failed,
 * payment_intent.requires_action, checkout.session.completed, charge.refunded,
 * charge.dispute.created.
 */
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const Stripe = require('stripe');

const root = path.resolve(__dirname, '..');
const envFile = path.join(root, '.env');
if (fs.existsSync(envFile)) process.loadEnvFile(envFile);

const TYPES = [
  'payment_intent.succeeded',
  'payment_intent.payment_failed',
  'payment_intent.requires_action',
  'checkout.session.completed',
  'charge.refunded',
  'charge.dispute.created',
];

const usage = (problem) => {
  console.error(`${problem}\n\nUsage: npm run stripe:simulate -- <${TYPES.join('|')}> --invoice <number> [--amount <minor units>] [--url <app url>]`);
  process.exit(2);
};

const parseArgs = (argv) => {
  const args = { type: undefined, invoice: undefined, amount: undefined, url: `http://127.0.0.1:${process.env.PORT || 1337}` };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--invoice') args.invoice = argv[++i];
    else if (arg === '--amount') args.amount = argv[++i];
    else if (arg === '--url') args.url = argv[++i];
    else if (!arg.startsWith('--') && !args.type) args.type = arg;
    else usage(`Unknown argument ${arg}`);
  }
  if (!TYPES.includes(args.type)) usage(`Unknown or missing event type ${args.type ?? ''}`);
  if (!args.invoice || !/^[A-Z0-9-]{3,40}$/.test(args.invoice)) usage('--invoice must be an invoice number such as INV-2026-000001');
  if (args.amount !== undefined && !/^[1-9][0-9]{0,9}$/.test(args.amount)) usage('--amount must be a positive whole number of minor units');
  if (!/^https?:\/\//.test(args.url)) usage('--url must be an http(s) URL');
  return args;
};

/** The few rows the event needs, read straight from the application's database. */
const readInvoice = async (number) => {
  const client = process.env.DATABASE_CLIENT || 'sqlite';
  let query;
  let close;
  if (client === 'postgres') {
    const { Client } = require('pg');
    const db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
    query = async (sql, params) => (await db.query(sql.replace(/\?/g, (_, i, s) => `$${s.slice(0, i).split('?').length}`), params)).rows;
    close = () => db.end();
  } else {
    const Database = require('better-sqlite3');
    const db = new Database(path.resolve(root, process.env.DATABASE_FILENAME || '.tmp/data.db'), { readonly: true, fileMustExist: true });
    query = async (sql, params) => db.prepare(sql).all(...params);
    close = async () => db.close();
  }
  try {
    const [invoice] = await query('SELECT id, document_id, number, total_minor, currency, state FROM invoices WHERE number = ?', [number]);
    if (!invoice) throw new Error(`No invoice ${number}`);
    const [payment] = await query(
      `SELECT t.provider_reference FROM transactions t JOIN transactions_invoice_lnk l ON l.transaction_id = t.id
       WHERE l.invoice_id = ? AND t.provider = 'stripe' ORDER BY t.id DESC LIMIT 1`,
      [invoice.id],
    );
    // The run that issued the invoice keeps it in its context (JSON: jsonb on PostgreSQL, text on SQLite).
    const invoiceOfRun = client === 'postgres' ? `context #>> '{invoice,documentId}'` : `json_extract(context, '$.invoice.documentId')`;
    const [run] = await query(
      `SELECT document_id FROM workflow_runs WHERE process_id = 'prepaid-plan' AND ${invoiceOfRun} = ? ORDER BY id DESC LIMIT 1`,
      [invoice.document_id],
    );
    return { ...invoice, intentId: payment?.provider_reference ?? `pi_sim_${invoice.number.replace(/-/g, '')}`, run: run?.document_id ?? null };
  } finally {
    await close();
  }
};

const buildEvent = (type, invoice, minor) => {
  const { resources } = JSON.parse(fs.readFileSync(path.join(__dirname, 'stripe-examples.json'), 'utf8'));
  const { toStripeAmount } = require(path.join(root, 'dist', 'src', 'domain'));
  const { amount, currency } = toStripeAmount(minor, invoice.currency);
  const metadata = { app: 'plan-renewals', invoice: invoice.document_id, invoiceNumber: invoice.number, run: invoice.run ?? '' };
  const random = (prefix) => `${prefix}_sim_${crypto.randomBytes(8).toString('hex')}`;
  const objects = {
    payment_intent: () => ({
      ...resources.payment_intent,
      id: invoice.intentId,
      amount,
      amount_received: type === 'payment_intent.succeeded' ? amount : 0,
      currency,
      metadata,
      status: { 'payment_intent.succeeded': 'succeeded', 'payment_intent.payment_failed': 'requires_payment_method', 'payment_intent.requires_action': 'requires_action' }[type],
      last_payment_error: type === 'payment_intent.payment_failed' ? { type: 'card_error', code: 'card_declined', message: 'Your card was declined.' } : null,
      next_action: type === 'payment_intent.requires_action' ? { type: 'redirect_to_url', redirect_to_url: { url: `https://hooks.stripe.com/3d_secure_2/simulated/${invoice.intentId}`, return_url: null } } : null,
    }),
    'checkout.session': () => ({
      ...resources['checkout.session'],
      id: random('cs_test'),
      mode: 'payment',
      status: 'complete',
      payment_status: 'paid',
      amount_total: amount,
      currency,
      payment_intent: invoice.intentId,
      client_reference_id: invoice.document_id,
      metadata,
    }),
    charge: () => ({ ...resources.charge, id: random('ch'), amount, amount_refunded: amount, refunded: true, currency, payment_intent: invoice.intentId }),
    dispute: () => ({
      ...resources.dispute,
      id: random('dp'),
      amount,
      currency,
      payment_intent: invoice.intentId,
      evidence_details: { ...resources.dispute.evidence_details, due_by: Math.floor(Date.now() / 1000) + 7 * 24 * 3600 },
    }),
  };
  const objectType = type.startsWith('payment_intent.') ? 'payment_intent' : type.startsWith('checkout.') ? 'checkout.session' : type === 'charge.refunded' ? 'charge' : 'dispute';
  return {
    ...resources.event,
    id: random('evt'),
    type,
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    data: { object: objects[objectType]() },
  };
};

(async () => {
  const args = parseArgs(process.argv.slice(2));
  const secret = (process.env.STRIPE_WEBHOOK_SECRET || '').split(',')[0].trim();
  if (!secret) usage('STRIPE_WEBHOOK_SECRET is not set (it is generated into .env on first start)');
  const invoice = await readInvoice(args.invoice);
  const event = buildEvent(args.type, invoice, args.amount ? Number(args.amount) : Number(invoice.total_minor));
  const payload = JSON.stringify(event);
  const response = await fetch(`${args.url.replace(/\/$/, '')}/api/plan-renewals/stripe/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret }) },
    body: payload,
  });
  console.log(`${event.type} ${event.id} for invoice ${invoice.number} (${event.data.object.id}) -> ${response.status}`);
  console.log(await response.text());
  process.exit(response.ok ? 0 : 1);
})().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
