import type { Context } from 'koa';
import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { z } from 'zod';
import { answer, calendarMonth as month, documentId, parse } from '../../../../workflows/server/src/http';
import { reportCsv } from '../services/reports';
import { ownService } from '../utils';

/**
 * What the content-API and the admin controllers share beyond the engine's helpers (parsing, the
 * 409 answer, the task routes' schemas, re-exported here): this process's own input schemas.
 */
export { answer, completeBody, documentId, noBody, parse, pageFields } from '../../../../workflows/server/src/http';
export { month };

/** An admin hands a task to a staff user (their users-permissions document id), saying why if they like. */
export const reassignBody = z
  .object({ user: documentId, reason: z.string().trim().min(1, 'must not be empty').max(500).optional() })
  .strict();

export const manualPaymentBody = z
  .object({
    amountMinor: z.number().int().min(1).max(2_147_483_647),
    currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD'),
    reference: z.string().trim().min(1).max(200),
  })
  .strict();

export const engine = (strapi: Core.Strapi) => ownService(strapi, 'engine');

/** Records a counter payment and answers with the transaction. */
export const recordManualPayment = async (strapi: Core.Strapi, ctx: Context) => {
  const id = parse(documentId, ctx.params.documentId);
  const input = parse(manualPaymentBody, ctx.request.body);
  await answer(ctx, 201, async () => {
    const transaction = await engine(strapi).recordManualPayment(id, input);
    return {
      documentId: transaction.documentId,
      state: transaction.state,
      amountMinor: transaction.amountMinor,
      currency: transaction.currency,
      provider: transaction.provider,
      providerReference: transaction.providerReference,
    };
  });
};

/** The monthly report (its latest revision, or `?revision=n`) as JSON, or CSV with `Accept: text/csv` or `?format=csv`. */
export const sendMonthlyReport = async (strapi: Core.Strapi, ctx: Context) => {
  const which = parse(month, ctx.params.month);
  const { format, revision } = parse(
    z.object({ format: z.enum(['json', 'csv']).optional(), revision: z.coerce.number().int().min(1).max(10_000).optional() }).strict(),
    ctx.query,
  );
  const report = await ownService(strapi, 'reports').find(which, new Date(), revision);
  if (!report) throw new errors.NotFoundError(revision ? `No revision ${revision} of the ${which} report` : `No report for ${which}: the month is not over`);
  const csv = format === 'csv' || (!format && ctx.accepts('application/json', 'text/csv') === 'text/csv');
  if (csv) {
    ctx.type = 'text/csv; charset=utf-8';
    ctx.set('Content-Disposition', `attachment; filename="revenue-report-${which}.csv"`);
    ctx.body = reportCsv(report);
    return;
  }
  ctx.body = { data: report, meta: { revisions: await ownService(strapi, 'reports').revisions(which) } };
};

export const regenerateBody = z.object({ reason: z.string().trim().min(3, 'say why the report is made again').max(500) }).strict();
