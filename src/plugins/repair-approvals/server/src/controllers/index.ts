import type { Context } from 'koa';
import type { Core } from '@strapi/strapi';
import { z } from 'zod';
import { ESTIMATE_LINE_KINDS, isCurrencyCode } from '../../../../../domain';
import { answer, documentId, noBody, parse } from '../../../../workflows/server/src/http';
import { certificateNumber, month, sendSummaryCsv } from './http';
import panel from './panel';
import { ownService } from '../utils';

/*
 * Thin content-API controllers: parse the input with zod (a 400 naming each problem, nothing
 * written), call the requests service, answer. Who may call each route is its users-permissions
 * action (src/setup/permissions.ts).
 */
const line = z
  .object({
    kind: z.enum(ESTIMATE_LINE_KINDS),
    description: z.string().trim().min(1).max(200),
    /** Up to two decimals: 1.5 hours. */
    quantity: z
      .number()
      .positive()
      .max(10_000)
      .refine((q) => Number.isInteger(Math.round(q * 100)) && Math.abs(q * 100 - Math.round(q * 100)) < 1e-9, 'must have at most two decimals'),
    unitPriceMinor: z.number().int('must be a whole number of minor units').min(0).max(2_147_483_647),
  })
  .strict()
  .transform(({ quantity, ...rest }) => ({ ...rest, quantityHundredths: Math.round(quantity * 100) }));

const currency = z
  .string()
  .transform((value) => value.trim().toUpperCase())
  .refine(isCurrencyCode, 'must be an ISO 4217 currency code');

const draftBody = z
  .object({
    customer: documentId,
    vehicle: z.string().trim().max(120).optional(),
    currency,
    lines: z.array(line).min(1, 'an estimate needs at least one line').max(100),
  })
  .strict();

const editBody = z
  .object({
    customer: documentId.optional(),
    vehicle: z.string().trim().max(120).optional(),
    currency: currency.optional(),
    lines: z.array(line).min(1, 'an estimate needs at least one line').max(100),
  })
  .strict();

const reportQuery = z.object({ format: z.enum(['json', 'csv']).optional() }).strict();

const service = (strapi: Core.Strapi) => ownService(strapi, 'requests');

const requests = ({ strapi }: { strapi: Core.Strapi }) => ({
  async create(ctx: Context) {
    const input = parse(draftBody, ctx.request.body);
    await answer(ctx, 201, () => service(strapi).createDraft(input));
  },
  async update(ctx: Context) {
    const id = parse(documentId, ctx.params.documentId);
    const input = parse(editBody, ctx.request.body);
    await answer(ctx, 200, () => service(strapi).updateDraft(id, input));
  },
  async submit(ctx: Context) {
    const id = parse(documentId, ctx.params.documentId);
    parse(noBody, ctx.request.body ?? {});
    await answer(ctx, 201, () => service(strapi).submit(id));
  },
  async findOne(ctx: Context) {
    const id = parse(documentId, ctx.params.documentId);
    parse(noBody, ctx.query);
    ctx.body = { data: await service(strapi).find(id) };
  },
});

const certificates = ({ strapi }: { strapi: Core.Strapi }) => ({
  async findOne(ctx: Context) {
    const number = parse(certificateNumber, ctx.params.number);
    parse(noBody, ctx.query);
    ctx.body = { data: await service(strapi).certificate(number) };
  },
});

const reports = ({ strapi }: { strapi: Core.Strapi }) => ({
  /** The monthly approval summary as JSON, or CSV with `?format=csv` or `Accept: text/csv`. */
  async findOne(ctx: Context) {
    const which = parse(month, ctx.params.month);
    const { format } = parse(reportQuery, ctx.query);
    const summary = await service(strapi).monthly(which);
    if (format === 'csv' || (!format && ctx.accepts('application/json', 'text/csv') === 'text/csv')) {
      sendSummaryCsv(ctx, summary);
      return;
    }
    ctx.body = { data: summary };
  },
});

export default { requests, certificates, reports, panel };
