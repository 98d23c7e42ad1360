#!/usr/bin/env node
/**
 * A renewal wave against Stripe's rate limit: N auto-renewing Active plans with saved cards, all
 * due at once, renewed by the `renewals-due` job while a Stripe stand-in (its own process) accepts
 * at most R requests per second and answers 429 (Stripe's `rate_limit` error) above that.
 *
 *   node bench/renewals.js [N=5000] [runs=1] [R=100]   (SQLite; DATABASE_CLIENT=postgres DATABASE_URL=... for PostgreSQL)
 *
 * The wave is finished when every due plan has its renewal run waiting for the payment's
 * confirmation (step 5), its invoice issued and Open, and the off-session PaymentIntent of that
 * invoice created at Stripe and recorded as a Pending transaction: everything the job is
 * responsible for. (Stripe's `payment_intent.succeeded` webhooks move the runs on afterwards,
 * at whatever pace Stripe sends them; bench/webhooks.js measures that part.)
 *
 * The floor is what the limit alone imposes: N requests at R per second. Each run seeds N new
 * plans in the same database and starts the job; the table shows each run and the median.
 * Checked after each run: every plan renewed once, no run failed and no invoice left waiting
 * because of a 429, one PaymentIntent per invoice at Stripe (idempotency keys are never reused
 * across invoices), and as many Pending transactions as PaymentIntents.
 * Requires a compiled app (npm run build, or any test run). Creates and drops its own database.
 */
const crypto = require('node:crypto');
const path = require('node:path');
const { fork } = require('node:child_process');
const { client, benchEnvironment, prepareDatabase, loadApp, median } = require('./support');

let dropDatabase = async () => undefined;
let standIn = null;

/** The Stripe stand-in in a process of its own, as Stripe is: its base URL and a way to ask for its counts. */
const startStandIn = (rateLimit) =>
  new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, '..', 'scripts', 'stripe-stand-in.js'), [], {
      env: { ...process.env, STRIPE_STAND_IN_PORT: '0', STRIPE_STAND_IN_RATE_LIMIT: String(rateLimit) },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    child.once('error', reject);
    child.once('message', ({ base }) => {
      const stats = () =>
        new Promise((answer) => {
          child.once('message', answer);
          child.send('stats');
        });
      resolve({ base, stats, mark: () => child.send('mark'), close: () => child.kill() });
    });
  });

const dayAfter = (date, days) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** N customers with a Stripe customer and a saved card, each with an Active auto-renewing plan due in a week. */
const seed = async (strapi, plan, n, batch) => {
  const knex = strapi.db.connection;
  const now = client === 'sqlite' ? Date.now() : new Date();
  const today = new Date().toISOString().slice(0, 10);
  const end = dayAfter(today, 7);
  const start = `${Number(end.slice(0, 4)) - 1}${end.slice(4)}`;
  const tag = `${batch}-${process.pid}`;
  for (let from = 0; from < n; from += 500) {
    const size = Math.min(500, n - from);
    const index = Array.from({ length: size }, (_, k) => from + k);
    const customers = await knex('customers')
      .insert(index.map((i) => ({ document_id: `bc${tag}-${i}`, name: `Customer ${i}`, email: `c${i}-${tag}@bench.test`, stripe_customer_id: `cus_bench${tag}x${i}`, stripe_payment_method_id: `pm_bench${tag}x${i}`, created_at: now, updated_at: now, published_at: now })))
      .returning('id');
    const plans = await knex('service_plans')
      .insert(index.map((i) => ({ document_id: `bs${tag}-${i}`, state: 'Active', start_date: start, end_date: end, auto_renew: true, payment_method: 'stripe', renewal_count: 0, recurring_minor: plan.priceMinor, add_on_codes: '[]', created_at: now, updated_at: now, published_at: now })))
      .returning('id');
    const id = (row) => (typeof row === 'object' ? row.id : row);
    await knex('service_plans_customer_lnk').insert(plans.map((p, k) => ({ service_plan_id: id(p), customer_id: id(customers[k]) })));
    await knex('service_plans_plan_lnk').insert(plans.map((p) => ({ service_plan_id: id(p), plan_id: plan.id })));
  }
  if (client === 'postgres') await knex.raw('ANALYZE');
  return { tag };
};

/** What the wave left in the database for this batch's plans. */
const outcome = async (strapi, tag) => {
  const knex = strapi.db.connection;
  const ofBatch = (query, planColumn) => query.whereIn(planColumn, knex('service_plans').select('id').where('document_id', 'like', `bs${tag}-%`));
  const count = async (query) => Number((await query.count({ n: '*' }))[0].n);
  const runs = knex('plan_renewal_runs as r').join('plan_renewal_runs_service_plan_lnk as l', 'l.run_id', 'r.id').where('r.kind', 'renewal');
  const invoices = knex('invoices as i').join('invoices_service_plan_lnk as l', 'l.invoice_id', 'i.id').where('i.kind', 'renewal');
  return {
    runs: await count(ofBatch(runs.clone(), 'l.service_plan_id')),
    waiting: await count(ofBatch(runs.clone().where({ 'r.state': 'waiting', 'r.current_step': 'verify-payment' }), 'l.service_plan_id')),
    failedRuns: await count(ofBatch(runs.clone().where('r.state', 'failed'), 'l.service_plan_id')),
    requested: await count(ofBatch(invoices.clone().where({ 'i.state': 'Open', 'i.payment_request': 'requested' }), 'l.service_plan_id')),
    unsent: await count(ofBatch(invoices.clone().where('i.payment_request', 'pending'), 'l.service_plan_id')),
    pending: await count(
      ofBatch(
        knex('transactions as t').join('transactions_invoice_lnk as ti', 'ti.transaction_id', 't.id').join('invoices_service_plan_lnk as l', 'l.invoice_id', 'ti.invoice_id').where({ 't.provider': 'stripe', 't.state': 'Pending' }),
        'l.service_plan_id',
      ),
    ),
  };
};

(async () => {
  const n = Number(process.argv[2] ?? 5000);
  const runs = Number(process.argv[3] ?? 1);
  const rateLimit = Number(process.argv[4] ?? 100);
  standIn = await startStandIn(rateLimit);
  benchEnvironment({
    STRIPE_SECRET_KEY: 'sk_test_bench',
    STRIPE_API_BASE: standIn.base,
    STRIPE_WEBHOOK_SECRET: `whsec_${crypto.randomBytes(16).toString('hex')}`,
  });
  dropDatabase = await prepareDatabase('bench-renewals');
  const strapi = await loadApp();
  const plan = await strapi.documents('api::plan.plan').create({
    data: { code: 'bench-12m', name: 'Bench Care', priceMinor: 54900, currency: 'USD', termMonths: 12, taxRateBps: 825, active: true, addOns: [] },
  });
  const floorS = n / rateLimit;
  const results = [];
  for (let i = 0; i < runs; i += 1) {
    const { tag } = await seed(strapi, plan, n, i);
    standIn.mark();
    const before = (await standIn.stats()).stats;
    let peakRss = process.memoryUsage.rss();
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 100);
    const started = process.hrtime.bigint();
    const startedAt = Date.now();
    const { outcome: said } = await strapi.plugin('plan-renewals').service('jobs').runNow('renewals-due');
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    clearInterval(sampler);
    const endedAt = Date.now();
    const after = await standIn.stats();
    const left = await outcome(strapi, tag);
    const result = {
      seconds,
      peakRss,
      retries: after.stats.rateLimited - before.rateLimited,
      requests: after.stats.requests - before.requests,
      replays: after.stats.replays - before.replays,
      // Where the time went: until Stripe accepted the first charge, between the first and the last, after the last.
      firstS: (after.stats.firstAt - startedAt) / 1000,
      chargingS: (after.stats.lastAt - after.stats.firstAt) / 1000,
      afterS: (endedAt - after.stats.lastAt) / 1000,
      ...left,
      said,
      finished: left.runs === n && left.waiting === n && left.requested === n && left.pending === n,
    };
    results.push(result);
    console.log(`run ${i + 1}: ${seconds.toFixed(1)} s, ${said}; ${JSON.stringify(left)}`);
  }
  const stripeSide = await standIn.stats();
  await strapi.destroy();
  standIn.close();
  await dropDatabase();

  const mb = (bytes) => (bytes / 1024 / 1024).toFixed(0);
  console.log(`\nRenewal wave on ${client}: ${n} plans due at once, Stripe stand-in limited to ${rateLimit} requests/s (429 above)\n`);
  console.log('| run | wave s | floor s | ratio | to 1st charge s | charging s | after last s | 429 retries | Stripe requests | replays | runs waiting for payment | failed runs | peak RSS MB |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  results.forEach((r, i) =>
    console.log(`| ${i + 1} | ${r.seconds.toFixed(1)} | ${floorS.toFixed(1)} | ${(r.seconds / floorS).toFixed(2)} | ${r.firstS.toFixed(1)} | ${r.chargingS.toFixed(1)} | ${r.afterS.toFixed(1)} | ${r.retries} | ${r.requests} | ${r.replays} | ${r.waiting} of ${n} | ${r.failedRuns} | ${mb(r.peakRss)} |`),
  );
  const med = (key) => median(results.map((r) => r[key]));
  console.log(`| **median** | **${med('seconds').toFixed(1)}** | ${floorS.toFixed(1)} | **${(med('seconds') / floorS).toFixed(2)}** | ${med('firstS').toFixed(1)} | ${med('chargingS').toFixed(1)} | ${med('afterS').toFixed(1)} | ${med('retries')} | ${med('requests')} | ${med('replays')} | | | ${mb(med('peakRss'))} |`);
  const duplicates = stripeSide.paymentIntents - stripeSide.invoicesCharged;
  console.log(`\nPaymentIntents at Stripe: ${stripeSide.paymentIntents} for ${stripeSide.invoicesCharged} invoices (${duplicates} duplicate charges); every wave finished: ${results.every((r) => r.finished)}`);
  process.exit(results.every((r) => r.finished && r.failedRuns === 0 && r.unsent === 0) && duplicates === 0 ? 0 : 1);
})().catch(async (error) => {
  console.error(error);
  standIn?.close();
  await dropDatabase().catch(() => undefined);
  process.exit(1);
});
