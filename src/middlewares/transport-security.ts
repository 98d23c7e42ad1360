/**
 * Strict-Transport-Security tells a browser to use https only, for a year. It is sent only on a
 * request that came over https (directly, or through a trusted proxy that said so in
 * X-Forwarded-Proto, see TRUST_PROXY): over plain http a browser ignores it, and a local or test
 * run has no https to go to.
 */
export default () => async (ctx: any, next: () => Promise<void>) => {
  try {
    await next();
  } finally {
    if (ctx.secure) ctx.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
  }
};
