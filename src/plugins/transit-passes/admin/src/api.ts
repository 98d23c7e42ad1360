import * as React from 'react';
import { useAPIErrorHandler, useFetchClient } from '@strapi/strapi/admin';
import { PLUGIN_ID } from './pluginId';

/**
 * Talking to the plugin's admin API (server/src/routes/admin.ts) with the panel's own fetch
 * client, which sends the admin's token. `useResource` loads one URL and says whether it is
 * loading, failed (with the server's message) or ready; `reload` fetches it again.
 */
export const apiPath = (path: string) => `/${PLUGIN_ID}${path}`;

export function useResource<T>(path: string | null, params?: Record<string, unknown>) {
  const { get } = useFetchClient();
  const { formatAPIError } = useAPIErrorHandler();
  const [state, setState] = React.useState<{ data: T | null; error: string | null; loading: boolean }>({ data: null, error: null, loading: true });
  const key = JSON.stringify([path, params]);
  const [version, setVersion] = React.useState(0);

  React.useEffect(() => {
    if (!path) return;
    let live = true;
    setState((previous) => ({ ...previous, loading: true }));
    get(apiPath(path), { params })
      .then((response: any) => live && setState({ data: response.data.data, error: null, loading: false }))
      .catch((error: any) => live && setState({ data: null, error: formatAPIError(error), loading: false }));
    return () => {
      live = false;
    };
    // `key` stands for path and params (compared by value, not by identity).
  }, [key, version]);

  return { ...state, reload: React.useCallback(() => setVersion((v) => v + 1), []) };
}

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

export interface PageOf<T> {
  items: T[];
  pagination: { page: number; pageSize: number; total: number; pageCount: number };
}

/** The monthly subscription report (the orders service's `monthly`). */
export interface MonthlyReport {
  month: string;
  new: number;
  renewals: number;
  cancellations: number;
  currencies: { currency: string; newCount: number; newMinor: number; renewalCount: number; renewalMinor: number; cancellations: number; refundedMinor: number }[];
}
