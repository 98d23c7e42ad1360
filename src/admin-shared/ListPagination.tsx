import { Box } from '@strapi/design-system';
import { Pagination } from '@strapi/strapi/admin';
import type { PageOf } from './api';

/** The pages of a list below its table, with the page size; both kept in the page's URL. */
export const ListPagination = ({ pagination }: { pagination: PageOf<unknown>['pagination'] }) => (
  <Box paddingTop={4}>
    <Pagination.Root pageCount={pagination.pageCount} total={pagination.total} defaultPageSize={pagination.pageSize}>
      <Pagination.PageSize options={['10', '20', '50', '100']} />
      <Pagination.Links />
    </Pagination.Root>
  </Box>
);
