import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { nulCharacterPath } from '../domain';

/**
 * Refuses, with a 400 naming the problem, request input that would otherwise only fail inside the
 * database (a 500 on PostgreSQL, silently stored on SQLite):
 *
 * - a NUL character anywhere in the path, the query or a parsed body (PostgreSQL cannot store it);
 * - a filter on a number field (`?filters[totalMinor][$gt]=abc`, or beyond the 32-bit range of
 *   integer columns) of the content-type REST routes, which Strapi's query engine passes to the
 *   database as it is;
 * - a page or start so far out (`?pagination[page]=99999999999999999999`) that its offset
 *   overflows PostgreSQL's 64-bit OFFSET.
 *
 * Placed after `strapi::body`, so it sees the parsed body; the Stripe webhook's raw bytes are
 * checked by the webhook itself once their signature is verified.
 */
const INT32 = { min: -2_147_483_648, max: 2_147_483_647 };
const NUMBER_TYPES = new Set(['integer', 'biginteger', 'float', 'decimal']);
const LOGICAL = new Set(['$and', '$or', '$not']);
/** Operators whose operand is not a value of the field. */
const VALUELESS = new Set(['$null', '$notNull']);

const refuse = (message: string): never => {
  throw new errors.ValidationError(message);
};

const decoded = (text: string): string => {
  try {
    return decodeURIComponent(text);
  } catch {
    return refuse('The request URL has malformed percent-encoding');
  }
};

const numberProblem = (value: unknown, type: string): string | null => {
  if (typeof value !== 'string' && typeof value !== 'number') return 'must be a number';
  const number = typeof value === 'number' ? value : value.trim() === '' ? NaN : Number(value);
  if (!Number.isFinite(number)) return 'must be a number';
  if (type === 'float' || type === 'decimal') return null;
  if (!Number.isInteger(number)) return 'must be a whole number';
  if (type === 'integer' && (number < INT32.min || number > INT32.max)) return `must be between ${INT32.min} and ${INT32.max}`;
  if (!Number.isSafeInteger(number)) return 'is too large';
  return null;
};

/** Checks a number field's operand: a value, a list of values, or operators applied to them. */
const checkNumberOperand = (operand: unknown, type: string, path: string): void => {
  if (Array.isArray(operand)) {
    operand.forEach((item, index) => checkNumberOperand(item, type, `${path}[${index}]`));
    return;
  }
  if (operand && typeof operand === 'object') {
    for (const [operator, value] of Object.entries(operand)) {
      if (!VALUELESS.has(operator)) checkNumberOperand(value, type, `${path}[${operator}]`);
    }
    return;
  }
  const problem = numberProblem(operand, type);
  if (problem) refuse(`Filter ${path} ${problem}`);
};

const checkFilters = (strapi: Core.Strapi, uid: string, filters: unknown, path: string, depth = 0): void => {
  // Deeper than any real filter; Strapi's own query validation has the last word on the rest.
  if (depth > 20 || !filters || typeof filters !== 'object') return;
  if (Array.isArray(filters)) {
    filters.forEach((item, index) => checkFilters(strapi, uid, item, `${path}[${index}]`, depth + 1));
    return;
  }
  const model: any = strapi.getModel(uid as any);
  if (!model) return;
  for (const [key, value] of Object.entries(filters as Record<string, unknown>)) {
    if (LOGICAL.has(key)) {
      checkFilters(strapi, uid, value, `${path}[${key}]`, depth + 1);
      continue;
    }
    const attribute = key === 'id' ? { type: 'integer' } : model.attributes?.[key];
    if (!attribute) continue;
    if (attribute.type === 'relation' && attribute.target) checkFilters(strapi, attribute.target, value, `${path}[${key}]`, depth + 1);
    else if (attribute.type === 'component') checkFilters(strapi, attribute.component, value, `${path}[${key}]`, depth + 1);
    else if (NUMBER_TYPES.has(attribute.type)) checkNumberOperand(value, attribute.type, `${path}[${key}]`);
  }
};

/** Far beyond any page of any table here, and far within the range of a 64-bit OFFSET. */
const PAGINATION_MAX: Record<string, number> = { page: 1_000_000, start: INT32.max };

const checkPagination = (pagination: unknown): void => {
  if (!pagination || typeof pagination !== 'object') return;
  for (const [key, max] of Object.entries(PAGINATION_MAX)) {
    const value = (pagination as Record<string, unknown>)[key];
    if (typeof value !== 'string' && typeof value !== 'number') continue;
    // Anything that is not a number at all is Strapi's own pagination validation's to answer.
    const number = Number(value);
    if (!Number.isNaN(number) && !(Math.abs(number) <= max)) refuse(`pagination[${key}] must be between -${max} and ${max}`);
  }
};

/** The content type of a content-API REST path (`/api/invoices/...`), if it is one. */
const contentTypeOf = (strapi: Core.Strapi, path: string): string | null => {
  const match = /^\/api\/([^/]+)/i.exec(path);
  if (!match) return null;
  const plural = match[1].toLowerCase();
  const found = Object.entries(strapi.contentTypes).find(
    ([uid, model]: [string, any]) => uid.startsWith('api::') && (model.info?.pluralName === plural || model.info?.singularName === plural),
  );
  return found ? found[0] : null;
};

export default (_config: unknown, { strapi }: { strapi: Core.Strapi }) =>
  async (ctx: any, next: () => Promise<void>) => {
    const inPath = decoded(ctx.path).includes('\u0000');
    const where = inPath ? 'the path' : nulCharacterPath(ctx.query, 'query') ?? nulCharacterPath(ctx.request.body, 'body');
    if (where) refuse(`Text must not contain the NUL character (\\u0000): found in ${where}`);

    const uid = ctx.query?.filters || ctx.query?.pagination ? contentTypeOf(strapi, ctx.path) : null;
    if (uid) {
      checkFilters(strapi, uid, ctx.query.filters, 'filters');
      checkPagination(ctx.query.pagination);
    }
    await next();
  };
