import type { Core } from '@strapi/strapi';
import { localDate } from '../../../../../domain';
import { now as clockNow } from '../../../../workflows/server/src/clock';
import { ORDER_UID, PASS_UID, PRODUCT_UID, REVENUE_UID, STOCK_UID, transitConfig } from './steps';
import type { CardStock, Customer, DailyRevenue, FareProduct, PassOrder } from './steps';

/**
 * What the Transit admin page shows (routes/admin.ts): a day's revenue, the passes in force, the
 * orders by state, the card stock, a page of orders. Nothing here writes. Money stays in minor
 * units with its currency; a day's total is a big integer, answered as a string of digits so no
 * figure is rounded on the way.
 */
export const ORDER_STATES = ['Pending', 'Paid', 'Failed', 'Cancelled'] as const;

export interface OrderFilters {
  state?: (typeof ORDER_STATES)[number];
  page: number;
  pageSize: number;
}

/** An order as the page lists it, with the customer's and product's attributes it reads. */
type ListedOrder = Omit<PassOrder, 'customer' | 'product'> & {
  customer?: Pick<Customer, 'documentId' | 'name'> | null;
  product?: Pick<FareProduct, 'code' | 'name' | 'riderCategory'> | null;
};

const listedOrder = (order: ListedOrder) => ({
  documentId: order.documentId,
  number: order.number,
  kind: order.kind,
  state: order.state,
  paymentMethod: order.paymentMethod,
  customer: order.customer ? { documentId: order.customer.documentId, name: order.customer.name } : null,
  product: order.product ? { code: order.product.code, name: order.product.name, riderCategory: order.product.riderCategory } : null,
  currency: order.currency,
  totalMinor: order.totalMinor,
  refundedMinor: order.refundedMinor ?? null,
  paidOn: order.paidOn ?? null,
  createdAt: order.createdAt,
});

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const query = (uid: string) => strapi.db.query(uid);

  /**
   * Passes in force now, per fare product: Active and not past their end (no job marks a pass
   * Expired, so its end date decides), and Issued ones not used yet. Counted per product (a short
   * list), then summed per rider category.
   */
  const passesInForce = async (at: Date) => {
    const products: Pick<FareProduct, 'id' | 'code' | 'name' | 'riderCategory' | 'fareMedium' | 'active'>[] = await query(PRODUCT_UID).findMany({ select: ['id', 'code', 'name', 'riderCategory', 'fareMedium', 'active'], orderBy: [{ riderCategory: 'asc' }, { code: 'asc' }] });
    const inForce = { state: 'Active', $or: [{ validUntil: { $null: true } }, { validUntil: { $gt: at } }] };
    const byProduct = await Promise.all(
      products.map(async (product) => ({
        code: product.code,
        name: product.name,
        riderCategory: product.riderCategory,
        fareMedium: product.fareMedium,
        onSale: product.active,
        active: await query(PASS_UID).count({ where: { ...inForce, product: { id: product.id } } }),
        issued: await query(PASS_UID).count({ where: { state: 'Issued', product: { id: product.id } } }),
      })),
    );
    const categories = new Map<string, { riderCategory: string; active: number; issued: number }>();
    for (const line of byProduct) {
      const category = categories.get(line.riderCategory) ?? { riderCategory: line.riderCategory, active: 0, issued: 0 };
      category.active += line.active;
      category.issued += line.issued;
      categories.set(line.riderCategory, category);
    }
    return {
      byProduct,
      byCategory: [...categories.values()],
      active: byProduct.reduce((n, line) => n + line.active, 0),
    };
  };

  return {
    /** Today in the agency's time zone: the day the overview shows unless told another. */
    today(): string {
      return localDate(clockNow(), transitConfig(strapi).timezone);
    },

    async overview(date: string) {
      const at = clockNow();
      const revenueRows: DailyRevenue[] = await query(REVENUE_UID).findMany({ where: { date }, orderBy: { currency: 'asc' } });
      const orderCounts = await Promise.all(ORDER_STATES.map(async (state) => ({ state, count: await query(ORDER_UID).count({ where: { state } }) })));
      const stock: (Omit<CardStock, 'product'> & { product?: Pick<FareProduct, 'code' | 'name' | 'riderCategory'> | null })[] = await query(STOCK_UID).findMany({ populate: { product: { select: ['code', 'name', 'riderCategory'] } }, orderBy: { id: 'asc' } });
      return {
        date,
        timezone: transitConfig(strapi).timezone,
        asOf: at.toISOString(),
        revenue: revenueRows.map((row) => ({ currency: row.currency, orders: row.orders, totalMinor: String(row.totalMinor) })),
        passes: await passesInForce(at),
        orders: { byState: orderCounts, total: orderCounts.reduce((n, line) => n + line.count, 0) },
        cardStock: stock
          .map((row) => ({
            product: row.product ? { code: row.product.code, name: row.product.name, riderCategory: row.product.riderCategory } : null,
            onHand: row.onHand,
            reserved: row.reserved,
            available: Math.max(0, row.onHand - row.reserved),
          }))
          .sort((a, b) => (a.product?.code ?? '').localeCompare(b.product?.code ?? '')),
      };
    },

    /** Orders, newest first, of one state or all. */
    async listOrders(filters: OrderFilters) {
      const where = filters.state ? { state: filters.state } : {};
      const [rows, total] = await Promise.all([
        query(ORDER_UID).findMany({
          where,
          populate: { customer: { select: ['documentId', 'name'] }, product: { select: ['code', 'name', 'riderCategory'] } },
          orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
          limit: filters.pageSize,
          offset: (filters.page - 1) * filters.pageSize,
        }),
        query(ORDER_UID).count({ where }),
      ]);
      return { items: rows.map(listedOrder), pagination: { page: filters.page, pageSize: filters.pageSize, total, pageCount: Math.ceil(total / filters.pageSize) } };
    },
  };
};
