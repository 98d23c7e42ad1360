#!/usr/bin/env node
/**
 * A sale burst of transit passes: N orders for one card product with S cards in stock, posted with
 * concurrency C to the application (POST /api/transit-passes/orders: the engine opens the run and
 * takes its first four steps in the request's transaction — profile, card reservation, total,
 * order), and, in the same run, to a baseline: a bare Node HTTP server doing only the essential
 * writes by hand in one transaction (the conditional reservation and an order row) on the same
 * database.
 *
 *   node bench/pass-sales.js [N=400] [C=16] [S=N/2]     (SQLite by default; DATABASE_CLIENT=postgres DATABASE_URL=... for PostgreSQL)
 *
 * Prints throughput and p50/p95/p99 latency for both, the ratio app/baseline, and the check that
 * every order made took one card and no card was sold twice (orders = reserved <= stock; the rest
 * refused with 409). Requires a compiled app (npm run build, or any test run).
 */
const http = require('node:http');
const { client, benchEnvironment, prepareDatabase, loadApp } = require('./support');

benchEnvironment();
let dropDatabase = async () => undefined;

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

/** Posts every body with at most `concurrency` in flight; returns wall time, latencies and answers. */
const fire = async (port, path, headers, bodies, concurrency) => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies = [];
  const statuses = {};
  let next = 0;
  const post = (body) =>
    new Promise((resolve) => {
      const payload = JSON.stringify(body);
      const started = process.hrtime.bigint();
      const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers } }, (res) => {
        res.resume();
        res.on('end', () => {
          latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
          statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
          resolve();
        });
      });
      req.on('error', (error) => {
        statuses[error.code] = (statuses[error.code] ?? 0) + 1;
        resolve();
      });
      req.end(payload);
    });
  const worker = async () => {
    while (next < bodies.length) await post(bodies[next++]);
  };
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  agent.destroy();
  const sorted = latencies.sort((a, b) => a - b);
  return { throughput: (bodies.length / wallMs) * 1000, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), statuses };
};

/** The baseline: the reservation and an order row, by hand, in one transaction; 409 when no card is left. */
const startBaseline = (strapi, stockId) => {
  const knex = strapi.db.connection;
  let counter = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', async () => {
      try {
        const input = JSON.parse(body);
        const made = await knex.transaction(async (trx) => {
          const reserved = await trx('transit_card_stock').where({ id: stockId }).andWhereRaw('on_hand - reserved > 0').increment('reserved', 1);
          if (Number(reserved) !== 1) return false;
          counter += 1;
          await trx('bench_orders').insert({ number: `B-${counter}`, customer: input.customer, state: 'Pending', total_minor: 2500 });
          return true;
        });
        res.writeHead(made ? 201 : 409).end();
      } catch (error) {
        res.writeHead(500).end(String(error.message));
      }
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
};

const main = async () => {
  const n = Number(process.argv[2] ?? 400);
  const concurrency = Number(process.argv[3] ?? 16);
  const stock = Number(process.argv[4] ?? Math.floor(n / 2));
  dropDatabase = await prepareDatabase('bench-pass-sales');
  const strapi = await loadApp();
  strapi.server.mount();
  await new Promise((resolve) => strapi.server.httpServer.listen(0, '127.0.0.1', resolve));
  const port = strapi.server.httpServer.address().port;

  const product = (code) =>
    strapi.documents('plugin::transit-passes.fare-product').create({
      data: { code, name: `Weekly card ${code}`, riderCategory: 'adult', fareMedium: 'card', currency: 'USD', priceMinor: 2500, serviceFeeMinor: 0, taxRateBps: 0, validityKind: 'days', validityAmount: 7, activation: 'on-purchase', proofRequired: 'none', active: true },
    });
  const appProduct = await product('bench-app');
  const baseProduct = await product('bench-base');
  const appStock = await strapi.documents('plugin::transit-passes.card-stock').create({ data: { product: appProduct.documentId, onHand: stock, reserved: 0 } });
  const baseStock = await strapi.documents('plugin::transit-passes.card-stock').create({ data: { product: baseProduct.documentId, onHand: stock, reserved: 0 } });
  const customer = await strapi.documents('api::customer.customer').create({ data: { name: 'Bench Rider', email: 'bench.rider@example.com' } });
  await strapi.db.connection.schema.createTable('bench_orders', (table) => {
    table.increments('id');
    table.string('number').unique();
    table.string('customer');
    table.string('state');
    table.integer('total_minor');
  });
  const token = await strapi.service('admin::api-token').create({ name: 'bench', type: 'full-access', lifespan: null, description: 'pass sales benchmark' });

  const bodies = (code) => Array.from({ length: n }, () => ({ customer: customer.documentId, product: code, paymentMethod: 'desk' }));
  const appResult = await fire(port, '/api/transit-passes/orders', { authorization: `Bearer ${token.accessKey}` }, bodies('bench-app'), concurrency);
  const baseline = await startBaseline(strapi, (await strapi.db.query('plugin::transit-passes.card-stock').findOne({ where: { documentId: baseStock.documentId } })).id);
  const baseResult = await fire(baseline.address().port, '/orders', {}, bodies('bench-base'), concurrency);
  baseline.close();

  const stockRow = await strapi.db.query('plugin::transit-passes.card-stock').findOne({ where: { documentId: appStock.documentId } });
  const orders = await strapi.db.query('plugin::transit-passes.order').count({ where: { product: { documentId: appProduct.documentId } } });
  const runs = await strapi.db.query('plugin::workflows.run').count({ where: { processId: 'transit-pass' } });
  const baseRow = await strapi.db.query('plugin::transit-passes.card-stock').findOne({ where: { documentId: baseStock.documentId } });
  const baseOrders = Number((await strapi.db.connection('bench_orders').count({ c: '*' }))[0].c);

  const fmt = (value) => value.toFixed(1);
  const row = (name, r) => `| ${name} | ${fmt(r.throughput)} | ${fmt(r.p50)} | ${fmt(r.p95)} | ${fmt(r.p99)} | ${JSON.stringify(r.statuses)} |`;
  console.log(`\nPass sales on ${client}: N=${n} orders of one card product with ${stock} cards, concurrency ${concurrency}\n`);
  console.log('| target | orders/s | p50 ms | p95 ms | p99 ms | answers |');
  console.log('|---|---|---|---|---|---|');
  console.log(row('application (Strapi + engine, steps 1-4 in the request)', appResult));
  console.log(row('baseline (bare HTTP, reservation + order row by hand)', baseResult));
  console.log(`| **ratio app/baseline** | **${(appResult.throughput / baseResult.throughput).toFixed(2)}** | **${(appResult.p50 / baseResult.p50).toFixed(2)}** | | **${(appResult.p99 / baseResult.p99).toFixed(2)}** | |`);
  const oversold = orders !== stockRow.reserved || stockRow.reserved > stock || orders !== Math.min(n, stock) || runs !== orders;
  console.log(`\napplication: ${orders} orders, ${runs} runs, ${stockRow.reserved} of ${stock} cards reserved, ${appResult.statuses[409] ?? 0} refused (409)${oversold ? '  ** MISMATCH **' : ' — sold = stock taken, no oversell'}`);
  console.log(`baseline:    ${baseOrders} orders, ${baseRow.reserved} of ${stock} cards reserved`);
  await strapi.destroy();
  await dropDatabase();
  if (oversold) process.exitCode = 1;
};

main().catch(async (error) => {
  console.error(error);
  await dropDatabase().catch(() => undefined);
  process.exit(1);
});
