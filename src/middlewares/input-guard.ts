import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { counted, nestedDeeperThan, nulCharacterPath } from '../domain';

/**
 * Refuses, with a 400 naming the problem, request input that would otherwise only fail inside the
 * application or the database (a 500 on PostgreSQL, silently stored on SQLite), or cost far more
 * than any real request:
 *
 * - a query or body nested deeper than `maxNesting` levels, before anything walks it recursively
 *   (a body nested a few thousand levels deep overflowed the stack of the NUL check: a 500);
 * - a NUL character anywhere in the path, the query or a parsed body (PostgreSQL cannot store it);
 * - a filter whose shape the query engine does not take (`filters[$or]=x`,
 *   `filters[state][$eq][$eq]=Paid`), which Strapi passes to the database as it is, and a filter
 *   on a number field that is not a number (or beyond the 32-bit range of integer columns);
 * - a `populate` deeper than `populate.depth` relations, or naming more than
 *   `populate.relations` relations in all, on any content-API route: a populate cycle
 *   (invoices -> customer -> invoices -> ...) multiplies the rows read at every level;
 * - a page or start so far out (`?pagination[page]=99999999999999999999`) that its offset
 *   overflows PostgreSQL's 64-bit OFFSET.
 *
 * Placed after `strapi::body`, so it sees the parsed body; the Stripe webhook's raw bytes are
 * checked by the webhook itself once their signature is verified.
 */
export interface InputGuardConfig {
  maxNesting: number;
  populate: { depth: number; relations: number };
}

const DEFAULTS: InputGuardConfig = { maxNesting: 32, populate: { depth: 3, relations: 10 } };

const INT32 = { min: -2_147_483_648, max: 2_147_483_647 };
const NUMBER_TYPES = new Set(['integer', 'biginteger', 'float', 'decimal']);
const RELATIONAL_TYPES = new Set(['relation', 'component', 'media', 'dynamiczone']);
/** Operators that combine whole conditions; `$not` may also negate one field's operators. */
const GROUP = new Set(['$and', '$or']);
/** What the query engine applies to one field (Strapi's own list, less its internal `$jsonSupersetOf`). */
const FIELD_OPERATORS = new Set([
  '$not', '$in', '$notIn', '$eq', '$eqi', '$ne', '$nei', '$gt', '$gte', '$lt', '$lte', '$null', '$notNull', '$between',
  '$startsWith', '$endsWith', '$startsWithi', '$endsWithi', '$contains', '$notContains', '$containsi', '$notContainsi',
]);
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

const isScalar = (value: unknown) => value === null || ['string', 'number', 'boolean'].includes(typeof value);
const isRecord = (value: unknown): value is Record<string, unknown> => Boolean(value) && typeof value === 'object' && !Array.isArray(value);
const isOperator = (key: string) => key.startsWith('$');

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

/** One value compared with a field: a scalar, and a number for number fields. */
const checkValue = (value: unknown, type: string, path: string): void => {
  if (!isScalar(value)) refuse(`Filter ${path} must be a single value, not ${Array.isArray(value) ? 'a list' : 'an object'}`);
  if (NUMBER_TYPES.has(type)) {
    const problem = numberProblem(value, type);
    if (problem) refuse(`Filter ${path} ${problem}`);
  }
};

const checkValues = (value: unknown, type: string, path: string): void => {
  if (Array.isArray(value)) value.forEach((item, index) => checkValue(item, type, `${path}[${index}]`));
  else checkValue(value, type, path);
};

/** A field's condition: a value, a list of values (any of them), or operators applied to it. */
const checkFieldCondition = (condition: unknown, type: string, path: string): void => {
  if (!isRecord(condition)) {
    checkValues(condition, type, path);
    return;
  }
  for (const [operator, operand] of Object.entries(condition)) {
    const at = `${path}[${operator}]`;
    if (!FIELD_OPERATORS.has(operator)) refuse(`Filter ${at}: ${operator} is not an operator that applies to a field`);
    if (operator === '$not') checkFieldCondition(operand, type, at);
    else if (VALUELESS.has(operator)) checkValue(operand, 'boolean', at);
    else {
      if (operator === '$between' && (!Array.isArray(operand) || operand.length !== 2)) refuse(`Filter ${at} must be a list of two values`);
      // A list is what $in, $notIn and $between take; any other operator applied to a list matches any of its values.
      checkValues(operand, type, at);
    }
  }
};

const targetOf = (attribute: any): string | null =>
  attribute.type === 'relation' ? attribute.target ?? null : attribute.type === 'component' ? attribute.component : attribute.type === 'media' ? 'plugin::upload.file' : null;

/**
 * Filters on a model, in the grammar Strapi's query engine takes: fields of the model, `$and` and
 * `$or` over lists of conditions, `$not` over one. Unknown fields are left to Strapi's own query
 * validation, which refuses them (and private fields) with a 400. On a route of no content type
 * (`uid` null) only the grammar is checked.
 */
const checkFilters = (strapi: Core.Strapi, uid: string | null, filters: unknown, path: string): void => {
  if (Array.isArray(filters)) {
    filters.forEach((item, index) => checkFilters(strapi, uid, item, `${path}[${index}]`));
    return;
  }
  if (!isRecord(filters)) return refuse(`Filter ${path} must be an object of fields and operators`);
  const model: any = uid ? strapi.getModel(uid as any) : null;
  for (const [key, value] of Object.entries(filters)) {
    const at = `${path}[${key}]`;
    if (GROUP.has(key)) {
      if (!Array.isArray(value)) refuse(`Filter ${at} must be a list of conditions (${at}[0][field]=...)`);
      (value as unknown[]).forEach((item, index) => checkFilters(strapi, uid, item, `${at}[${index}]`));
      continue;
    }
    if (key === '$not') {
      checkFilters(strapi, uid, value, at);
      continue;
    }
    if (isOperator(key)) refuse(`Filter ${at}: only $and, $or and $not combine conditions; other operators apply to a field`);
    if (key === 'id') {
      checkFieldCondition(value, 'integer', at);
      continue;
    }
    const attribute = model?.attributes?.[key];
    if (!attribute) continue;
    const target = targetOf(attribute);
    if (target) checkRelationFilter(strapi, target, value, at);
    else if (!RELATIONAL_TYPES.has(attribute.type)) checkFieldCondition(value, attribute.type, at);
  }
};

/** A relation's condition: its id (a value, or one operator), or filters on the related records. */
const checkRelationFilter = (strapi: Core.Strapi, target: string, value: unknown, path: string): void => {
  if (!isRecord(value)) {
    checkValues(value, 'integer', path);
    return;
  }
  const keys = Object.keys(value);
  const operators = keys.filter(isOperator);
  if (operators.length === 0) return checkFilters(strapi, target, value, path);
  if (operators.length !== keys.length) refuse(`Filter ${path} mixes operators and fields`);
  if (operators.length > 1) refuse(`Filter ${path} takes one operator on the related record's id, found ${operators.join(', ')}`);
  const [operator] = operators;
  if (GROUP.has(operator) || operator === '$not') checkFilters(strapi, target, value, path);
  else checkFieldCondition(value, 'integer', path);
};

interface PopulateBounds {
  depth: number;
  relations: number;
}

const populatable = (model: any): [string, any][] =>
  Object.entries(model?.attributes ?? {}).filter(([, attribute]: [string, any]) => RELATIONAL_TYPES.has(attribute.type));

/**
 * Walks a `populate` parameter in every form Strapi takes (`*`, `a,b.c`, a list of paths, an
 * object with nested `populate`, `filters` and fragments), counting the relations it names and
 * refusing it past the bounds; nested filters are checked like top-level ones.
 */
const checkPopulate = (strapi: Core.Strapi, uid: string | null, populate: unknown, path: string, level: number, bounds: PopulateBounds, count: { relations: number }): void => {
  const model: any = uid ? strapi.getModel(uid as any) : null;
  const countRelation = () => {
    count.relations += 1;
    if (count.relations > bounds.relations) refuse(`populate names more than ${counted(bounds.relations, 'relation')}; ask for fewer`);
  };
  const deeper = (at: string) => {
    if (level + 1 > bounds.depth) refuse(`${at} is nested more than ${counted(bounds.depth, 'relation')} deep; populate at most ${counted(bounds.depth, 'level')}`);
  };
  if (populate === undefined || populate === null || populate === false || populate === 'false') return;
  if (populate === true || populate === 'true' || populate === '*') {
    deeper(path);
    populatable(model).forEach(() => countRelation());
    if (!model) countRelation();
    return;
  }
  if (typeof populate === 'string' || Array.isArray(populate)) {
    const paths = (Array.isArray(populate) ? populate : [populate]).flatMap((item) => {
      if (typeof item !== 'string') return refuse(`${path} must be a list of relation names`);
      return item.split(',').map((part) => part.trim()).filter(Boolean);
    });
    const seen = new Set<string>();
    for (const dotted of paths) {
      const segments = dotted.split('.');
      if (level + segments.length > bounds.depth) refuse(`${path} (${dotted}) is nested more than ${counted(bounds.depth, 'relation')} deep; populate at most ${counted(bounds.depth, 'level')}`);
      segments.forEach((_, index) => {
        const prefix = segments.slice(0, index + 1).join('.');
        if (!seen.has(prefix)) {
          seen.add(prefix);
          countRelation();
        }
      });
    }
    return;
  }
  if (!isRecord(populate)) return refuse(`${path} must be a relation name, a list of them or an object`);
  for (const [key, sub] of Object.entries(populate)) {
    const at = `${path}[${key}]`;
    if (sub === false || sub === 'false') continue;
    if (key === '*') {
      checkPopulate(strapi, uid, '*', at, level, bounds, count);
      continue;
    }
    deeper(at);
    countRelation();
    if (!isRecord(sub)) continue;
    const attribute = model?.attributes?.[key];
    const target = attribute ? targetOf(attribute) : null;
    if (sub.populate !== undefined) checkPopulate(strapi, target, sub.populate, `${at}[populate]`, level + 1, bounds, count);
    if (sub.filters !== undefined && target) checkFilters(strapi, target, sub.filters, `${at}[filters]`);
    // Fragments of a dynamic zone or a polymorphic relation: one populate per component or type.
    if (isRecord(sub.on)) {
      for (const [fragment, fragmentPopulate] of Object.entries(sub.on)) {
        if (isRecord(fragmentPopulate) && fragmentPopulate.populate !== undefined) {
          checkPopulate(strapi, fragment, fragmentPopulate.populate, `${at}[on][${fragment}][populate]`, level + 1, bounds, count);
        }
      }
    }
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

/** The content API's own routes whose records are not of an `api::` type. */
const PLUGIN_TYPES: Record<string, string> = { users: 'plugin::users-permissions.user' };

/** The content type of a content-API REST path (`/api/invoices/...`, `/api/users/me`), if it is one. */
const contentTypeOf = (strapi: Core.Strapi, path: string): string | null => {
  const match = /^\/api\/([^/]+)/i.exec(path);
  if (!match) return null;
  const plural = match[1].toLowerCase();
  if (PLUGIN_TYPES[plural]) return PLUGIN_TYPES[plural];
  const found = Object.entries(strapi.contentTypes).find(
    ([uid, model]: [string, any]) => uid.startsWith('api::') && (model.info?.pluralName === plural || model.info?.singularName === plural),
  );
  return found ? found[0] : null;
};

const isContentApi = (path: string) => /^\/api(\/|$)/i.test(path);

export default (config: Partial<InputGuardConfig> = {}, { strapi }: { strapi: Core.Strapi }) => {
  const settings: InputGuardConfig = { ...DEFAULTS, ...config, populate: { ...DEFAULTS.populate, ...config.populate } };
  return async (ctx: any, next: () => Promise<void>) => {
    for (const [what, value] of [
      ['query', ctx.query],
      ['body', ctx.request.body],
    ] as const) {
      if (nestedDeeperThan(value, settings.maxNesting)) refuse(`The request ${what} is nested more than ${counted(settings.maxNesting, 'level')} deep`);
    }
    const inPath = decoded(ctx.path).includes('\u0000');
    const where = inPath ? 'the path' : nulCharacterPath(ctx.query, 'query') ?? nulCharacterPath(ctx.request.body, 'body');
    if (where) refuse(`Text must not contain the NUL character (\\u0000): found in ${where}`);

    const { filters, pagination, populate } = ctx.query ?? {};
    if (isContentApi(ctx.path) && (filters !== undefined || pagination !== undefined || populate !== undefined)) {
      const uid = contentTypeOf(strapi, ctx.path);
      if (populate !== undefined) checkPopulate(strapi, uid, populate, 'populate', 0, settings.populate, { relations: 0 });
      if (filters !== undefined) checkFilters(strapi, uid, filters, 'filters');
      if (uid) checkPagination(pagination);
    }
    await next();
  };
};
