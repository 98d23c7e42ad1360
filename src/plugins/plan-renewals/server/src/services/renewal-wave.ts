import crypto from 'node:crypto';
import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import { AUDIT_LOG_UID, AuditEntry, auditAttributes } from '../../../../../guards/audit';
import { auditedChanges, changeEntry, creationEntry } from '../../../../../guards';
import { buildInvoice, counted, issuedInvoice, nextPeriod } from '../../../../../domain';
import type { ServicePlanStatus } from '../../../../../domain';
import { Actor, currentActor } from '../../../../../guards/actor';
import type { Connection, Transaction } from '../../../../../setup/knex';
import { isOpen, stepAuditEntry, stepTaskRow, tasksOf } from '../../../../workflows/server/src/domain';
import { RUN_UID, asStepActor } from '../../../../workflows/server/src/services/runner';
import { TASK_UID } from '../../../../workflows/server/src/services/tasks';
import { jsonTextSql } from '../../../../workflows/server/src/context-sql';
import { getService as workflowsService } from '../../../../workflows/server/src/utils';
import { PREPAID_PLAN_PROCESS, pendingCardTransaction, stepResults, takenToFirstTask } from '../domain';
import { ConflictError } from '../errors';
import { offSessionCharge } from './card-payments';
import { ownService } from '../utils';
import { openKeyOf } from './steps';
import type { PrepaidContext, ServicePlanRecord } from './steps';

/**
 * The renewal wave: every auto-renewing plan due within the lead time opens its renewal run and
 * has its saved card charged, thousands at once if need be (the `renewals-due` job).
 *
 * One renewal through the engine is five step transactions, some two hundred statements; a wave
 * of thousands would spend far longer on that than Stripe's rate limit costs. So the wave opens
 * the renewals of a batch of plans in one transaction, with one multi-row statement per table,
 * writing exactly what the engine's runner writes taking steps 1 to 5 one by one: the run in the
 * engine's runs (its service plan as subject, what it keeps in its context, steps 1-4 done and
 * step 5 waiting for Finance, the plan's open key taken), the plan `Processing`, the invoice
 * (number from the invoice counter, lines, claimed for its payment request), the task of step 5
 * linked to its run, and an audit entry for each step and each status change. Every value comes
 * from the builders the runner, the engine's tasks, the process's steps and the guards use (the
 * engine's `startRun`/`progressRun`, `stepAuditEntry` and `stepTaskRow`, domain/rows.ts,
 * `issuedInvoice`, the invoice service's `nextNumbers`, the guards' `creationEntry` and
 * `changeEntry`), with the process's definition as registered; only the columns are this file's,
 * read from Strapi's own metadata, and the link rows of relations. A test renews one plan each
 * way and compares every row written. The checks that make a run fail at step 1
 * (no email, retired plan) are left to the engine: such plans, and any plan the wave cannot
 * charge off-session (a counter payment, no saved card, no Stripe key), go through `engine.start`.
 *
 * The charges leave once their batch is committed, while the next batch is being opened: a few
 * requests in flight, paced by the Stripe service to the configured rate, 429s retried there
 * with the same idempotency key. What Stripe answered is recorded in batches too (Pending
 * transaction, its audit entry, the invoice's attempt); a charge that cannot be sent goes back to
 * `pending` for the payment-retries job, as any failed payment request does.
 *
 * Never two runs for one period: a plan is skipped when a renewal run for its period exists or
 * any run holds its open key, checked under row locks (PostgreSQL); the open-run unique key still
 * refuses a run opened meanwhile by a request, and then the batch is rolled back and its plans go
 * one by one through the engine, which answers such a conflict the usual way.
 */
const PROCESS = PREPAID_PLAN_PROCESS;
const SERVICE_PLAN_UID = 'api::service-plan.service-plan';
const INVOICE_UID = 'api::invoice.invoice';
const TRANSACTION_UID = 'api::transaction.transaction';
const INVOICE_LINE_UID = 'billing.invoice-line';

/** Plans opened per transaction. */
export const WAVE_BATCH = 100;
/** Charge outcomes recorded per transaction. */
const RECORD_BATCH = 50;

/**
 * A document id like Strapi's own (24 characters, a letter first). The letter matters: the
 * Document Service reads a relation value that parses as an integer ("3bx…") as a row id, so an
 * id starting with a digit could not be linked to afterwards.
 */
export const documentId = () => {
  const [first, ...rest] = crypto.randomBytes(24);
  const body = Buffer.from(rest).toString('base64url').toLowerCase().replace(/[^a-z0-9]/g, 'x').slice(0, 23);
  return String.fromCharCode(97 + (first % 26)) + body;
};

/** A due plan as the wave reads it: a row of the query engine (numeric ids) with its catalog plan and customer. */
type DuePlan = ServicePlanRecord & { id: number; customer: ServicePlanRecord['customer'] & { id: number } };

interface Opened {
  run: { id: number; documentId: string };
  invoice: { id: number; documentId: string; number: string; totalMinor: number; currency: string };
  servicePlan: DuePlan;
}

/** Inserted rows' ids as `.returning('id')` answers them: `{ id }` objects, or bare ids from a driver that answers those. */
type ReturnedIds = (number | { id: number })[];

/** A plan's row as the wave reads it again under its lock: its state, and the date it is paid until (the renewal's period starts then). */
interface PlanStateRow {
  id: number;
  state: string;
  end_date: string | null;
}

interface Charged {
  opened: Opened;
  intentId: string;
}

/** A run of a plan as the skip check reads it: its subject, its open key, and the kind and period its context keeps. */
interface PlanRunRow {
  subject_id: string | null;
  open_key: string | null;
  kind: string | null;
  period_start: string | null;
}

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const knex = () => strapi.db.connection;
  const sqlite = () => strapi.db.dialect.client === 'sqlite';
  /** A timestamp as the query engine stores it on this database. */
  const stamp = (date: Date) => (sqlite() ? date.getTime() : date);
  const ids = (rows: ReturnedIds) => rows.map((row) => (typeof row === 'object' ? row.id : row));
  const stripe = () => ownService(strapi, 'stripe');

  /** Each stored attribute of a content type or component, with its column and type, from Strapi's metadata. */
  const columns = new Map<string, Map<string, { column: string; type: string }>>();
  const columnsOf = (uid: string) => {
    let known = columns.get(uid);
    if (!known) {
      known = new Map();
      for (const [name, attribute] of Object.entries<{ type: string; columnName?: string }>(strapi.db.metadata.get(uid).attributes)) {
        if (attribute.columnName && !['relation', 'component', 'dynamiczone', 'media'].includes(attribute.type)) {
          known.set(name, { column: attribute.columnName, type: attribute.type });
        }
      }
      columns.set(uid, known);
    }
    return known;
  };

  /** Attributes as a row of their table, stored as the query engine stores them (JSON as text, moments as this database keeps them). */
  const rowOf = (uid: string, data: Record<string, unknown>) => {
    const known = columnsOf(uid);
    const row: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(data)) {
      if (value === undefined) continue;
      const attribute = known.get(name);
      if (!attribute) throw new Error(`${uid} has no column for ${name}: a bulk row holds stored attributes only`);
      row[attribute.column] =
        value === null ? null : attribute.type === 'json' ? JSON.stringify(value) : attribute.type === 'datetime' || attribute.type === 'timestamp' ? stamp(new Date(value as string | number | Date)) : value;
    }
    return row;
  };

  /** A new document's row: its attributes, a document id, and `now` as its creation, change and publication. */
  const documentRow = (uid: string, data: Record<string, unknown>, now: Date, id: string = documentId()) => ({
    document_id: id,
    ...rowOf(uid, data),
    created_at: stamp(now),
    updated_at: stamp(now),
    published_at: stamp(now),
  });

  const tableOf = (uid: string): string => strapi.db.metadata.get(uid).tableName;

  /** The link table of a relation, from Strapi's metadata: its table, its columns, and its order columns if it keeps any. */
  interface JoinTable {
    name: string;
    joinColumn: { name: string };
    inverseJoinColumn: { name: string };
    orderColumnName?: string;
    inverseOrderColumnName?: string;
  }
  const linkOf = (uid: string, relation: string): JoinTable => {
    const joinTable = (strapi.db.metadata.get(uid).attributes[relation] as { joinTable?: JoinTable }).joinTable;
    if (!joinTable) throw new Error(`${uid}.${relation} is not a relation kept in a link table`);
    return joinTable;
  };

  /**
   * The link rows of new records (`owners`, each linked to one new or existing `targets[i]`), with
   * the positions Strapi keeps: the target's next one among its links, and the first of the owner's.
   */
  const linkRows = async (trx: Transaction, link: JoinTable, owners: number[], targets: number[]) => {
    const nextOfTarget = link.inverseOrderColumnName
      ? await nextOrder(trx, link.name, link.inverseJoinColumn.name, link.inverseOrderColumnName, targets)
      : null;
    return owners.map((owner, i) => ({
      [link.joinColumn.name]: owner,
      [link.inverseJoinColumn.name]: targets[i],
      ...(link.orderColumnName ? { [link.orderColumnName]: 1 } : {}),
      ...(nextOfTarget ? { [link.inverseOrderColumnName!]: nextOfTarget(targets[i]) } : {}),
    }));
  };

  /**
   * The process's runs that may stop a plan from being renewed now: those holding one of the
   * plans' open keys, and their renewal runs (whose `period_start`, in their context, the caller
   * compares with the period due).
   */
  const planRuns = (db: Connection | Transaction, plans: Pick<DuePlan, 'documentId'>[]): Promise<PlanRunRow[]> => {
    const kind = jsonTextSql(strapi, 'context', ['kind']);
    return db(tableOf(RUN_UID))
      .select('subject_id', 'open_key', db.raw(`${kind} as kind`), db.raw(`${jsonTextSql(strapi, 'context', ['periodStart'])} as period_start`))
      .where((runs: Knex.QueryBuilder) =>
        runs
          .whereIn(
            'open_key',
            plans.map((p) => openKeyOf(p.documentId)),
          )
          .orWhere((renewals: Knex.QueryBuilder) =>
            renewals
              .where({ process_id: PROCESS.id, subject_type: SERVICE_PLAN_UID })
              .whereIn(
                'subject_id',
                plans.map((p) => p.documentId),
              )
              .whereRaw(`${kind} = ?`, ['renewal']),
          ),
      );
  };

  /** Whether a renewal run of the plan for the period starting `periodStart` exists, among `runs`. */
  const renewedFor = (runs: PlanRunRow[], plan: Pick<DuePlan, 'documentId'>, periodStart: string | null) =>
    periodStart !== null && runs.some((run) => run.subject_id === plan.documentId && run.kind === 'renewal' && run.period_start === periodStart);

  /** An audit entry as `writeAudit` stores it, as a row for a bulk insert. */
  const auditRow = (now: Date, actor: Actor, entry: Omit<AuditEntry, 'actor' | 'occurredAt'>) =>
    documentRow(AUDIT_LOG_UID, auditAttributes(strapi, { ...entry, actor, occurredAt: now }), now);

  /** The next position of new rows in an ordered link table, per owner. */
  const nextOrder = async (trx: Transaction, table: string, owner: string, order: string, owners: number[]) => {
    // The owner's id and its last position (a string from PostgreSQL, null for an owner without rows).
    const rows: Record<string, number | string | null>[] = await trx(table).select(owner).max({ last: order }).whereIn(owner, owners).groupBy(owner);
    const last = new Map<number, number>(rows.map((row) => [Number(row[owner]), Number(row.last ?? 0)]));
    return (ownerId: number) => {
      const next = (last.get(ownerId) ?? 0) + 1;
      last.set(ownerId, next);
      return next;
    };
  };

  /**
   * Opens the renewal runs of a batch of due plans in one transaction. Returns the renewals to
   * charge, and the plans the engine must take one by one.
   */
  const openBatch = async (plans: DuePlan[], today: string): Promise<{ opened: Opened[]; oneByOne: DuePlan[] }> => {
    const chargeable = stripe().configured();
    const oneByOne = plans.filter(
      (p) => !chargeable || p.paymentMethod !== 'stripe' || !p.customer?.email || !p.customer.stripePaymentMethodId || !p.plan?.active,
    );
    const candidates = plans.filter((p) => !oneByOne.includes(p));
    if (candidates.length === 0) return { opened: [], oneByOne };
    // The definition runs are opened on: the process's latest version, as registered (its tasks' due days filled in).
    const { definition } = workflowsService(strapi, 'registry').get(PROCESS.id);
    const actor = currentActor(strapi);
    const startedBy = asStepActor(actor);
    const now = new Date();
    const when = now.toISOString();

    const opened = await strapi.db.transaction(async ({ trx }) => {
      const planIds = candidates.map((p) => p.id);
      // Still Active, and not being renewed by anyone else: the rows stay locked until commit.
      let fresh = trx('service_plans').select('id', 'state', 'end_date').whereIn('id', planIds);
      if (!sqlite()) fresh = fresh.forUpdate();
      const current = new Map<number, PlanStateRow>((await fresh).map((row: PlanStateRow) => [Number(row.id), row]));
      const runs = await planRuns(trx, candidates);
      const held = new Set(runs.map((run) => run.open_key));
      const batch = candidates.filter((p) => {
        const row = current.get(p.id);
        return row?.state === 'Active' && !held.has(openKeyOf(p.documentId)) && !renewedFor(runs, p, row.end_date);
      });
      if (batch.length === 0) return [];

      // The invoice counter of the one-by-one path, taken once for the batch (in this transaction).
      const numbers: string[] = await strapi.service(INVOICE_UID).nextNumbers(Number(today.slice(0, 4)), batch.length);
      const rows = batch.map((servicePlan, i) => {
        const totals = buildInvoice({ ...servicePlan.plan, addOns: servicePlan.plan.addOns ?? [] }, servicePlan.addOnCodes ?? [], 'renewal');
        const period = nextPeriod({ termMonths: servicePlan.plan.termMonths, today, previousEnd: servicePlan.endDate });
        const { lines, ...invoice } = issuedInvoice({ number: numbers[i], kind: 'renewal', totals, period, issuedOn: today });
        const invoiceDocumentId = documentId();
        const run = { documentId: documentId(), processId: definition.id };
        // Each step's result, as its effect returns it; the progress is the engine's, step by step.
        const { progress, taken } = takenToFirstTask(
          definition,
          {
            'retrieve-subscription': stepResults.retrieved(servicePlan.customer, servicePlan.plan),
            'mark-processing': stepResults.processing(servicePlan.state),
            'calculate-total': stepResults.calculated(totals, period),
            'create-invoice': stepResults.invoiced(invoice, stepResults.cardRequested),
          },
          startedBy,
          when,
        );
        // What the run keeps as it was opened, with what calculate-total and create-invoice added.
        const context: PrepaidContext = {
          kind: 'renewal',
          periodStart: period.start,
          periodEnd: period.end,
          invoice: { documentId: invoiceDocumentId, number: invoice.number },
          previousPlanState: servicePlan.state as ServicePlanStatus,
        };
        return { servicePlan, invoice, lines, invoiceDocumentId, run, context, progress, taken };
      });

      const runIds = ids(
        await trx(tableOf(RUN_UID))
          .insert(
            rows.map((r) => {
              const key = openKeyOf(r.servicePlan.documentId);
              return documentRow(
                RUN_UID,
                {
                  processId: definition.id,
                  processVersion: definition.version,
                  subjectType: SERVICE_PLAN_UID,
                  subjectId: r.servicePlan.documentId,
                  context: r.context,
                  openKey: isOpen(r.progress.state) ? key : null,
                  runKey: key,
                  startedBy,
                  state: r.progress.state,
                  outcome: r.progress.outcome ?? null,
                  currentStep: r.progress.currentStep,
                  steps: r.progress.steps,
                },
                now,
                r.run.documentId,
              );
            }),
          )
          .returning('id'),
      );
      await trx('service_plans')
        .whereIn(
          'id',
          batch.map((p) => p.id),
        )
        .update({ ...rowOf(SERVICE_PLAN_UID, { state: 'Processing' }), updated_at: stamp(now) });

      const invoiceIds = ids(
        await trx('invoices')
          .insert(
            rows.map((r) =>
              documentRow(
                INVOICE_UID,
                // Claimed for its payment request at birth: this instance sends it once committed.
                { ...r.invoice, paymentAttempts: 0, paymentRequest: 'requested', paymentRequestedAt: now },
                now,
                r.invoiceDocumentId,
              ),
            ),
          )
          .returning('id'),
      );
      const byCustomer = await nextOrder(
        trx,
        'invoices_customer_lnk',
        'customer_id',
        'invoice_ord',
        rows.map((r) => r.servicePlan.customer.id),
      );
      const byPlan = await nextOrder(
        trx,
        'invoices_service_plan_lnk',
        'service_plan_id',
        'invoice_ord',
        rows.map((r) => r.servicePlan.id),
      );
      await trx('invoices_customer_lnk').insert(
        rows.map((r, i) => ({ invoice_id: invoiceIds[i], customer_id: r.servicePlan.customer.id, invoice_ord: byCustomer(r.servicePlan.customer.id) })),
      );
      await trx('invoices_service_plan_lnk').insert(
        rows.map((r, i) => ({ invoice_id: invoiceIds[i], service_plan_id: r.servicePlan.id, invoice_ord: byPlan(r.servicePlan.id) })),
      );

      const lines = rows.flatMap((r, i) => r.lines.map((line, k) => ({ invoice: invoiceIds[i], order: k + 1, line })));
      const lineIds = ids(
        await trx('components_billing_invoice_lines')
          .insert(lines.map(({ line }) => rowOf(INVOICE_LINE_UID, { ...line })))
          .returning('id'),
      );
      await trx('invoices_cmps').insert(
        lines.map((l, k) => ({ entity_id: l.invoice, cmp_id: lineIds[k], component_type: INVOICE_LINE_UID, field: 'lines', order: l.order })),
      );

      // The tasks of the step each run waits at, as the engine's tasks service opens them.
      const tasks = rows.flatMap((r, i) =>
        r.taken
          .filter((t) => t.verb === 'waiting')
          .flatMap(({ step }) => tasksOf(step).map((task) => ({ runId: runIds[i], row: stepTaskRow(r.run, step, task, today) }))),
      );
      const taskIds = ids(
        await trx(tableOf(TASK_UID))
          .insert(tasks.map((t) => documentRow(TASK_UID, t.row, now)))
          .returning('id'),
      );
      const taskRun = linkOf(TASK_UID, 'run');
      await trx(taskRun.name).insert(
        await linkRows(
          trx,
          taskRun,
          taskIds,
          tasks.map((t) => t.runId),
        ),
      );

      // The audit entries the guards and the runner write for the same changes, from the same builders.
      const audit = rows
        .flatMap((r, i) => {
          const before = { id: r.servicePlan.id, documentId: r.servicePlan.documentId, state: r.servicePlan.state };
          const after = { ...before, state: 'Processing' };
          // What a step's effect changes is audited by the guards before the step's own entry.
          const effects: Record<string, Omit<AuditEntry, 'actor' | 'occurredAt'>[]> = {
            'mark-processing': [changeEntry(SERVICE_PLAN_UID, before, after, auditedChanges(strapi, SERVICE_PLAN_UID, ['state'], before, after))],
            'create-invoice': [creationEntry(INVOICE_UID, { id: invoiceIds[i], documentId: r.invoiceDocumentId, state: r.invoice.state })],
          };
          return r.taken.flatMap(({ step, verb, result }) => [
            ...(verb === 'done' ? (effects[step.id] ?? []) : []),
            stepAuditEntry(RUN_UID, { ...r.run, currentStep: step.id }, definition, step.title, verb, result),
          ]);
        })
        .map((entry) => auditRow(now, actor, entry));
      for (let from = 0; from < audit.length; from += 500) await trx('audit_logs').insert(audit.slice(from, from + 500));

      return rows.map((r, i) => ({
        run: { id: runIds[i], documentId: r.run.documentId },
        invoice: { id: invoiceIds[i], documentId: r.invoiceDocumentId, number: r.invoice.number, totalMinor: r.invoice.totalMinor, currency: r.invoice.currency },
        servicePlan: r.servicePlan,
      }));
    });
    return { opened, oneByOne };
  };

  /** Records what Stripe answered for a batch of charges: Pending transactions, audited, and each invoice's first attempt. */
  const recordCharges = async (charged: Charged[], now: Date) => {
    if (charged.length === 0) return;
    const actor = currentActor(strapi);
    await strapi.db.transaction(async ({ trx }) => {
      // The invoices first, in id order: a webhook confirming one of these payments locks its
      // invoice before recording it, so neither side can hold what the other waits for (without
      // this, a webhook holding invoice A waited for this batch's row of A's PaymentIntent while
      // the batch waited for invoice A: a deadlock, answered 500 and retried by Stripe).
      if (!sqlite()) {
        await trx('invoices')
          .select('id')
          .whereIn(
            'id',
            charged.map((c) => c.opened.invoice.id),
          )
          .orderBy('id')
          .forUpdate();
      }
      const known = new Set(
        (
          await trx('transactions')
            .select('provider_reference')
            .where({ provider: 'stripe' })
            .whereIn(
              'provider_reference',
              charged.map((c) => c.intentId),
            )
        ).map((row: { provider_reference: string }) => row.provider_reference),
      );
      const fresh = charged.filter((c) => !known.has(c.intentId));
      if (fresh.length > 0) {
        const rows = fresh.map((c) => ({
          documentId: documentId(),
          charge: c,
          transaction: pendingCardTransaction({ invoice: c.opened.invoice, intentId: c.intentId, occurredAt: now }),
        }));
        const transactionIds = ids(
          await trx('transactions')
            .insert(rows.map((r) => documentRow(TRANSACTION_UID, r.transaction, now, r.documentId)))
            .returning('id'),
        );
        const byInvoice = await nextOrder(
          trx,
          'transactions_invoice_lnk',
          'invoice_id',
          'transaction_ord',
          rows.map((r) => r.charge.opened.invoice.id),
        );
        await trx('transactions_invoice_lnk').insert(
          rows.map((r, i) => ({
            transaction_id: transactionIds[i],
            invoice_id: r.charge.opened.invoice.id,
            transaction_ord: byInvoice(r.charge.opened.invoice.id),
          })),
        );
        await trx('audit_logs').insert(
          rows.map((r, i) => auditRow(now, actor, creationEntry(TRANSACTION_UID, { id: transactionIds[i], documentId: r.documentId, state: r.transaction.state }))),
        );
      }
      await trx('invoices')
        .whereIn(
          'id',
          charged.map((c) => c.opened.invoice.id),
        )
        .update({ ...rowOf(INVOICE_UID, { paymentAttempts: 1, nextPaymentAttemptAt: null }), updated_at: stamp(now) });
    });
  };

  /**
   * Charges opened renewals with a few requests in flight (the Stripe service paces them) while
   * the caller goes on opening more; `drain` waits for every charge and its record.
   */
  const chargeQueue = () => {
    const waiting: Opened[] = [];
    const done: Charged[] = [];
    let workers: Promise<void>[] = [];
    let recording: Promise<void> = Promise.resolve();
    let closed = false;
    let sleepers: (() => void)[] = [];
    const wakeAll = () => {
      const woken = sleepers;
      sleepers = [];
      woken.forEach((resolve) => resolve());
    };
    const tally = { charged: 0, unsent: 0 };

    const flush = (all: boolean) => {
      while (done.length >= (all ? 1 : RECORD_BATCH)) {
        const batch = done.splice(0, RECORD_BATCH);
        recording = recording.then(() =>
          recordCharges(batch, new Date()).catch((error) => {
            // The PaymentIntents exist; the payment-retries job asks again (same keys) and records them then.
            strapi.log.error(`Recording ${counted(batch.length, 'renewal charge')} failed: ${(error as Error).message}`);
            return knex()('invoices')
              .whereIn(
                'id',
                batch.map((c) => c.opened.invoice.id),
              )
              .update({ payment_request: 'pending' })
              .then(() => undefined);
          }),
        );
      }
    };

    const charge = async (opened: Opened) => {
      const { servicePlan, invoice, run } = opened;
      try {
        const intent = await stripe().chargeOffSession({
          invoice,
          customerId: servicePlan.customer.stripeCustomerId ?? (await stripe().ensureCustomer(servicePlan.customer)),
          // Only plans whose customer has a saved card are opened by the wave (openBatch).
          paymentMethodId: servicePlan.customer.stripePaymentMethodId!,
          ...offSessionCharge(run, invoice, servicePlan.plan.name, 1),
        });
        done.push({ opened, intentId: intent.id });
        tally.charged += 1;
        flush(false);
      } catch (error) {
        tally.unsent += 1;
        await knex()('invoices').where({ id: invoice.id, payment_request: 'requested' }).update({ payment_request: 'pending' });
        strapi.log.warn(`Renewal charge for invoice ${invoice.number} not sent, it will be retried: ${(error as Error).message}`);
      }
    };

    const worker = async () => {
      for (;;) {
        const next = waiting.shift();
        if (next) await charge(next);
        else if (closed) return;
        else await new Promise<void>((resolve) => sleepers.push(resolve));
      }
    };

    return {
      tally,
      push(items: Opened[]) {
        waiting.push(...items);
        if (workers.length === 0) {
          const { maxConcurrentRequests } = strapi.plugin('plan-renewals').config('stripe') as { maxConcurrentRequests: number };
          workers = Array.from({ length: maxConcurrentRequests }, worker);
        }
        wakeAll();
      },
      async drain() {
        closed = true;
        wakeAll();
        await Promise.all(workers);
        flush(true);
        await recording;
      },
    };
  };

  return {
    /** Renews every auto-renewing Active plan whose period ends by `dueBy` (a date); returns how many started of how many due. */
    async run(dueBy: string) {
      // The steps' own dates (period, invoice, task due date) are today's UTC date, as the engine's are.
      const today = new Date().toISOString().slice(0, 10);
      const charges = chargeQueue();
      let started = 0;
      let due = 0;
      let after = 0;
      try {
        for (;;) {
          const plans: DuePlan[] = await strapi.db.query('api::service-plan.service-plan').findMany({
            where: { state: 'Active', autoRenew: true, endDate: { $lte: dueBy }, id: { $gt: after } },
            orderBy: { id: 'asc' },
            limit: WAVE_BATCH,
            populate: { plan: { populate: ['addOns'] }, customer: true },
          });
          if (plans.length === 0) break;
          after = plans[plans.length - 1].id;
          due += plans.length;
          let batch: { opened: Opened[]; oneByOne: DuePlan[] };
          try {
            batch = await openBatch(plans, today);
          } catch (error) {
            // Typically a run opened meanwhile by a request: nothing of the batch was written.
            strapi.log.warn(`Renewal batch rolled back, its plans are renewed one by one: ${(error as Error).message}`);
            batch = { opened: [], oneByOne: plans };
          }
          charges.push(batch.opened);
          started += batch.opened.length;
          // Let the charges leave. On SQLite every query settles without waiting for I/O, so without
          // this the whole wave would be opened before the first request reached Stripe (3.4 s for
          // 5,000 plans), and the first requests would leave long after the pacer counted them.
          await new Promise((resolve) => setImmediate(resolve));
          for (const servicePlan of batch.oneByOne) {
            // Never two runs for one period: any renewal run already opened for it (even one that failed) counts.
            if (renewedFor(await planRuns(knex(), [servicePlan]), servicePlan, servicePlan.endDate)) continue;
            try {
              await ownService(strapi, 'engine').start(servicePlan.documentId, 'renewal');
              started += 1;
            } catch (error) {
              if (!(error instanceof ConflictError)) strapi.log.warn(`Renewal of ${servicePlan.documentId} not started: ${(error as Error).message}`);
            }
          }
        }
      } finally {
        await charges.drain();
      }
      return { started, due, charged: charges.tally.charged, unsent: charges.tally.unsent };
    },
  };
};
