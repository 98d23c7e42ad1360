import fs from 'node:fs';
import path from 'node:path';
import type { Pool } from 'pg';
import { startSendGridStandIn, StandIn as SendGridStandIn } from '../../harness/sendgrid-stand-in';
import { CheckOptions, Report, checkInvariants, describeViolations } from '../invariants';
import { AppProcess, appSecrets, createApp, unexpectedExits } from './app';
import { Database, createDatabase } from './postgres';
import { DuePlan } from './seed';
import { StripeSide, paymentIntentsMade, startStripe } from './stripe';

/** What the scenarios share: the app's environment, waiting for work to settle, and the report. */

/** Job schedules for a scenario: the work-moving jobs every few seconds, the daily ones as configured. */
export const FAST_SCHEDULES = {
  'renewals-due': '*/5 * * * * *',
  'payment-retries': '*/4 * * * * *',
  outbox: '*/3 * * * * *',
  'stuck-runs': '*/10 * * * * *',
};

export const appEnvironment = (input: {
  secrets: Record<string, string>;
  databaseUrl: string;
  stripe: StripeSide;
  sendgrid: SendGridStandIn;
  schedules?: Record<string, string>;
  extra?: Record<string, string>;
}): Record<string, string> => ({
  ...input.secrets,
  DATABASE_CLIENT: 'postgres',
  DATABASE_URL: input.databaseUrl,
  // A pooled connection not had within this time fails the request (5xx) instead of hanging it.
  DATABASE_CONNECTION_TIMEOUT: '10000',
  JOBS_ENABLED: 'true',
  JOB_SCHEDULES: JSON.stringify(input.schedules ?? FAST_SCHEDULES),
  // A run left mid-step by a dead process is resumed after a minute (the shortest allowed).
  JOB_STUCK_RUN_MINUTES: '1',
  ...input.stripe.env(),
  STRIPE_TIMEOUT_MS: '3000',
  SENDGRID_API_KEY: 'SG.resilience-stand-in',
  SENDGRID_API_BASE: input.sendgrid.base,
  SENDGRID_TIMEOUT_MS: '2000',
  ...input.extra,
});

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` until it returns true; fails with `describe()` after the timeout. */
export const waitFor = async (what: string, condition: () => Promise<boolean>, timeoutMs: number, describe?: () => Promise<string>) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition().catch(() => false))) {
    if (unexpectedExits.length > 0) throw new Error(`While waiting for ${what}, ${unexpectedExits[0]}`);
    if (Date.now() > deadline) throw new Error(`Timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}${describe ? `: ${await describe()}` : ''}`);
    await sleep(500);
  }
};

/** The pre-paid plan process's runs among the engine's (workflow_runs). */
const PREPAID_RUNS = `workflow_runs WHERE process_id = 'prepaid-plan'`;

/** A snapshot of the work in flight, for the report and for timeouts. */
export const inFlight = async (pool: Pool) => {
  const one = async (sql: string) => Number((await pool.query(sql)).rows[0].n);
  return {
    runs: await one(`SELECT count(*) AS n FROM ${PREPAID_RUNS}`),
    runsRunning: await one(`SELECT count(*) AS n FROM ${PREPAID_RUNS} AND state = 'running'`),
    runsWaitingForPayment: await one(`SELECT count(*) AS n FROM ${PREPAID_RUNS} AND state = 'waiting' AND current_step IN ('verify-payment', 'check-payment')`),
    runsAtQualityCheck: await one(`SELECT count(*) AS n FROM ${PREPAID_RUNS} AND state = 'waiting' AND current_step = 'quality-check'`),
    runsCompleted: await one(`SELECT count(*) AS n FROM ${PREPAID_RUNS} AND state = 'completed'`),
    invoices: await one(`SELECT count(*) AS n FROM invoices`),
    invoicesPaid: await one(`SELECT count(*) AS n FROM invoices WHERE state = 'Paid'`),
    paymentRequestsPending: await one(`SELECT count(*) AS n FROM invoices WHERE state = 'Open' AND payment_request IS NOT NULL AND NOT EXISTS (SELECT 1 FROM transactions_invoice_lnk l WHERE l.invoice_id = invoices.id)`),
    emailsPending: await one(`SELECT count(*) AS n FROM workflow_messages WHERE state = 'pending'`),
    emailsSent: await one(`SELECT count(*) AS n FROM workflow_messages WHERE state = 'sent'`),
  };
};

/**
 * For a wait that timed out: each run still waiting for its payment, with its invoice, its tasks,
 * the payments recorded and the Stripe events stored about them, so a failure says what happened.
 */
export const stuckPayments = async (pool: Pool, stripe?: StripeSide) => {
  const runs = (
    await pool.query(
      `SELECT r.id, r.document_id, r.state, r.current_step, r.steps, i.id AS invoice_id, i.document_id AS invoice, i.number, i.state AS invoice_state,
              i.payment_request, i.payment_attempts
         FROM workflow_runs r
         LEFT JOIN invoices i ON i.document_id = r.context->'invoice'->>'documentId'
        WHERE r.process_id = 'prepaid-plan' AND r.state = 'waiting' AND r.current_step IN ('verify-payment', 'check-payment')
        LIMIT 5`,
    )
  ).rows;
  const out = [];
  for (const run of runs) {
    const tasks = (
      await pool.query(
        `SELECT t.type, t.state, t.outcome, t.created_at FROM workflow_tasks t JOIN workflow_tasks_run_lnk l ON l.task_id = t.id WHERE l.run_id = $1`,
        [run.id],
      )
    ).rows;
    const transactions = (
      await pool.query(
        `SELECT t.state, t.provider_reference, t.created_at FROM transactions t JOIN transactions_invoice_lnk l ON l.transaction_id = t.id WHERE l.invoice_id = $1`,
        [run.invoice_id],
      )
    ).rows;
    const events = (
      await pool.query(`SELECT event_id, type, outcome, created_at FROM plan_renewal_stripe_events WHERE object_id = ANY($1::text[])`, [
        transactions.map((t: any) => t.provider_reference).filter(Boolean),
      ])
    ).rows;
    const steps = (typeof run.steps === 'string' ? JSON.parse(run.steps) : (run.steps ?? [])).map((s: any) => `${s.id}:${s.state}@${s.endedAt ?? s.startedAt ?? ''}`);
    const deliveries = stripe ? transactions.map((t: any) => ({ paymentIntent: t.provider_reference, events: stripe.deliveriesAbout(t.provider_reference) })) : undefined;
    out.push({ run: run.document_id, state: run.state, at: run.current_step, invoice: run.number, invoiceState: run.invoice_state, paymentRequest: run.payment_request, steps, tasks, transactions, events, deliveries });
  }
  return out;
};

/** What a wave's wait prints when it times out: the counts, and the runs stuck waiting for payment. */
export const describeWave = async (pool: Pool, stripe?: StripeSide) =>
  JSON.stringify({ ...(await inFlight(pool)), webhooks: stripe?.stats, stuck: await stuckPayments(pool, stripe) });

/** Every due plan's renewal past payment (waiting for Customer Success, or completed), nothing left to send. */
export const waveSettled = async (pool: Pool, due: DuePlan[], stripe: StripeSide) => {
  const now = await inFlight(pool);
  return now.runsAtQualityCheck + now.runsCompleted >= due.length && now.emailsPending === 0 && now.runsRunning === 0 && stripe.outstanding() === 0;
};

export const checkAll = async (pool: Pool, options: { due?: DuePlan[]; stripe?: StripeSide; sendgrid?: SendGridStandIn }): Promise<Report> => {
  const check: CheckOptions = { due: options.due };
  if (options.stripe) {
    check.stripe = { made: paymentIntentsMade(options.stripe.standIn) };
  }
  if (options.sendgrid) check.sendgridAccepted = options.sendgrid.accepted;
  return checkInvariants(pool, check);
};

/** Prints a scenario's figures and keeps them beside the tests (for the write-up of a run). */
export const report = (scenario: string, data: Record<string, unknown>) => {
  const text = JSON.stringify(data, null, 2);
  process.stdout.write(`\n=== ${scenario}\n${text}\n`);
  const dir = path.resolve(__dirname, '..', '..', '..', '.tmp', 'resilience');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${scenario}.json`), `${text}\n`);
};

/**
 * One scenario's world, set up before its test and torn down after it: a fresh database (on the
 * machine's PostgreSQL, or on `databaseUrl` for a private cluster), the Stripe and SendGrid
 * stand-ins, and the app instances it starts. `start` starts an instance against them, with the
 * scenario's environment and any `extra` variables, and has Stripe deliver its webhooks to it;
 * `settle` waits until every due plan's renewal is past payment with nothing left to send;
 * `check` stops the instances, checks every invariant and fails the test on any violation or on a
 * secret in an instance's logs, and answers the figures.
 */
export const scenario = (name: string, options: { databaseUrl?: () => string } = {}) => {
  const world = {
    db: undefined as unknown as Database,
    stripe: undefined as unknown as StripeSide,
    sendgrid: undefined as unknown as SendGridStandIn,
    apps: [] as AppProcess[],
    /** One set of secrets for every instance: a token one signs, another accepts. */
    secrets: {} as Record<string, string>,
    /** The environment an instance of this scenario runs with. */
    env: (extra?: Record<string, string>) =>
      appEnvironment({ secrets: world.secrets, databaseUrl: world.db.url, stripe: world.stripe, sendgrid: world.sendgrid, extra }),
    async start(label: string, env: Record<string, string> = world.env()) {
      const app = await createApp(label, env);
      await app.start();
      world.apps.push(app);
      world.stripe.targets.push(app.base);
      return app;
    },
    settle: (what: string, due: DuePlan[], timeoutMs: number) =>
      waitFor(what, () => waveSettled(world.db.pool, due, world.stripe), timeoutMs, () => describeWave(world.db.pool, world.stripe)),
    async check(due: DuePlan[]) {
      for (const app of world.apps) if (app.running()) await app.stop();
      const result = await checkAll(world.db.pool, { due, stripe: world.stripe, sendgrid: world.sendgrid });
      return {
        ...result,
        /** The scenario's own assertions: no invariant violated, no secret in any instance's logs (its worst day's included). */
        expectClean() {
          expect(describeViolations(result.violations)).toBe('');
          expect(world.apps.flatMap((app) => app.leakedSecrets())).toEqual([]);
        },
      };
    },
  };
  beforeAll(async () => {
    world.secrets = appSecrets();
    world.db = await createDatabase(name, options.databaseUrl?.());
    world.stripe = await startStripe();
    world.sendgrid = await startSendGridStandIn();
  });
  afterAll(async () => {
    for (const app of world.apps) await app.kill();
    await world.stripe?.close();
    await world.sendgrid?.close();
    await world.db?.drop().catch(() => undefined);
  });
  return world;
};
