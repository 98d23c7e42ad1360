import type { Core, Utils } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { EstimateLineInput, MoneyError, addDays, estimateTotals, median } from '../../../../../domain';
import { Actor, currentActor } from '../../../../../guards/actor';
import { now as clockNow, today } from '../../../../workflows/server/src/clock';
import { ConflictError } from '../../../../workflows/server/src/errors';
import { asStepActor, lockRow } from '../../../../workflows/server/src/services/runner';
import { getService } from '../../../../workflows/server/src/utils';
import { PROCESS_ID } from '../domain';
import type { TaskDecision } from '../../../../workflows/server/src/services/registry';
import type { Transaction } from '../../../../../setup/knex';
import { CERTIFICATE_UID, DRAFT_UID, REQUEST_UID, StoredRequest, inOrder, nextNumber, removeDrafts, sha256Of } from './steps';

/**
 * Approval requests: drafts an account manager writes and edits, submitted into the approval
 * process (the engine runs it), read with their run and decisions; certificates checked against
 * their hash when read; the monthly summary; the clean-up of abandoned drafts.
 */
export interface DraftInput {
  customer: string;
  vehicle?: string;
  currency: string;
  lines: EstimateLineInput[];
}

const REQUEST_TABLE = 'approval_requests';

/** A certificate as stored, with its request and customer (each by documentId and what it shows). */
interface StoredCertificate {
  number: string;
  request: { documentId: string; number: string } | null;
  customer: { documentId: string; name: string } | null;
  currency: string;
  authorizedTotalMinor: number;
  /** What snapshotOf froze (steps.ts), read back from its JSON column. */
  linesSnapshot: unknown;
  decisions: unknown;
  authorizedAt: string;
  validUntil: string;
  snapshotSha256: string;
}

const priced = (strapi: Core.Strapi, input: Pick<DraftInput, 'currency' | 'lines'>) => {
  const taxRateBps = (strapi.config.get('plugin::repair-approvals') as { taxRateBps: number }).taxRateBps;
  try {
    return { ...estimateTotals(input.lines, input.currency, taxRateBps), taxRateBps };
  } catch (error) {
    if (error instanceof MoneyError) throw new errors.ValidationError(`This estimate cannot be priced: ${error.message}`);
    throw error;
  }
};

/** A request as the routes show it. */
const shown = (request: StoredRequest) => ({
  documentId: request.documentId,
  number: request.number,
  status: request.state,
  customer: request.customer ? { documentId: request.customer.documentId, name: request.customer.name } : null,
  vehicle: request.vehicle ?? null,
  currency: request.currency,
  lines: (request.lines ?? []).map(({ kind, description, quantityHundredths, unitPriceMinor, amountMinor }) => ({ kind, description, quantityHundredths, unitPriceMinor, amountMinor })),
  taxRateBps: request.taxRateBps,
  subtotalMinor: request.subtotalMinor,
  taxMinor: request.taxMinor,
  totalMinor: request.totalMinor,
  creditCheck: request.creditCheck ?? null,
  requestedBy: request.requestedBy ?? null,
  submittedAt: request.submittedAt ?? null,
  decidedAt: request.decidedAt ?? null,
});

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const requests = () => strapi.documents(REQUEST_UID);
  // Strapi's generated types leave every attribute optional; the request is read as stored.
  const load = (documentId: string) => requests().findOne({ documentId, populate: { lines: true, customer: true } }) as Promise<StoredRequest | null>;

  const customerOf = async (documentId: string) => {
    const customer = await strapi.documents('api::customer.customer').findOne({ documentId });
    if (!customer) throw new errors.ValidationError(`No customer ${documentId}`);
    return customer;
  };

  /** The request under its row lock, read afresh; 409 unless it is still a draft. */
  const lockedDraft = async (trx: Transaction, documentId: string) => {
    await lockRow(strapi, trx, REQUEST_TABLE, documentId);
    const request = await load(documentId);
    if (!request) throw new errors.NotFoundError(`No approval request ${documentId}`);
    if (request.state !== 'Draft') throw new ConflictError(`Request ${request.number} is ${request.state}: a submitted request's lines are frozen`, { status: request.state });
    return request;
  };

  const service = {
    /** A draft request with its lines priced; nothing else happens until it is submitted. */
    async createDraft(input: DraftInput, actor: Actor = currentActor(strapi)) {
      await customerOf(input.customer);
      const totals = priced(strapi, input);
      const created = await strapi.db.transaction(async () => {
        const number = await nextNumber(strapi, 'AR', Number(today().slice(0, 4)));
        return requests().create({
          data: {
            number,
            customer: input.customer,
            // Null stores no vehicle; Strapi's input types leave null out.
            vehicle: (input.vehicle ?? null) as string | undefined,
            currency: input.currency,
            lines: totals.lines,
            taxRateBps: totals.taxRateBps,
            subtotalMinor: totals.subtotalMinor,
            taxMinor: totals.taxMinor,
            totalMinor: totals.totalMinor,
            state: 'Draft',
            // Into a JSON column: plain data, but an interface has no index signature for Strapi's JSONValue.
            requestedBy: asStepActor(actor) as unknown as Utils.JSONObject,
          },
        });
      });
      return shown((await load(created.documentId))!);
    },

    /** Edits a draft: the version it replaces is kept as a temporary draft until the request is decided. */
    async updateDraft(documentId: string, input: Partial<DraftInput> & { lines: EstimateLineInput[] }) {
      await strapi.db.transaction(async ({ trx }) => {
        const request = await lockedDraft(trx, documentId);
        if (input.customer && input.customer !== request.customer?.documentId) await customerOf(input.customer);
        const currency = input.currency ?? request.currency;
        const totals = priced(strapi, { currency, lines: input.lines });
        await strapi.documents(DRAFT_UID).create({
          data: { request: documentId, lines: shown(request).lines, vehicle: (request.vehicle ?? null) as string | undefined, savedAt: clockNow() },
        });
        await requests().update({
          documentId,
          data: {
            ...(input.customer ? { customer: input.customer } : {}),
            ...(input.vehicle !== undefined ? { vehicle: input.vehicle } : {}),
            currency,
            lines: totals.lines,
            taxRateBps: totals.taxRateBps,
            subtotalMinor: totals.subtotalMinor,
            taxMinor: totals.taxMinor,
            totalMinor: totals.totalMinor,
          },
        });
      });
      return shown((await load(documentId))!);
    },

    /**
     * Submits a draft: it becomes Submitted and its approval run opens in the same transaction
     * (one open run per request), then the run takes its steps up to the reviews.
     */
    async submit(documentId: string, actor: Actor = currentActor(strapi)) {
      const runner = getService(strapi, 'runner');
      const run = await strapi.db.transaction(async ({ trx }) => {
        const request = await lockedDraft(trx, documentId);
        if (!request.lines?.length) throw new errors.ValidationError(`Request ${request.number} has no lines to approve`);
        const opened = await runner.open(
          PROCESS_ID,
          { subject: { type: REQUEST_UID, documentId }, openKey: `${REQUEST_UID}:${documentId}` },
          // The requester is who started the run: they never review or approve their own request.
          request.requestedBy?.id ? request.requestedBy : asStepActor(actor),
        );
        await requests().update({ documentId, data: { state: 'Submitted', submittedAt: clockNow(), run: opened.documentId } });
        return opened;
      });
      await runner.advance(run.documentId, actor);
      return service.find(documentId);
    },

    /** The request with its run (steps, branches, outcome) and every decision taken on it. */
    async find(documentId: string) {
      const request = await load(documentId);
      if (!request) throw new errors.NotFoundError(`No approval request ${documentId}`);
      const run = request.run ? await getService(strapi, 'runner').find(request.run) : null;
      const certificate: { number: string } | null = await strapi.db.query(CERTIFICATE_UID).findOne({ where: { request: { documentId } }, select: ['number'] });
      return {
        ...shown(request),
        run,
        decisions: inOrder(run?.context.decisions as Record<string, TaskDecision> | undefined),
        certificate: certificate?.number ?? null,
      };
    },

    /** The certificate, and whether its lines' snapshot still hashes to what it was signed with. */
    async certificate(number: string) {
      const certificate: StoredCertificate | null = await strapi.db.query(CERTIFICATE_UID).findOne({ where: { number }, populate: { request: { select: ['documentId', 'number'] }, customer: { select: ['documentId', 'name'] } } });
      if (!certificate) throw new errors.NotFoundError(`No certificate ${number}`);
      const recomputed = sha256Of(certificate.linesSnapshot);
      return {
        number: certificate.number,
        request: certificate.request ? { documentId: certificate.request.documentId, number: certificate.request.number } : null,
        customer: certificate.customer ? { documentId: certificate.customer.documentId, name: certificate.customer.name } : null,
        currency: certificate.currency,
        authorizedTotalMinor: certificate.authorizedTotalMinor,
        lines: certificate.linesSnapshot,
        decisions: certificate.decisions,
        authorizedAt: certificate.authorizedAt,
        validUntil: certificate.validUntil,
        snapshotSha256: certificate.snapshotSha256,
        recomputedSha256: recomputed,
        hashMatches: recomputed === certificate.snapshotSha256,
      };
    },

    /** Approved and rejected requests decided in a month: counts and totals per currency, median hours to decide. */
    async monthly(month: string) {
      const decided: Pick<StoredRequest, 'state' | 'currency' | 'totalMinor' | 'submittedAt' | 'decidedAt'>[] = await strapi.db.query(REQUEST_UID).findMany({
        where: { summaryMonth: month, state: { $in: ['Approved', 'Rejected'] } },
        select: ['state', 'currency', 'totalMinor', 'submittedAt', 'decidedAt'],
      });
      const rows = new Map<string, { status: string; currency: string; count: number; totalMinor: number; hours: number[] }>();
      for (const request of decided) {
        const key = `${request.state}:${request.currency}`;
        const row = rows.get(key) ?? { status: request.state, currency: request.currency, count: 0, totalMinor: 0, hours: [] as number[] };
        row.count += 1;
        row.totalMinor += request.totalMinor;
        if (request.submittedAt && request.decidedAt) row.hours.push((new Date(request.decidedAt).getTime() - new Date(request.submittedAt).getTime()) / 3_600_000);
        rows.set(key, row);
      }
      const lines = [...rows.values()]
        .sort((a, b) => a.status.localeCompare(b.status) || a.currency.localeCompare(b.currency))
        .map(({ hours, ...row }) => {
          const middle = median(hours);
          return { ...row, medianHoursToDecide: middle === null ? null : Math.round(middle * 10) / 10 };
        });
      const count = (status: string) => lines.filter((l) => l.status === status).reduce((n, l) => n + l.count, 0);
      return { month, approved: count('Approved'), rejected: count('Rejected'), lines, medianHoursToDecide: median(decided.filter((r) => r.submittedAt && r.decidedAt).map((r) => (new Date(r.decidedAt!).getTime() - new Date(r.submittedAt!).getTime()) / 3_600_000)) };
    },

    /**
     * Removes drafts abandoned for `draftRetentionDays` (never submitted, untouched since) with
     * their saved versions, and the saved versions of decided requests a run left behind. Safe to
     * run again and on every instance: what is gone stays gone. The audit log keeps what went.
     */
    async cleanUpDrafts(on: string = today()) {
      const days = (strapi.config.get('plugin::repair-approvals') as { draftRetentionDays: number }).draftRetentionDays;
      const before = new Date(`${addDays(on, -days)}T00:00:00.000Z`);
      const abandoned: Pick<StoredRequest, 'id' | 'documentId' | 'number'>[] = await strapi.db.query(REQUEST_UID).findMany({ where: { state: 'Draft', updatedAt: { $lt: before } }, select: ['id', 'documentId', 'number'] });
      const audit = getService(strapi, 'audit');
      for (const request of abandoned) {
        await strapi.db.transaction(async () => {
          const versions = await removeDrafts(strapi, { documentId: request.documentId });
          await strapi.documents(REQUEST_UID).delete({ documentId: request.documentId });
          await audit.record({
            action: 'approval-request.draft-removed',
            entityUid: REQUEST_UID,
            entityDocumentId: request.documentId,
            actor: { type: 'system', name: 'drafts clean-up' },
            summary: `Draft ${request.number} removed after ${days} days untouched, with ${versions} saved version(s)`,
            data: { number: request.number, versions, retentionDays: days },
          });
        });
      }
      const leftovers = await removeDrafts(strapi, { state: { $in: ['Approved', 'Rejected'] } });
      return { removedDrafts: abandoned.length, removedVersions: leftovers };
    },
  };
  return service;
};
