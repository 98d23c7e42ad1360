import { Button, Td, Tr, Typography } from '@strapi/design-system';
import { Layouts, Page } from '@strapi/strapi/admin';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { useResource } from '../api';
import { CreditBadge, StateBadge } from '../components/Badges';
import { FilterBar, FilterSelect } from '../../../../../admin-shared/Filters';
import { PagedTable } from '../../../../../admin-shared/PagedTable';
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
  const params: Record<string, string> = { pageSize: search.get('pageSize') ?? String(PAGE_SIZE) };
  if (status) params.status = status;
  if (search.get('page')) params.page = search.get('page')!;
  const { data, error, loading, reload } = useResource<{ items: RequestSummary[]; pagination: { page: number; pageSize: number; total: number } }>('/requests', params);
  // A new status starts again at the first page, in the same page size.
  const show = (value: string) => setSearch({ ...(value ? { status: value } : {}), ...(search.get('pageSize') ? { pageSize: search.get('pageSize')! } : {}) });

  return (
    <Page.Main>
      <Page.Title>Approval requests</Page.Title>
      <Layouts.Header
        title="Requests"
        subtitle={data ? `${counted(data.pagination.total, 'request')}${status ? ` ${STATUS_LABELS[status]?.toLowerCase() ?? status}` : ''}` : 'Repair estimates, newest first'}
      />
      <Layouts.Content>
        <FilterBar label="Filter requests">
          <FilterSelect name="status" label="Status" value={status} options={STATUSES.map((s) => ({ value: s, label: STATUS_LABELS[s] }))} onChange={show} />
          {status ? (
            <Button variant="tertiary" onClick={() => setSearch({})}>
              Reset
            </Button>
          ) : null}
        </FilterBar>
        <PagedTable
          data={data}
          loading={loading}
          error={error}
          reload={reload}
          empty={{ title: 'No request matches this filter', hint: 'Requests appear when an account manager writes an estimate.' }}
          headers={['Number', 'Customer', 'Total', 'Status', 'Credit', 'Submitted', 'Decided']}
          row={(request) => (
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
          )}
        />
      </Layouts.Content>
    </Page.Main>
  );
};
