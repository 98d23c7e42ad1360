import type { Core } from '@strapi/strapi';
import { startStrapi, stopStrapi } from '../harness/strapi';
import { createActivePlan, createCustomer, createPlan, setRenewalLeadDays } from '../harness/fixtures';
import { StripeStandIn, newId, startStripe, stopStripe } from '../harness/stripe';

/**
 * The renewal wave opens renewals in bulk, the engine one at a time: both must write the same
 * rows. Two plans alike in all but their ids (same catalog plan, same dates, same price, customers
 * of the same name with a saved card) are renewed, one by `engine.start`, the other by the wave,
 * as the same actor. Every row either path writes or changes, in every table of the database, is
 * compared, after normalising only what must differ between two renewals:
 *
 * - row ids, and the ids that point at them (link tables, component tables, an audit entry's
 *   `data.id`): each becomes its table's n-th id, so a link to the wrong row still differs;
 * - document ids (columns and inside text: task keys, step results, audit data), likewise;
 * - timestamps of the moment of writing (`created_at`, `updated_at`, `published_at`,
 *   `occurred_at`, `payment_requested_at`, and the `startedAt`/`endedAt` of each step in a run's steps);
 * - the invoice number (INV-yyyy-nnnnnn: two invoices never share one) and the counter's
 *   `last_value` it was taken from (checked apart: the two numbers follow each other), the
 *   customer's email (unique per customer) and the PaymentIntent id Stripe answered.
 *
 * Everything else must be equal: states, amounts, dates, wording of audit summaries and step
 * results, actors, task keys and due dates, link rows and their order columns, invoice lines, and
 * the requests sent to Stripe (amount, card, metadata, description, idempotency key).
 */
// The app runs from dist/: its actor context is that copy's.
const { runAs } = require('../../dist/src/guards/actor');

let strapi: Core.Strapi;
let stripe: StripeStandIn;

beforeAll(async () => {
  stripe = await startStripe();
  strapi = await startStrapi();
});
afterAll(async () => {
  await stopStrapi(strapi);
  await stopStripe(stripe);
});

/** Rows Strapi or the Stripe pacer rewrite on their own, whatever a renewal writes. */
const IGNORED = new Set(['plan_renewal_stripe_pace', 'strapi_core_store_settings']);

/** Which table's ids a column holds, for the columns that are not `id` itself. */
const ENTITY_TABLES: Record<string, string> = {
  run: 'workflow_runs',
  invoice: 'invoices',
  service_plan: 'service_plans',
  customer: 'customers',
  transaction: 'transactions',
  task: 'workflow_tasks',
  cmp: 'components_billing_invoice_lines',
};
const TABLE_OF_UID: Record<string, string> = {
  'api::invoice.invoice': 'invoices',
  'api::service-plan.service-plan': 'service_plans',
  'api::transaction.transaction': 'transactions',
  'plugin::workflows.run': 'workflow_runs',
  'plugin::workflows.task': 'workflow_tasks',
};
const MOMENT_COLUMNS = new Set(['created_at', 'updated_at', 'published_at', 'occurred_at', 'payment_requested_at']);

const tableNames = async (): Promise<string[]> => {
  const knex = strapi.db.connection;
  if (strapi.db.dialect.client === 'postgres') {
    const rows = await knex('information_schema.tables').select('table_name').whereRaw('table_schema = current_schema()').andWhere('table_type', 'BASE TABLE');
    return rows.map((row: any) => row.table_name).sort();
  }
  const rows = await knex('sqlite_master').select('name').where('type', 'table').andWhereNot('name', 'like', 'sqlite_%');
  return rows.map((row: any) => row.name).sort();
};

type Dump = Map<string, string[]>;

const canonical = (value: unknown): unknown => {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((key) => [key, canonical((value as any)[key])]));
  }
  if (typeof value === 'string' && /^[[{]/.test(value)) {
    try {
      return canonical(JSON.parse(value));
    } catch {
      return value;
    }
  }
  return value;
};

/** Every row of every table, each as canonical JSON (keys sorted, JSON columns parsed). */
const dump = async (): Promise<Dump> => {
  const result: Dump = new Map();
  for (const table of await tableNames()) {
    if (IGNORED.has(table)) continue;
    const rows = await strapi.db.connection(table).select('*');
    result.set(table, rows.map((row: any) => JSON.stringify(canonical(row))));
  }
  return result;
};

/** The rows of `after` that `before` does not have (new rows, and changed rows as they are now). */
const written = (before: Dump, after: Dump) => {
  const result: Record<string, any[]> = {};
  for (const [table, rows] of after) {
    const old = new Map<string, number>();
    for (const row of before.get(table) ?? []) old.set(row, (old.get(row) ?? 0) + 1);
    const fresh = rows.filter((row) => {
      const left = old.get(row) ?? 0;
      if (left > 0) {
        old.set(row, left - 1);
        return false;
      }
      return true;
    });
    if (fresh.length > 0) result[table] = fresh.map((row) => JSON.parse(row)).sort((a, b) => Number(a.id ?? 0) - Number(b.id ?? 0));
  }
  return result;
};

/** The written rows with only what must differ between two renewals replaced by placeholders. */
const normalized = (rows: Record<string, any[]>, known: { email: string; documentIds: Record<string, string> }) => {
  const ids = new Map<string, string>();
  const idOf = (table: string, value: unknown) => {
    if (value === null || value === undefined) return value;
    const key = `${table}#${value}`;
    if (!ids.has(key)) ids.set(key, `${table}:${[...ids.keys()].filter((k) => k.startsWith(`${table}#`)).length + 1}`);
    return ids.get(key);
  };
  const documents = new Map<string, string>(Object.entries(known.documentIds));
  const tables = Object.keys(rows).sort();
  // Entity rows first, in id order, so the n-th id of a table means the same row on both sides.
  for (const table of tables) {
    for (const row of rows[table]) {
      if (row.id !== undefined) idOf(table, row.id);
      if (typeof row.document_id === 'string' && !documents.has(row.document_id)) {
        documents.set(row.document_id, `${table}:doc${[...documents.values()].filter((v) => v.startsWith(`${table}:doc`)).length + 1}`);
      }
    }
  }
  const text = (value: string) => {
    let out = value;
    for (const [documentId, placeholder] of documents) out = out.split(documentId).join(`<${placeholder}>`);
    return out
      .split(known.email)
      .join('<email>')
      .replace(/INV-\d{4}-\d{6}/g, '<invoice number>')
      .replace(/\bpi_[A-Za-z0-9]+/g, '<payment intent>');
  };
  const deep = (value: any, key?: string): any => {
    if (typeof value === 'string') return key?.endsWith('At') && /^\d{4}-\d\d-\d\dT/.test(value) ? '<moment>' : text(value);
    if (Array.isArray(value)) return value.map((v) => deep(v));
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, deep(v, k)]));
    return value;
  };
  const result: Record<string, any[]> = {};
  for (const table of tables) {
    result[table] = rows[table].map((row) =>
      Object.fromEntries(
        Object.entries(row).map(([column, value]) => {
          if (column === 'id') return [column, idOf(table, value)];
          if (MOMENT_COLUMNS.has(column)) return [column, value === null ? null : '<moment>'];
          if (table === 'workflow_number_sequences' && column === 'last_value') return [column, '<counter>'];
          if (column === 'entity_id' && table.endsWith('_cmps')) return [column, idOf(table.replace(/_cmps$/, ''), value)];
          const entity = column.match(/^(.*)_id$/)?.[1];
          if (entity && ENTITY_TABLES[entity]) return [column, idOf(ENTITY_TABLES[entity], value)];
          if (column === 'data' && table === 'audit_logs' && value && typeof value === 'object' && 'id' in value) {
            return [column, deep({ ...value, id: idOf(TABLE_OF_UID[row.entity_uid] ?? row.entity_uid, value.id) })];
          }
          return [column, deep(value)];
        }),
      ),
    );
  }
  return result;
};

test('a renewal opened by the wave writes the rows the engine writes for it, row for row', async () => {
  setRenewalLeadDays(strapi, 14);
  const catalog = await createPlan(strapi);
  const alike = async () => {
    const customer = await createCustomer(strapi, { stripeCustomerId: newId('cus'), stripePaymentMethodId: newId('pm') });
    const { servicePlan } = await createActivePlan(strapi, 5, { plan: catalog, customer, paymentMethod: 'stripe', addOnCodes: ['roadside'] });
    return { customer, servicePlan };
  };
  const one = await alike();
  const other = await alike();
  // Only `other` is due when the wave runs: `one` is Processing by then.
  const dueBy = (await strapi.db.query('api::service-plan.service-plan').findOne({ where: { id: one.servicePlan.id } })).endDate;
  const actor = { type: 'system' as const, name: 'job renewals-due' };
  const knownOf = (p: { customer: any; servicePlan: any }) => ({
    email: p.customer.email,
    documentIds: {
      [p.servicePlan.documentId]: 'service plan',
      [p.customer.documentId]: 'customer',
      [p.customer.stripeCustomerId]: 'Stripe customer',
      [p.customer.stripePaymentMethodId]: 'saved card',
    },
  });

  // What each path asked Stripe, beside the rows: the same requests, with the same keys' shape.
  const requests = () => ({ 'stripe requests': stripe.received.splice(0).map(({ method, path, params, idempotencyKey }) => ({ method, path, params, idempotencyKey })) });

  const start = await dump();
  stripe.received.length = 0;
  await runAs(actor, () => strapi.plugin('plan-renewals').service('engine').start(one.servicePlan.documentId, 'renewal'));
  const engineRequests = requests();
  const afterEngine = await dump();
  const wave = await runAs(actor, () => strapi.plugin('plan-renewals').service('renewal-wave').run(dueBy));
  expect(wave).toMatchObject({ started: 1, due: 1, charged: 1, unsent: 0 });
  const waveRequests = requests();
  const afterWave = await dump();

  const byEngine = normalized({ ...written(start, afterEngine), ...engineRequests }, knownOf(one));
  const byWave = normalized({ ...written(afterEngine, afterWave), ...waveRequests }, knownOf(other));
  // What both wrote, so that a table missing on one side shows by name.
  expect(Object.keys(byWave).sort()).toEqual(Object.keys(byEngine).sort());
  expect(Object.keys(byEngine)).toEqual(
    expect.arrayContaining([
      'audit_logs',
      'components_billing_invoice_lines',
      'invoices',
      'invoices_cmps',
      'invoices_customer_lnk',
      'invoices_service_plan_lnk',
      'service_plans',
      'stripe requests',
      'transactions',
      'transactions_invoice_lnk',
      'workflow_runs',
      'workflow_tasks',
      // The step task's link to its run, where Strapi keeps the relation.
      (strapi.db.metadata.get('plugin::workflows.task').attributes.run as any).joinTable.name,
    ]),
  );
  // The renewal is the engine's run of the process, about the plan, holding the plan's open key.
  expect(byEngine.workflow_runs.map((run) => [run.process_id, run.subject_type, run.subject_id, run.open_key, run.run_key, run.started_by, run.state, run.current_step])).toEqual([
    ['prepaid-plan', 'api::service-plan.service-plan', '<service plan>', 'api::service-plan.service-plan:<service plan>', 'api::service-plan.service-plan:<service plan>', actor, 'waiting', 'verify-payment'],
  ]);
  expect(byEngine.workflow_tasks.map((task) => [task.step_id, task.type, task.state, task.task_key])).toEqual([['verify-payment', 'verify-payment', 'open', '<workflow_runs:doc1>:verify-payment']]);
  if (process.env.WAVE_PARITY_SHOW) console.log(JSON.stringify(byEngine, null, 1));
  for (const table of Object.keys(byEngine)) expect({ table, rows: byWave[table] }).toEqual({ table, rows: byEngine[table] });
  // The invoice numbers come from the one counter, one after the other.
  const numbers = (await strapi.db.connection('invoices').select('number').orderBy('id')).map((row: any) => Number(row.number.slice(-6)));
  expect(numbers.slice(-2)).toEqual([numbers[numbers.length - 2], numbers[numbers.length - 2] + 1]);
});
