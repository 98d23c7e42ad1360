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
 * The pre-paid plan process's tasks, all the engine's: its steps' tasks (verify a payment, check
 * the quality), which the engine opens, and Finance's follow-ups (a payment that does not match, a
 * dispute, a renewal to collect, a refund made in Stripe, a Stripe event not applied), declared by
 * the process's definition and opened here with the engine's `tasks.ensure`, about their invoice.
 * The plugin's task lists read them in one shape: with the run and the invoice (its customer and
 * transactions) each is about.
 */
const TASK_UID = 'plugin::workflows.task';
const INVOICE_UID = 'api::invoice.invoice';
/** Where a database from before linked a task to its invoice. */
const INVOICE_LINKS = 'plan_renewal_tasks_invoice_lnk';

/** An engine task row as stored: the task as the plugin reads it, with what it is about and its run's id instead. */
type TaskRow = Omit<PrepaidTask, 'run' | 'invoice'> & { subjectType: string | null; subjectId: string | null; run: { documentId: string } | null };

/** The rows of every task of the process (its steps' and its follow-ups), for counting them in SQL. */
export const processTasks = (knex: Knex | Knex.Transaction): Knex.QueryBuilder => knex('workflow_tasks').where('process_id', PREPAID_PLAN_PROCESS.id);

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const rows = () => strapi.db.query(TASK_UID);
  const ours = { processId: PREPAID_PLAN_PROCESS.id };

  /** The rows as the plugin reads a task: with its run, and the invoice it is about (a follow-up's own, or its run's). */
  const asTasks = async (found: TaskRow[]): Promise<PrepaidTask[]> => {
    const invoiceIds = [...new Set(found.filter((row) => row.subjectType === INVOICE_UID && row.subjectId).map((row) => row.subjectId!))];
    const runIds = [...new Set(found.map((row) => row.run?.documentId).filter((id): id is string => !!id))];
    const [invoices, ofInvoices, ofTasks] = await Promise.all([
      invoiceIds.length ? (strapi.db.query(INVOICE_UID).findMany({ where: { documentId: { $in: invoiceIds } }, populate: ['customer', 'transactions'] }) as Promise<InvoiceRecord[]>) : [],
      prepaidRuns(strapi).ofInvoices(invoiceIds),
      prepaidRuns(strapi).loadMany(runIds),
    ]);
    return found.map((row) => {
      const { subjectType, subjectId, run: link, ...task } = row;
      const about = subjectType === INVOICE_UID ? subjectId : null;
      const invoice = invoices.find((i) => i.documentId === about) ?? null;
      // A step's task is about its run and the run's invoice; a follow-up about its invoice and the run that issued it.
      const run = (link && ofTasks.find((r) => r.documentId === link.documentId)) ?? ofInvoices.find((r) => r.invoice?.documentId === about) ?? null;
      return { ...task, run, invoice: invoice ?? run?.invoice ?? null };
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

    /**
     * The process's tasks matching `where` (roles, state; those of a run and those about an
     * invoice), the most urgent first; a run's in the order they opened.
     */
    async list(where: { roles?: readonly string[]; state?: string; run?: string; invoice?: string } = {}, limit = 200): Promise<PrepaidTask[]> {
      const about = [
        ...(where.run ? [{ run: { documentId: where.run } }] : []),
        ...(where.invoice ? [{ subjectType: INVOICE_UID, subjectId: where.invoice }] : []),
      ];
      const found: TaskRow[] = await rows().findMany({
        where: {
          ...ours,
          ...(where.roles ? { role: { $in: [...where.roles] } } : {}),
          ...(where.state ? { state: where.state } : {}),
          ...(about.length ? { $or: about } : {}),
        },
        populate: { run: { select: ['documentId'] } },
        orderBy: where.run ? [{ createdAt: 'asc' }, { id: 'asc' }] : [{ dueDate: 'asc' }, { id: 'asc' }],
        limit,
      });
      return asTasks(found);
    },

    /** The task `documentId` of this process, or null (another process's task, or none). */
    async find(documentId: string): Promise<PrepaidTask | null> {
      const row: TaskRow | null = await rows().findOne({ where: { documentId, ...ours }, populate: { run: { select: ['documentId'] } } });
      return row ? (await asTasks([row]))[0] : null;
    },
  };
};
