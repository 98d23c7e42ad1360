import { pluginApi } from '../../../../admin-shared/api';
import { PLUGIN_ID } from './pluginId';

/** The plugin's admin API (server/src/routes/admin.ts), through the panel's shared hooks. */
export const { apiPath, useResource, useDownload } = pluginApi(PLUGIN_ID);

/** What GET /overview answers (server/src/services/panel.ts). */
export interface Overview {
  date: string;
  timezone: string;
  asOf: string;
  revenue: { currency: string; orders: number; totalMinor: string }[];
  passes: {
    byProduct: { code: string; name: string; riderCategory: string; fareMedium: string; onSale: boolean; active: number; issued: number }[];
    byCategory: { riderCategory: string; active: number; issued: number }[];
    active: number;
  };
  orders: { byState: { state: string; count: number }[]; total: number };
  cardStock: { product: { code: string; name: string; riderCategory: string } | null; onHand: number; reserved: number; available: number }[];
}

export interface OrderRow {
  documentId: string;
  number: string;
  kind: 'new' | 'renewal';
  state: string;
  paymentMethod: string;
  customer: { documentId: string; name: string } | null;
  product: { code: string; name: string; riderCategory: string } | null;
  currency: string;
  totalMinor: number;
  refundedMinor: number | null;
  paidOn: string | null;
  createdAt: string;
}

export type { PageOf } from '../../../../admin-shared/api';

/** The monthly subscription report (the orders service's `monthly`). */
export interface MonthlyReport {
  month: string;
  new: number;
  renewals: number;
  cancellations: number;
  currencies: { currency: string; newCount: number; newMinor: number; renewalCount: number; renewalMinor: number; cancellations: number; refundedMinor: number }[];
}
