#!/usr/bin/env node
/**
 * One full purchase through the HTTP API, from POST /purchases to a completed run (counter
 * payment, Finance approval, Customer Success check), timed N times on a fresh database.
 *
 *   node bench/process-run.js [runs=5]       (SQLite by default; DATABASE_CLIENT/DATABASE_URL for PostgreSQL)
 *
 * Prints each run and the median. Requires a compiled app (npm run build, or any test run).
 */
const crypto = require('node:crypto');
const request = require('supertest');
const { client, benchEnvironment, prepareDatabase, loadApp, median } = require('./support');

benchEnvironment();

(async () => {
  const runs = Number(process.argv[2] ?? 5);
  const dropDatabase = await prepareDatabase('bench-process');
  const strapi = await loadApp();
  strapi.server.mount();
  const http = () => request(strapi.server.httpServer);
  const signIn = async (type) => {
    const role = await strapi.db.query('plugin::users-permissions.role').findOne({ where: { type } });
    const email = `${type}-${crypto.randomBytes(3).toString('hex')}@bench.test`;
    await strapi.plugin('users-permissions').service('user').add({ username: email, email, password: 'Bench-Passw0rd', provider: 'local', confirmed: true, role: role.id });
    return `Bearer ${(await http().post('/api/auth/local').send({ identifier: email, password: 'Bench-Passw0rd' })).body.jwt}`;
  };
  const finance = await signIn('finance');
  const cs = await signIn('customer-success');
  await strapi.documents('api::plan.plan').create({
    data: { code: 'bench-12m', name: 'Bench Care', priceMinor: 54900, currency: 'USD', termMonths: 12, taxRateBps: 825, active: true, addOns: [] },
  });
  const api = '/api/plan-renewals';
  const times = [];
  for (let i = 0; i < runs; i += 1) {
    const customer = await strapi.documents('api::customer.customer').create({ data: { name: `Bench ${i}`, email: `bench-${i}-${process.pid}@example.com` } });
    const started = process.hrtime.bigint();
    const bought = await http().post(`${api}/purchases`).set('Authorization', cs).send({ customer: customer.documentId, plan: 'bench-12m' });
    const run = bought.body.data.run;
    await http().post(`${api}/invoices/${run.invoice.documentId}/manual-payments`).set('Authorization', finance).send({ amountMinor: 59429, currency: 'USD', reference: `BENCH-${i}-${process.pid}` });
    const verify = (await http().get(`${api}/tasks`).set('Authorization', finance)).body.data.find((t) => t.run === run.documentId);
    await http().post(`${api}/tasks/${verify.documentId}/complete`).set('Authorization', finance).send({ outcome: 'approved' });
    const check = (await http().get(`${api}/tasks`).set('Authorization', cs)).body.data.find((t) => t.run === run.documentId);
    const done = await http().post(`${api}/tasks/${check.documentId}/complete`).set('Authorization', cs).send({ outcome: 'passed' });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (done.body.data.state !== 'completed') throw new Error(`run ${run.documentId} ended ${done.body.data.state}`);
    times.push(ms);
  }
  await strapi.destroy();
  await dropDatabase();

  console.log(`\nOne full purchase through the API (7 requests, 13 steps), ${client}\n`);
  console.log('| run | ms |');
  console.log('|---|---|');
  times.forEach((ms, i) => console.log(`| ${i + 1} | ${ms.toFixed(1)} |`));
  console.log(`| **median** | **${median(times).toFixed(1)}** |`);
  process.exit(0);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
