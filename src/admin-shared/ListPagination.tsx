import { Box } from '@strapi/design-system';
import { Pagination } from '@strapi/strapi/admin';
import type { PageOf } from './api';

type Pages = Omit<PageOf<unknown>['pagination'], 'pageCount'> & { pageCount?: number };

/**
 * The pages of a list below its table, with the page size; both kept in the page's URL (`page`,
 * `pageSize`), which the page passes on to its admin API. A server that answers no page count
 * has it computed from the total.
 */
export const ListPagination = ({ pagination }: { pagination: Pages }) => (
  <Box paddingTop={4}>
    <Pagination.Root
      pageCount={pagination.pageCount ?? Math.max(1, Math.ceil(pagination.total / pagination.pageSize))}
      total={pagination.total}
      defaultPageSize={pagination.pageSize}
    >
      <Pagination.PageSize options={['10', '20', '50', '100']} />
      <Pagination.Links />
    </Pagination.Root>
  </Box>
);
