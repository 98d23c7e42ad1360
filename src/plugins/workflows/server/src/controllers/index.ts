import type { Context } from 'koa';
import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { answer, completeWithDataBody, documentId, noBody, parse } from '../http';
import { getService } from '../utils';
import { byApiToken } from '../../../../../guards/actor';
import panel from './panel';

/*
 * The engine's content API: thin controllers that parse the input (a 400 naming each problem),
 * take the caller's task role and hand the request to the work service; a conflict is a 409.
 */

/**
 * Tasks belong to a staff role a process declares; an API token has none, whatever its
 * permissions. Checked before the input, so a caller without a role learns nothing of it.
 */
const taskRole = (strapi: Core.Strapi, ctx: Context): string => {
  const role = ctx.state.user?.role?.type;
  const roles = getService(strapi, 'work').taskRoles();
  if (byApiToken(ctx) || !roles.includes(role)) {
    throw new errors.ForbiddenError('Tasks are for staff of a task role: sign in as a member of staff (an API token has no role)');
  }
  return role;
};

const tasks = ({ strapi }: { strapi: Core.Strapi }) => ({
  async find(ctx: Context) {
    const role = taskRole(strapi, ctx);
    // The open tasks of the caller's role in every process, nothing to choose: a query is a mistake.
    parse(noBody, ctx.query);
    ctx.body = { data: await getService(strapi, 'work').openTasks([role]) };
  },
  async claim(ctx: Context) {
    const role = taskRole(strapi, ctx);
    const id = parse(documentId, ctx.params.documentId);
    parse(noBody, ctx.request.body ?? {});
    await answer(ctx, 200, () => getService(strapi, 'work').claim(id, [role]));
  },
  async unclaim(ctx: Context) {
    const role = taskRole(strapi, ctx);
    const id = parse(documentId, ctx.params.documentId);
    parse(noBody, ctx.request.body ?? {});
    await answer(ctx, 200, () => getService(strapi, 'work').unclaim(id, [role]));
  },
  async complete(ctx: Context) {
    const role = taskRole(strapi, ctx);
    const id = parse(documentId, ctx.params.documentId);
    const input = parse(completeWithDataBody, ctx.request.body);
    await answer(ctx, 200, () => getService(strapi, 'work').complete(id, input, [role]));
  },
});

const runs = ({ strapi }: { strapi: Core.Strapi }) => ({
  async findOne(ctx: Context) {
    const id = parse(documentId, ctx.params.documentId);
    parse(noBody, ctx.query);
    ctx.body = { data: await getService(strapi, 'work').run(id) };
  },
});

export default { tasks, runs, panel };
