import { Box, Button, Field, Flex, SingleSelect, SingleSelectOption, Table, Tbody, Td, Th, Thead, Tr, Typography } from '@strapi/design-system';
import { Layouts, Page } from '@strapi/strapi/admin';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { useResource } from '../api';
import { CreditBadge, StateBadge } from '../components/Badges';
import { Empty, Failure, Loading } from '../../../../../admin-shared/PageState';
import { STATUSES, STATUS_LABELS, counted, formatDateTime, formatMoney } from '../format';

interface RequestSummary {
  documentId: string;
  number: string;
  customer: { documentId: string; name: string } | null;
  totalMinor: number;
  currency: string;
  status: string;
  creditOver: boolean | null;
  submittedAt: string | null;
  decidedAt: string | null;
  createdAt: string;
}

const PAGE_SIZE = 20;

/** Every request, newest first, in one status or all; the filter and the page are in the address. */
export const RequestsPage = () => {
  const [search, setSearch] = useSearchParams();
  const navigate = useNavigate();
  const status = search.get('status') ?? '';
  const params: Record<string, string> = { pageSize: String(PAGE_SIZE) };
  if (status) params.status = status;
  if (search.get('page')) params.page = search.get('page')!;
  const { data, error, loading, reload } = useResource<{ items: RequestSummary[]; pagination: { page: number; pageSize: number; total: number } }>('/requests', params);
  const page = data?.pagination.page ?? 1;
  const pages = data ? Math.max(1, Math.ceil(data.pagination.total / data.pagination.pageSize)) : 1;
  const show = (next: { status?: string; page?: number }) => {
    const value = next.status ?? status;
    setSearch({ ...(value ? { status: value } : {}), ...(next.page && next.page > 1 ? { page: String(next.page) } : {}) });
  };

  return (
    <Page.Main>
      <Page.Title>Approval requests</Page.Title>
      <Layouts.Header
        title="Requests"
        subtitle={data ? `${counted(data.pagination.total, 'request')}${status ? ` ${STATUS_LABELS[status]?.toLowerCase() ?? status}` : ''}` : 'Repair estimates, newest first'}
      />
      <Layouts.Content>
        <Box background="neutral0" hasRadius shadow="tableShadow" padding={4} marginBottom={4}>
          <Flex gap={3} alignItems="flex-end" wrap="wrap">
            <Field.Root name="status" width="200px">
              <Field.Label>Status</Field.Label>
              <SingleSelect value={status} onChange={(value) => show({ status: String(value) })} onClear={() => setSearch({})} placeholder="Any">
                {STATUSES.map((s) => (
                  <SingleSelectOption key={s} value={s}>
                    {STATUS_LABELS[s]}
                  </SingleSelectOption>
                ))}
              </SingleSelect>
            </Field.Root>
            {status ? (
              <Button variant="tertiary" onClick={() => setSearch({})}>
                Reset
              </Button>
            ) : null}
          </Flex>
        </Box>
        {loading && !data ? <Loading /> : null}
        {error ? <Failure message={error} onRetry={reload} /> : null}
        {data && !data.items.length ? <Empty title="No request matches this filter" hint="Requests appear when an account manager writes an estimate." /> : null}
        {data && data.items.length ? (
          <>
            <Table colCount={7} rowCount={data.items.length + 1}>
              <Thead>
                <Tr>
                  {['Number', 'Customer', 'Total', 'Status', 'Credit', 'Submitted', 'Decided'].map((h) => (
                    <Th key={h}>
                      <Typography variant="sigma">{h}</Typography>
                    </Th>
                  ))}
                </Tr>
              </Thead>
              <Tbody>
                {data.items.map((request) => (
                  <Tr key={request.documentId} onClick={() => navigate(request.documentId)} style={{ cursor: 'pointer' }}>
                    <Td>
                      <Link to={request.documentId} onClick={(e) => e.stopPropagation()}>
                        {request.number}
                      </Link>
                    </Td>
                    <Td>
                      <Typography>{request.customer?.name ?? '—'}</Typography>
                    </Td>
                    <Td>
                      <Typography>{formatMoney(request.totalMinor, request.currency)}</Typography>
                    </Td>
                    <Td>
                      <StateBadge state={request.status} />
                    </Td>
                    <Td>
                      {request.creditOver == null ? <Typography textColor="neutral500">—</Typography> : <CreditBadge over={request.creditOver} />}
                    </Td>
                    <Td>
                      <Typography variant="pi">{formatDateTime(request.submittedAt)}</Typography>
                    </Td>
                    <Td>
                      <Typography variant="pi">{formatDateTime(request.decidedAt)}</Typography>
                    </Td>
                  </Tr>
                ))}
              </Tbody>
            </Table>
            <Flex justifyContent="space-between" paddingTop={4}>
              <Typography variant="pi" textColor="neutral600">
                Page {page} of {pages}
              </Typography>
              <Flex gap={2}>
                <Button variant="tertiary" disabled={page <= 1} onClick={() => show({ page: page - 1 })}>
                  Previous
                </Button>
                <Button variant="tertiary" disabled={page >= pages} onClick={() => show({ page: page + 1 })}>
                  Next
                </Button>
              </Flex>
            </Flex>
          </>
        ) : null}
      </Layouts.Content>
    </Page.Main>
  );
};
