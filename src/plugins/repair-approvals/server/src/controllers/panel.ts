import type { Context } from 'koa';
import type { Core } from '@strapi/strapi';
import { z } from 'zod';
import { APPROVAL_STATUSES } from '../../../../../domain';
import { documentId, noBody, pageFields, parse } from '../../../../workflows/server/src/http';
import { certificateNumber, month, sendSummaryCsv } from './http';
import { ownService } from '../utils';

/**
 * The Approvals admin pages' controllers (routes/admin.ts): the route's policy has checked the
 * admin action; each parses its input with zod (a 400 naming each problem) and reads, nothing more.
 */
const noQuery = noBody;

const requestQuery = z
  .object({
    status: z.enum(APPROVAL_STATUSES).optional(),
    ...pageFields,
  })
  .strict();

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const views = () => ownService(strapi, 'panel');
  const requests = () => ownService(strapi, 'requests');
  return {
    async overview(ctx: Context) {
      parse(noQuery, ctx.query);
      ctx.body = { data: await views().overview() };
    },

    async listRequests(ctx: Context) {
      const { status, page, pageSize } = parse(requestQuery, ctx.query);
      ctx.body = { data: await views().listRequests({ state: status, page, pageSize }) };
    },

    async findRequest(ctx: Context) {
      const id = parse(documentId, ctx.params.documentId);
      parse(noQuery, ctx.query);
      ctx.body = { data: await requests().find(id) };
    },

    async findCertificate(ctx: Context) {
      const number = parse(certificateNumber, ctx.params.number);
      parse(noQuery, ctx.query);
      ctx.body = { data: await requests().certificate(number) };
    },

    async findReport(ctx: Context) {
      const which = parse(month, ctx.params.month);
      parse(noQuery, ctx.query);
      ctx.body = { data: await requests().monthly(which) };
    },

    async reportCsv(ctx: Context) {
      const which = parse(month, ctx.params.month);
      parse(noQuery, ctx.query);
      sendSummaryCsv(ctx, await requests().monthly(which));
    },
  };
};
