import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { z } from 'zod';
import { ConflictError } from '../errors';
import { getService } from '../utils';

/**
 * The engine's content API: thin controllers that parse the input with zod (a 400 naming each
 * problem), take the caller's task role and hand the request to the work service. A conflict is a
 * 409 with the conflicting record in `details`.
 */
const documentId = z.string().regex(/^[a-z0-9]{10,64}$/, 'must be a document id');
const noInput = z.object({}).strict();
const completeBody = z.object({ outcome: z.string().min(1).max(32), note: z.string().max(2000).optional() }).strict();

const parse = <T>(schema: z.ZodType<T>, value: unknown): T => {
  const result = schema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`);
    throw new errors.ValidationError(problems.join('; '), { errors: result.error.issues });
  }
  return result.data;
};

const answer = async (ctx: any, work: () => Promise<unknown>) => {
  try {
    ctx.status = 200;
    ctx.body = { data: await work() };
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    ctx.status = 409;
    ctx.body = { data: null, error: { status: 409, name: 'ConflictError', message: error.message, details: error.details } };
  }
};

/**
 * Tasks belong to a staff role a process declares; an API token has none, whatever its
 * permissions. Checked before the input, so a caller without a role learns nothing of it.
 */
const taskRole = (strapi: Core.Strapi, ctx: any): string => {
  const role = ctx.state.user?.role?.type;
  const roles = getService(strapi, 'work').taskRoles();
  if (ctx.state.auth?.strategy?.name === 'api-token' || !roles.includes(role)) {
    throw new errors.ForbiddenError('Tasks are for staff of a task role: sign in as a member of staff (an API token has no role)');
  }
  return role;
};

const tasks = ({ strapi }: { strapi: Core.Strapi }) => ({
  async find(ctx: any) {
    const role = taskRole(strapi, ctx);
    // The open tasks of the caller's role in every process, nothing to choose: a query is a mistake.
    parse(noInput, ctx.query);
    ctx.body = { data: await getService(strapi, 'work').openTasks([role]) };
  },
  async claim(ctx: any) {
    const role = taskRole(strapi, ctx);
    const id = parse(documentId, ctx.params.documentId);
    parse(noInput, ctx.request.body ?? {});
    await answer(ctx, () => getService(strapi, 'work').claim(id, [role]));
  },
  async unclaim(ctx: any) {
    const role = taskRole(strapi, ctx);
    const id = parse(documentId, ctx.params.documentId);
    parse(noInput, ctx.request.body ?? {});
    await answer(ctx, () => getService(strapi, 'work').unclaim(id, [role]));
  },
  async complete(ctx: any) {
    const role = taskRole(strapi, ctx);
    const id = parse(documentId, ctx.params.documentId);
    const input = parse(completeBody, ctx.request.body);
    await answer(ctx, () => getService(strapi, 'work').complete(id, input, [role]));
  },
});

const runs = ({ strapi }: { strapi: Core.Strapi }) => ({
  async findOne(ctx: any) {
    const id = parse(documentId, ctx.params.documentId);
    parse(noInput, ctx.query);
    ctx.body = { data: await getService(strapi, 'work').run(id) };
  },
});

export default { tasks, runs };
