#!/usr/bin/env node
/**
 * A renewal wave against Stripe's rate limit: N auto-renewing Active plans with saved cards, all
 * due at once, renewed by the `renewals-due` job while a Stripe stand-in (its own process) accepts
 * at most R requests per second and answers 429 (Stripe's `rate_limit` error) above that.
 *
 *   node bench/renewals.js [N=5000] [runs=1] [R=100]   (SQLite; DATABASE_CLIENT=postgres DATABASE_URL=... for PostgreSQL)
 *   INSTANCES=2 DATABASE_CLIENT=postgres DATABASE_URL=... node bench/renewals.js [N] [runs] [R]
 *
 * With INSTANCES=k (PostgreSQL only: SQLite is one instance, and the script refuses), k app
 * instances run in processes of their own on the one database, as k servers would: the first
 * seeds, then all of them start the renewals-due job at the same moment, so they compete for the
 * same due plans (a batch goes to whichever instance locks its plans first; the other skips it)
 * and share the Stripe account's request budget (plan_renewal_stripe_pace) against the one
 * stand-in. The table adds, per instance: the job's own time, the plans it renewed, its 429s and
 * its Stripe requests, its slots retaken (a request that would have left more than LATE_LIMIT_MS
 * after its shared slot, because the instance's event loop or the database answered late, takes a
 * new slot instead) and its late sends (requests that left that late even so, after SLOT_RETAKES
 * new slots: each may draw a 429); the wave ends when the last instance's job has. Every run also
 * shows its busiest second at Stripe: the most requests the stand-in received within any one
 * second (its limit counts the same sliding window).
 *
 * The wave is finished when every due plan has its renewal run waiting for the payment's
 * confirmation (step 5), its invoice issued and Open, and the off-session PaymentIntent of that
 * invoice created at Stripe and recorded as a Pending transaction: everything the job is
 * responsible for. (Stripe's `payment_intent.succeeded` webhooks move the runs on afterwards,
 * at whatever pace Stripe sends them; bench/webhooks.js measures that part.)
 *
 * The floor is what the limit alone imposes: N requests at R per second. Each run seeds N new
 * plans in the same database and starts the job; the table shows each run and the median.
 * Checked after each run: every plan renewed once (by one instance), no run failed and no invoice left waiting
 * because of a 429, one PaymentIntent per invoice at Stripe (idempotency keys are never reused
 * across invoices), and as many Pending transactions as PaymentIntents.
 * Requires a compiled app (npm run build, or any test run). Creates and drops its own database.
 */
const crypto = require('node:crypto');
const path = require('node:path');
const { fork } = require('node:child_process');
const { client, appDir, benchEnvironment, prepareDatabase, loadApp, median } = require('./support');
// How the app reads a text value of a JSON column on this database (the compiled copy).
const { jsonTextSql } = require(path.join(appDir, 'dist', 'src', 'plugins', 'workflows', 'server', 'src', 'context-sql'));

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
  // The process's renewal runs, in the engine's runs: a plan is their subject, the kind is in their context.
  const runs = knex('workflow_runs as r')
    .join('service_plans as sp', 'sp.document_id', 'r.subject_id')
    .where({ 'r.process_id': 'prepaid-plan', 'r.subject_type': 'api::service-plan.service-plan' })
    .whereRaw(`${jsonTextSql(strapi, 'r.context', ['kind'])} = ?`, ['renewal']);
  const invoices = knex('invoices as i').join('invoices_service_plan_lnk as l', 'l.invoice_id', 'i.id').where('i.kind', 'renewal');
  return {
    runs: await count(ofBatch(runs.clone(), 'sp.id')),
    renewedPlans: Number((await ofBatch(runs.clone(), 'sp.id').countDistinct({ n: 'sp.id' }))[0].n),
    waiting: await count(ofBatch(runs.clone().where({ 'r.state': 'waiting', 'r.current_step': 'verify-payment' }), 'sp.id')),
    failedRuns: await count(ofBatch(runs.clone().where('r.state', 'failed'), 'sp.id')),
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

/** The catalogue plan every seeded service plan is on. */
const benchPlan = (strapi) =>
  strapi.documents('api::plan.plan').create({
    data: { code: 'bench-12m', name: 'Bench Care', priceMinor: 54900, currency: 'USD', termMonths: 12, taxRateBps: 825, active: true, addOns: [] },
  });

/** How many renewal runs the job's outcome says this instance started ("4,950 renewal runs started of 5,000 plans due"). */
const startedIn = (said) => Number(/^([\d,]+) renewal runs? started/.exec(said)?.[1].replace(/,/g, '') ?? Number.NaN);

/** Whether a run left every plan of its batch renewed once and charged once, nothing failed nor unsent. */
const finishedWave = (left, n) => left.runs === n && left.renewedPlans === n && left.waiting === n && left.requested === n && left.pending === n && left.failedRuns === 0 && left.unsent === 0;

/**
 * One app instance in a process of its own (INSTANCES > 1): it loads the compiled app on the
 * bench's database and answers its parent: `seed` (the first instance seeds), `run` (the
 * renewals-due job, as `npm run job -- renewals-due` runs it), `outcome`, `stop`.
 */
const serveInstance = async () => {
  const strapi = await loadApp();
  const stripe = strapi.plugin('plan-renewals').service('stripe');
  let plan = null;
  let peakRss = process.memoryUsage.rss();
  setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 100).unref();
  const commands = {
    async seed({ n, batch }) {
      plan ??= await benchPlan(strapi);
      return seed(strapi, plan, n, batch);
    },
    async run() {
      const before = stripe.counts();
      peakRss = process.memoryUsage.rss();
      const startedAt = Date.now();
      const { outcome: said } = await strapi.plugin('plan-renewals').service('jobs').runNow('renewals-due');
      const endedAt = Date.now();
      const after = stripe.counts();
      return {
        said,
        started: startedIn(said),
        requests: after.requests - before.requests,
        rateLimited: after.rateLimited - before.rateLimited,
        late: after.late - before.late,
        retaken: after.retaken - before.retaken,
        latestMs: after.latestMs,
        startedAt,
        endedAt,
        peakRss,
      };
    },
    outcome: ({ tag }) => outcome(strapi, tag),
    async stop() {
      await strapi.destroy();
      return null;
    },
  };
  process.on('message', ({ id, command, args }) =>
    commands[command](args ?? {}).then(
      (answer) => process.send({ id, answer }, () => command === 'stop' && process.exit(0)),
      (error) => process.send({ id, error: error?.stack ?? String(error) }),
    ),
  );
  process.send({ ready: true });
};

/** Starts instance `k` (a child process running this script) and resolves once its app is loaded. */
const startInstance = (k) =>
  new Promise((resolve, reject) => {
    const child = fork(__filename, [], { env: { ...process.env, BENCH_RENEWALS_INSTANCE: String(k) }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    const pending = new Map();
    let next = 0;
    child.once('error', reject);
    child.on('exit', (code) => {
      const failure = new Error(`instance ${k + 1} exited (code ${code})`);
      reject(failure);
      pending.forEach(({ fail }) => fail(failure));
    });
    child.on('message', (message) => {
      if (message.ready) {
        resolve({
          ask: (command, args) =>
            new Promise((answer, fail) => {
              next += 1;
              pending.set(next, { answer, fail });
              child.send({ id: next, command, args });
            }),
          kill: () => child.kill(),
        });
        return;
      }
      const waiter = pending.get(message.id);
      pending.delete(message.id);
      if (message.error) waiter?.fail(new Error(`instance ${k + 1}: ${message.error}`));
      else waiter?.answer(message.answer);
    });
  });

const mb = (bytes) => (bytes / 1024 / 1024).toFixed(0);

/** Where the time went: until Stripe accepted the first charge, between the first and the last, after the last. */
const timing = (startedAt, endedAt, stats) => ({
  firstS: (stats.firstAt - startedAt) / 1000,
  chargingS: (stats.lastAt - stats.firstAt) / 1000,
  afterS: (endedAt - stats.lastAt) / 1000,
});

/** One instance, in this process: seeds, runs the job, checks, N times. */
const singleInstance = async (n, runs) => {
  const strapi = await loadApp();
  const plan = await benchPlan(strapi);
  const results = [];
  for (let i = 0; i < runs; i += 1) {
    const { tag } = await seed(strapi, plan, n, i);
    standIn.mark();
    const before = (await standIn.stats()).stats;
    const pace = strapi.plugin('plan-renewals').service('stripe').counts();
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
      busiest: after.stats.busiestSecond,
      retaken: strapi.plugin('plan-renewals').service('stripe').counts().retaken - pace.retaken,
      requests: after.stats.requests - before.requests,
      replays: after.stats.replays - before.replays,
      ...timing(startedAt, endedAt, after.stats),
      ...left,
      said,
      finished: finishedWave(left, n),
    };
    results.push(result);
    console.log(`run ${i + 1}: ${seconds.toFixed(1)} s, ${said}; ${JSON.stringify(left)}`);
  }
  await strapi.destroy();
  return results;
};

/**
 * `instances` app instances, each a process of its own, on one PostgreSQL database: the first
 * seeds; then all of them run the renewals-due job at the same moment, competing for the same
 * due plans (each batch is opened by whichever instance locks its plans first) and sharing the
 * Stripe account's request budget.
 */
const severalInstances = async (n, runs, instances) => {
  const apps = [];
  try {
    // One after another: the first creates the schema, the others find it.
    for (let k = 0; k < instances; k += 1) apps.push(await startInstance(k));
    const results = [];
    for (let i = 0; i < runs; i += 1) {
      const { tag } = await apps[0].ask('seed', { n, batch: i });
      standIn.mark();
      const before = (await standIn.stats()).stats;
      const started = process.hrtime.bigint();
      const startedAt = Date.now();
      const each = await Promise.all(apps.map((app) => app.ask('run')));
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const endedAt = Date.now();
      const after = await standIn.stats();
      const left = await apps[0].ask('outcome', { tag });
      const result = {
        seconds,
        each,
        peakRss: Math.max(...each.map((e) => e.peakRss)),
        retries: after.stats.rateLimited - before.rateLimited,
        busiest: after.stats.busiestSecond,
        requests: after.stats.requests - before.requests,
        replays: after.stats.replays - before.replays,
        ...timing(startedAt, endedAt, after.stats),
        ...left,
        finished: finishedWave(left, n) && each.reduce((sum, e) => sum + e.started, 0) === n,
      };
      results.push(result);
      console.log(`run ${i + 1}: ${seconds.toFixed(1)} s; ${each.map((e, k) => `instance ${k + 1}: ${e.said} in ${((e.endedAt - e.startedAt) / 1000).toFixed(1)} s`).join('; ')}; ${JSON.stringify(left)}`);
    }
    for (const app of apps) await app.ask('stop');
    return results;
  } finally {
    apps.forEach((app) => app.kill());
  }
};

(async () => {
  if (process.env.BENCH_RENEWALS_INSTANCE) return serveInstance();
  const n = Number(process.argv[2] ?? 5000);
  const runs = Number(process.argv[3] ?? 1);
  const rateLimit = Number(process.argv[4] ?? 100);
  const instances = Number(process.env.INSTANCES ?? 1);
  if (!Number.isInteger(instances) || instances < 1) throw new Error(`INSTANCES must be a whole number of instances, not ${process.env.INSTANCES}`);
  if (instances > 1 && client !== 'postgres') {
    console.error(
      `bench/renewals.js: INSTANCES=${instances} needs PostgreSQL (DATABASE_CLIENT=postgres DATABASE_URL=...): instances share a database, and its Stripe budget, only there; SQLite is one instance.`,
    );
    process.exit(2);
  }
  standIn = await startStandIn(rateLimit);
  benchEnvironment({
    STRIPE_SECRET_KEY: 'sk_test_bench',
    STRIPE_API_BASE: standIn.base,
    STRIPE_WEBHOOK_SECRET: `whsec_${crypto.randomBytes(16).toString('hex')}`,
  });
  dropDatabase = await prepareDatabase('bench-renewals');
  const results = instances > 1 ? await severalInstances(n, runs, instances) : await singleInstance(n, runs);
  const stripeSide = await standIn.stats();
  standIn.close();
  await dropDatabase();

  const { LATE_LIMIT_MS, SLOT_RETAKES } = require(path.join(appDir, 'dist', 'src', 'plugins', 'plan-renewals', 'server', 'src', 'services', 'stripe'));
  const floorS = n / rateLimit;
  const med = (key) => median(results.map((r) => r[key]));
  const duplicates = stripeSide.paymentIntents - stripeSide.invoicesCharged;
  if (instances === 1) {
    console.log(`\nRenewal wave on ${client}: ${n} plans due at once, Stripe stand-in limited to ${rateLimit} requests/s (429 above)\n`);
    console.log('| run | wave s | floor s | ratio | to 1st charge s | charging s | after last s | 429 retries | busiest second at Stripe | slots retaken | Stripe requests | replays | runs waiting for payment | failed runs | peak RSS MB |');
    console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
    results.forEach((r, i) =>
      console.log(`| ${i + 1} | ${r.seconds.toFixed(1)} | ${floorS.toFixed(1)} | ${(r.seconds / floorS).toFixed(2)} | ${r.firstS.toFixed(1)} | ${r.chargingS.toFixed(1)} | ${r.afterS.toFixed(1)} | ${r.retries} | ${r.busiest} | ${r.retaken} | ${r.requests} | ${r.replays} | ${r.waiting} of ${n} | ${r.failedRuns} | ${mb(r.peakRss)} |`),
    );
    console.log(`| **median** | **${med('seconds').toFixed(1)}** | ${floorS.toFixed(1)} | **${(med('seconds') / floorS).toFixed(2)}** | ${med('firstS').toFixed(1)} | ${med('chargingS').toFixed(1)} | ${med('afterS').toFixed(1)} | ${med('retries')} | ${med('busiest')} | ${med('retaken')} | ${med('requests')} | ${med('replays')} | | | ${mb(med('peakRss'))} |`);
  } else {
    const perInstance = (r, key, format = String) => r.each.map((e) => format(e[key])).join(' / ');
    const jobS = (e) => ((e.endedAt - e.startedAt) / 1000).toFixed(1);
    console.log(`\nRenewal wave on ${client}, ${instances} instances on one database: ${n} plans due at once, Stripe stand-in limited to ${rateLimit} requests/s (429 above); per instance values are 1 / 2${instances > 2 ? ' / ...' : ''}\n`);
    console.log('| run | wave s | floor s | ratio | to 1st charge s | charging s | after last s | job s per instance | plans taken per instance | 429 retries | busiest second at Stripe | 429s per instance | slots retaken per instance | late sends per instance | Stripe requests | per instance | replays | runs waiting for payment | failed runs | peak RSS MB per instance |');
    console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
    results.forEach((r, i) =>
      console.log(
        `| ${i + 1} | ${r.seconds.toFixed(1)} | ${floorS.toFixed(1)} | ${(r.seconds / floorS).toFixed(2)} | ${r.firstS.toFixed(1)} | ${r.chargingS.toFixed(1)} | ${r.afterS.toFixed(1)} | ${r.each.map(jobS).join(' / ')} | ${perInstance(r, 'started')} | ${r.retries} | ${r.busiest} | ${perInstance(r, 'rateLimited')} | ${perInstance(r, 'retaken')} | ${perInstance(r, 'late')} | ${r.requests} | ${perInstance(r, 'requests')} | ${r.replays} | ${r.waiting} of ${n} | ${r.failedRuns} | ${perInstance(r, 'peakRss', mb)} |`,
      ),
    );
    console.log(`| **median** | **${med('seconds').toFixed(1)}** | ${floorS.toFixed(1)} | **${(med('seconds') / floorS).toFixed(2)}** | ${med('firstS').toFixed(1)} | ${med('chargingS').toFixed(1)} | ${med('afterS').toFixed(1)} | | | ${med('retries')} | ${med('busiest')} | | | | ${med('requests')} | | ${med('replays')} | | | ${mb(med('peakRss'))} |`);
  }
  if (instances > 1) {
    const latest = (k) => Math.max(...results.map((r) => r.each[k].latestMs));
    console.log(
      `\nSlots retaken: a request that would have left more than ${LATE_LIMIT_MS} ms after its shared slot takes a new one. Late sends: requests that left later than that even so, after ${SLOT_RETAKES} new slots, each a possible 429; latest per instance: ${results[0].each.map((_, k) => `${latest(k)} ms`).join(' / ')}`,
    );
  }
  console.log(`\nPaymentIntents at Stripe: ${stripeSide.paymentIntents} for ${stripeSide.invoicesCharged} invoices (${duplicates} duplicate charges); every wave finished: ${results.every((r) => r.finished)}`);
  process.exit(results.every((r) => r.finished) && duplicates === 0 ? 0 : 1);
})().catch(async (error) => {
  console.error(error);
  standIn?.close();
  await dropDatabase().catch(() => undefined);
  process.exit(1);
});
