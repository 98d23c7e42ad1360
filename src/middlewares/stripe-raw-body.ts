import getRawBody from 'raw-body';

/**
 * Stripe signs the exact bytes it sends, so the webhook route must see them untouched: this
 * middleware (placed before `strapi::body`) reads the request's raw bytes for that one path, keeps
 * them on `ctx.request.rawBody`, and hides the body from the JSON parser, which would otherwise
 * decode (and could alter) it. Everything else passes through.
 */
export const STRIPE_WEBHOOK_PATH = '/api/plan-renewals/stripe/webhook';

export default (config: { limit?: string } = {}) =>
  async (ctx: any, next: () => Promise<void>) => {
    if (ctx.method === 'POST' && ctx.path === STRIPE_WEBHOOK_PATH) {
      ctx.request.rawBody = await getRawBody(ctx.req, { limit: config.limit ?? '512kb', length: ctx.request.length });
      ctx.req.headers['content-type'] = 'application/octet-stream';
    }
    await next();
  };
