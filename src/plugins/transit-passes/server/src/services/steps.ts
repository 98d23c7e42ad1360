import crypto from 'node:crypto';
import type { Core, Data, Modules } from '@strapi/strapi';
import QRCode from 'qrcode';
import { escapeHtml, formatAmount, isCurrencyCode, localDate, orderTotals, validUntil, verificationStanding } from '../../../../../domain';
import type { Activation, CalendarDate, FARE_MEDIA, PassOrderStatus, PassStatus, PROOFS, RIDER_CATEGORIES, ValidityKind } from '../../../../../domain';
import { getService } from '../../../../workflows/server/src/utils';
import type { ProcessHandlers, StepContext, StepOutcome, TaskDecision } from '../../../../workflows/server/src/services/registry';
import { ownService } from '../utils';
import type { UnmatchedPayment } from './card-payments';

/**
 * What each step of a pass purchase or renewal does, in the step's transaction (the engine runs
 * them one per transaction and keeps the run). Card stock moves in the same transaction as the
 * order's change it goes with, by conditional updates, so stock is never negative and never leaks.
 */
export const PRODUCT_UID = 'plugin::transit-passes.fare-product';
export const STOCK_UID = 'plugin::transit-passes.card-stock';
export const ORDER_UID = 'plugin::transit-passes.order';
export const PASS_UID = 'plugin::transit-passes.pass';
export const VERIFICATION_UID = 'plugin::transit-passes.verification';
export const REVENUE_UID = 'plugin::transit-passes.daily-revenue';
export const STOCK_TABLE = 'transit_card_stock';

/**
 * A document read whole: the attributes its schema requires are there (Strapi types every
 * attribute optional, as a read may select only some).
 */
type Stored<T, Required extends keyof T> = T & { [K in Required]-?: NonNullable<T[K]> };

/** A record with some attributes read as what they hold (enumerations as their values, JSON columns as this plugin writes them). */
type Reading<T, As> = Omit<T, keyof As> & As;

export type Customer = Stored<Data.ContentType<'api::customer.customer'>, 'name' | 'email'>;

export type FareProduct = Reading<
  Stored<Data.ContentType<typeof PRODUCT_UID>, 'code' | 'name' | 'active' | 'currency' | 'priceMinor' | 'serviceFeeMinor' | 'taxRateBps' | 'validityAmount'>,
  {
    activation: Activation;
    fareMedium: (typeof FARE_MEDIA)[number];
    proofRequired: (typeof PROOFS)[number];
    riderCategory: (typeof RIDER_CATEGORIES)[number];
    validityKind: ValidityKind;
  }
>;

/** A pass order as stored; its customer and product when populated. */
export type PassOrder = Reading<
  Stored<Data.ContentType<typeof ORDER_UID>, 'number' | 'currency' | 'cardReserved' | 'subtotalMinor' | 'taxMinor' | 'totalMinor' | 'lines' | 'run'>,
  {
    kind: 'new' | 'renewal';
    state: PassOrderStatus;
    paymentMethod: 'desk' | 'stripe';
    cardPayment?: 'requested' | 'paid' | 'failed' | null;
    offSession?: 'charged' | 'declined' | null;
    paidOn?: CalendarDate | null;
    unmatchedPayments?: UnmatchedPayment[] | null;
    customer?: Customer | null;
    product?: FareProduct | null;
  }
>;

/** An order read with its customer and product (every order has both). */
export type LoadedOrder = PassOrder & { customer: Customer; product: FareProduct };

/** A pass as stored; its customer, product and order when populated. */
export type Pass = Reading<
  Stored<Data.ContentType<typeof PASS_UID>, 'code' | 'temporary' | 'autoRenew'>,
  { state: PassStatus; customer?: Customer | null; product?: FareProduct | null; order?: PassOrder | null }
>;

export type DailyRevenue = Stored<Data.ContentType<typeof REVENUE_UID>, 'date' | 'currency' | 'orders' | 'totalMinor'>;

export type CardStock = Reading<Stored<Data.ContentType<typeof STOCK_UID>, 'onHand' | 'reserved'>, { product?: FareProduct | null }>;

export type Verification = Stored<Data.ContentType<typeof VERIFICATION_UID>, 'category' | 'method' | 'verifiedAt'>;

/** What a transit run gathers in its context: the first three when it is opened (orders.ts), the others from the step that sets them on. */
export type TransitContext = {
  product: string;
  productCode: string;
  paymentMethod: 'desk' | 'stripe';
  renewalOf?: string;
  offSession?: boolean;
  /** retrieve-profile */
  customer?: { documentId: string; name: string; email: string; phone: string | null };
  /** check-availability */
  cardReserved?: boolean;
  /** calculate-total */
  totals?: ReturnType<typeof orderTotals> & { currency: string };
  /** create-order */
  order?: string;
  orderNumber?: string;
  /** mark-paid */
  paidOn?: string;
  /** generate-pass */
  pass?: string;
};

import type { Input, Writes } from '../../../../../setup/documents';

export type { Input, Writes };

/** What an order is updated with (see Writes). */
export type OrderChanges = Writes<typeof ORDER_UID>;
export type OrderUpdate = Modules.Documents.Params.Data.PartialInput<typeof ORDER_UID>;

export interface TransitConfig {
  timezone: string;
  reverifyDays: number;
  verificationValidDays: number;
  renewalLeadDays: number;
  cleanupSchedule: string;
  renewalsSchedule: string;
  checkoutRetrySchedule: string;
}

export const transitConfig = (strapi: Core.Strapi) => strapi.config.get('plugin::transit-passes') as TransitConfig;

type Effect = (step: StepContext) => Promise<StepOutcome>;

const amount = (minor: number, currency: string) => (isCurrencyCode(currency) ? formatAmount(minor, currency) : `${minor} ${currency}`);

/** A pass code: 128 random bits, URL-safe (22 characters). */
export const newPassCode = (): string => crypto.randomBytes(16).toString('base64url');

/** The content id of the pass's QR code in the confirmation email (`<img src="cid:pass-qr">`). */
export const PASS_QR_CID = 'pass-qr';

/**
 * The pass code as a QR code (PNG, base64) a gate or an inspector's device scans: error
 * correction M (15 % of the symbol may be damaged) and a 4-module quiet zone, as the QR standard
 * asks, 240 pixels wide for a phone screen.
 */
export const passQrPng = async (code: string): Promise<string> =>
  (await QRCode.toBuffer(code, { type: 'png', errorCorrectionLevel: 'M', margin: 4, width: 240 })).toString('base64');

/** The next order number of the year (PO-2026-000001), gapless: the engine's counters, in the caller's transaction. */
const nextNumber = (strapi: Core.Strapi, year: number): Promise<string> => getService(strapi, 'numbers').next('PO', year);

/** Moves a card product's stock by one conditional statement; false when the condition does not hold (nothing changed). */
const moveStock = async (strapi: Core.Strapi, productId: Data.ID, change: 'reserve' | 'release' | 'consume' | 'restock'): Promise<boolean> =>
  // In the caller's transaction (the step's): the stock moves with the order's change or not at all.
  strapi.db.transaction(async ({ trx }) => {
    const stock: Pick<CardStock, 'id'> | null = await strapi.db.query(STOCK_UID).findOne({ where: { product: { id: productId } }, select: ['id'] });
    if (!stock) return false;
    const query = trx(STOCK_TABLE).where({ id: stock.id });
    const updated =
      change === 'reserve'
        ? await query.andWhereRaw('on_hand - reserved > 0').increment('reserved', 1)
        : change === 'release'
          ? await query.andWhere('reserved', '>', 0).decrement('reserved', 1)
          : change === 'consume'
            ? await query
                .andWhere('reserved', '>', 0)
                .andWhere('on_hand', '>', 0)
                .update({
                  reserved: strapi.db.connection.raw('reserved - 1'),
                  on_hand: strapi.db.connection.raw('on_hand - 1'),
                })
            : await query.increment('on_hand', 1);
    return Number(updated) === 1;
  });

const ctx = (step: StepContext) => step.run.context as TransitContext;

/** The run's order, once create-order made it (an order is never deleted). */
const orderOf = (step: StepContext) =>
  step.strapi.documents(ORDER_UID).findOne({
    documentId: ctx(step).order!,
    populate: { product: true, customer: true },
  }) as Promise<LoadedOrder>;

const updateOrder = (step: StepContext, data: OrderChanges) => step.strapi.documents(ORDER_UID).update({ documentId: ctx(step).order!, data: data as OrderUpdate });

/** The day's paid orders per currency, counted again from the orders (safe to run twice). */
export const refreshDailyRevenue = async (strapi: Core.Strapi, date: string, currency: string) => {
  const paid: Pick<PassOrder, 'totalMinor'>[] = await strapi.db.query(ORDER_UID).findMany({
    where: { paidOn: date, currency, state: 'Paid' },
    select: ['totalMinor'],
  });
  const total = paid.reduce((sum, order) => sum + order.totalMinor, 0);
  const existing: DailyRevenue | null = await strapi.db.query(REVENUE_UID).findOne({ where: { date, currency } });
  const data = {
    date,
    currency,
    orders: paid.length,
    totalMinor: String(total),
  };
  if (existing) await strapi.db.query(REVENUE_UID).update({ where: { id: existing.id }, data });
  else await strapi.db.query(REVENUE_UID).create({ data });
  return { orders: paid.length, totalMinor: total };
};

/** A verification of the customer for the category that still holds at `on`. */
const validVerification = async (strapi: Core.Strapi, customer: string, category: string, on: Date) => {
  const found: Verification[] = await strapi.db.query(VERIFICATION_UID).findMany({
    where: { customer: { documentId: customer }, category },
    orderBy: { verifiedAt: 'desc' },
    limit: 5,
  });
  return found.find((v) => verificationStanding(v.expiresAt ? new Date(v.expiresAt) : null, on, 0).valid) ?? null;
};

const decisionOn = (step: StepContext, stepId: string) => (step.run.context.decisions as Record<string, TaskDecision> | undefined)?.[stepId];

const effects: Record<string, Effect> = {
  async 'retrieve-profile'(step) {
    const customer = await step.strapi.documents('api::customer.customer').findOne({ documentId: step.run.subject!.documentId });
    if (!customer)
      return {
        outcome: 'fail',
        result: `Customer ${step.run.subject!.documentId} no longer exists`,
      };
    const active = await step.strapi.db.query(PASS_UID).count({
      where: {
        customer: { documentId: customer.documentId },
        state: 'Active',
      },
    });
    return {
      outcome: 'done',
      result: `${customer.name}: ${active} active pass(es), subscription ${customer.transitStatus ?? 'None'}`,
      context: {
        customer: {
          documentId: customer.documentId,
          name: customer.name,
          email: customer.email,
          phone: customer.phone ?? null,
        },
      },
    };
  },

  async 'check-availability'(step) {
    const product = (await step.strapi.documents(PRODUCT_UID).findOne({ documentId: ctx(step).product })) as FareProduct | null;
    if (!product?.active)
      return {
        outcome: 'fail',
        result: `Fare product ${ctx(step).productCode} is not on sale`,
      };
    if (product.fareMedium !== 'card')
      return {
        outcome: 'done',
        result: `${product.name}: a digital pass, no stock needed`,
        context: { cardReserved: false },
      };
    if (!(await moveStock(step.strapi, product.id, 'reserve')))
      return {
        outcome: 'fail',
        result: `No ${product.name} card is available: the stock is sold out`,
      };
    return {
      outcome: 'done',
      result: `${product.name}: one card reserved`,
      context: { cardReserved: true },
    };
  },

  async 'calculate-total'(step) {
    // check-availability found it on sale.
    const product = (await step.strapi.documents(PRODUCT_UID).findOne({ documentId: ctx(step).product })) as FareProduct;
    const totals = orderTotals(product);
    return {
      outcome: 'done',
      result: `${amount(product.priceMinor, product.currency)} + fee ${amount(product.serviceFeeMinor, product.currency)} + tax ${amount(totals.taxMinor, product.currency)} = ${amount(totals.totalMinor, product.currency)}`,
      context: { totals: { ...totals, currency: product.currency } },
    };
  },

  async 'create-order'(step) {
    const c = ctx(step);
    // A renewal charged off-session: the card the renewed pass was last paid with.
    const renewed: { order?: Pick<PassOrder, 'savedCard'> | null } | null = c.offSession && c.renewalOf ? await step.strapi.db.query(PASS_UID).findOne({ where: { documentId: c.renewalOf }, populate: { order: { select: ['savedCard'] } } }) : null;
    const savedCard: string | null = renewed?.order?.savedCard ?? null;
    const number = await nextNumber(step.strapi, Number(step.today.slice(0, 4)));
    const order = await step.strapi.documents(ORDER_UID).create({
      data: {
        number,
        customer: step.run.subject!.documentId,
        product: c.product,
        kind: c.renewalOf ? 'renewal' : 'new',
        state: 'Pending',
        paymentMethod: c.paymentMethod,
        currency: c.totals!.currency,
        lines: c.totals!.lines,
        subtotalMinor: c.totals!.subtotalMinor,
        taxMinor: c.totals!.taxMinor,
        totalMinor: c.totals!.totalMinor,
        cardReserved: c.cardReserved,
        renewalOf: c.renewalOf ?? null,
        savedCard,
        run: step.run.documentId,
        // Through unknown: OrderLine, an interface, is not comparable to Strapi's JSON type (see Writes).
      } satisfies Writes<typeof ORDER_UID> as unknown as Input<typeof ORDER_UID>,
    });
    return {
      outcome: 'done',
      result: `Order ${number} for ${amount(c.totals!.totalMinor, c.totals!.currency)}, Pending${savedCard ? ', to charge to the saved card' : ''}`,
      context: { order: order.documentId, orderNumber: number },
    };
  },

  /**
   * Paid by card: Stripe's webhook settles the payment on the order and signals this step (see
   * card-payments.ts); run again before or after that (a resumed run), it reads the order.
   */
  async 'card-payment'(step) {
    const order = await orderOf(step);
    if (order.cardPayment === 'paid') return { outcome: 'done', result: `Paid by card (${order.stripePaymentIntent ?? 'Stripe'})` };
    if (order.cardPayment === 'failed') return { outcome: 'done', result: `Card payment failed: ${order.paymentIssue ?? 'not paid'}` };
    return {
      outcome: 'wait',
      result: order.savedCard && order.offSession !== 'declined' ? 'Waiting for Stripe: the saved card is charged' : 'Waiting for Stripe: the customer pays on the Checkout page',
    };
  },

  async 'card-outcome'(step) {
    const order = await orderOf(step);
    if (order.cardPayment === 'paid') return { outcome: 'done', result: 'Paid by card', branch: 'paid' };
    return { outcome: 'done', result: `Not paid: ${order.paymentIssue ?? 'the card payment failed'}`, branch: 'failed' };
  },

  async 'mark-paid'(step) {
    const order = await orderOf(step);
    const paidOn = localDate(step.now, transitConfig(step.strapi).timezone);
    await updateOrder(step, { state: 'Paid', paidAt: step.now, paidOn });
    if (order.cardReserved && !(await moveStock(step.strapi, order.product.id, 'consume'))) {
      return {
        outcome: 'fail',
        result: `Order ${order.number}: its reserved card is no longer in stock`,
      };
    }
    const how = ctx(step).paymentMethod === 'desk' ? 'at the desk' : 'by card';
    return {
      outcome: 'done',
      result: `Order ${order.number} paid ${how} on ${paidOn}`,
      context: { paidOn },
    };
  },

  async 'daily-revenue'(step) {
    const c = ctx(step);
    const day = await refreshDailyRevenue(step.strapi, c.paidOn!, c.totals!.currency);
    return {
      outcome: 'done',
      result: `${c.paidOn}: ${day.orders} paid order(s), ${amount(day.totalMinor, c.totals!.currency)}`,
    };
  },

  async 'generate-pass'(step) {
    const order = await orderOf(step);
    const product = order.product;
    const existing: Pass | null = await step.strapi.db.query(PASS_UID).findOne({ where: { order: { id: order.id } } });
    if (existing)
      return {
        outcome: 'done',
        result: 'Pass already generated',
        context: { pass: existing.documentId },
      };
    // A renewal continues the pass it renews: valid from the end of the paid period, if later than now.
    const previous = ctx(step).renewalOf ? await step.strapi.documents(PASS_UID).findOne({ documentId: ctx(step).renewalOf! }) : null;
    const start = previous?.validUntil && new Date(previous.validUntil) > step.now ? new Date(previous.validUntil) : step.now;
    const onPurchase = product.activation === 'on-purchase';
    const pass = await step.strapi.documents(PASS_UID).create({
      data: {
        code: newPassCode(),
        customer: order.customer.documentId,
        product: product.documentId,
        order: order.documentId,
        state: onPurchase ? 'Active' : 'Issued',
        temporary: product.validityKind === 'single-use',
        // Period passes renew by themselves, as plans do; a rider may turn it off at the desk.
        autoRenew: product.validityKind !== 'single-use',
        validFrom: onPurchase ? start : null,
        validUntil: onPurchase ? validUntil(start, product.validityKind, product.validityAmount) : null,
      } satisfies Writes<typeof PASS_UID> as Input<typeof PASS_UID>,
    });
    const validity = onPurchase ? `valid until ${pass.validUntil}` : 'valid from its first use';
    return {
      outcome: 'done',
      result: `Pass issued, ${validity}`,
      context: { pass: pass.documentId },
    };
  },

  async 'record-verification'(step) {
    const decision = decisionOn(step, 'verify-eligibility')!;
    const product = (await step.strapi.documents(PRODUCT_UID).findOne({ documentId: ctx(step).product })) as FareProduct;
    const days = transitConfig(step.strapi).verificationValidDays;
    const data = (decision.data ?? {}) as {
      method?: string;
      evidenceRef?: string;
    };
    const expiresAt = new Date(step.now.getTime() + days * 86_400_000);
    await step.strapi.documents(VERIFICATION_UID).create({
      data: {
        customer: step.run.subject!.documentId,
        // needs-proof: only a product that needs a proof has its verification recorded.
        category: product.proofRequired as Exclude<FareProduct['proofRequired'], 'none'>,
        method: data.method ?? 'in person',
        verifiedBy: decision.by,
        verifiedAt: decision.at,
        expiresAt,
        evidenceRef: data.evidenceRef ?? null,
        // Through unknown: the actor, an interface, is not comparable to Strapi's JSON type (see Writes).
      } satisfies Writes<typeof VERIFICATION_UID> as unknown as Input<typeof VERIFICATION_UID>,
    });
    return {
      outcome: 'done',
      result: `${product.proofRequired} verified by ${decision.by.name ?? decision.by.type}, until ${expiresAt.toISOString().slice(0, 10)}`,
    };
  },

  async 'email-pass'(step) {
    const order = await orderOf(step);
    const pass = (await step.strapi.documents(PASS_UID).findOne({ documentId: ctx(step).pass! })) as Pass;
    const customer = ctx(step).customer!;
    const lines = (order.lines as { description: string; amountMinor: number }[]).map((l) => `  ${l.description}: ${amount(l.amountMinor, order.currency)}`).join('\n');
    const validity = pass.validUntil ? `Valid from ${pass.validFrom} until ${pass.validUntil}.` : 'Valid from its first use.';
    const text = `Hello ${customer.name},\n\nThank you for your order ${order.number}.\n${lines}\n  Total: ${amount(order.totalMinor, order.currency)}\n\nYour pass code: ${pass.code}\n${validity}\nShow this code at the gate or to an inspector.`;
    const html =
      `<p>${escapeHtml(text).replace(/\n/g, '<br>')}</p>` +
      `<p><img src="cid:${PASS_QR_CID}" width="240" height="240" alt="QR code of your pass ${escapeHtml(pass.code)}"></p>`;
    return {
      outcome: 'done',
      result: `Receipt and pass emailed to ${customer.email}`,
      messages: [
        {
          channel: 'email',
          to: customer.email,
          subject: `Your ${order.product.name} (order ${order.number})`,
          text,
          html,
          images: [{ cid: PASS_QR_CID, png: await passQrPng(pass.code) }],
        },
      ],
    };
  },

  async 'sms-activation'(step) {
    const customer = ctx(step).customer!;
    return {
      outcome: 'done',
      result: `Activation SMS to ${customer.phone}`,
      messages: [
        {
          channel: 'sms',
          to: customer.phone!,
          text: `Your transit pass for order ${ctx(step).orderNumber} is ready. The code is in your email.`,
        },
      ],
    };
  },

  async 'subscription-active'(step) {
    await step.strapi.documents('api::customer.customer').update({
      documentId: step.run.subject!.documentId,
      data: { transitStatus: 'Active' },
    });
    return { outcome: 'done', result: 'Subscription status Active' };
  },

  async 'monthly-report'(step) {
    return {
      outcome: 'done',
      result: `Counted as ${ctx(step).renewalOf ? 'a renewal' : 'new'} in ${String(ctx(step).paidOn).slice(0, 7)}`,
    };
  },

  async 'undo-order'(step) {
    if (!ctx(step).order) {
      return { outcome: 'done', result: 'No order was created' };
    }
    const order = await orderOf(step);
    if (order.state === 'Pending') {
      await updateOrder(step, { state: 'Failed', cancelledAt: step.now });
      if (order.cardReserved) await moveStock(step.strapi, order.product.id, 'release');
      return {
        outcome: 'done',
        result: `Order ${order.number} Failed${order.cardReserved ? ', its card released' : ''}`,
      };
    }
    if (order.state === 'Paid') {
      await updateOrder(step, {
        state: 'Cancelled',
        cancelledAt: step.now,
        refundedMinor: order.totalMinor,
      });
      if (ctx(step).pass)
        await step.strapi.documents(PASS_UID).update({
          documentId: ctx(step).pass!,
          data: { state: 'Revoked' },
        });
      // The card was never handed over: it goes back on the shelf.
      if (order.cardReserved) await moveStock(step.strapi, order.product.id, 'restock');
      await refreshDailyRevenue(step.strapi, order.paidOn!, order.currency);
      // Paid by card, the money is at Stripe: Finance refunds it there (a desk payment is handed back at the desk).
      const byCard = order.paymentMethod === 'stripe' && order.cardPayment === 'paid';
      if (byCard) await ownService(step.strapi, 'card-payments').refundDue(order, step.now);
      return {
        outcome: 'done',
        result: `Order ${order.number} Cancelled, ${amount(order.totalMinor, order.currency)} ${byCard ? 'to refund to the card (a Finance task)' : 'refunded'}, pass revoked`,
      };
    }
    return {
      outcome: 'done',
      result: `Order ${order.number} is ${order.state}: nothing to undo`,
    };
  },

  async 'tell-customer'(step) {
    const customer = ctx(step).customer!;
    const rejected = Object.values((step.run.context.decisions ?? {}) as Record<string, TaskDecision>).find((d) => d.outcome === 'rejected' || d.outcome === 'declined');
    const order = ctx(step).order ? await orderOf(step) : null;
    const why =
      rejected?.step === 'verify-eligibility'
        ? `we could not verify your eligibility (${rejected.note}); your order is cancelled and ${order?.paymentMethod === 'stripe' ? 'its amount will be refunded to your card' : 'refunded'}`
        : order?.cardPayment === 'failed' && String(order.paymentIssue ?? '').startsWith('refunded: ')
          ? `your card payment did not match the order (${String(order.paymentIssue).slice('refunded: '.length)}); it is refunded to your card and the order is cancelled`
          : order?.cardPayment === 'failed'
          ? `the card payment did not go through (${order.paymentIssue ?? 'not paid'}); nothing was charged`
          : `the payment was declined${rejected?.note ? ` (${rejected.note})` : ''}; nothing was charged`;
    return {
      outcome: 'done',
      result: `Customer told at ${customer.email}`,
      messages: [
        {
          channel: 'email',
          to: customer.email,
          subject: `Your transit pass order ${ctx(step).orderNumber ?? ''}`.trim(),
          text: `Hello ${customer.name},\n\nYour pass order ${ctx(step).orderNumber ?? ''} could not be completed: ${why}.`,
        },
      ],
    };
  },

  async 'remove-expired'(step) {
    const removed = await removeExpiredTemporary(step.strapi, step.now);
    return {
      outcome: 'done',
      result: `${removed} expired temporary pass(es) removed`,
    };
  },
};

/**
 * Removes single-use passes whose validity has ended; the audit log keeps what was removed.
 * Safe to run twice and on every instance: a pass already removed is not found again.
 */
export const removeExpiredTemporary = async (strapi: Core.Strapi, now: Date): Promise<number> => {
  const expired: Pass[] = await strapi.db.query(PASS_UID).findMany({
    where: { temporary: true, validUntil: { $lt: now } },
    populate: ['order', 'product'],
    limit: 500,
  });
  for (const pass of expired) {
    await strapi.db.transaction(async () => {
      const { count } = await strapi.db.query(PASS_UID).deleteMany({ where: { id: pass.id } });
      if (count !== 1) return;
      await strapi
        .plugin('workflows')
        .service('audit')
        .record({
          action: 'pass.removed',
          entityUid: PASS_UID,
          entityDocumentId: pass.documentId,
          actor: { type: 'system', name: 'expired-passes clean-up' },
          summary: `Expired temporary pass of ${pass.product?.name ?? 'a product'} (order ${pass.order?.number ?? '-'}) removed`,
          data: {
            order: pass.order?.number ?? null,
            product: pass.product?.code ?? null,
            validFrom: pass.validFrom,
            validUntil: pass.validUntil,
            state: pass.state,
          },
        });
    });
  }
  return expired.length;
};

const verificationData = (data: Record<string, unknown>, outcome: string): string | null => {
  const extra = Object.keys(data).find((key) => !['method', 'evidenceRef'].includes(key));
  if (extra) return `${extra} is not taken: only method and evidenceRef`;
  if (outcome !== 'verified') return 'a method and evidence come with a verification only';
  if (typeof data.method !== 'string' || !data.method.trim() || data.method.length > 120) return 'method must say how it was verified (at most 120 characters)';
  if (data.evidenceRef !== undefined && (typeof data.evidenceRef !== 'string' || data.evidenceRef.length > 200)) return 'evidenceRef must be a reference of at most 200 characters';
  return null;
};

export const TRANSIT_HANDLERS: ProcessHandlers = {
  effects,
  conditions: {
    'pays-at-desk': (step: StepContext) => (ctx(step).paymentMethod === 'desk' ? true : 'Skipped: paid by card'),
    'pays-by-card': (step: StepContext) => (ctx(step).paymentMethod === 'stripe' ? true : 'Skipped: paid at the desk'),
    'needs-proof': async (step: StepContext) => {
      const product = (await step.strapi.documents(PRODUCT_UID).findOne({ documentId: ctx(step).product })) as FareProduct;
      if (product.proofRequired === 'none') return `Skipped: ${product.name} needs no proof`;
      const held = await validVerification(step.strapi, step.run.subject!.documentId, product.proofRequired, step.now);
      return held
        ? `Skipped: ${product.proofRequired} verified on ${new Date(held.verifiedAt).toISOString().slice(0, 10)}, valid until ${held.expiresAt ? new Date(held.expiresAt).toISOString().slice(0, 10) : 'no end'}`
        : true;
    },
    'verified-now': (step: StepContext) => (decisionOn(step, 'verify-eligibility')?.outcome === 'verified' ? true : 'Skipped: no verification was needed'),
    'has-phone': (step: StepContext) => (ctx(step).customer?.phone ? true : 'Skipped: the customer has no phone number'),
  },
  taskData: { 'eligibility-check': verificationData },
  // A run cancelled by a person undoes its order as a rejection does (its card released, a paid
  // order cancelled and refunded, its pass revoked); the customer is not emailed.
  onCancel: async (step: StepContext) => {
    const undone = await effects['undo-order'](step);
    return undone.result;
  },
};

/** Version 1's handlers: as before card payments (its card-payment step waits with no effect, and it has no card-outcome). */
export const TRANSIT_HANDLERS_V1: ProcessHandlers = {
  ...TRANSIT_HANDLERS,
  effects: Object.fromEntries(Object.entries(effects).filter(([id]) => id !== 'card-payment' && id !== 'card-outcome')),
};
