import type { Context } from 'koa';
import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { z } from 'zod';
import { RUN_STATES } from '../domain';
import type { TaskRole } from '../domain';
import { ADMIN_ACTIONS, TASK_ACTION_OF_ROLE } from '../config/actions';
import { answer, completeBody, documentId, engine, noBody, pageFields, parse, reassignBody, recordManualPayment, sendMonthlyReport } from './http';
import { ownService } from '../utils';

/**
 * The admin panel's controllers (routes/admin.ts). The route's policy has already checked the
 * admin action; task routes further limit each admin to the roles whose task action they hold.
 */
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date, YYYY-MM-DD').refine((value) => !Number.isNaN(Date.parse(value)), 'must be a real date');

const runQuery = z
  .object({
    kind: z.enum(['new', 'renewal']).optional(),
    state: z.enum(RUN_STATES).optional(),
    plan: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be a plan code').optional(),
    customer: z.string().trim().min(1).max(100).optional(),
    servicePlan: documentId.optional(),
    from: isoDate.optional(),
    to: isoDate.optional(),
    ...pageFields,
  })
  .strict()
  .refine((query) => !query.from || !query.to || query.from <= query.to, { message: 'from must not be after to', path: ['from'] });

const cancelBody = z.object({ reason: z.string().trim().min(1, 'say why the run is cancelled').max(500) }).strict();

const noQuery = z.object({}).strict();

/** The task roles whose action the signed-in admin holds; 403 when none. */
const taskRoles = (ctx: Context): TaskRole[] => {
  // The map's keys are the task roles (it is keyed by them).
  const roles = (Object.keys(TASK_ACTION_OF_ROLE) as TaskRole[]).filter((role) => ctx.state.userAbility?.can(TASK_ACTION_OF_ROLE[role]));
  if (!roles.length) throw new errors.ForbiddenError('You hold neither the Finance nor the Customer Success task permission');
  return roles;
};

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const views = ownService(strapi, 'panel');
  return {
    async overview(ctx: Context) {
      parse(noQuery, ctx.query);
      ctx.body = { data: await views.overview() };
    },

    async listRuns(ctx: Context) {
      ctx.body = { data: await views.listRuns(parse(runQuery, ctx.query)) };
    },

    async findRun(ctx: Context) {
      ctx.body = { data: await views.findRun(parse(documentId, ctx.params.documentId)) };
    },

    async servicePlanCoverage(ctx: Context) {
      parse(noQuery, ctx.query);
      ctx.body = { data: await views.coverage(parse(documentId, ctx.params.documentId)) };
    },

    async startRenewal(ctx: Context) {
      const id = parse(documentId, ctx.params.documentId);
      await answer(ctx, 201, async () => views.findRun((await engine(strapi).start(id, 'renewal')).documentId));
    },

    async retryRun(ctx: Context) {
      const id = parse(documentId, ctx.params.documentId);
      await answer(ctx, 200, async () => {
        await engine(strapi).retry(id);
        return views.findRun(id);
      });
    },

    async cancelRun(ctx: Context) {
      const id = parse(documentId, ctx.params.documentId);
      const { reason } = parse(cancelBody, ctx.request.body);
      await answer(ctx, 200, async () => {
        await engine(strapi).cancel(id, reason);
        return views.findRun(id);
      });
    },

    async listTasks(ctx: Context) {
      parse(noQuery, ctx.query);
      const roles = taskRoles(ctx);
      // Who the viewer is as a claim names them (to offer giving their own claims back) and, for
      // an admin who may reassign, the staff of each role to hand a task to.
      const me = { type: 'admin', id: String(ctx.state.user.id) };
      const staff = ctx.state.userAbility?.can(ADMIN_ACTIONS.reassignTasks) ? await views.staffOf(roles) : null;
      ctx.body = { data: await views.openTasks(roles), meta: { roles, me, staff } };
    },

    // A claim, give-back or reassignment answers with the task it wrote: never null (`!`), though
    // the engine's type allows a read's null.
    async claimTask(ctx: Context) {
      const id = parse(documentId, ctx.params.documentId);
      parse(noBody, ctx.request.body ?? {});
      const roles = taskRoles(ctx);
      await answer(ctx, 200, async () => views.taskView((await engine(strapi).claimTask(id, roles))!));
    },

    async unclaimTask(ctx: Context) {
      const id = parse(documentId, ctx.params.documentId);
      parse(noBody, ctx.request.body ?? {});
      const roles = taskRoles(ctx);
      await answer(ctx, 200, async () => views.taskView((await engine(strapi).unclaimTask(id, roles))!));
    },

    /** Any open task, to a staff user of its role: the route's policy checked the reassign permission. */
    async reassignTask(ctx: Context) {
      const id = parse(documentId, ctx.params.documentId);
      const input = parse(reassignBody, ctx.request.body);
      await answer(ctx, 200, async () => views.taskView((await engine(strapi).reassignTask(id, input))!));
    },

    async completeTask(ctx: Context) {
      const id = parse(documentId, ctx.params.documentId);
      const input = parse(completeBody, ctx.request.body);
      const roles = taskRoles(ctx);
      await answer(ctx, 200, async () => {
        const run = await engine(strapi).completeTask(id, input, roles);
        return { run: run ? await views.findRun(run.documentId) : null };
      });
    },

    async recordPayment(ctx: Context) {
      await recordManualPayment(strapi, ctx);
    },

    async listReports(ctx: Context) {
      parse(noQuery, ctx.query);
      ctx.body = { data: await views.listReports() };
    },

    async findReport(ctx: Context) {
      await sendMonthlyReport(strapi, ctx);
    },

    async settings(ctx: Context) {
      parse(noQuery, ctx.query);
      ctx.body = { data: await views.settings() };
    },
  };
};
