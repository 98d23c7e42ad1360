import type { Context, Next } from 'koa';

/**
 * A conflict with the current state (an open run in the way, a record already settled) answers
 * 409 on every route, with its message and details: Strapi's error handler answers any error of
 * its own family it does not know with 400. Thrown by the guards on a core route, or by a process.
 */
export default () => async (ctx: Context, next: Next) => {
  try {
    await next();
  } catch (error) {
    const conflict = error as { name?: string; message?: string; details?: unknown } | null;
    if (conflict?.name !== 'ConflictError') throw error;
    ctx.status = 409;
    ctx.body = { data: null, error: { status: 409, name: 'ConflictError', message: conflict.message, details: conflict.details ?? {} } };
  }
};
