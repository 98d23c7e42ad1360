import type { PoolClient } from 'pg';
import { startSendGridStandIn, StandIn as SendGridStandIn } from '../harness/sendgrid-stand-in';
import { CheckOptions, checkInvariants, describeViolations } from './invariants';
import { AppProcess, appSecrets, createApp } from './harness/app';
import { Database, createDatabase } from './harness/postgres';
import { appEnvironment, describeWave, inFlight, waitFor, waveSettled } from './harness/scenario';
import { DuePlan, createStaffUser, seedDuePlans, signIn } from './harness/seed';
import { StripeSide, paymentIntentsMade, startStripe } from './harness/stripe';

/**
 * The checker checked: a small renewal wave run by the real app gives a consistent database (no
 * violation); then each invariant is broken in turn, inside a transaction rolled back afterwards,
 * and the checker must name it.
 */
let db: Database;
let stripe: StripeSide;
let sendgrid: SendGridStandIn;
let app: AppProcess;
let due: DuePlan[];
let options: CheckOptions;

beforeAll(async () => {
  db = await createDatabase('checker');
  stripe = await startStripe();
  sendgrid = await startSendGridStandIn();
  app = await createApp('checker-app', appEnvironment({ secrets: appSecrets(), databaseUrl: db.url, stripe, sendgrid }));
  await app.start();
  stripe.targets.push(app.base);
  due = await seedDuePlans(db.pool, 3);
  await waitFor('the renewals', () => waveSettled(db.pool, due, stripe), 300_000, () => describeWave(db.pool, stripe));
  // One run taken to the end, so completed runs are covered too.
  const jwt = await signIn(app.base, await createStaffUser(db.pool, 'customer-success'));
  const { rows } = await db.pool.query(
    `SELECT document_id FROM workflow_tasks WHERE process_id = 'prepaid-plan' AND step_id = 'quality-check' AND state = 'open' LIMIT 1`,
  );
  const response = await fetch(`${app.base}/api/plan-renewals/tasks/${rows[0].document_id}/complete`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${jwt}` },
    body: JSON.stringify({ outcome: 'passed' }),
  });
  expect(response.status).toBe(200);
  await waitFor('the run to complete', async () => (await inFlight(db.pool)).runsCompleted === 1, 60_000);
  await sellPasses(app.base);
  await app.stop();
  options = { due, stripe: { made: paymentIntentsMade(stripe.standIn) }, sendgridAccepted: [...sendgrid.accepted] };
});

/**
 * Transit passes on the same database: a card product with two cards, three buyers (two orders, one
 * refused), one order paid at the desk (its pass issued), one left Pending holding its card.
 */
const sellPasses = async (base: string) => {
  const { rows } = await db.pool.query(
    `INSERT INTO transit_fare_products (document_id, code, name, rider_category, fare_medium, currency, price_minor, service_fee_minor, tax_rate_bps, validity_kind, validity_amount, activation, proof_required, active, created_at, updated_at, published_at)
     VALUES ('fareproductchecker000001', 'checker-card', 'Checker weekly card', 'adult', 'card', 'USD', 2500, 0, 0, 'days', 7, 'on-purchase', 'none', true, now(), now(), now()) RETURNING id`,
  );
  const stock = await db.pool.query(`INSERT INTO transit_card_stock (document_id, on_hand, reserved, created_at, updated_at, published_at) VALUES ('cardstockchecker00000001', 2, 0, now(), now(), now()) RETURNING id`);
  await db.pool.query(`INSERT INTO transit_card_stock_product_lnk (card_stock_id, fare_product_id) VALUES ($1, $2)`, [stock.rows[0].id, rows[0].id]);
  const { rows: customers } = await db.pool.query(`SELECT document_id FROM customers ORDER BY id LIMIT 1`);
  const jwt = await signIn(base, await createStaffUser(db.pool, 'billing'));
  const post = (path: string, body: unknown) =>
    fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${jwt}` }, body: JSON.stringify(body) });
  const answers = [];
  for (let i = 0; i < 3; i += 1) answers.push(await post('/api/transit-passes/orders', { customer: customers[0].document_id, product: 'checker-card', paymentMethod: 'desk' }));
  expect(answers.map((a) => a.status)).toEqual([201, 201, 409]);
  const first: any = await answers[0].json();
  const { rows: tasks } = await db.pool.query(
    `SELECT t.document_id FROM workflow_tasks t JOIN workflow_tasks_run_lnk l ON l.task_id = t.id JOIN workflow_runs r ON r.id = l.run_id WHERE r.document_id = $1 AND t.step_id = 'desk-payment'`,
    [first.data.run.documentId],
  );
  expect((await post(`/api/workflows/tasks/${tasks[0].document_id}/complete`, { outcome: 'paid' })).status).toBe(200);
};

afterAll(async () => {
  await app?.kill();
  await stripe?.close();
  await sendgrid?.close();
  await db?.drop();
});

test('a consistent database has no violation', async () => {
  const { figures, violations } = await checkInvariants(db.pool, options);
  expect(describeViolations(violations)).toBe('');
  expect(figures).toMatchObject({
    duePlans: 3,
    renewedOnce: 3,
    runs: { total: 3, byState: { completed: 1, waiting: 2 } },
    invoices: { total: 3, byState: { Paid: 3 }, lines: 9 },
    transactions: { Success: 3 },
    paymentIntents: 3,
    // Three receipts of the renewals, the pass's email (sent) and its activation SMS (a preview: no Twilio here).
    emails: { total: 5, byState: { sent: 4, preview: 1 }, acceptedBySendGrid: 4 },
    stripeEvents: 3,
    passOrders: { Paid: 1, Pending: 1 },
    passes: { Active: 1 },
  });
});

const one = async (client: PoolClient, sql: string, values?: unknown[]) => (await client.query(sql, values)).rows[0];

/** How to break each invariant, as a careless or crashing writer would. */
const breakages: [string, (client: PoolClient) => Promise<Partial<CheckOptions> | void>][] = [
  ['renewed-once', async (client) => {
    await client.query(`UPDATE service_plans SET renewal_count = renewal_count + 1 WHERE id = (SELECT min(id) FROM service_plans)`);
  }],
  ['one-run-per-period', async (client) => {
    // A second, cancelled renewal run for the same plan and period.
    await client.query(
      `INSERT INTO workflow_runs (document_id, process_id, process_version, subject_type, subject_id, context, state, steps, created_at, updated_at, published_at)
       SELECT 'rduplicate0000000000000', process_id, process_version, subject_type, subject_id, context, 'cancelled', '[]', now(), now(), now()
         FROM workflow_runs WHERE id = (SELECT min(id) FROM workflow_runs WHERE process_id = 'prepaid-plan' AND context->>'kind' = 'renewal')`,
    );
  }],
  ['one-run-per-period', async (client) => {
    // A second run open for a plan (under another key, as a writer bypassing the open key would leave it).
    await client.query(
      `INSERT INTO workflow_runs (document_id, process_id, process_version, subject_type, subject_id, context, state, current_step, steps, created_at, updated_at, published_at)
       SELECT 'rsecondopen000000000000', process_id, process_version, subject_type, subject_id, jsonb_build_object('kind', 'new', 'periodStart', null, 'periodEnd', null, 'invoice', null), 'waiting', 'verify-payment', '[]', now(), now(), now()
         FROM workflow_runs WHERE id = (SELECT min(id) FROM workflow_runs WHERE process_id = 'prepaid-plan' AND state = 'waiting')`,
    );
  }],
  ['one-invoice-per-run', async (client) => {
    // A run past step 4 whose context lost its invoice: the invoice belongs to no run.
    await client.query(
      `UPDATE workflow_runs SET context = context::jsonb - 'invoice' WHERE id = (SELECT min(id) FROM workflow_runs WHERE process_id = 'prepaid-plan' AND context->'invoice' IS NOT NULL)`,
    );
  }],
  ['one-invoice-per-run', async (client) => {
    // A run naming an invoice that does not exist.
    await client.query(
      `UPDATE workflow_runs SET context = jsonb_set(context::jsonb, '{invoice,documentId}', '"inowhere00000000000000000"') WHERE id = (SELECT min(id) FROM workflow_runs WHERE process_id = 'prepaid-plan' AND context->'invoice' IS NOT NULL)`,
    );
  }],
  ['invoice-totals', async (client) => {
    await client.query(`UPDATE components_billing_invoice_lines SET amount_minor = amount_minor + 1 WHERE id = (SELECT min(id) FROM components_billing_invoice_lines)`);
  }],
  ['invoice-numbers', async (client) => {
    await client.query(`UPDATE invoices SET number = substr(number, 1, 9) || '000042' WHERE id = (SELECT max(id) FROM invoices)`);
  }],
  ['transactions-match-invoices', async (client) => {
    await client.query(`UPDATE transactions SET amount_minor = amount_minor - 1 WHERE id = (SELECT min(id) FROM transactions)`);
  }],
  ['stripe-charges', async () => {
    // Stripe charged an invoice a second time, under a key of its own.
    const first = options.stripe!.made[0];
    return { stripe: { made: [...options.stripe!.made, { id: 'pi_second', invoice: first.invoice, key: `${first.key}-retry` }] } };
  }],
  ['one-email-per-row', async () => ({ sendgridAccepted: [...options.sendgridAccepted!, options.sendgridAccepted![0]] })],
  ['one-email-per-row', async (client) => {
    await client.query(`UPDATE workflow_messages SET state = 'pending' WHERE id = (SELECT min(id) FROM workflow_messages)`);
  }],
  ['one-task-per-step', async (client) => {
    await client.query(
      `UPDATE workflow_tasks SET state = 'open' WHERE id = (SELECT min(id) FROM workflow_tasks WHERE process_id = 'prepaid-plan' AND step_id = 'verify-payment')`,
    );
  }],
  ['one-task-per-step', async (client) => {
    // A second task for a run's quality check (another key, the same run and step).
    const task = await one(
      client,
      `SELECT t.id, l.run_id FROM workflow_tasks t JOIN workflow_tasks_run_lnk l ON l.task_id = t.id WHERE t.process_id = 'prepaid-plan' AND t.step_id = 'quality-check' ORDER BY t.id LIMIT 1`,
    );
    const copy = await one(
      client,
      `INSERT INTO workflow_tasks (document_id, process_id, step_id, title, type, role, state, task_key, created_at, updated_at, published_at)
       SELECT 'tduplicate0000000000000', process_id, step_id, title, type, role, state, task_key || ':again', now(), now(), now() FROM workflow_tasks WHERE id = $1 RETURNING id`,
      [task.id],
    );
    await client.query(`INSERT INTO workflow_tasks_run_lnk (task_id, run_id) VALUES ($1, $2)`, [copy.id, task.run_id]);
  }],
  ['no-run-stuck', async (client) => {
    await client.query(`UPDATE workflow_runs SET state = 'running' WHERE id = (SELECT min(id) FROM workflow_runs WHERE process_id = 'prepaid-plan' AND state = 'waiting')`);
  }],
  ['no-run-stuck', async (client) => {
    // A waiting run that no longer holds its plan's open key.
    await client.query(`UPDATE workflow_runs SET open_key = NULL WHERE id = (SELECT min(id) FROM workflow_runs WHERE process_id = 'prepaid-plan' AND state = 'waiting')`);
  }],
  ['no-run-stuck', async (client) => {
    // A completed run still holding it.
    await client.query(
      `UPDATE workflow_runs SET open_key = 'api::service-plan.service-plan:' || subject_id WHERE id = (SELECT min(id) FROM workflow_runs WHERE process_id = 'prepaid-plan' AND state = 'completed')`,
    );
  }],
  ['audit-trail', async (client) => {
    await client.query(`UPDATE invoices SET state = 'Void' WHERE id = (SELECT min(id) FROM invoices)`);
  }],
  ['card-stock', async (client) => {
    await client.query(`UPDATE transit_card_stock SET reserved = reserved + 1`);
  }],
  ['card-stock', async (client) => {
    await client.query(`UPDATE transit_card_stock SET on_hand = 0`);
  }],
  ['one-pass-per-order', async (client) => {
    await client.query(`UPDATE transit_passes SET state = 'Revoked'`);
  }],
  ['one-pass-per-order', async (client) => {
    await client.query(`UPDATE transit_pass_orders SET state = 'Failed' WHERE state = 'Paid'`);
  }],
  ['runs-in-engine', async (client) => {
    // A step task written where the process's tasks no longer go.
    await client.query(
      `INSERT INTO plan_renewal_tasks (document_id, type, role, state, step_id, task_key, created_at, updated_at, published_at)
       VALUES ('toldtable00000000000000', 'quality-check', 'customer-success', 'open', 'quality-check', 'old:quality-check', now(), now(), now())`,
    );
  }],
  ['webhook-inbox', async (client) => {
    await client.query(`UPDATE plan_renewal_stripe_events SET state = 'pending', applied_at = NULL, claimed_until = now() - interval '1 minute' WHERE id = (SELECT min(id) FROM plan_renewal_stripe_events)`);
  }],
];

test.each(breakages)('reports a broken %s', async (invariant, breakIt) => {
  const client = await db.pool.connect();
  try {
    await client.query('BEGIN');
    const changed = await breakIt(client);
    const { violations } = await checkInvariants(client, { ...options, ...(changed ?? {}) });
    expect(violations.map((v) => v.invariant)).toContain(invariant);
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
});

test('the log check finds a secret an app wrote, and names its variable only', () => {
  expect(app.leakedSecrets()).toEqual([]);
  const before = app.output.length;
  const webhookSecret = stripe.env().STRIPE_WEBHOOK_SECRET;
  app.output.push(`error: could not verify with ${webhookSecret}`);
  try {
    expect(app.leakedSecrets()).toEqual(['STRIPE_WEBHOOK_SECRET']);
  } finally {
    app.output.splice(before);
  }
});
