import type { Core } from '@strapi/strapi';
import { readEnvironment } from '../src/setup/environment';

export default ({ env }: Core.Config.Shared.ConfigParams) => {
  const { TRUST_PROXY, TRUSTED_PROXY_HOPS } = readEnvironment();
  return {
    host: env('HOST', '0.0.0.0'),
    port: env.int('PORT', 1337),
    app: {
      keys: env.array('APP_KEYS'),
    },
    // Behind a reverse proxy that terminates TLS (TRUST_PROXY=true), the client's address and
    // protocol come from its X-Forwarded-For and X-Forwarded-Proto: cookies are Secure when the
    // client used https, and sign-in rate limits count per client rather than for the proxy. Only
    // the last TRUSTED_PROXY_HOPS addresses of X-Forwarded-For are believed (a client can write the
    // header's first ones). Off, those headers are ignored, as they must be without such a proxy.
    proxy: { koa: TRUST_PROXY, maxIpsCount: TRUSTED_PROXY_HOPS },
    // No calls home: neither update checks nor telemetry (see package.json "strapi").
    logger: {
      updates: { enabled: false },
    },
  };
};
