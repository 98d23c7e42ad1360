#!/usr/bin/env node
/**
 * Stripe webhook throughput: N signed `payment_intent.succeeded` events for N open invoices,
 * posted with concurrency C to the application (Strapi, its middleware stack, the plugin's
 * verification and its one-insert inbox; the inbox's worker applying the events meanwhile), and,
 * in the same run, to a baseline: a bare Koa server doing the same signature check and the same
 * SQL writes by hand (inbox row, payment row and its invoice link, audit row, in one transaction)
 * before it answers, on the same database.
 *
 *   node bench/webhooks.js [N=2000] [C=16] [runs=3]     (SQLite by default; DATABASE_CLIENT=postgres DATABASE_URL=... for PostgreSQL)
 *
 * Prints, for both, the acknowledgement (throughput, p50/p95/p99 latency) and the drain: the time
 * from the first request until every payment is recorded (for the baseline, its last answer), as
 * effects per second; and the ratios app/baseline. Each run issues fresh invoices and posts to the
 * app, waits for its drain, then posts to the baseline; the table shows each run and the median of
 * every column (the ratios are those of the medians). Requires a compiled app (npm run build, or any test run).
 */
const crypto = require('node:crypto');
const http = require('node:http');
const { client, benchEnvironment, prepareDatabase, loadApp, median } = require('./support');

const WEBHOOK_SECRET = `whsec_${crypto.randomBytes(16).toString('hex')}`;
benchEnvironment({
  STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
  STRIPE_SECRET_KEY: 'sk_test_bench',
  STRIPE_API_BASE: 'http://127.0.0.1:9', // never called: the handler needs nothing from Stripe
});
let dropDatabase = async () => undefined;

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

/** Posts every request with at most `concurrency` in flight; returns wall time and latencies. */
const fire = async (port, requests, concurrency) => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies = [];
  const failures = [];
  let next = 0;
  const post = ({ payload, header }) =>
    new Promise((resolve) => {
      const started = process.hrtime.bigint();
      const req = http.request(
        { host: '127.0.0.1', port, path: '/api/plan-renewals/stripe/webhook', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), 'stripe-signature': header } },
        (res) => {
          res.resume();
          res.on('end', () => {
            latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
            if (res.statusCode !== 200) failures.push(res.statusCode);
            resolve();
          });
        },
      );
      req.on('error', (error) => {
        failures.push(error.code);
        resolve();
      });
      req.end(payload);
    });
  const worker = async () => {
    while (next < requests.length) await post(requests[next++]);
  };
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  agent.destroy();
  const sorted = latencies.sort((a, b) => a - b);
  return { wallMs, throughput: (requests.length / wallMs) * 1000, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), failures };
};

/** The baseline: Koa, raw body, the same signature check, the same rows written by hand. */
const startBaseline = (strapi, Stripe) => {
  const Koa = require('koa');
  const getRawBody = require('raw-body');
  const knex = strapi.db.connection;
  const app = new Koa();
  app.use(async (ctx) => {
    const raw = await getRawBody(ctx.req, { limit: '512kb' });
    let event;
    try {
      event = Stripe.webhooks.constructEvent(raw, ctx.get('stripe-signature'), WEBHOOK_SECRET, 300);
    } catch {
      ctx.status = 400;
      return;
    }
    const intent = event.data.object;
    const now = new Date();
    const docId = () => crypto.randomBytes(12).toString('hex');
    await knex.transaction(async (trx) => {
      const inserted = await trx('plan_renewal_stripe_events')
        .insert({ document_id: docId(), event_id: event.id, type: event.type, livemode: false, object_id: intent.id, outcome: 'processing', state: 'applied', attempts: 1, payload: JSON.stringify(event), created_at: now, updated_at: now })
        .returning('id');
      const invoice = await trx('invoices').where({ document_id: intent.metadata.invoice }).first();
      const [transaction] = await trx('transactions')
        .insert({ document_id: docId(), amount_minor: invoice.total_minor, currency: invoice.currency, state: 'Success', provider: 'stripe', provider_reference: intent.id, occurred_at: now, created_at: now, updated_at: now })
        .returning('id');
      await trx('transactions_invoice_lnk').insert({ transaction_id: transaction.id ?? transaction, invoice_id: invoice.id });
      await trx('audit_logs').insert({ document_id: docId(), action: 'transaction.created', entity_uid: 'api::transaction.transaction', actor_type: 'stripe', actor_id: event.id, summary: `Payment ${intent.id}`, data: JSON.stringify({}), occurred_at: now, created_at: now, updated_at: now });
      await trx('plan_renewal_stripe_events').where({ id: inserted[0].id ?? inserted[0] }).update({ outcome: 'payment recorded' });
    });
    ctx.body = { received: true };
  });
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server));
  });
};

(async () => {
  const n = Number(process.argv[2] ?? 2000);
  const concurrency = Number(process.argv[3] ?? 16);
  const runs = Number(process.argv[4] ?? 3);
  dropDatabase = await prepareDatabase('bench-webhooks');
  const Stripe = require('stripe');
  const strapi = await loadApp();
  strapi.server.mount();
  await new Promise((resolve) => strapi.server.httpServer.listen(0, '127.0.0.1', resolve));

  // 2N open invoices of one customer's plan: N for the app, N for the baseline.
  const plan = await strapi.documents('api::plan.plan').create({
    data: { code: 'bench-12m', name: 'Bench Care', priceMinor: 54900, currency: 'USD', termMonths: 12, taxRateBps: 825, active: true, addOns: [] },
  });
  const customer = await strapi.documents('api::customer.customer').create({ data: { name: 'Bench', email: `bench-${process.pid}@example.com` } });
  const servicePlan = await strapi.documents('api::service-plan.service-plan').create({
    data: { customer: customer.documentId, plan: plan.documentId, state: 'Pending', autoRenew: true, addOnCodes: [], paymentMethod: 'stripe', renewalCount: 0 },
  });
  const issuedOn = new Date().toISOString().slice(0, 10);
  const issue = async () => {
    const invoices = [];
    process.stdout.write(`Issuing ${2 * n} invoices... `);
    for (let i = 0; i < 2 * n; i += 1) {
      invoices.push(await strapi.service('api::invoice.invoice').issue({ customer, servicePlan, plan: { ...plan, addOns: [] }, kind: 'new', period: { start: issuedOn, end: issuedOn }, issuedOn }));
    }
    console.log('done');
    return invoices;
  };
  const signed = (invoice) => {
    const event = {
      id: `evt_${crypto.randomBytes(12).toString('hex')}`,
      object: 'event',
      type: 'payment_intent.succeeded',
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      api_version: '2026-10-28.endive',
      data: {
        object: {
          id: `pi_${crypto.randomBytes(12).toString('hex')}`,
          object: 'payment_intent',
          amount: invoice.totalMinor,
          amount_received: invoice.totalMinor,
          currency: 'usd',
          status: 'succeeded',
          metadata: { app: 'plan-renewals', invoice: invoice.documentId, invoiceNumber: invoice.number, run: '' },
        },
      },
    };
    const payload = JSON.stringify(event);
    return { payload, header: Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET }) };
  };

  /**
   * Where the app's time goes, from knex's query events while its burst is answered and drained:
   * how long each transaction (the worker applying one event) holds the connection, from BEGIN until
   * COMMIT is sent — on SQLite the one writer, for which every acknowledgement then waits — and how long
   * the acknowledgement's own statement (the inbox insert) takes once it has the connection.
   */
  const phases = () => {
    const knex = strapi.db.connection;
    const open = new Map();
    const holds = [];
    const inserts = [];
    const started = new Map();
    const onQuery = (q) => {
      const sql = String(q.sql).trim().toUpperCase();
      // BEGIN and COMMIT are announced, not answered: held from BEGIN until COMMIT is sent.
      if (sql.startsWith('BEGIN')) open.set(q.__knexTxId, performance.now());
      if ((sql.startsWith('COMMIT') || sql.startsWith('ROLLBACK')) && open.has(q.__knexTxId)) {
        holds.push(performance.now() - open.get(q.__knexTxId));
        open.delete(q.__knexTxId);
      }
      if (sql.startsWith('INSERT INTO') && sql.includes('PLAN_RENEWAL_STRIPE_EVENTS')) started.set(q.__knexQueryUid, performance.now());
    };
    const onResponse = (_response, q) => {
      if (started.has(q.__knexQueryUid)) {
        inserts.push(performance.now() - started.get(q.__knexQueryUid));
        started.delete(q.__knexQueryUid);
      }
    };
    knex.on('query', onQuery);
    knex.on('query-response', onResponse);
    return () => {
      knex.off('query', onQuery);
      knex.off('query-response', onResponse);
      const sorted = (values) => values.sort((x, y) => x - y);
      return { holds: sorted(holds), inserts: sorted(inserts) };
    };
  };

  const recordedPayments = () => strapi.db.query('api::transaction.transaction').count({ where: { state: 'Success' } });
  const baseline = await startBaseline(strapi, Stripe);
  const results = [];
  for (let run = 0; run < runs; run += 1) {
    const invoices = await issue();
    const before = await recordedPayments();
    const stopPhases = phases();
    const appStarted = process.hrtime.bigint();
    const appResult = await fire(strapi.server.httpServer.address().port, invoices.slice(0, n).map(signed), concurrency);
    // The drain: until the inbox's worker has recorded every payment (bounded: 10 minutes).
    const drainDeadline = Date.now() + 600_000;
    while ((await recordedPayments()) < before + n && Date.now() < drainDeadline) await new Promise((resolve) => setTimeout(resolve, 20));
    appResult.drainMs = Number(process.hrtime.bigint() - appStarted) / 1e6;
    appResult.phases = stopPhases();
    const baseResult = await fire(baseline.address().port, invoices.slice(n).map(signed), concurrency);
    baseResult.drainMs = baseResult.wallMs;
    results.push({ app: appResult, base: baseResult });
    console.log(`run ${run + 1}: app ${appResult.throughput.toFixed(1)}/s p99 ${appResult.p99.toFixed(1)} ms drain ${(appResult.drainMs / 1000).toFixed(2)} s; baseline ${baseResult.throughput.toFixed(1)}/s p99 ${baseResult.p99.toFixed(1)} ms`);
  }
  baseline.close();

  const recorded = await recordedPayments();
  const inbox = await strapi.db.connection('plan_renewal_stripe_events').select('state').count({ n: '*' }).groupBy('state');
  await strapi.destroy();
  await dropDatabase();

  const perSecond = (ms) => (n / ms) * 1000;
  // The median of each column over the runs (the non-200 answers: all of them).
  const medianOf = (side) => {
    const all = results.map((r) => r[side]);
    const of = (key) => median(all.map((r) => r[key]));
    return { throughput: of('throughput'), p50: of('p50'), p95: of('p95'), p99: of('p99'), drainMs: of('drainMs'), failures: all.flatMap((r) => r.failures) };
  };
  const appResult = medianOf('app');
  const baseResult = medianOf('base');
  const row = (name, r) =>
    `| ${name} | ${r.throughput.toFixed(1)} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.failures.length} | ${(r.drainMs / 1000).toFixed(2)} | ${perSecond(r.drainMs).toFixed(1)} |`;
  const ratio = (a, b) => `**${(a / b).toFixed(2)}**`;
  console.log(`\nStripe webhooks on ${client}: N=${n} signed payment_intent.succeeded, concurrency ${concurrency}, median of ${runs} run${runs === 1 ? '' : 's'}\n`);
  console.log('| target | acknowledged/s | p50 ms | p95 ms | p99 ms | non-200 | drain s | applied/s |');
  console.log('|---|---|---|---|---|---|---|---|');
  results.forEach((r, i) => {
    console.log(row(`run ${i + 1}: application`, r.app));
    console.log(row(`run ${i + 1}: baseline`, r.base));
  });
  console.log(row('**median: application (Strapi + plugin, inbox)**', appResult));
  console.log(row('**median: baseline (bare Koa, same check and writes before answering)**', baseResult));
  console.log(
    `| **ratio app/baseline** | ${ratio(appResult.throughput, baseResult.throughput)} | ${ratio(appResult.p50, baseResult.p50)} | ${ratio(appResult.p95, baseResult.p95)} | ${ratio(appResult.p99, baseResult.p99)} | | ${ratio(appResult.drainMs, baseResult.drainMs)} | ${ratio(baseResult.drainMs, appResult.drainMs)} |`,
  );
  console.log('\nWhere the application\'s time went, per run: its transactions (the worker applying one event each: BEGIN to COMMIT, the connection held), and the acknowledgement\'s own statement (the inbox insert, once it has the connection)\n');
  console.log('| run | transactions | held p50 / p99 / max ms | held in all s | share of the drain | inbox insert p50 / p99 / max ms |');
  console.log('|---|---|---|---|---|---|');
  results.forEach(({ app }, i) => {
    const { holds, inserts } = app.phases;
    const held = holds.reduce((sum, ms) => sum + ms, 0);
    const three = (values) => (values.length ? [percentile(values, 50), percentile(values, 99), values[values.length - 1]].map((ms) => ms.toFixed(1)).join(' / ') : '-');
    console.log(`| ${i + 1} | ${holds.length} | ${three(holds)} | ${(held / 1000).toFixed(1)} | ${((held / app.drainMs) * 100).toFixed(0)}% | ${three(inserts)} |`);
  });
  console.log(`\npayments recorded: ${recorded} of ${2 * n * runs} expected; inbox: ${inbox.map((r) => `${r.state} ${r.n}`).join(', ')}`);
  for (const [name, r] of [['application', appResult], ['baseline', baseResult]]) {
    if (r.failures.length === 0) continue;
    const counts = r.failures.reduce((all, code) => ({ ...all, [code]: (all[code] ?? 0) + 1 }), {});
    console.log(`${name} answers other than 200: ${Object.entries(counts).map(([code, count]) => `${count} x ${code}`).join(', ')}`);
  }
  process.exit(appResult.failures.length || baseResult.failures.length || recorded !== 2 * n * runs ? 1 : 0);
})().catch(async (error) => {
  console.error(error);
  await dropDatabase().catch(() => undefined);
  process.exit(1);
});
