/**
 * The invariants a billing database must hold after its worst day, checked over the whole
 * database (PostgreSQL) once the work has settled. Returns the figures (counts) the scenario
 * reports and every violation found, each naming its invariant and the records concerned:
 *
 * - renewed-once: every due plan has exactly one renewal run for its period, activated once
 *   (renewal count and end date moved once);
 * - one-run-per-period: never two runs for one plan and period, never two open runs for a plan;
 * - one-invoice-per-run: a run past step 4 has one invoice, an invoice belongs to one run, one
 *   invoice per plan and period;
 * - invoice-totals: subtotal = non-tax lines, tax = tax lines, total = subtotal + tax;
 * - invoice-numbers: the numbers of a year are 1..n without gaps or repeats;
 * - transactions-match-invoices: amount and currency of the invoice; a Paid invoice has exactly
 *   one successful payment, an unpaid one none; paidAt set exactly when paid;
 * - stripe-charges (given the stand-in's record): one PaymentIntent per invoice and key, each
 *   recorded as the invoice's transaction;
 * - one-email-per-row: every outbox row sent, once (given the SendGrid stand-in's record: each
 *   sent row accepted exactly once, nothing accepted that has no row); one email per message;
 * - one-task-per-step: one task per run step; a done human step has its task completed, an open
 *   one its task open;
 * - no-run-stuck: no run left running or failed; a waiting run waits for something that exists
 *   (an open task, an open invoice);
 * - audit-trail: every service plan, invoice and transaction has its creation and each status
 *   change in the audit log, in a chain ending at its current status; each step done by a run has
 *   its audit entry;
 * - webhook-inbox: every acknowledged Stripe event applied (none left pending, none claimed past
 *   its lease, none dead-lettered), each once: applied with its time and outcome.
 * - card-stock (transit passes): on hand and reserved never negative, reserved never above on
 *   hand, and reserved equal to the Pending orders holding a card of the product;
 * - one-pass-per-order: a Paid order has exactly one pass, valid or expired; a Cancelled one's
 *   pass (if it had one) is revoked; a Pending or Failed order has none; every order has its run.
 * - runs-in-engine: the pre-paid plan process's runs and step tasks are the workflows engine's
 *   (workflow_runs, workflow_tasks, process `prepaid-plan`): the plan-renewals plugin's former
 *   run and task tables (plan_renewal_runs, plan_renewal_tasks) get no row.
 *
 * A run's service plan is its subject (subjectId, the plan's documentId); its kind, period and
 * invoice are in its context (context.invoice.documentId names the invoice).
 */
export interface Queryable {
  query: (text: string, values?: unknown[]) => Promise<{ rows: any[] }>;
}

export interface Violation {
  invariant: string;
  detail: string;
}

export interface CheckOptions {
  /** The plans that were due (their end date before the wave): each must be renewed exactly once. */
  due?: { documentId: string; endDate: string }[];
  /** What the Stripe stand-in made: PaymentIntents (not replays) with their idempotency keys. */
  stripe?: { made: { id: string; invoice: string | null; key: string | null }[] };
  /** messageKey of every email the SendGrid stand-in accepted (answered 202). */
  sendgridAccepted?: string[];
}

export interface Figures {
  servicePlans: Record<string, number>;
  duePlans: number;
  renewedOnce: number;
  runs: { total: number; byState: Record<string, number>; waitingAt: Record<string, number> };
  invoices: { total: number; byState: Record<string, number>; lines: number };
  transactions: Record<string, number>;
  paymentIntents: number | null;
  emails: { total: number; byState: Record<string, number>; acceptedBySendGrid: number | null };
  tasks: Record<string, number>;
  auditEntries: number;
  stripeEvents: number;
  /** Attempts to apply them, all told (one each when nothing failed). */
  stripeEventAttempts: number;
  jobFires: Record<string, number>;
  passOrders: Record<string, number>;
  passes: Record<string, number>;
}

export interface Report {
  figures: Figures;
  violations: Violation[];
}

const SERVICE_PLAN = 'api::service-plan.service-plan';
const INVOICE = 'api::invoice.invoice';
const TRANSACTION = 'api::transaction.transaction';
const RUN = 'plugin::workflows.run';
/** The process whose runs (and step tasks) these invariants are about, among the engine's. */
const PROCESS = 'prepaid-plan';
/** A run holds its service plan under this key while it is open (running or waiting). */
const openKeyOf = (planDocumentId: string) => `${SERVICE_PLAN}:${planDocumentId}`;
const HUMAN_STEPS = ['verify-payment', 'quality-check'];
const DATE = (column: string) => `to_char(${column}, 'YYYY-MM-DD')`;

const tally = (rows: any[], key: string, count = 'n') =>
  Object.fromEntries(rows.map((row) => [String(row[key]), Number(row[count])]));

const group = <T>(items: T[], key: (item: T) => string) => {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k)!.push(item);
  }
  return groups;
};

export const checkInvariants = async (db: Queryable, options: CheckOptions = {}): Promise<Report> => {
  const violations: Violation[] = [];
  const violate = (invariant: string, detail: string) => violations.push({ invariant, detail });

  // The process's runs: the service plan is the run's subject, the rest is in its context.
  const { rows: runs } = await db.query(
    `SELECT r.id, r.document_id, r.context->>'kind' AS kind, r.state, r.current_step, r.steps,
            r.context->>'periodStart' AS period_start, r.context->>'periodEnd' AS period_end, r.open_key, sp.document_id AS plan
       FROM workflow_runs r
       LEFT JOIN service_plans sp ON r.subject_type = $2 AND sp.document_id = r.subject_id
      WHERE r.process_id = $1
      ORDER BY r.id`,
    [PROCESS, SERVICE_PLAN],
  );
  // Each run's invoice, as its context names it (invoice null when the name matches no invoice).
  const { rows: runInvoices } = await db.query(
    `SELECT r.document_id AS run, r.context->'invoice'->>'documentId' AS named, i.document_id AS invoice, i.state AS invoice_state
       FROM workflow_runs r LEFT JOIN invoices i ON i.document_id = r.context->'invoice'->>'documentId'
      WHERE r.process_id = $1 AND r.context->'invoice'->>'documentId' IS NOT NULL`,
    [PROCESS],
  );
  const { rows: invoices } = await db.query(
    `SELECT i.id, i.document_id, i.number, i.state, i.currency, i.subtotal_minor, i.tax_minor, i.total_minor, i.paid_at,
            ${DATE('i.period_start')} AS period_start, sp.document_id AS plan
       FROM invoices i
       LEFT JOIN invoices_service_plan_lnk l ON l.invoice_id = i.id
       LEFT JOIN service_plans sp ON sp.id = l.service_plan_id
      ORDER BY i.id`,
  );
  const { rows: lines } = await db.query(
    `SELECT c.entity_id AS invoice_id, line.kind, line.amount_minor
       FROM invoices_cmps c JOIN components_billing_invoice_lines line ON line.id = c.cmp_id
      WHERE c.component_type = 'billing.invoice-line'`,
  );
  const { rows: transactions } = await db.query(
    `SELECT t.document_id, t.state, t.provider, t.provider_reference, t.amount_minor, t.currency, i.document_id AS invoice
       FROM transactions t
       LEFT JOIN transactions_invoice_lnk l ON l.transaction_id = t.id
       LEFT JOIN invoices i ON i.id = l.invoice_id`,
  );
  const { rows: emails } = await db.query(
    `SELECT message_key, state, attempts, last_error, run FROM workflow_messages`,
  );
  const { rows: tasks } = await db.query(
    `SELECT t.document_id, t.type, t.state, t.step_id, t.task_key, r.document_id AS run
       FROM workflow_tasks t
       LEFT JOIN workflow_tasks_run_lnk l ON l.task_id = t.id
       LEFT JOIN workflow_runs r ON r.id = l.run_id
      WHERE t.process_id = $1`,
    [PROCESS],
  );
  const { rows: servicePlans } = await db.query(
    `SELECT document_id, state, renewal_count, ${DATE('end_date')} AS end_date FROM service_plans`,
  );
  const { rows: audit } = await db.query(
    `SELECT id, action, entity_uid, entity_document_id, data FROM audit_logs
      WHERE entity_uid IN ($1, $2, $3, $4) ORDER BY id`,
    [SERVICE_PLAN, INVOICE, TRANSACTION, RUN],
  );

  const stepsOf = (run: any): { id: string; state: string }[] => run.steps ?? [];
  const stepDone = (run: any, step: string) => stepsOf(run).some((s) => s.id === step && s.state === 'done');

  // renewed-once
  const renewalRuns = runs.filter((run) => run.kind === 'renewal');
  let renewedOnce = 0;
  if (options.due) {
    const byPlan = group(renewalRuns, (run) => run.plan);
    const planRows = new Map(servicePlans.map((plan) => [plan.document_id, plan]));
    for (const due of options.due) {
      const forPeriod = (byPlan.get(due.documentId) ?? []).filter((run) => run.period_start === due.endDate);
      const activated = (byPlan.get(due.documentId) ?? []).filter((run) => stepDone(run, 'activate-plan'));
      const plan = planRows.get(due.documentId);
      if (forPeriod.length !== 1) {
        violate('renewed-once', `plan ${due.documentId} (due ${due.endDate}) has ${forPeriod.length} renewal runs for its period`);
      } else if (!stepDone(forPeriod[0], 'activate-plan')) {
        violate('renewed-once', `plan ${due.documentId}: renewal run ${forPeriod[0].document_id} never activated the plan (at ${forPeriod[0].current_step}, ${forPeriod[0].state})`);
      } else if (activated.length !== 1 || plan?.renewal_count !== 1 || plan?.end_date !== forPeriod[0].period_end) {
        violate(
          'renewed-once',
          `plan ${due.documentId}: ${activated.length} activations, renewal count ${plan?.renewal_count}, ends ${plan?.end_date} (the run's period ends ${forPeriod[0].period_end})`,
        );
      } else {
        renewedOnce += 1;
      }
    }
  }

  // one-run-per-period
  for (const [key, same] of group(renewalRuns.filter((run) => run.period_start), (run) => `${run.plan} ${run.period_start}`)) {
    if (same.length > 1) violate('one-run-per-period', `${same.length} renewal runs for plan and period ${key}: ${same.map((r) => r.document_id).join(', ')}`);
  }
  for (const [plan, open] of group(runs.filter((run) => ['running', 'waiting'].includes(run.state)), (run) => run.plan)) {
    if (open.length > 1) violate('one-run-per-period', `plan ${plan} has ${open.length} open runs`);
  }

  // one-invoice-per-run
  for (const link of runInvoices.filter((l) => !l.invoice)) {
    violate('one-invoice-per-run', `run ${link.run} names invoice ${link.named}, which does not exist`);
  }
  const invoicesOfRun = group(runInvoices, (link) => link.run);
  for (const run of runs) {
    const linked = invoicesOfRun.get(run.document_id) ?? [];
    if (linked.length > 1) violate('one-invoice-per-run', `run ${run.document_id} has ${linked.length} invoices`);
    if (stepDone(run, 'create-invoice') && linked.length === 0) violate('one-invoice-per-run', `run ${run.document_id} issued no invoice at step 4`);
    if (!stepDone(run, 'create-invoice') && linked.length > 0) violate('one-invoice-per-run', `run ${run.document_id} has an invoice but step 4 is not done`);
  }
  const runsOfInvoice = group(runInvoices.filter((l) => l.invoice), (link) => link.invoice);
  for (const invoice of invoices) {
    const owners = runsOfInvoice.get(invoice.document_id) ?? [];
    if (owners.length !== 1) violate('one-invoice-per-run', `invoice ${invoice.number} belongs to ${owners.length} runs`);
  }
  for (const [key, same] of group(invoices.filter((i) => i.state !== 'Void'), (i) => `${i.plan} ${i.period_start}`)) {
    if (same.length > 1) violate('one-invoice-per-run', `${same.length} invoices for plan and period ${key}: ${same.map((i) => i.number).join(', ')}`);
  }

  // invoice-totals
  const linesOf = group(lines, (line) => String(line.invoice_id));
  for (const invoice of invoices) {
    const own = linesOf.get(String(invoice.id)) ?? [];
    const tax = own.filter((l) => l.kind === 'tax').reduce((sum, l) => sum + Number(l.amount_minor), 0);
    const subtotal = own.filter((l) => l.kind !== 'tax').reduce((sum, l) => sum + Number(l.amount_minor), 0);
    if (own.length === 0 || subtotal !== invoice.subtotal_minor || tax !== invoice.tax_minor || subtotal + tax !== invoice.total_minor) {
      violate(
        'invoice-totals',
        `invoice ${invoice.number}: ${own.length} lines summing to ${subtotal} + tax ${tax}; invoice says ${invoice.subtotal_minor} + ${invoice.tax_minor} = ${invoice.total_minor}`,
      );
    }
  }

  // invoice-numbers
  for (const [year, numbers] of group(invoices, (invoice) => String(invoice.number).slice(4, 8))) {
    const sequence = numbers.map((invoice) => Number(String(invoice.number).slice(9))).sort((a, b) => a - b);
    const broken = sequence.findIndex((value, index) => value !== index + 1);
    if (broken >= 0) violate('invoice-numbers', `${year}: number ${sequence[broken]} where ${broken + 1} was expected (${sequence.length} invoices)`);
  }

  // transactions-match-invoices
  const invoiceByDocument = new Map(invoices.map((invoice) => [invoice.document_id, invoice]));
  const paymentsOf = group(transactions, (t) => t.invoice ?? '(none)');
  for (const t of transactions) {
    const invoice = invoiceByDocument.get(t.invoice);
    if (!invoice) violate('transactions-match-invoices', `transaction ${t.provider} ${t.provider_reference} has no invoice`);
    else if (t.amount_minor !== invoice.total_minor || t.currency !== invoice.currency) {
      violate('transactions-match-invoices', `transaction ${t.provider_reference}: ${t.amount_minor} ${t.currency} for invoice ${invoice.number} of ${invoice.total_minor} ${invoice.currency}`);
    }
  }
  for (const invoice of invoices) {
    const successes = (paymentsOf.get(invoice.document_id) ?? []).filter((t) => t.state === 'Success' || t.state === 'Refunded');
    const paid = invoice.state === 'Paid' || invoice.state === 'Refunded';
    if (paid && successes.length !== 1) violate('transactions-match-invoices', `invoice ${invoice.number} is ${invoice.state} with ${successes.length} successful payments`);
    if (!paid && successes.length > 0) violate('transactions-match-invoices', `invoice ${invoice.number} is ${invoice.state} but has ${successes.length} successful payments`);
    if (paid !== Boolean(invoice.paid_at)) violate('transactions-match-invoices', `invoice ${invoice.number} is ${invoice.state} with paidAt ${invoice.paid_at ?? 'unset'}`);
  }

  // stripe-charges
  if (options.stripe) {
    const stripeTransactions = new Map(transactions.filter((t) => t.provider === 'stripe').map((t) => [t.provider_reference, t]));
    for (const [invoice, intents] of group(options.stripe.made, (intent) => intent.invoice ?? '(none)')) {
      if (intents.length > 1) violate('stripe-charges', `invoice ${invoiceByDocument.get(invoice)?.number ?? invoice} was charged ${intents.length} times: ${intents.map((i) => i.key).join(', ')}`);
    }
    for (const [key, intents] of group(options.stripe.made, (intent) => intent.key ?? '(none)')) {
      if (key === '(none)' || intents.length > 1) violate('stripe-charges', `${intents.length} PaymentIntents made with idempotency key ${key}`);
    }
    for (const intent of options.stripe.made) {
      const recorded = stripeTransactions.get(intent.id);
      if (!recorded) violate('stripe-charges', `PaymentIntent ${intent.id} (invoice ${intent.invoice}) has no transaction`);
      else if (recorded.invoice !== intent.invoice) violate('stripe-charges', `PaymentIntent ${intent.id} is recorded on invoice ${recorded.invoice}, made for ${intent.invoice}`);
    }
    const made = new Set(options.stripe.made.map((intent) => intent.id));
    for (const t of stripeTransactions.values()) {
      if (!made.has(t.provider_reference)) violate('stripe-charges', `transaction ${t.provider_reference} matches no PaymentIntent Stripe made`);
    }
  }

  // one-email-per-row
  for (const email of emails) {
    if (email.state !== 'sent' && email.state !== 'preview') {
      violate('one-email-per-row', `email ${email.message_key} is ${email.state} after ${email.attempts} attempt(s)${email.last_error ? `: ${email.last_error}` : ''}`);
    }
  }
  const activations = group(emails.filter((e) => String(e.message_key).endsWith(':activation')), (e) => e.run ?? '(none)');
  for (const run of runs) {
    const count = (activations.get(run.document_id) ?? []).length;
    const expected = stepDone(run, 'send-confirmation') ? 1 : 0;
    if (count !== expected) violate('one-email-per-row', `run ${run.document_id} has ${count} activation emails, ${expected} expected`);
  }
  if (options.sendgridAccepted) {
    const accepted = new Map<string, number>();
    for (const key of options.sendgridAccepted) accepted.set(key, (accepted.get(key) ?? 0) + 1);
    for (const email of emails) {
      const times = accepted.get(email.message_key) ?? 0;
      const expected = email.state === 'sent' ? 1 : 0;
      if (times !== expected) violate('one-email-per-row', `email ${email.message_key} (${email.state}) was accepted by SendGrid ${times} times`);
      accepted.delete(email.message_key);
    }
    for (const [key, times] of accepted) violate('one-email-per-row', `SendGrid accepted ${times} email(s) ${key} that no outbox row holds`);
  }

  // one-task-per-step
  const tasksOf = group(tasks.filter((t) => t.step_id), (t) => `${t.run} ${t.step_id}`);
  for (const [key, same] of tasksOf) if (same.length > 1) violate('one-task-per-step', `${same.length} tasks for run step ${key}`);
  for (const run of runs) {
    for (const step of stepsOf(run).filter((s) => HUMAN_STEPS.includes(s.id))) {
      const task = (tasksOf.get(`${run.document_id} ${step.id}`) ?? [])[0];
      if (step.state === 'done' && task?.state !== 'completed') violate('one-task-per-step', `run ${run.document_id}: step ${step.id} done, its task ${task ? task.state : 'missing'}`);
      if (step.state === 'waiting' && task?.state !== 'open') violate('one-task-per-step', `run ${run.document_id}: step ${step.id} waiting, its task ${task ? task.state : 'missing'}`);
      if (step.state === 'pending' && task) violate('one-task-per-step', `run ${run.document_id}: step ${step.id} not reached but has a task`);
    }
  }

  // no-run-stuck
  const invoiceOfRun = new Map(runInvoices.map((link) => [link.run, link]));
  for (const run of runs) {
    if (run.state === 'running') violate('no-run-stuck', `run ${run.document_id} is still running at ${run.current_step}`);
    if (run.state === 'failed') {
      const step = stepsOf(run).find((s) => s.id === run.current_step) as any;
      violate('no-run-stuck', `run ${run.document_id} failed at ${run.current_step}: ${step?.result ?? ''}`);
    }
    if (run.state === 'waiting') {
      const waitsForPayment = run.current_step === 'check-payment' && invoiceOfRun.get(run.document_id)?.invoice_state === 'Open';
      const waitsForPerson = HUMAN_STEPS.includes(run.current_step);
      if (!waitsForPayment && !waitsForPerson) violate('no-run-stuck', `run ${run.document_id} waits at ${run.current_step} for nothing that can happen`);
    }
    if (['running', 'waiting'].includes(run.state) !== (run.plan !== null && run.open_key === openKeyOf(run.plan))) {
      violate('no-run-stuck', `run ${run.document_id} is ${run.state} but its open key is ${run.open_key ?? 'unset'}`);
    }
  }

  // audit-trail
  const auditOf = group(audit, (entry) => `${entry.entity_uid} ${entry.entity_document_id}`);
  const chains: [string, string, { document_id: string; state: string }[]][] = [
    [SERVICE_PLAN, 'service plan', servicePlans],
    [INVOICE, 'invoice', invoices],
    [TRANSACTION, 'transaction', transactions],
  ];
  for (const [uid, label, records] of chains) {
    for (const record of records) {
      const entries = (auditOf.get(`${uid} ${record.document_id}`) ?? []).filter((e) => /\.(created|status-changed)$/.test(e.action));
      let state: string | null = null;
      let problem: string | null = entries.length === 0 ? 'has no audit entry' : null;
      for (const entry of entries) {
        if (problem) break;
        const created = entry.action.endsWith('.created');
        if (created !== (state === null)) problem = `audit entry ${entry.id} (${entry.action}) out of order`;
        else if (!created && entry.data?.from !== state) problem = `audit entry ${entry.id} changes from ${entry.data?.from}, the status was ${state}`;
        state = entry.data?.to ?? null;
      }
      if (!problem && state !== record.state) problem = `is ${record.state}, its audit trail ends at ${state}`;
      if (problem) violate('audit-trail', `${label} ${record.document_id} ${problem}`);
    }
  }
  for (const run of runs) {
    const done = stepsOf(run).filter((s) => s.state === 'done').length;
    const audited = (auditOf.get(`${RUN} ${run.document_id}`) ?? []).filter((e) => e.action === 'run.step-done').length;
    if (done !== audited) violate('audit-trail', `run ${run.document_id} has ${done} steps done and ${audited} step-done audit entries`);
  }

  // webhook-inbox
  const { rows: inbox } = await db.query(
    `SELECT event_id, state, attempts, claimed_until < now() AS lease_over, applied_at, outcome, last_error FROM plan_renewal_stripe_events WHERE state IS DISTINCT FROM 'applied' OR applied_at IS NULL OR outcome = 'pending'`,
  );
  for (const event of inbox) {
    const what =
      event.state === 'pending'
        ? event.lease_over
          ? `claimed past its lease (attempt ${event.attempts})`
          : `left pending after ${event.attempts} attempts${event.last_error ? ` (${event.last_error})` : ''}`
        : event.state === 'dead'
          ? `dead-lettered: ${event.outcome}`
          : `${event.state ?? 'without a state'}, applied at ${event.applied_at ?? 'no time'}, outcome ${event.outcome}`;
    violate('webhook-inbox', `Stripe event ${event.event_id} ${what}`);
  }

  // runs-in-engine
  for (const table of ['plan_renewal_runs', 'plan_renewal_tasks']) {
    const { rows: exists } = await db.query(`SELECT to_regclass($1) IS NOT NULL AS present`, [table]);
    if (!exists[0].present) continue;
    const { rows: left } = await db.query(`SELECT count(*) AS n FROM ${table}`);
    if (Number(left[0].n) > 0) violate('runs-in-engine', `${table} holds ${left[0].n} row(s): the process's runs and tasks belong in the engine's tables`);
  }

  // card-stock
  const { rows: stocks } = await db.query(
    `SELECT s.id, s.on_hand, s.reserved, l.fare_product_id AS product,
            (SELECT count(*) FROM transit_pass_orders o JOIN transit_pass_orders_product_lnk ol ON ol.order_id = o.id
              WHERE ol.fare_product_id = l.fare_product_id AND o.state = 'Pending' AND o.card_reserved) AS holding
       FROM transit_card_stock s LEFT JOIN transit_card_stock_product_lnk l ON l.card_stock_id = s.id`,
  );
  for (const stock of stocks) {
    if (stock.on_hand < 0 || stock.reserved < 0 || stock.reserved > stock.on_hand) {
      violate('card-stock', `card stock ${stock.id}: ${stock.on_hand} on hand, ${stock.reserved} reserved`);
    }
    if (Number(stock.holding) !== stock.reserved) {
      violate('card-stock', `card stock ${stock.id}: ${stock.reserved} reserved but ${stock.holding} Pending order(s) hold a card`);
    }
  }

  // one-pass-per-order
  const { rows: orders } = await db.query(
    `SELECT o.number, o.state, o.run, count(p.id) AS passes, count(p.id) FILTER (WHERE p.state = 'Revoked') AS revoked,
            (SELECT count(*) FROM workflow_runs r WHERE r.document_id = o.run) AS runs
       FROM transit_pass_orders o LEFT JOIN transit_passes_order_lnk pl ON pl.order_id = o.id LEFT JOIN transit_passes p ON p.id = pl.pass_id
      GROUP BY o.id, o.number, o.state, o.run`,
  );
  for (const order of orders) {
    const passes = Number(order.passes);
    if (Number(order.runs) !== 1) violate('one-pass-per-order', `order ${order.number} has no run ${order.run}`);
    if (order.state === 'Paid' && (passes !== 1 || Number(order.revoked) > 0)) violate('one-pass-per-order', `Paid order ${order.number} has ${passes} pass(es), ${order.revoked} revoked`);
    if (order.state === 'Cancelled' && passes !== Number(order.revoked)) violate('one-pass-per-order', `Cancelled order ${order.number} has a pass still in force`);
    if ((order.state === 'Pending' || order.state === 'Failed') && passes > 0) violate('one-pass-per-order', `${order.state} order ${order.number} has a pass`);
  }

  const count = async (sql: string) => Number((await db.query(sql)).rows[0].n);
  const figures: Figures = {
    servicePlans: tally(await db.query(`SELECT state, count(*) AS n FROM service_plans GROUP BY state`).then((r) => r.rows), 'state'),
    duePlans: options.due?.length ?? 0,
    renewedOnce,
    runs: {
      total: runs.length,
      byState: tally(await db.query(`SELECT state, count(*) AS n FROM workflow_runs WHERE process_id = $1 GROUP BY state`, [PROCESS]).then((r) => r.rows), 'state'),
      waitingAt: tally(
        await db.query(`SELECT current_step, count(*) AS n FROM workflow_runs WHERE process_id = $1 AND state = 'waiting' GROUP BY current_step`, [PROCESS]).then((r) => r.rows),
        'current_step',
      ),
    },
    invoices: {
      total: invoices.length,
      byState: tally(await db.query(`SELECT state, count(*) AS n FROM invoices GROUP BY state`).then((r) => r.rows), 'state'),
      lines: lines.length,
    },
    transactions: tally(await db.query(`SELECT state, count(*) AS n FROM transactions GROUP BY state`).then((r) => r.rows), 'state'),
    paymentIntents: options.stripe ? options.stripe.made.length : null,
    emails: {
      total: emails.length,
      byState: tally(await db.query(`SELECT state, count(*) AS n FROM workflow_messages GROUP BY state`).then((r) => r.rows), 'state'),
      acceptedBySendGrid: options.sendgridAccepted ? options.sendgridAccepted.length : null,
    },
    tasks: tally(
      // The process's tasks: its human steps' and its follow-ups.
      await db
        .query(
          `SELECT type || ' ' || state AS k, count(*) AS n FROM workflow_tasks WHERE process_id = $1 GROUP BY 1`,
          [PROCESS],
        )
        .then((r) => r.rows),
      'k',
    ),
    auditEntries: await count(`SELECT count(*) AS n FROM audit_logs`),
    stripeEvents: await count(`SELECT count(*) AS n FROM plan_renewal_stripe_events`),
    stripeEventAttempts: await count(`SELECT coalesce(sum(attempts), 0) AS n FROM plan_renewal_stripe_events`),
    jobFires: tally(await db.query(`SELECT job, count(*) AS n FROM plan_renewal_job_fires GROUP BY job`).then((r) => r.rows), 'job'),
    passOrders: tally(await db.query(`SELECT state, count(*) AS n FROM transit_pass_orders GROUP BY state`).then((r) => r.rows), 'state'),
    passes: tally(await db.query(`SELECT state, count(*) AS n FROM transit_passes GROUP BY state`).then((r) => r.rows), 'state'),
  };
  return { figures, violations };
};

/** The violations, one line each, grouped by invariant (for a failing assertion's message). */
export const describeViolations = (violations: Violation[], perInvariant = 10) =>
  [...group(violations, (v) => v.invariant)]
    .map(([invariant, list]) => `${invariant} (${list.length}):\n  ${list.slice(0, perInvariant).map((v) => v.detail).join('\n  ')}`)
    .join('\n');
