import * as React from 'react';
import { adminApi, useAPIErrorHandler, useFetchClient, useNotification } from '@strapi/strapi/admin';

/**
 * How every plugin's pages talk to its admin API (server/src/routes/admin.ts): through the
 * panel's own data layer, Strapi's `adminApi` (RTK Query, with the admin's token, as Strapi's own
 * plugins use it). Reads are cached queries; an action invalidates them, so every page on screen
 * shows what the action changed without being told. `pluginApi(PLUGIN_ID)` gives the plugin's
 * paths and hooks; each plugin's `api.ts` holds only what is its own (types, permissions).
 */

/** A server's message from a failed request, read by hand: for when Strapi's handler cannot read it. */
const rawMessage = (error: any): string => error?.response?.data?.error?.message ?? error?.message ?? 'Something went wrong';

/** The message to show for a failed request, as the panel's own pages word it (validation details included). */
export const useErrorMessage = () => {
  const { formatAPIError, _unstableFormatAPIError } = useAPIErrorHandler();
  return React.useCallback(
    (error: unknown): string => {
      try {
        // RTK Query's errors are plain objects ({ name, message, details }); the fetch client's are thrown errors.
        const formatted = error instanceof Error ? formatAPIError(error as Parameters<typeof formatAPIError>[0]) : _unstableFormatAPIError(error as Parameters<typeof _unstableFormatAPIError>[0]);
        return formatted || rawMessage(error);
      } catch {
        return rawMessage(error);
      }
    },
    [formatAPIError, _unstableFormatAPIError],
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

/** Everything the plugins' pages read carries this tag; every action invalidates it. */
const TAG = 'ProcessPages';

interface Answer {
  data: unknown;
  meta?: unknown;
}

const pagesApi = adminApi.enhanceEndpoints({ addTagTypes: [TAG] }).injectEndpoints({
  endpoints: (build) => ({
    getPageData: build.query<Answer, { url: string; params?: Record<string, unknown> }>({
      query: ({ url, params }) => ({ url, method: 'GET', config: { params } }),
      providesTags: [TAG],
    }),
    postPageAction: build.mutation<Answer, { url: string; body: unknown }>({
      query: ({ url, body }) => ({ url, method: 'POST', data: body }),
      invalidatesTags: [TAG],
    }),
  }),
  overrideExisting: false,
});

export const pluginApi = (pluginId: string) => {
  const apiPath = (path: string) => `/${pluginId}${path}`;

  /**
   * Loads one URL and says whether it is loading, failed (with the server's message) or ready;
   * `path` null waits (nothing to load yet). The data stays on screen while it is fetched again.
   * `follow` keeps fetching it every `every` ms while `while(data)` holds (a run that moves on
   * its own as payments arrive and people decide).
   */
  function useResource<T>(path: string | null, params?: Record<string, unknown>, options: { follow?: { every: number; while: (data: T) => boolean } } = {}): Resource<T> {
    const message = useErrorMessage();
    const [following, setFollowing] = React.useState(false);
    const query = pagesApi.useGetPageDataQuery(
      { url: apiPath(path ?? ''), params },
      { skip: !path, pollingInterval: following && options.follow ? options.follow.every : 0, refetchOnMountOrArgChange: true },
    );
    const { refetch } = query;
    const reload = React.useCallback(() => {
      if (path) void refetch();
    }, [path, refetch]);
    const failed = query.isError && !query.isFetching;
    const answer = query.currentData ?? query.data;
    const data = failed ? null : ((answer?.data as T | undefined) ?? null);
    const follow = data !== null && options.follow ? options.follow.while(data) : false;
    React.useEffect(() => setFollowing(follow), [follow]);
    return { data, meta: answer?.meta, error: failed ? message(query.error) : null, loading: query.isFetching, reload };
  }

  /**
   * Posts to the plugin's admin API; a notification says how it went. Answers the response's
   * `data` on success (wrapped, so that a success without data still counts), null on failure.
   * What the pages read is fetched again afterwards.
   */
  const useAction = () => {
    const [post, { isLoading: busy }] = pagesApi.usePostPageActionMutation();
    const { toggleNotification } = useNotification();
    const message = useErrorMessage();
    const act = React.useCallback(
      async <T = any>(path: string, body: unknown, done: string): Promise<{ data: T } | null> => {
        const result = await post({ url: apiPath(path), body });
        if ('error' in result) {
          toggleNotification({ type: 'danger', message: message(result.error) });
          return null;
        }
        toggleNotification({ type: 'success', message: done });
        return { data: result.data?.data as T };
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
