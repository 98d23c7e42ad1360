import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { Actor, currentActor } from '../../../../../guards/actor';
import { toCsv, validityAt } from '../../../../../domain';
import { now as clockNow } from '../../../../workflows/server/src/clock';
import { ConflictError } from '../../../../workflows/server/src/errors';
import { getService } from '../../../../workflows/server/src/utils';
import type { RunStep } from '../../../../workflows/server/src/domain';
import { PROCESS_ID } from '../domain';
import { ORDER_UID, PASS_UID, PRODUCT_UID, REVENUE_UID, transitConfig } from './steps';
import type { Customer, DailyRevenue, FareProduct, LoadedOrder, Pass, PassOrder } from './steps';
import { ownService } from '../utils';

/**
 * Pass orders: a purchase or a renewal opens the process's run and takes its first steps in the
 * request's transaction, so one refused on the way (no card left, a product off sale) leaves no
 * order, no run and no reservation behind; the run goes on after commit. Also what the routes
 * read: an order with its run and pass, a pass's validity, a day's revenue, the monthly report.
 */
const shownOrder = (order: PassOrder) => ({
  documentId: order.documentId,
  number: order.number,
  kind: order.kind,
  status: order.state,
  paymentMethod: order.paymentMethod,
  customer: order.customer ? { documentId: order.customer.documentId, name: order.customer.name } : null,
  product: order.product ? { code: order.product.code, name: order.product.name } : null,
  currency: order.currency,
  lines: order.lines,
  subtotalMinor: order.subtotalMinor,
  taxMinor: order.taxMinor,
  totalMinor: order.totalMinor,
  refundedMinor: order.refundedMinor ?? null,
  paidAt: order.paidAt ?? null,
  paidOn: order.paidOn ?? null,
  // Paid by card: where the customer pays, and what Stripe said (a refused or unmatched payment).
  ...(order.paymentMethod === 'stripe'
    ? {
        checkoutUrl: order.checkoutUrl ?? null,
        cardPayment: order.cardPayment ?? null,
        paymentIssue: order.paymentIssue ?? null,
        // A renewal charged to the saved card: `charged` (Stripe settles it), `declined` (paid by Checkout instead).
        offSession: order.offSession ?? null,
        // Payments not recorded as the order's, until Finance accepts or refunds them.
        unmatchedPayments: order.unmatchedPayments ?? [],
      }
    : {}),
});

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const runner = () => getService(strapi, 'runner');

  const cardPayments = () => ownService(strapi, 'card-payments');

  /**
   * Opens the run and takes its steps up to the payment in one transaction; answers the order.
   * Paid by card, the order's Checkout session is asked of Stripe once all that is committed.
   */
  const open = async (input: { customer: string; product: Pick<FareProduct, 'documentId' | 'code'>; paymentMethod: 'desk' | 'stripe'; renewalOf?: string; offSession?: boolean }, actor: Actor) => {
    const run = await strapi.db.transaction(async () => {
      const opened = await runner().open(
        PROCESS_ID,
        {
          subject: { type: 'api::customer.customer', documentId: input.customer },
          context: {
            product: input.product.documentId,
            productCode: input.product.code,
            paymentMethod: input.paymentMethod,
            ...(input.renewalOf ? { renewalOf: input.renewalOf } : {}),
            // The card saved by the renewed pass's payment is charged without the customer.
            ...(input.offSession ? { offSession: true } : {}),
          },
          // One renewal at a time per pass; a customer may buy several passes at once.
          ...(input.renewalOf ? { openKey: `pass:${input.renewalOf}` } : {}),
        },
        actor,
      );
      const taken = await runner().takeStepsIn(opened.documentId, actor);
      if (taken.state === 'failed') {
        const failed = (taken.steps as RunStep[]).find((step) => step.state === 'failed') as { result?: string } | undefined;
        // Thrown inside the transaction: the run, its order and any reservation roll back with it.
        throw new ConflictError(failed?.result ?? 'The order could not be created');
      }
      return taken;
    });
    const advanced = await runner().advance(run.documentId, actor);
    const order = advanced.context.order as string;
    const created: Pick<PassOrder, 'savedCard'> | null = await strapi.db.query(ORDER_UID).findOne({ where: { documentId: order }, select: ['savedCard'] });
    if (input.paymentMethod === 'stripe' && created?.savedCard) {
      try {
        await cardPayments().chargeSaved(order);
      } catch (error) {
        // The order stands (Pending, saying why); the retry job sends the charge with the same key.
        strapi.log.warn(`Off-session charge for transit order ${order} could not be sent: ${(error as Error).message}`);
      }
    } else if (input.paymentMethod === 'stripe') {
      try {
        await cardPayments().requestCheckout(order);
      } catch (error) {
        // The order stands (Pending, its card held); the answer says the link is missing and why.
        strapi.log.warn(`Checkout session for transit order ${order} could not be created: ${(error as Error).message}`);
        await strapi.documents(ORDER_UID).update({ documentId: order, data: { paymentIssue: `Stripe could not be reached: ${(error as Error).message}`.slice(0, 1000) } });
      }
    }
    return service.find(order);
  };

  const service = {
    /** A purchase: `{ customer, product (code), paymentMethod }`. */
    async purchase(input: { customer: string; product: string; paymentMethod: 'desk' | 'stripe' }, actor: Actor = currentActor(strapi)) {
      const customer = await strapi.documents('api::customer.customer').findOne({ documentId: input.customer });
      if (!customer) throw new errors.ValidationError(`No customer ${input.customer}`);
      const product = (await strapi.documents(PRODUCT_UID).findFirst({ filters: { code: input.product } })) as FareProduct | null;
      if (!product) throw new errors.ValidationError(`No fare product ${input.product}`);
      if (!product.active) throw new errors.ValidationError(`Fare product ${product.code} is not on sale`);
      if (input.paymentMethod === 'stripe') cardPayments().assertConfigured();
      return open({ customer: input.customer, product, paymentMethod: input.paymentMethod }, actor);
    },

    /**
     * Renews a period pass from the end of its validity (409 while a renewal of it is open), paid
     * as the pass was: a pass bought by card gets a new Checkout link (when Stripe is configured),
     * unless `paymentMethod` says otherwise; with `offSession` (the renewals job, for a pass whose
     * card was saved) the saved card is charged without the customer.
     */
    async renew(passDocumentId: string, actor: Actor = currentActor(strapi), paymentMethod?: 'desk' | 'stripe', offSession = false) {
      const pass = (await strapi.documents(PASS_UID).findOne({ documentId: passDocumentId, populate: { product: true, customer: true, order: true } })) as
        | (Pass & { product: FareProduct; customer: Customer })
        | null;
      if (!pass) throw new errors.NotFoundError(`No pass ${passDocumentId}`);
      if (pass.temporary) throw new errors.ValidationError('A single-use pass is not renewed: buy a new one');
      if (pass.state === 'Revoked') throw new errors.ValidationError('A revoked pass is not renewed');
      const lead = transitConfig(strapi).renewalLeadDays;
      if (pass.validUntil && new Date(pass.validUntil).getTime() - clockNow().getTime() > lead * 86_400_000) {
        throw new ConflictError(`This pass is valid until ${pass.validUntil}: its renewal opens ${lead} days before`, { validUntil: pass.validUntil });
      }
      if (!pass.product.active) throw new errors.ValidationError(`Fare product ${pass.product.code} is no longer on sale`);
      const method = paymentMethod ?? (pass.order?.paymentMethod === 'stripe' && cardPayments().configured() ? 'stripe' : 'desk');
      return open({ customer: pass.customer.documentId, product: pass.product, paymentMethod: method, renewalOf: passDocumentId, offSession: offSession && method === 'stripe' }, actor);
    },

    /**
     * The renewals due: auto-renewing period passes in force that end within `renewalLeadDays`
     * and have no renewal yet get one, as the system. A pass last paid by a card that Stripe saved
     * for off-session use is renewed by charging that card (when Stripe is configured) unless a
     * renewal of it already failed after that card was declined; any other is paid at the desk
     * (each waits for Billing). Safe to run twice and on every instance: a pass
     * with a renewal, or with one open, is left alone.
     */
    async openDueRenewals(now: Date = clockNow()) {
      const lead = transitConfig(strapi).renewalLeadDays;
      const due: (Pick<Pass, 'documentId'> & { order?: Pick<PassOrder, 'paymentMethod' | 'savedCard'> | null })[] = await strapi.db.query(PASS_UID).findMany({
        where: { state: 'Active', temporary: false, autoRenew: true, validUntil: { $gt: now, $lte: new Date(now.getTime() + lead * 86_400_000) } },
        select: ['documentId'],
        populate: { order: { select: ['paymentMethod', 'savedCard'] } },
        limit: 200,
      });
      const charging = cardPayments().configured();
      let opened = 0;
      for (const pass of due) {
        const renewed = await strapi.db.query(ORDER_UID).count({ where: { renewalOf: pass.documentId, state: { $in: ['Pending', 'Paid'] } } });
        if (renewed > 0) continue;
        try {
          // Nobody is there to open a Checkout link: the saved card is charged, or Billing collects.
          // A card that was declined for this pass's renewal before is not charged again: Billing follows it up.
          const declinedBefore =
            charging && (await strapi.db.query(ORDER_UID).count({ where: { renewalOf: pass.documentId, offSession: 'declined', state: 'Failed' } })) > 0;
          const offSession = charging && !declinedBefore && pass.order?.paymentMethod === 'stripe' && Boolean(pass.order?.savedCard);
          await service.renew(pass.documentId, { type: 'system', name: 'pass renewals' }, offSession ? 'stripe' : 'desk', offSession);
          opened += 1;
        } catch (error) {
          // Another instance opened it meanwhile, or the product left sale: the next run sees it again.
          if (!(error instanceof ConflictError) && !(error instanceof errors.ValidationError)) throw error;
        }
      }
      return { due: due.length, opened };
    },

    /** The order with its run and pass (the pass code only to staff, who hand it over). */
    async find(documentId: string) {
      const order = (await strapi.documents(ORDER_UID).findOne({ documentId, populate: { customer: true, product: true } })) as LoadedOrder | null;
      if (!order) throw new errors.NotFoundError(`No order ${documentId}`);
      const pass: Pass | null = await strapi.db.query(PASS_UID).findOne({ where: { order: { id: order.id } } });
      const run = order.run ? await runner().find(order.run) : null;
      return {
        ...shownOrder(order),
        run,
        pass: pass ? { documentId: pass.documentId, code: pass.code, status: pass.state, temporary: pass.temporary, autoRenew: pass.autoRenew, validFrom: pass.validFrom, validUntil: pass.validUntil } : null,
      };
    },

    /** Whether a pass lets its holder travel now: valid or not, why, until when; nothing personal. */
    async validity(code: string) {
      const pass: (Pass & { product: FareProduct }) | null = await strapi.db.query(PASS_UID).findOne({ where: { code }, populate: { product: true } });
      if (!pass) throw new errors.NotFoundError('No pass with this code');
      const answer = validityAt({ state: pass.state, validFrom: pass.validFrom ? new Date(pass.validFrom).toISOString() : null, validUntil: pass.validUntil ? new Date(pass.validUntil).toISOString() : null, activation: pass.product.activation }, clockNow());
      return { ...answer, product: { code: pass.product.code, name: pass.product.name, riderCategory: pass.product.riderCategory, fareMedium: pass.product.fareMedium } };
    },

    /** One agency-local day's paid orders, per currency. */
    async dailyRevenue(date: string) {
      const rows: DailyRevenue[] = await strapi.db.query(REVENUE_UID).findMany({ where: { date }, orderBy: { currency: 'asc' } });
      return { date, timezone: transitConfig(strapi).timezone, currencies: rows.map((row) => ({ currency: row.currency, orders: row.orders, totalMinor: Number(row.totalMinor) })) };
    },

    /** The monthly subscription report: new passes, renewals and cancellations, with totals per currency. */
    async monthly(month: string) {
      const [year, m] = month.split('-').map(Number);
      const from = `${month}-01`;
      const to = m === 12 ? `${year + 1}-01-01` : `${year}-${String(m + 1).padStart(2, '0')}-01`;
      const paid: Pick<PassOrder, 'kind' | 'currency' | 'totalMinor'>[] = await strapi.db.query(ORDER_UID).findMany({ where: { paidOn: { $gte: from, $lt: to }, state: { $in: ['Paid', 'Cancelled'] } }, select: ['kind', 'currency', 'totalMinor'] });
      const cancelled: Pick<PassOrder, 'currency' | 'refundedMinor'>[] = await strapi.db.query(ORDER_UID).findMany({
        where: { state: 'Cancelled', cancelledAt: { $gte: new Date(`${from}T00:00:00.000Z`), $lt: new Date(`${to}T00:00:00.000Z`) } },
        select: ['currency', 'refundedMinor'],
      });
      const lines = new Map<string, { currency: string; newCount: number; newMinor: number; renewalCount: number; renewalMinor: number; cancellations: number; refundedMinor: number }>();
      const line = (currency: string) => {
        const existing = lines.get(currency) ?? { currency, newCount: 0, newMinor: 0, renewalCount: 0, renewalMinor: 0, cancellations: 0, refundedMinor: 0 };
        lines.set(currency, existing);
        return existing;
      };
      for (const order of paid) {
        const row = line(order.currency);
        if (order.kind === 'renewal') {
          row.renewalCount += 1;
          row.renewalMinor += order.totalMinor;
        } else {
          row.newCount += 1;
          row.newMinor += order.totalMinor;
        }
      }
      for (const order of cancelled) {
        const row = line(order.currency);
        row.cancellations += 1;
        row.refundedMinor += order.refundedMinor ?? 0;
      }
      const all = [...lines.values()].sort((a, b) => a.currency.localeCompare(b.currency));
      return { month, new: all.reduce((n, l) => n + l.newCount, 0), renewals: all.reduce((n, l) => n + l.renewalCount, 0), cancellations: all.reduce((n, l) => n + l.cancellations, 0), currencies: all };
    },

    /** The monthly report as CSV, one line per currency (the content API and the admin page serve the same file). */
    async monthlyCsv(month: string): Promise<string> {
      const report = await service.monthly(month);
      const header = ['month', 'currency', 'new', 'new_minor', 'renewals', 'renewals_minor', 'cancellations', 'refunded_minor'];
      const rows = report.currencies.map((l) => [month, l.currency, l.newCount, l.newMinor, l.renewalCount, l.renewalMinor, l.cancellations, l.refundedMinor]);
      return toCsv([header, ...rows]);
    },
  };
  return service;
};
