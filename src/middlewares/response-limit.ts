import { errors } from '@strapi/utils';

/**
 * Bounds the size of a content-API answer to a read: a page of records with their populated
 * relations above `maxBytes` of JSON is refused with a 400 that says how to ask for less, instead of
 * sending (and making every client and proxy hold) tens of megabytes. The populate bounds of
 * `global::input-guard` keep such a response from being built in the first place; this is the
 * limit on what one read may answer whatever the data holds (a customer's relations are not
 * paginated). Writes are not refused after the fact: what they answer is one record.
 */
export interface ResponseLimitConfig {
  maxBytes: number;
}

const megabytes = (bytes: number) => `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;

export default (config: Partial<ResponseLimitConfig> = {}) => {
  const maxBytes = config.maxBytes ?? 4 * 1024 * 1024;
  return async (ctx: any, next: () => Promise<void>) => {
    await next();
    if (!['GET', 'HEAD'].includes(ctx.method) || !/^\/api(\/|$)/i.test(ctx.path) || ctx.status >= 300) return;
    const body = ctx.body;
    if (body === null || body === undefined || typeof body.pipe === 'function') return;
    // Serialized once here and sent as it is: Koa would otherwise serialize the object again.
    const text = typeof body === 'string' ? body : Buffer.isBuffer(body) ? null : JSON.stringify(body);
    const size = text === null ? body.length : Buffer.byteLength(text);
    if (size > maxBytes) {
      throw new errors.ValidationError(
        `The response would be ${megabytes(size)}, more than ${megabytes(maxBytes)}: ask for fewer records (pagination[pageSize]), fields or relations (populate)`,
      );
    }
    if (text !== null && typeof body !== 'string') {
      ctx.type = ctx.type || 'application/json';
      ctx.body = text;
    }
  };
};
