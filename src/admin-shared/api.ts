import * as React from 'react';
import { useAPIErrorHandler, useFetchClient, useNotification } from '@strapi/strapi/admin';

/**
 * How every plugin's pages talk to its admin API (server/src/routes/admin.ts): through the
 * panel's own fetch client, which sends the admin's token. `pluginApi(PLUGIN_ID)` gives the
 * plugin's paths and hooks; each plugin's `api.ts` holds only what is its own (types, permissions).
 */

/** A server's message from a failed request, read by hand: for when Strapi's handler cannot read it. */
const rawMessage = (error: any): string => error?.response?.data?.error?.message ?? error?.message ?? 'Something went wrong';

/** The message to show for a failed request, as the panel's own pages word it (validation details included). */
export const useErrorMessage = () => {
  const { formatAPIError } = useAPIErrorHandler();
  return React.useCallback(
    (error: unknown): string => {
      try {
        return formatAPIError(error as Parameters<typeof formatAPIError>[0]) || rawMessage(error);
      } catch {
        return rawMessage(error);
      }
    },
    [formatAPIError],
  );
};

export interface Resource<T> {
  data: T | null;
  meta?: any;
  error: string | null;
  loading: boolean;
  /** Fetches it again (after an action, or on a timer). */
  reload: () => void;
}

export const pluginApi = (pluginId: string) => {
  const apiPath = (path: string) => `/${pluginId}${path}`;

  /**
   * Loads one URL and says whether it is loading, failed (with the server's message) or ready;
   * `path` null waits (nothing to load yet). The data stays on screen while it is fetched again.
   */
  function useResource<T>(path: string | null, params?: Record<string, unknown>): Resource<T> {
    const { get } = useFetchClient();
    const message = useErrorMessage();
    const [state, setState] = React.useState<Omit<Resource<T>, 'reload'>>({ data: null, error: null, loading: true });
    const key = JSON.stringify([path, params]);
    const [version, setVersion] = React.useState(0);

    React.useEffect(() => {
      if (!path) return;
      let live = true;
      setState((previous) => ({ ...previous, loading: true }));
      get(apiPath(path), { params })
        .then((response: any) => live && setState({ data: response.data.data, meta: response.data.meta, error: null, loading: false }))
        .catch((error: unknown) => live && setState({ data: null, error: message(error), loading: false }));
      return () => {
        live = false;
      };
      // `key` stands for path and params (compared by value, not by identity).
    }, [key, version]);

    return { ...state, reload: React.useCallback(() => setVersion((v) => v + 1), []) };
  }

  /**
   * Posts to the plugin's admin API; a notification says how it went. Answers the response's
   * `data` on success (wrapped, so that a success without data still counts), null on failure.
   */
  const useAction = () => {
    const { post } = useFetchClient();
    const { toggleNotification } = useNotification();
    const message = useErrorMessage();
    const [busy, setBusy] = React.useState(false);
    const act = React.useCallback(
      async <T = any>(path: string, body: unknown, done: string): Promise<{ data: T } | null> => {
        setBusy(true);
        try {
          const response: any = await post(apiPath(path), body);
          toggleNotification({ type: 'success', message: done });
          return { data: response.data?.data as T };
        } catch (failure) {
          toggleNotification({ type: 'danger', message: message(failure) });
          return null;
        } finally {
          setBusy(false);
        }
      },
      [post, toggleNotification, message],
    );
    return { act, busy };
  };

  /**
   * Saves a file the admin API makes (a CSV report). A plain link would go without the admin's
   * token, so the file is fetched with it and handed to the browser.
   */
  const useDownload = () => {
    const { get } = useFetchClient();
    const { toggleNotification } = useNotification();
    const message = useErrorMessage();
    return React.useCallback(
      async (path: string, fileName: string, params?: Record<string, unknown>) => {
        try {
          const response: any = await get(apiPath(path), { params, responseType: 'blob' } as any);
          const url = URL.createObjectURL(response.data);
          const link = document.createElement('a');
          link.href = url;
          link.download = fileName;
          link.click();
          URL.revokeObjectURL(url);
        } catch (failure) {
          toggleNotification({ type: 'danger', message: message(failure) });
        }
      },
      [get, toggleNotification, message],
    );
  };

  return { apiPath, useResource, useAction, useDownload };
};

/** One page of a list, as the admin APIs answer it. */
export interface PageOf<T> {
  items: T[];
  pagination: { page: number; pageSize: number; total: number; pageCount: number };
}
