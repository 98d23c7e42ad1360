import * as React from 'react';
import { useAuth, useFetchClient } from '@strapi/strapi/admin';
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
  const [state, setState] = React.useState<{ data: T | null; meta?: any; error: string | null; loading: boolean }>({
    data: null,
    error: null,
    loading: true,
  });
  const key = JSON.stringify([path, params]);
  const [version, setVersion] = React.useState(0);

  React.useEffect(() => {
    if (!path) return;
    let live = true;
    setState((previous) => ({ ...previous, loading: true }));
    get(apiPath(path), { params })
      .then((response: any) => live && setState({ data: response.data.data, meta: response.data.meta, error: null, loading: false }))
      .catch((error: any) => live && setState({ data: null, error: errorMessage(error), loading: false }));
    return () => {
      live = false;
    };
    // `key` stands for path and params (compared by value, not by identity).
  }, [key, version]);

  return { ...state, reload: React.useCallback(() => setVersion((v) => v + 1), []) };
}

/** Whether the signed-in admin holds an action (the server checks again on every request). */
export const useCan = () => {
  const permissions = useAuth('plan-renewals', (state: any) => state.permissions) as { action: string }[];
  return React.useCallback((action: string) => permissions.some((permission) => permission.action === action), [permissions]);
};
