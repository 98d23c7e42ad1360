import * as React from 'react';
import { useFetchClient, useNotification } from '@strapi/strapi/admin';
import { PLUGIN_ID } from './pluginId';

/**
 * Talking to the plugin's admin API (server/src/routes/admin.ts) with the panel's own fetch
 * client, which sends the admin's token. `useResource` loads one URL and says whether it is
 * loading, failed (with the server's message) or ready; `reload` fetches it again.
 */
export const apiPath = (path: string) => `/${PLUGIN_ID}${path}`;

export const errorMessage = (error: any): string =>
  error?.response?.data?.error?.message ?? error?.message ?? 'Something went wrong';

export function useResource<T>(path: string | null, params?: Record<string, unknown>) {
  const { get } = useFetchClient();
  const [state, setState] = React.useState<{ data: T | null; error: string | null; loading: boolean }>({ data: null, error: null, loading: true });
  const key = JSON.stringify([path, params]);
  const [version, setVersion] = React.useState(0);

  React.useEffect(() => {
    if (!path) return;
    let live = true;
    setState((previous) => ({ ...previous, loading: true }));
    get(apiPath(path), { params })
      .then((response: any) => live && setState({ data: response.data.data, error: null, loading: false }))
      .catch((error: any) => live && setState({ data: null, error: errorMessage(error), loading: false }));
    return () => {
      live = false;
    };
    // `key` stands for path and params (compared by value, not by identity).
  }, [key, version]);

  return { ...state, reload: React.useCallback(() => setVersion((v) => v + 1), []) };
}

/**
 * Downloads a month's summary as CSV. A plain link would go without the admin's token, so the
 * file is fetched with it and handed to the browser.
 */
export const useSummaryDownload = () => {
  const { get } = useFetchClient();
  const { toggleNotification } = useNotification();
  return React.useCallback(
    async (month: string) => {
      try {
        const response: any = await get(apiPath(`/reports/${month}/csv`), { responseType: 'blob' });
        const url = URL.createObjectURL(response.data);
        const link = document.createElement('a');
        link.href = url;
        link.download = `approvals-${month}.csv`;
        link.click();
        URL.revokeObjectURL(url);
      } catch (failure) {
        toggleNotification({ type: 'danger', message: errorMessage(failure) });
      }
    },
    [get, toggleNotification],
  );
};
