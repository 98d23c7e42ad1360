import crypto from 'node:crypto';
import type { Core, Modules, Utils } from '@strapi/strapi';
import { addDays, amountProblem, creditCheck, estimateTotals, formatAmount, isCurrencyCode } from '../../../../../domain';
import type { ApprovalStatus, CreditCheck, EstimateLine } from '../../../../../domain';
import type { StepActor } from '../../../../workflows/server/src/domain';
import type { ProcessHandlers, StepContext, StepOutcome, TaskDecision } from '../../../../workflows/server/src/services/registry';
import { getService } from '../../../../workflows/server/src/utils';
import { ROLES } from '../domain';

/**
 * What each step of the repair-estimate approval does, in the step's transaction (the engine
 * runs them, one step per transaction, and keeps the run). Every write of a request or a
 * customer goes through the Document Service, so the guards check and audit it.
 */
export const REQUEST_UID = 'plugin::repair-approvals.request';
export const CERTIFICATE_UID = 'plugin::repair-approvals.certificate';
export const DRAFT_UID = 'plugin::repair-approvals.draft';

type Effect = (step: StepContext) => Promise<StepOutcome>;

const config = (strapi: Core.Strapi) => strapi.config.get('plugin::repair-approvals') as { taxRateBps: number; certificateValidDays: number };

/** A customer as a request populates it. */
export interface RequestCustomer {
  id: number;
  documentId: string;
  name: string;
  email: string;
  /** Defaults to USD. */
  currency: string;
  creditLimitMinor: number | null;
  committedCreditMinor: number | null;
}

/**
 * An approval request as stored, with its lines (a repeatable component, a list once populated)
 * and its customer (every request has one: a draft is only created for an existing customer).
 */
export interface StoredRequest {
  id: number;
  documentId: string;
  number: string;
  state: ApprovalStatus;
  customer: RequestCustomer;
  vehicle: string | null;
  currency: string;
  lines: EstimateLine[];
  taxRateBps: number;
  subtotalMinor: number;
  taxMinor: number;
  totalMinor: number;
  creditCheck: CreditCheck | null;
  requestedBy: StepActor | null;
  run: string | null;
  submittedAt: string | null;
  decidedAt: string | null;
}

/** The run's request as the steps read it: its customer's account manager too. */
type StepRequest = StoredRequest & { customer: { accountManager: { id: number; username: string; email: string; phone: string | null } | null } };

// Strapi's generated types leave every attribute optional; the request is read as stored.
const requestOf = (step: StepContext) =>
  step.strapi.documents(REQUEST_UID).findOne({
    documentId: step.run.subject!.documentId,
    populate: { lines: true, customer: { populate: { accountManager: { fields: ['username', 'email', 'phone'] } } } },
  }) as Promise<StepRequest | null>;

const update = (step: StepContext, data: Partial<Modules.Documents.Params.Data.Input<typeof REQUEST_UID>>) =>
  step.strapi.documents(REQUEST_UID).update({ documentId: step.run.subject!.documentId, data });

const amount = (minor: number, currency: string) => (isCurrencyCode(currency) ? formatAmount(minor, currency) : `${minor} ${currency}`);

/** The next number of a series for the year (AR-2026-000001), gapless: the engine's counters, in the caller's transaction. */
export const nextNumber = (strapi: Core.Strapi, series: 'AR' | 'AUTH', year: number): Promise<string> => getService(strapi, 'numbers').next(series, year);

/** Removes the saved versions of the given requests (by id: a delete cannot join the request's link table); answers how many. */
export const removeDrafts = async (strapi: Core.Strapi, requests: Record<string, unknown>): Promise<number> => {
  const versions: { id: number }[] = await strapi.db.query(DRAFT_UID).findMany({ select: ['id'], where: { request: requests } });
  if (versions.length === 0) return 0;
  const { count } = await strapi.db.query(DRAFT_UID).deleteMany({ where: { id: { $in: versions.map((v) => v.id) } } });
  return count;
};

/** The lines as the certificate freezes them, in a canonical form: what its hash is taken over. */
export const snapshotOf = (request: { number: string; currency: string; lines: readonly { kind: string; description: string; quantityHundredths: number; unitPriceMinor: number; amountMinor: number }[]; subtotalMinor: number; taxMinor: number; totalMinor: number }) => ({
  request: request.number,
  currency: request.currency,
  lines: request.lines.map((line) => ({
    kind: line.kind,
    description: line.description,
    quantityHundredths: line.quantityHundredths,
    unitPriceMinor: line.unitPriceMinor,
    amountMinor: line.amountMinor,
  })),
  subtotalMinor: request.subtotalMinor,
  taxMinor: request.taxMinor,
  totalMinor: request.totalMinor,
});

/** JSON with every object's keys sorted: the same snapshot reads the same whatever column stored it (PostgreSQL's jsonb reorders keys). */
export const canonicalJson = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
};

/** The SHA-256 of a snapshot's canonical JSON, in hex. */
export const sha256Of = (snapshot: unknown): string => crypto.createHash('sha256').update(canonicalJson(snapshot)).digest('hex');

/** The decisions taken on the run, in the order they were taken (a JSON column keeps no key order). */
export const inOrder = (decisions: Record<string, TaskDecision> | undefined): TaskDecision[] =>
  Object.values(decisions ?? {}).sort((a, b) => a.at.localeCompare(b.at) || (a.task ?? a.step).localeCompare(b.task ?? b.step));

const decisionsOf = (step: StepContext) => inOrder(step.run.context.decisions as Record<string, TaskDecision> | undefined);

/** The staff of a role who can be emailed (not blocked). */
const staffOf = async (strapi: Core.Strapi, role: string): Promise<{ email: string; username: string }[]> =>
  strapi.db.query('plugin::users-permissions.user').findMany({ where: { role: { type: role }, blocked: false }, select: ['email', 'username'] });

/**
 * The currency a customer's credit (limit and commitments) is kept in: theirs, or, for a customer
 * who has none yet, the request's, which the first approval records on the customer.
 */
const creditCurrency = (customer: { currency?: string | null }, requestCurrency: string) => customer.currency ?? requestCurrency;

const effects: Record<string, Effect> = {
  async 'fetch-request'(step) {
    const request = await requestOf(step);
    if (!request) return { outcome: 'fail', result: `Request ${step.run.subject?.documentId} no longer exists` };
    if (request.state !== 'Submitted') return { outcome: 'fail', result: `Request ${request.number} is ${request.state}, not Submitted` };
    return { outcome: 'done', result: `Request ${request.number}: ${request.lines.length} line(s) for ${request.customer?.name}`, context: { number: request.number } };
  },

  async 'customer-profile'(step) {
    // fetch-request found it; a submitted request is never deleted.
    const { customer, currency } = (await requestOf(step))!;
    const manager = customer.accountManager;
    // The limit is in the customer's credit currency; a request in another one has no limit to check.
    const inCredit = creditCurrency(customer, currency) === currency;
    const limitMinor = inCredit ? (customer.creditLimitMinor ?? null) : null;
    const result = limitMinor === null ? `${customer.name}: no credit limit in ${currency}` : `${customer.name}: credit limit ${amount(limitMinor, currency)}`;
    return {
      outcome: 'done',
      result,
      context: {
        customer: { documentId: customer.documentId, name: customer.name, email: customer.email },
        limitMinor,
        committedMinor: inCredit ? (customer.committedCreditMinor ?? 0) : 0,
        accountManager: manager ? { id: String(manager.id), name: manager.username, email: manager.email, phone: manager.phone ?? null } : null,
      },
    };
  },

  async 'sum-lines'(step) {
    const request = (await requestOf(step))!;
    const totals = estimateTotals(request.lines, request.currency, request.taxRateBps);
    const stale = totals.lines.find((line, i) => line.amountMinor !== request.lines[i].amountMinor);
    if (stale) return { outcome: 'fail', result: `Line "${stale.description}" shows an amount that is not its quantity times its unit price` };
    await update(step, { subtotalMinor: totals.subtotalMinor });
    return { outcome: 'done', result: `Subtotal ${amount(totals.subtotalMinor, request.currency)} over ${totals.lines.length} line(s)` };
  },

  async 'tax-total'(step) {
    const request = (await requestOf(step))!;
    const totals = estimateTotals(request.lines, request.currency, request.taxRateBps);
    await update(step, { taxMinor: totals.taxMinor, totalMinor: totals.totalMinor });
    return {
      outcome: 'done',
      result: `Tax ${amount(totals.taxMinor, request.currency)} at ${request.taxRateBps / 100} %, total ${amount(totals.totalMinor, request.currency)}`,
      context: { totalMinor: totals.totalMinor, currency: request.currency },
    };
  },

  async 'credit-check'(step) {
    const request = (await requestOf(step))!;
    // Unpaid: the customer's Open invoices (overdue or not) and those written off as Uncollectible.
    const unpaid: { totalMinor: number; currency: string }[] = await step.strapi.db
      .query('api::invoice.invoice')
      .findMany({ where: { customer: { documentId: request.customer.documentId }, state: { $in: ['Open', 'Uncollectible'] } }, select: ['totalMinor', 'currency'] });
    const check = creditCheck({
      currency: request.currency,
      unpaid: unpaid.map((invoice) => ({ amountMinor: invoice.totalMinor, currency: invoice.currency })),
      committedMinor: (step.run.context.committedMinor as number) ?? 0,
      requestMinor: request.totalMinor,
      limitMinor: (step.run.context.limitMinor as number | null) ?? null,
    });
    // Into a JSON column: the check is plain JSON data, but an interface has no index signature for Strapi's JSONValue.
    await update(step, { creditCheck: check as unknown as Utils.JSONObject });
    const figures = `unpaid ${amount(check.unpaidInvoicesMinor, check.currency)} (${check.unpaidInvoices} invoice(s)) + committed ${amount(check.committedMinor, check.currency)} + this ${amount(check.requestMinor, check.currency)} = ${amount(check.exposureMinor, check.currency)}`;
    const limit = check.limitMinor === null ? 'no limit' : `limit ${amount(check.limitMinor, check.currency)}`;
    return { outcome: 'done', result: `${figures}; ${limit}`, branch: check.over ? 'over' : 'within', context: { creditOver: check.over } };
  },

  async 'mark-under-review'(step) {
    await update(step, { state: 'UnderReview' });
    return { outcome: 'done', result: 'Under Review' };
  },

  async 'notify-reviewers'(step) {
    const number = step.run.context.number as string;
    const over = step.run.context.creditOver ? ' The credit check is OVER the limit: the Finance audit decides.' : '';
    const reviewers = [...(await staffOf(step.strapi, 'compliance')), ...(await staffOf(step.strapi, 'finance-manager'))];
    const unique = [...new Map(reviewers.map((r) => [r.email, r])).values()];
    return {
      outcome: 'done',
      result: unique.length ? `Review request emailed to ${unique.length} reviewer(s)` : 'No reviewer to email: the tasks wait in the task list',
      messages: unique.map((reviewer) => ({
        channel: 'email' as const,
        to: reviewer.email,
        key: `${step.run.documentId}:notify-reviewers:${reviewer.email}`,
        subject: `Repair estimate ${number} waits for your review`,
        text: `Hello ${reviewer.username},\n\nRepair estimate ${number} for ${(step.run.context.customer as { name: string } | undefined)?.name} (${amount(step.run.context.totalMinor as number, step.run.context.currency as string)}) is under review.${over}\nOpen your task list to review it.`,
      })),
    };
  },

  async 'mark-approved'(step) {
    await update(step, { state: 'Approved', decidedAt: step.now, summaryMonth: step.today.slice(0, 7) });
    return { outcome: 'done', result: 'Approved' };
  },

  async 'write-certificate'(step) {
    const request = (await requestOf(step))!;
    const existing: { number: string } | null = await step.strapi.db.query(CERTIFICATE_UID).findOne({ where: { request: { documentId: request.documentId } } });
    if (existing) return { outcome: 'done', result: `Certificate ${existing.number} already written`, context: { certificate: existing.number } };
    const snapshot = snapshotOf(request);
    const number = await nextNumber(step.strapi, 'AUTH', Number(step.today.slice(0, 4)));
    const decisions = decisionsOf(step).map((d) => ({ role: d.role, roleLabel: ROLES[d.role as keyof typeof ROLES]?.label ?? d.role, task: d.title, outcome: d.outcome, by: d.by, at: d.at, note: d.note }));
    await step.strapi.documents(CERTIFICATE_UID).create({
      data: {
        number,
        request: request.documentId,
        customer: request.customer.documentId,
        currency: request.currency,
        authorizedTotalMinor: request.totalMinor,
        linesSnapshot: snapshot,
        snapshotSha256: sha256Of(snapshot),
        // Plain JSON data (StepActor is an interface, without the index signature Strapi's JSONValue asks for).
        decisions: decisions as unknown as Utils.JSONArray,
        authorizedAt: step.now,
        validUntil: addDays(step.today, config(step.strapi).certificateValidDays),
      },
    });
    return { outcome: 'done', result: `Certificate ${number} for ${amount(request.totalMinor, request.currency)}`, context: { certificate: number } };
  },

  async 'email-customer'(step) {
    const customer = step.run.context.customer as { name: string; email: string };
    const total = amount(step.run.context.totalMinor as number, step.run.context.currency as string);
    return {
      outcome: 'done',
      result: `Authorization emailed to ${customer.email}`,
      messages: [
        {
          channel: 'email',
          to: customer.email,
          subject: `Your repair estimate ${step.run.context.number} is authorized`,
          text: `Hello ${customer.name},\n\nYour repair estimate ${step.run.context.number} for ${total} is authorized (certificate ${step.run.context.certificate}). We will start the work as agreed.`,
        },
      ],
    };
  },

  async 'sms-account-manager'(step) {
    const manager = step.run.context.accountManager as { name: string; phone: string };
    return {
      outcome: 'done',
      result: `High-priority SMS to ${manager.name}`,
      messages: [
        {
          channel: 'sms',
          to: manager.phone,
          priority: 'high',
          text: `HIGH PRIORITY: estimate ${step.run.context.number} for ${(step.run.context.customer as { name: string }).name} is authorized (${amount(step.run.context.totalMinor as number, step.run.context.currency as string)}), certificate ${step.run.context.certificate}.`,
        },
      ],
    };
  },

  async 'update-credit'(step) {
    const request = (await requestOf(step))!;
    const customer = request.customer;
    const executive = decisionsOf(step).find((d) => d.step === 'executive-approval');
    const newLimit = typeof executive?.data?.creditLimitMinor === 'number' ? executive.data.creditLimitMinor : undefined;
    const credit = creditCurrency(customer, request.currency);
    const sameCurrency = credit === request.currency;
    const committed = (customer.committedCreditMinor ?? 0) + (sameCurrency ? request.totalMinor : 0);
    await step.strapi.documents('api::customer.customer').update({
      documentId: customer.documentId,
      // A customer without a currency keeps their credit, from now on, in this request's.
      data: { committedCreditMinor: committed, ...(newLimit !== undefined ? { creditLimitMinor: newLimit } : {}), ...(customer.currency ? {} : { currency: credit }) },
    });
    const parts = [
      sameCurrency ? `${amount(request.totalMinor, request.currency)} committed (now ${amount(committed, request.currency)})` : `nothing committed: the credit is kept in ${credit}`,
      newLimit !== undefined ? `limit set to ${amount(newLimit, credit)} by the executive` : 'limit unchanged',
    ];
    return { outcome: 'done', result: parts.join('; ') };
  },

  async 'count-summary'(step) {
    return { outcome: 'done', result: `Counted as approved in ${step.today.slice(0, 7)}` };
  },

  async 'mark-rejected'(step) {
    await update(step, { state: 'Rejected', decidedAt: step.now, summaryMonth: step.today.slice(0, 7) });
    return { outcome: 'done', result: `Rejected; counted in ${step.today.slice(0, 7)}` };
  },

  async 'rejection-email'(step) {
    const request = (await requestOf(step))!;
    const rejection = decisionsOf(step).find((d) => d.outcome === 'rejected');
    const why = rejection ? `${ROLES[rejection.role as keyof typeof ROLES]?.label ?? rejection.role}: ${rejection.note}` : 'the estimate could not be authorized';
    return {
      outcome: 'done',
      result: `Rejection emailed to ${request.customer.email}`,
      messages: [
        {
          channel: 'email',
          to: request.customer.email,
          subject: `Your repair estimate ${request.number} was not authorized`,
          text: `Hello ${request.customer.name},\n\nYour repair estimate ${request.number} was not authorized (${why}). Your account manager will contact you about the next steps.`,
        },
      ],
    };
  },

  async 'remove-drafts'(step) {
    const removed = await removeDrafts(step.strapi, { documentId: step.run.subject!.documentId });
    return { outcome: 'done', result: `Removed ${removed} temporary draft(s)` };
  },
};

/** What the executive may give with an approval: a new credit limit for the customer. */
const executiveData = (data: Record<string, unknown>, outcome: string): string | null => {
  const extra = Object.keys(data).find((key) => key !== 'creditLimitMinor');
  if (extra) return `${extra} is not taken: only creditLimitMinor`;
  if (outcome !== 'approved') return 'a new credit limit comes with an approval only';
  const limit = data.creditLimitMinor;
  const problem = amountProblem(limit);
  return problem ? `creditLimitMinor ${problem}` : null;
};

export const REPAIR_APPROVAL_HANDLERS: ProcessHandlers = {
  effects,
  conditions: {
    'account-manager-reachable': (step: StepContext) => {
      const manager = step.run.context.accountManager as { phone?: string | null } | null;
      if (!manager) return 'Skipped: the customer has no account manager';
      return manager.phone ? true : 'Skipped: the account manager has no phone number';
    },
  },
  taskData: { 'executive-approval': executiveData },
  // A run a person cancels before the request is decided ends the request Rejected (withdrawn): it
  // no longer waits for reviews, and the monthly summary, which counts decisions, leaves it out.
  onCancel: async (step: StepContext) => {
    const request = await requestOf(step);
    if (!request || (request.state !== 'Submitted' && request.state !== 'UnderReview')) return `request ${request?.number ?? '(none)'} is ${request?.state ?? 'gone'}: nothing to undo`;
    await update(step, { state: 'Rejected', decidedAt: step.now });
    return `request ${request.number} Rejected (withdrawn), not counted in the monthly summary`;
  },
};

