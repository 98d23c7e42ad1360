import * as React from 'react';
import { useAPIErrorHandler, useFetchClient, useNotification, useRBAC } from '@strapi/strapi/admin';
import { ACTIONS, PLUGIN_ID } from './pluginId';

/**
 * Talking to the engine's admin API (server/src/routes/admin.ts) with the panel's own fetch
 * client, which sends the admin's token. `useResource` loads one URL and says whether it is
 * loading, failed (with the server's message) or ready; `reload` fetches it again, after an
 * action. `useAction` posts and tells the admin how it went.
 */
export const apiPath = (path: string) => `/${PLUGIN_ID}${path}`;

export function useResource<T>(path: string | null, params?: Record<string, unknown>) {
  const { get } = useFetchClient();
  const { formatAPIError } = useAPIErrorHandler();
  const [state, setState] = React.useState<{ data: T | null; meta?: any; error: string | null; loading: boolean }>({ data: null, error: null, loading: true });
  const key = JSON.stringify([path, params]);
  const [version, setVersion] = React.useState(0);

  React.useEffect(() => {
    if (!path) return;
    let live = true;
    setState((previous) => ({ ...previous, loading: true }));
    get(apiPath(path), { params })
      .then((response: any) => live && setState({ data: response.data.data, meta: response.data.meta, error: null, loading: false }))
      .catch((error: any) => live && setState({ data: null, error: formatAPIError(error), loading: false }));
    return () => {
      live = false;
    };
    // `key` stands for path and params (compared by value, not by identity).
  }, [key, version]);

  return { ...state, reload: React.useCallback(() => setVersion((v) => v + 1), []) };
}

/** Posts to the engine's admin API; a notification says how it went. Answers whether it worked. */
export const useAction = () => {
  const { post } = useFetchClient();
  const { toggleNotification } = useNotification();
  const { formatAPIError } = useAPIErrorHandler();
  const [busy, setBusy] = React.useState(false);
  const act = React.useCallback(
    async (path: string, body: unknown, done: string): Promise<boolean> => {
      setBusy(true);
      try {
        await post(apiPath(path), body);
        toggleNotification({ type: 'success', message: done });
        return true;
      } catch (failure: any) {
        toggleNotification({ type: 'danger', message: formatAPIError(failure) });
        return false;
      } finally {
        setBusy(false);
      }
    },
    [post, toggleNotification, formatAPIError],
  );
  return { act, busy };
};

/** What the signed-in admin may do beyond reading (the server checks again on every request). */
export const useAllowed = () => {
  const { allowedActions, isLoading } = useRBAC([
    { action: ACTIONS.manageRuns, subject: null },
    { action: ACTIONS.reassignTasks, subject: null },
  ]);
  return { manage: !isLoading && allowedActions.canManage === true, reassign: !isLoading && allowedActions.canReassign === true };
};

/** A process the engine runs, as GET /processes lists it. */
export interface ProcessSummary {
  id: string;
  name: string;
  version: number;
  roles: { id: string; label: string }[];
  stepCount: number;
}

export interface PageOf<T> {
  items: T[];
  pagination: { page: number; pageSize: number; total: number; pageCount: number };
}
