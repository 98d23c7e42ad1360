import type { Context } from 'koa';
import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { z } from 'zod';
import { addCalendarMonths } from '../../../../../domain';
import { byApiToken } from '../../../../../guards/actor';
import { TASK_ROLES } from '../domain';
import type { TaskRole } from '../domain';
import { JOB_NAMES } from '../config';
import { prepaidRuns } from '../services/steps';
import type { PrepaidRun, PrepaidTask } from '../services/steps';
import { answer, completeBody, documentId, engine, month, noBody, parse, recordManualPayment, regenerateBody, sendMonthlyReport } from './http';
import panel from './panel';
import { ownService } from '../utils';

/** Thin content-API controllers: parse the input with zod, call one engine method, answer. */
const purchaseBody = z
  .object({
    customer: documentId,
    plan: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be a plan code'),
    addOns: z.array(z.string().max(64)).max(20).default([]),
    paymentMethod: z.enum(['manual', 'stripe']).default('manual'),
    vehicle: z.string().max(120).optional(),
  })
  .strict();

const publicRun = (run: PrepaidRun | null) =>
  run && {
    documentId: run.documentId,
    kind: run.kind,
    state: run.state,
    currentStep: run.currentStep,
    periodStart: run.periodStart,
    periodEnd: run.periodEnd,
    servicePlan: run.servicePlan && { documentId: run.servicePlan.documentId, state: run.servicePlan.state },
    invoice: run.invoice && { documentId: run.invoice.documentId, number: run.invoice.number, state: run.invoice.state, paymentUrl: run.invoice.paymentUrl ?? null },
    steps: run.steps,
  };

/** Stripe's webhook request: the stripe-raw-body middleware keeps the bytes Stripe signed on it. */
type RawBodyRequest = Context['request'] & { rawBody?: unknown };

type Factory = ({ strapi }: { strapi: Core.Strapi }) => Record<string, (ctx: Context) => Promise<void>>;

const purchases: Factory = ({ strapi }) => ({
    async create(ctx: Context) {
      const input = parse(purchaseBody, ctx.request.body);
      await answer(ctx, 201, async () => {
        const { servicePlan, run } = await engine(strapi).purchase(input);
        // A card purchase answers with the Stripe Checkout page to send the customer to.
        return { servicePlan: { documentId: servicePlan.documentId, state: run.servicePlan?.state }, run: publicRun(run), checkoutUrl: run.invoice?.paymentUrl ?? null };
      });
    },
});

const renewals: Factory = ({ strapi }) => ({
    async create(ctx: Context) {
      const id = parse(documentId, ctx.params.documentId);
      await answer(ctx, 201, async () => publicRun(await engine(strapi).start(id, 'renewal')));
    },
});

const runs: Factory = ({ strapi }) => ({
    async findOne(ctx: Context) {
      const id = parse(documentId, ctx.params.documentId);
      const run = await prepaidRuns(strapi).load(id);
      if (!run) throw new errors.NotFoundError(`No run ${id}`);
      ctx.body = { data: publicRun(run) };
    },
});

/** Tasks belong to a staff role; an API token has none, whatever its permissions. */
const staffRole = (ctx: Context): TaskRole => {
  const role = ctx.state.user?.role?.type;
  if (byApiToken(ctx) || !(TASK_ROLES as string[]).includes(role)) {
    throw new errors.ForbiddenError('Tasks are for the Finance and Customer Success roles: sign in as a member of staff (an API token has no role)');
  }
  return role;
};

/** A task as the content API shows it: who holds it, and the run and invoice it is about. */
const publicTask = (task: PrepaidTask) => ({
  documentId: task.documentId,
  type: task.type,
  role: task.role,
  state: task.state,
  dueDate: task.dueDate,
  details: task.details ?? null,
  claimedBy: task.claimedBy ?? null,
  claimedAt: task.claimedAt ?? null,
  run: task.run?.documentId ?? null,
  invoice: task.invoice?.documentId ?? null,
});

const tasks: Factory = ({ strapi }) => ({
    async find(ctx: Context) {
      const role = staffRole(ctx);
      // The open tasks of the caller's role, nothing to choose: a query is a caller's mistake.
      parse(z.object({}).strict(), ctx.query);
      // Its steps' tasks and its follow-ups, the most urgent first.
      const tasks = await ownService(strapi, 'follow-ups').list({ roles: [role], state: 'open' }, 500);
      ctx.body = { data: tasks.map(publicTask) };
    },
    async complete(ctx: Context) {
      const id = parse(documentId, ctx.params.documentId);
      const input = parse(completeBody, ctx.request.body);
      const role = staffRole(ctx);
      await answer(ctx, 200, async () => publicRun(await engine(strapi).completeTask(id, input, [role])));
    },
    // A claim or give-back answers with the task it wrote: never null (`!`), though the engine's type allows a read's null.
    async claim(ctx: Context) {
      const id = parse(documentId, ctx.params.documentId);
      parse(noBody, ctx.request.body ?? {});
      const role = staffRole(ctx);
      await answer(ctx, 200, async () => publicTask((await engine(strapi).claimTask(id, [role]))!));
    },
    async unclaim(ctx: Context) {
      const id = parse(documentId, ctx.params.documentId);
      parse(noBody, ctx.request.body ?? {});
      const role = staffRole(ctx);
      await answer(ctx, 200, async () => publicTask((await engine(strapi).unclaimTask(id, [role]))!));
    },
});

const payments: Factory = ({ strapi }) => ({
    async create(ctx: Context) {
      await recordManualPayment(strapi, ctx);
    },
});

const stripe: Factory = ({ strapi }) => ({
    /** Stripe's deliveries: 200 once in the inbox (or already there), 400 for a bad signature or body, 5xx to be retried. */
    async webhook(ctx: Context) {
      const raw = (ctx.request as RawBodyRequest).rawBody;
      if (!Buffer.isBuffer(raw)) throw new errors.ValidationError('The raw request body is not available for signature verification');
      const result = await ownService(strapi, 'webhooks').receive(raw, ctx.get('stripe-signature') || undefined);
      ctx.status = 200;
      ctx.body = { received: true, event: result.event, duplicate: result.duplicate };
    },
});

const jobs: Factory = ({ strapi }) => ({
    /** Runs a scheduled job now (Finance, API tokens with the permission); 404 for an unknown job. */
    async run(ctx: Context) {
      const name = ctx.params.name;
      if (!(JOB_NAMES as readonly string[]).includes(name)) {
        throw new errors.NotFoundError(`No job named "${String(name).slice(0, 64)}": the jobs are ${JOB_NAMES.join(', ')}`);
      }
      ctx.body = { data: await ownService(strapi, 'jobs').runNow(name) };
    },
});

const mrr: Factory = ({ strapi }) => ({
    /** Snapshots per currency between two months (default: the last twelve), with their movements. */
    async find(ctx: Context) {
      const now = new Date().toISOString().slice(0, 7);
      const query = parse(z.object({ from: month.optional(), to: month.optional() }).strict(), ctx.query);
      const to = query.to ?? now;
      const from = query.from ?? addCalendarMonths(to, -12);
      if (from > to) throw new errors.ValidationError('from must not be after to');
      ctx.body = { data: await ownService(strapi, 'mrr').history(from, to) };
    },
});

const reports: Factory = ({ strapi }) => ({
    async findOne(ctx: Context) {
      await sendMonthlyReport(strapi, ctx);
    },
    /** Finance makes a finished month's report again: a new revision with who and why (201). */
    async regenerate(ctx: Context) {
      const which = parse(month, ctx.params.month);
      const { reason } = parse(regenerateBody, ctx.request.body);
      const user = ctx.state.user;
      const by = { type: 'user', id: user?.id, name: user?.username ?? user?.email };
      await answer(ctx, 201, async () => ownService(strapi, 'reports').regenerate(which, { reason, by }));
    },
});

export default { purchases, renewals, runs, tasks, payments, stripe, jobs, mrr, reports, panel };
