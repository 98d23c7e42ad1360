import type { Context } from 'koa';
import type { Core } from '@strapi/strapi';
import { z } from 'zod';
import { calendarDate as date, calendarMonth as month, noBody, pageFields, parse, sendCsv } from '../../../../workflows/server/src/http';
import { ORDER_STATES } from '../services/panel';
import { ownService } from '../utils';

/**
 * The Transit page's admin controllers (routes/admin.ts): the route's policy has already checked
 * the admin action; these parse the input (a 400 naming each problem, for anything unexpected
 * too) and hand it to the panel views or the orders service.
 */

const overviewQuery = z.object({ date: date.optional() }).strict();

const orderQuery = z
  .object({
    state: z.enum(ORDER_STATES).optional(),
    ...pageFields,
  })
  .strict();

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const views = () => ownService(strapi, 'panel');
  const orders = () => ownService(strapi, 'orders');

  return {
    /** A day's figures (today in the agency's time zone unless `date` says another). */
    async overview(ctx: Context) {
      const { date: day } = parse(overviewQuery, ctx.query);
      ctx.body = { data: await views().overview(day ?? views().today()) };
    },

    async listOrders(ctx: Context) {
      ctx.body = { data: await views().listOrders(parse(orderQuery, ctx.query)) };
    },

    async report(ctx: Context) {
      const which = parse(month, ctx.params.month);
      parse(noBody, ctx.query);
      ctx.body = { data: await orders().monthly(which) };
    },

    async reportCsv(ctx: Context) {
      const which = parse(month, ctx.params.month);
      parse(noBody, ctx.query);
      sendCsv(ctx, `transit-${which}.csv`, await orders().monthlyCsv(which));
    },
  };
};
