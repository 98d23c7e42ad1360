import { errors } from '@strapi/utils';

/**
 * Multipart bodies are parsed by formidable inside `strapi::body`, whose errors carry the HTTP
 * status they mean (`httpCode`, 413 for a field or file over its limit) but not the `status`
 * Strapi's error handler reads, so they would surface as 500s. Placed just before the body parser,
 * this gives them their status: 413 over a limit, 400 for any other malformed multipart body.
 */
const isFormidableError = (error: any): error is Error & { code: number; httpCode: number } =>
  error instanceof Error && typeof (error as any).httpCode === 'number' && typeof (error as any).code === 'number' && (error as any).code >= 1000 && (error as any).code < 1100;

export default () => async (ctx: any, next: () => Promise<void>) => {
  try {
    await next();
  } catch (error) {
    if (!isFormidableError(error)) throw error;
    if (error.httpCode === 413) ctx.throw(413, `The multipart body is too large: ${error.message}`);
    throw new errors.ValidationError(`The multipart body is malformed: ${error.message}`);
  }
};
