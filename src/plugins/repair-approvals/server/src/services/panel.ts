import type { Core } from '@strapi/strapi';
import { APPROVAL_STATUSES, ApprovalStatus, median } from '../../../../../domain';
import { now as clockNow, today } from '../../../../workflows/server/src/clock';
import { PROCESS_ID, ROLES } from '../domain';
import type { RunRow } from '../../../../workflows/server/src/services/runner';
import { REQUEST_UID, StoredRequest } from './steps';
import { ownService } from '../utils';

/**
 * What the Approvals admin pages show (controllers/panel.ts): the overview's figures and the list
 * of requests. A request, its certificate and a month's summary are the requests service's own.
 */
const TASK_UID = 'plugin::workflows.task';

/** An open task of the process as the overview reads it, with its run's steps. */
interface OpenTask {
  role: string;
  stepId: string | null;
  dueDate: string | null;
  createdAt: string;
  run: Pick<RunRow, 'steps'> | null;
}

/** A request as the list reads it, its customer by documentId and name. */
type ListedRequest = Pick<StoredRequest, 'documentId' | 'number' | 'state' | 'currency' | 'totalMinor' | 'creditCheck' | 'submittedAt' | 'decidedAt'> & {
  createdAt: string;
  customer: { documentId: string; name: string } | null;
};

/** How far back "time to decide" looks. */
export const DECIDE_WINDOW_DAYS = 90;

export interface RequestListQuery {
  state?: ApprovalStatus;
  page: number;
  pageSize: number;
}

const hoursBetween = (from: string | Date, to: string | Date) => (new Date(to).getTime() - new Date(from).getTime()) / 3_600_000;

/** Hours to one decimal (null for none): the precision the summary shows. */
const tenths = (hours: number | null) => (hours === null ? null : Math.round(hours * 10) / 10);

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  /**
   * Requests by state (every state, zero included); the decisions waiting, by role (open tasks of
   * the approval process, and those past their due date); the median hours from submission to
   * decision over the last 90 days; and this month's summary.
   */
  async overview() {
    const requests = strapi.db.query(REQUEST_UID);
    const byState = Object.fromEntries(await Promise.all(APPROVAL_STATUSES.map(async (state) => [state, await requests.count({ where: { state } })] as const))) as Record<ApprovalStatus, number>;

    const open: OpenTask[] = await strapi.db.query(TASK_UID).findMany({
      where: { processId: PROCESS_ID, state: 'open' },
      select: ['role', 'stepId', 'dueDate', 'createdAt'],
      populate: { run: { select: ['steps'] } },
    });
    // Waiting since its step opened, by the engine's clock (as the run's steps say), else since the task was stored.
    const openedAt = (task: OpenTask): string => task.run?.steps?.find((step) => step.id === task.stepId)?.startedAt ?? new Date(task.createdAt).toISOString();
    const day = today();
    const waiting = Object.entries(ROLES)
      .map(([role, { label }]) => {
        const mine = open.filter((task) => task.role === role);
        const oldest = mine.map(openedAt).sort()[0] ?? null;
        return { role, label, open: mine.length, overdue: mine.filter((task) => task.dueDate && task.dueDate < day).length, oldestSince: oldest };
      })
      // Every reviewing role, even with nothing waiting; the requester's role only when a task of it is open.
      .filter((row) => row.open > 0 || row.role !== 'account-manager');

    const since = new Date(clockNow().getTime() - DECIDE_WINDOW_DAYS * 86_400_000);
    // Both set: the query asks for them.
    const decided: { submittedAt: string; decidedAt: string }[] = await requests.findMany({
      where: { state: { $in: ['Approved', 'Rejected'] }, decidedAt: { $gte: since }, submittedAt: { $notNull: true } },
      select: ['submittedAt', 'decidedAt'],
    });
    const month = day.slice(0, 7);
    return {
      today: day,
      byState,
      total: Object.values(byState).reduce((sum, count) => sum + count, 0),
      waiting,
      waitingTotal: open.length,
      timeToDecide: {
        days: DECIDE_WINDOW_DAYS,
        since: since.toISOString(),
        decided: decided.length,
        medianHours: tenths(median(decided.map((request) => hoursBetween(request.submittedAt, request.decidedAt)))),
      },
      thisMonth: await ownService(strapi, 'requests').monthly(month),
    };
  },

  /** Requests newest first, optionally in one state: one page of them with the total. */
  async listRequests({ state, page, pageSize }: RequestListQuery) {
    const where = state ? { state } : {};
    const [rows, total] = await Promise.all([
      strapi.db.query(REQUEST_UID).findMany({
        where,
        select: ['documentId', 'number', 'state', 'currency', 'totalMinor', 'creditCheck', 'submittedAt', 'decidedAt', 'createdAt'],
        populate: { customer: { select: ['documentId', 'name'] } },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        offset: (page - 1) * pageSize,
        limit: pageSize,
      }),
      strapi.db.query(REQUEST_UID).count({ where }),
    ]);
    return {
      items: rows.map((request: ListedRequest) => ({
        documentId: request.documentId,
        number: request.number,
        customer: request.customer ? { documentId: request.customer.documentId, name: request.customer.name } : null,
        totalMinor: request.totalMinor,
        currency: request.currency,
        status: request.state,
        // Null until the credit check has run (a draft, a request just submitted).
        creditOver: request.creditCheck ? Boolean(request.creditCheck.over) : null,
        submittedAt: request.submittedAt ?? null,
        decidedAt: request.decidedAt ?? null,
        createdAt: request.createdAt,
      })),
      pagination: { page, pageSize, total },
    };
  },
});
