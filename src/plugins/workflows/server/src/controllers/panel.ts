import type { Context } from 'koa';
import type { Core } from '@strapi/strapi';
import { z } from 'zod';
import { ADMIN_ACTIONS } from '../config/actions';
import { RUN_STATES } from '../domain';
import { answer, documentId, pageFields, parse } from '../http';
import { getService } from '../utils';

/**
 * The engine's admin controllers (routes/admin.ts): the route's policy has already checked the
 * admin action; these parse the input (a 400 naming each problem, for anything unexpected too)
 * and hand it to the panel views, the runner or the tasks service. A conflict is a 409.
 */

/** A process id or role id a filter names must be one the engine knows (checked against the registry). */
const oneOf = (ids: () => string[], what: string) =>
  z.string().refine((value) => ids().includes(value), { message: `must be a ${what} the engine runs` });

const cancelBody = z.object({ reason: z.string().trim().min(1, 'say why the run is cancelled').max(500) }).strict();

/** An admin hands a task to a staff user (their users-permissions document id), saying why if they like. */
const reassignBody = z.object({ user: documentId, reason: z.string().trim().min(1, 'must not be empty').max(500).optional() }).strict();

/** Retrying takes no input. */
const noBody = z.object({}).strict();
const noQuery = z.object({}).strict();

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const views = () => getService(strapi, 'panel');

  const runQuery = z
    .object({
      process: oneOf(() => views().processIds(), 'process').optional(),
      state: z.enum(RUN_STATES).optional(),
      ...pageFields,
    })
    .strict();

  const taskQuery = z
    .object({
      process: oneOf(() => views().processIds(), 'process').optional(),
      role: oneOf(() => views().roleIds(), 'role of a process').optional(),
      state: z.enum(['open', 'completed', 'cancelled']).default('open'),
      ...pageFields,
    })
    .strict();

  return {
    async processes(ctx: Context) {
      parse(noQuery, ctx.query);
      ctx.body = { data: views().processes() };
    },

    async listRuns(ctx: Context) {
      ctx.body = { data: await views().listRuns(parse(runQuery, ctx.query)) };
    },

    async findRun(ctx: Context) {
      const id = parse(documentId, ctx.params.documentId);
      parse(noQuery, ctx.query);
      ctx.body = { data: await views().findRun(id) };
    },

    async retryRun(ctx: Context) {
      const id = parse(documentId, ctx.params.documentId);
      parse(noBody, ctx.request.body ?? {});
      await answer(ctx, 200, () => views().retryRun(id));
    },

    async cancelRun(ctx: Context) {
      const id = parse(documentId, ctx.params.documentId);
      const { reason } = parse(cancelBody, ctx.request.body);
      await answer(ctx, 200, () => views().cancelRun(id, reason));
    },

    async listTasks(ctx: Context) {
      const filters = parse(taskQuery, ctx.query);
      const list = await views().listTasks(filters);
      // For an admin who may reassign, the staff of each role on the page, to hand a task to.
      const roles = [...new Set(list.items.map((task) => task.role))];
      const staff = ctx.state.userAbility?.can(ADMIN_ACTIONS.reassignTasks) ? await views().staffOf(roles) : null;
      ctx.body = { data: list, meta: { staff } };
    },

    /** Any open task of any process, to a staff user of its role (audited with the reason). */
    async reassignTask(ctx: Context) {
      const id = parse(documentId, ctx.params.documentId);
      const input = parse(reassignBody, ctx.request.body);
      await answer(ctx, 200, () => views().reassignTask(id, input));
    },
  };
};
