import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import type { CalendarDate } from '../../../../../domain';
import { getService } from '../../../../workflows/server/src/utils';
import { moveLegacyFollowUps } from '../../../../../setup/legacy-tasks';
import { FOLLOW_UPS, PREPAID_PLAN_PROCESS } from '../domain';
import type { FollowUpType } from '../domain';
import { prepaidRuns } from './steps';
import type { InvoiceRecord, PrepaidTask } from './steps';

/**
 * Finance's follow-ups of the pre-paid plan process (a payment that does not match, a dispute, a
 * renewal to collect, a refund made in Stripe, a Stripe event not applied): the engine's tasks,
 * declared by the process's definition and opened with the engine's `tasks.ensure`, about their
 * invoice. The plugin's task lists and actions read them beside its steps' tasks, in the same
 * shape: a follow-up's invoice (with its customer and transactions) and that invoice's run.
 */
const TASK_UID = 'plugin::workflows.task';
const INVOICE_UID = 'api::invoice.invoice';
/** Where a database from before linked a task to its invoice. */
const INVOICE_LINKS = 'plan_renewal_tasks_invoice_lnk';

/** An engine task row as stored. */
interface FollowUpRow {
  id: number;
  documentId: string;
  type: string;
  role: string;
  state: PrepaidTask['state'];
  outcome: string | null;
  claimedBy: PrepaidTask['claimedBy'];
  claimedAt: string | null;
  completedBy: PrepaidTask['completedBy'];
  completedAt: string | null;
  escalatedAt: string | null;
  note: string | null;
  dueDate: CalendarDate | null;
  details: string | null;
  subjectType: string | null;
  subjectId: string | null;
  createdAt: string;
  updatedAt: string;
}

/**
 * The rows of every task of the process, for counting them in SQL: its steps' tasks (its own
 * table) and its follow-ups (the engine's), each a query to narrow and aggregate alike.
 */
export const taskTables = (knex: Knex | Knex.Transaction): Knex.QueryBuilder[] => [
  knex('plan_renewal_tasks'),
  knex('workflow_tasks').where('process_id', PREPAID_PLAN_PROCESS.id).whereNull('step_id'),
];

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const rows = () => strapi.db.query(TASK_UID);
  const ours = { processId: PREPAID_PLAN_PROCESS.id, stepId: null };

  /** The rows as the plugin reads a task: with the invoice they are about and its run. */
  const asTasks = async (found: FollowUpRow[]): Promise<PrepaidTask[]> => {
    const invoiceIds = [...new Set(found.filter((row) => row.subjectType === INVOICE_UID && row.subjectId).map((row) => row.subjectId!))];
    const invoices = invoiceIds.length
      ? ((await strapi.documents(INVOICE_UID).findMany({ filters: { documentId: { $in: invoiceIds } }, populate: ['customer', 'transactions'] })) as unknown as InvoiceRecord[])
      : [];
    const runs = await prepaidRuns(strapi).ofInvoices(invoiceIds);
    return found.map((row) => {
      const { subjectType, subjectId, ...task } = row;
      const about = subjectType === INVOICE_UID ? subjectId : null;
      const invoice = invoices.find((i) => i.documentId === about) ?? null;
      const run = runs.find((r) => r.invoice?.documentId === about) ?? null;
      // A follow-up is no step: its run and invoice are what it is about, as a step task's are.
      return { ...task, stepId: null, invoice, run: run && { ...run, invoice } } as unknown as PrepaidTask;
    });
  };

  return {
    /**
     * Follow-ups a database from before kept with the steps' tasks move to the engine's at start,
     * once, about their invoice: those with an invoice, and the Stripe events not applied.
     */
    migrate: () =>
      moveLegacyFollowUps(strapi, {
        process: PREPAID_PLAN_PROCESS.id,
        followUps: FOLLOW_UPS,
        which: (legacy) =>
          legacy.where((ours) =>
            ours.where('type', 'stripe-event').orWhereExists((linked) => linked.select(1).from(INVOICE_LINKS).whereRaw(`${INVOICE_LINKS}.task_id = plan_renewal_tasks.id`)),
          ),
        subject: async (row, trx) => {
          const link: { document_id: string } | undefined = await trx(INVOICE_LINKS).join('invoices', 'invoices.id', `${INVOICE_LINKS}.invoice_id`).where(`${INVOICE_LINKS}.task_id`, row.id).first('invoices.document_id');
          return link ? { type: INVOICE_UID, documentId: link.document_id } : null;
        },
      }),

    /** In the caller's transaction, if there is one: opens the follow-up once per key, about `invoice` when given. */
    open: (key: string, type: FollowUpType, details: string, invoice: { documentId: string } | null, dueDate: CalendarDate) =>
      getService(strapi, 'tasks').ensure({
        process: PREPAID_PLAN_PROCESS.id,
        type,
        key,
        details,
        dueDate,
        subject: invoice ? { type: INVOICE_UID, documentId: invoice.documentId } : null,
      }),

    /**
     * In the caller's transaction: the invoice was paid, so Finance's open requests to collect it
     * are closed (resolved, saying how it was paid); answers how many.
     */
    async settle(invoice: { documentId: string }, how: string): Promise<number> {
      const open: { taskKey: string }[] = await rows().findMany({
        where: { ...ours, type: 'collect-payment', state: 'open', subjectType: INVOICE_UID, subjectId: invoice.documentId },
        select: ['taskKey'],
      });
      return open.length ? getService(strapi, 'tasks').close(open.map((row) => row.taskKey), { outcome: 'resolved', note: `Paid: ${how}` }) : 0;
    },

    /** The follow-ups matching `where` (roles, state, invoice), the most urgent first. */
    async list(where: { roles?: readonly string[]; state?: string; invoice?: string } = {}, limit = 200): Promise<PrepaidTask[]> {
      const found: FollowUpRow[] = await rows().findMany({
        where: {
          ...ours,
          ...(where.roles ? { role: { $in: [...where.roles] } } : {}),
          ...(where.state ? { state: where.state } : {}),
          ...(where.invoice ? { subjectType: INVOICE_UID, subjectId: where.invoice } : {}),
        },
        orderBy: [{ dueDate: 'asc' }, { id: 'asc' }],
        limit,
      });
      return asTasks(found);
    },

    /** The follow-up `documentId` of this process, or null (another process's task, or none). */
    async find(documentId: string): Promise<PrepaidTask | null> {
      const row: FollowUpRow | null = await rows().findOne({ where: { documentId, ...ours } });
      return row ? (await asTasks([row]))[0] : null;
    },
  };
};
