import * as React from 'react';
import { Table, Tbody, Th, Thead, Tr, Typography } from '@strapi/design-system';
import { useSearchParams } from 'react-router-dom';
import type { PageOf } from './api';
import { ListPagination } from './ListPagination';
import { Empty, Failure, Loading } from './PageState';

type Page<T> = { items: T[]; pagination: Omit<PageOf<T>['pagination'], 'pageCount'> & { pageCount?: number } };

/**
 * One page of a list as every list page shows it: loading, a failure with "Try again", an empty
 * state saying where the records come from, or the table with its headers and the pager below.
 * The page draws each row (`row` returns a `<Tr>`).
 */
export const PagedTable = <T,>({
  data,
  loading,
  error,
  reload,
  empty,
  headers,
  row,
}: {
  data: Page<T> | null | undefined;
  loading: boolean;
  error: string | null | undefined;
  reload: () => void;
  empty: { title: string; hint?: React.ReactNode };
  headers: React.ReactNode[];
  row: (item: T) => React.ReactNode;
}) => (
  <>
    {loading && !data ? <Loading /> : null}
    {error ? <Failure message={error} onRetry={reload} /> : null}
    {data && !data.items.length ? <Empty title={empty.title} hint={empty.hint} /> : null}
    {data && data.items.length ? (
      <>
        <Table colCount={headers.length} rowCount={data.items.length + 1}>
          <Thead>
            <Tr>
              {headers.map((header, index) => (
                <Th key={index}>
                  <Typography variant="sigma">{header}</Typography>
                </Th>
              ))}
            </Tr>
          </Thead>
          <Tbody>{data.items.map(row)}</Tbody>
        </Table>
        <ListPagination pagination={data.pagination} />
      </>
    ) : null}
  </>
);

/**
 * A list page's filters and page, kept in its URL: `params` holds those of `keys` that are set,
 * with `page` and `pageSize`; `filter` sets one (empty clears it) and starts again at the first page.
 */
export const useListParams = (keys: readonly string[]) => {
  const [search, setSearch] = useSearchParams();
  const params: Record<string, string> = {};
  for (const key of [...keys, 'page', 'pageSize']) {
    const value = search.get(key);
    if (value) params[key] = value;
  }
  const replace = (next: Record<string, string>) => {
    const kept = { ...next };
    delete kept.page;
    setSearch(Object.fromEntries(Object.entries(kept).filter(([, value]) => value)));
  };
  const filter = (key: string, value: string) => replace({ ...params, [key]: value });
  return { params, filter, replace };
};
