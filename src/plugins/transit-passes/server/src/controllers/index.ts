import type { Context } from 'koa';
import type { Core } from '@strapi/strapi';
import { z } from 'zod';
import { currentActor } from '../../../../../guards/actor';
import panel from './panel';
import { answer, calendarDate as date, calendarMonth as month, documentId, noBody, parse, sendCsv } from '../../../../workflows/server/src/http';
import { ownService } from '../utils';

/*
 * Thin content-API controllers: parse the input with zod (a 400 naming each problem, nothing
 * written), call the orders service, answer. Who may call each route is its users-permissions
 * action (src/setup/permissions.ts), or an API token's own permissions.
 */
const orderBody = z
  .object({
    customer: documentId,
    product: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be a fare product code'),
    paymentMethod: z.enum(['desk', 'stripe']).default('desk'),
  })
  .strict();

/** Finance's decision on a payment not recorded as the order's: accepting money that differs from the order needs a note. */
const resolutionBody = z
  .object({
    decision: z.enum(['accept', 'refund']),
    note: z.string().trim().min(1).max(2000).optional(),
  })
  .strict()
  .refine((body) => body.decision !== 'accept' || body.note, { message: 'accepting a payment that does not match the order needs a note', path: ['note'] });
/** A Stripe PaymentIntent id. */
const paymentReference = z.string().regex(/^pi_[A-Za-z0-9_]{1,200}$/, 'must be a Stripe PaymentIntent id (pi_...)');

/** A pass code: 22 URL-safe characters (128 random bits). */
const passCode = z.string().regex(/^[A-Za-z0-9_-]{22}$/, 'must be a pass code');
const reportQuery = z.object({ format: z.enum(['json', 'csv']).optional() }).strict();

const service = (strapi: Core.Strapi) => ownService(strapi, 'orders');

const orders = ({ strapi }: { strapi: Core.Strapi }) => ({
  async create(ctx: Context) {
    const input = parse(orderBody, ctx.request.body);
    await answer(ctx, 201, () => service(strapi).purchase(input));
  },
  async findOne(ctx: Context) {
    const id = parse(documentId, ctx.params.documentId);
    parse(noBody, ctx.query);
    ctx.body = { data: await service(strapi).find(id) };
  },
  /** Finance accepts a payment that was not recorded as the order's, or refunds it. */
  async resolvePayment(ctx: Context) {
    const id = parse(documentId, ctx.params.documentId);
    const payment = parse(paymentReference, ctx.params.reference);
    const input = parse(resolutionBody, ctx.request.body);
    await answer(ctx, 200, () => ownService(strapi, 'card-payments').resolveUnmatched(id, { payment, ...input }, currentActor(strapi)));
  },
});

const passes = ({ strapi }: { strapi: Core.Strapi }) => ({
  async renew(ctx: Context) {
    const id = parse(documentId, ctx.params.documentId);
    parse(noBody, ctx.request.body ?? {});
    await answer(ctx, 201, () => service(strapi).renew(id));
  },
  async validity(ctx: Context) {
    const code = parse(passCode, ctx.params.code);
    parse(noBody, ctx.query);
    ctx.body = { data: await service(strapi).validity(code) };
  },
});

const revenue = ({ strapi }: { strapi: Core.Strapi }) => ({
  async daily(ctx: Context) {
    const day = parse(date, ctx.params.date);
    parse(noBody, ctx.query);
    ctx.body = { data: await service(strapi).dailyRevenue(day) };
  },
});

const reports = ({ strapi }: { strapi: Core.Strapi }) => ({
  /** The monthly subscription report as JSON, or CSV with `?format=csv` or `Accept: text/csv`. */
  async monthly(ctx: Context) {
    const which = parse(month, ctx.params.month);
    const { format } = parse(reportQuery, ctx.query);
    if (format === 'csv' || (!format && ctx.accepts('application/json', 'text/csv') === 'text/csv')) {
      sendCsv(ctx, `transit-${which}.csv`, await service(strapi).monthlyCsv(which));
      return;
    }
    ctx.body = { data: await service(strapi).monthly(which) };
  },
});

export default { orders, passes, revenue, reports, panel };
