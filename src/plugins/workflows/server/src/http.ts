import type { Context } from 'koa';
import { errors } from '@strapi/utils';
import { z } from 'zod';
import { isCalendarDate, isCalendarMonth } from '../../../../domain';

/**
 * What every process's controllers and the engine's share: input schemas of the task routes,
 * parsing with zod into a 400 that names each problem, answering a result with its status, and
 * the shape of a route.
 */
export const documentId = z.string().regex(/^[a-z0-9]{10,64}$/, 'must be a document id');

export const completeBody = z.object({ outcome: z.string().min(1).max(32), note: z.string().max(2000).optional() }).strict();

/**
 * The engine's completion: an outcome, a note, and what else the task asks for (a new limit, an
 * amount), checked by the process that declared the task.
 */
export const completeWithDataBody = completeBody
  .extend({ data: z.record(z.string().max(64), z.union([z.string().max(500), z.number(), z.boolean(), z.null()])).optional() })
  .strict();

/** Claiming or giving back a task takes no input. */
export const noBody = z.object({}).strict();

/** A calendar date, YYYY-MM-DD. */
export const calendarDate = z.string().refine(isCalendarDate, 'must be a date, YYYY-MM-DD');

// No record this application holds predates 1970, and month arithmetic (a window reaching back
// twelve months) must stay within four-digit years.
export const calendarMonth = z
  .string()
  .refine(isCalendarMonth, 'must be a month, YYYY-MM')
  .refine((value) => value >= '1970-01', 'must be 1970-01 or later');

/** A list's page (from 1) and its size (20 unless asked, at most 100): spread into a list's query schema. */
export const pageFields = {
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
};

/** Answers `csv` as a download named `filename`. */
export const sendCsv = (ctx: Context, filename: string, csv: string) => {
  ctx.type = 'text/csv';
  ctx.attachment(filename);
  ctx.body = csv;
};

export const parse = <T>(schema: z.ZodType<T>, value: unknown): T => {
  const result = schema.safeParse(value);
  if (!result.success) {
    // A problem with the whole value names what it is: a path parameter (a string), or the body.
    const whole = typeof value === 'string' ? 'path' : 'body';
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || whole}: ${issue.message}`);
    throw new errors.ValidationError(problems.join('; '), { errors: result.error.issues });
  }
  return result.data;
};

/** Answers what `work` returns with `status`; a ConflictError it throws answers 409 (`global::conflicts`, on every route). */
export const answer = async (ctx: Context, status: number, work: () => Promise<unknown>) => {
  const data = await work();
  ctx.status = status;
  ctx.body = { data };
};

/** A content-API route: its permission is the users-permissions action of its handler. */
export const route = (method: string, path: string, handler: string) => ({ method, path, handler, config: { policies: [] } });
