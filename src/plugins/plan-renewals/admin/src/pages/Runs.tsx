import * as React from 'react';
import { Button, Field, Flex, Td, Tr, TextInput, Typography } from '@strapi/design-system';
import { Layouts, Page } from '@strapi/strapi/admin';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { useResource } from '../api';
import { FilterBar, FilterSelect } from '../../../../../admin-shared/Filters';
import { PagedTable } from '../../../../../admin-shared/PagedTable';
import { StateBadge } from '../../../../../admin-shared/StateBadge';
import { counted, formatDateTime, formatMoney } from '../format';

interface RunSummary {
  documentId: string;
  kind: 'new' | 'renewal';
  state: string;
  outcome: 'accepted' | 'rejected' | null;
  currentStepTitle: string | null;
  stepsDone: number;
  stepCount: number;
  createdAt: string;
  servicePlan: { documentId: string; vehicle: string | null; plan: { code: string; name: string } | null; customer: { name: string } | null } | null;
  invoice: { number: string; state: string; totalMinor: number; currency: string } | null;
}

const FILTERS = ['kind', 'state', 'plan', 'customer', 'from', 'to'] as const;
const KINDS = [
  { value: 'new', label: 'New' },
  { value: 'renewal', label: 'Renewal' },
];
const RUN_STATES = ['running', 'waiting', 'completed', 'failed', 'cancelled'];

export const RunsPage = () => {
  const [search, setSearch] = useSearchParams();
  const navigate = useNavigate();
  const params: Record<string, string> = {};
  for (const key of [...FILTERS, 'page', 'pageSize']) {
    const value = search.get(key);
    if (value) params[key] = value;
  }
  const { data, error, loading, reload } = useResource<{ items: RunSummary[]; pagination: { page: number; pageSize: number; total: number } }>('/runs', params);
  const [draft, setDraft] = React.useState<Record<string, string>>(params);
  const set = (key: string, value: string) => setDraft((d) => ({ ...d, [key]: value }));
  const apply = (event?: React.FormEvent) => {
    event?.preventDefault();
    setSearch(Object.fromEntries(Object.entries(draft).filter(([k, v]) => v && k !== 'page')));
  };

  return (
    <Page.Main>
      <Page.Title>Runs</Page.Title>
      <Layouts.Header title="Runs" subtitle={data ? counted(data.pagination.total, 'purchase and renewal run') : 'Every purchase and renewal, step by step'} />
      <Layouts.Content>
        <FilterBar label="Filter runs" onSubmit={apply}>
          <FilterSelect name="kind" label="Kind" value={draft.kind ?? ''} options={KINDS} onChange={(value) => set('kind', value)} width="130px" />
          <FilterSelect name="state" label="Status" value={draft.state ?? ''} options={RUN_STATES.map((s) => ({ value: s, label: s }))} onChange={(value) => set('state', value)} width="140px" />
          <Field.Root name="plan" width="150px">
            <Field.Label>Plan code</Field.Label>
            <TextInput value={draft.plan ?? ''} onChange={(e: React.ChangeEvent<HTMLInputElement>) => set('plan', e.target.value)} placeholder="e.g. complete-care" />
          </Field.Root>
          <Field.Root name="customer" width="160px">
            <Field.Label>Customer</Field.Label>
            <TextInput value={draft.customer ?? ''} onChange={(e: React.ChangeEvent<HTMLInputElement>) => set('customer', e.target.value)} placeholder="Name contains" />
          </Field.Root>
          <Field.Root name="from" width="150px">
            <Field.Label>From</Field.Label>
            <TextInput type="date" value={draft.from ?? ''} onChange={(e: React.ChangeEvent<HTMLInputElement>) => set('from', e.target.value)} />
          </Field.Root>
          <Field.Root name="to" width="150px">
            <Field.Label>To</Field.Label>
            <TextInput type="date" value={draft.to ?? ''} onChange={(e: React.ChangeEvent<HTMLInputElement>) => set('to', e.target.value)} />
          </Field.Root>
          <Button type="submit">Apply</Button>
          <Button
            variant="tertiary"
            onClick={() => {
              setDraft({});
              setSearch({});
            }}
          >
            Reset
          </Button>
        </FilterBar>
        <PagedTable
          data={data}
          loading={loading}
          error={error}
          reload={reload}
          empty={{ title: 'No run matches these filters', hint: 'Runs appear when a plan is bought or renewed.' }}
          headers={['Started', 'Customer and plan', 'Status', 'Progress', 'Invoice']}
          row={(run) => (
            <Tr key={run.documentId} onClick={() => navigate(run.documentId)} style={{ cursor: 'pointer' }}>
              <Td>
                <Flex direction="column" alignItems="flex-start">
                  <Link to={run.documentId} onClick={(e) => e.stopPropagation()}>
                    {run.kind === 'new' ? 'Purchase' : 'Renewal'}
                  </Link>
                  <Typography variant="pi" textColor="neutral600">{formatDateTime(run.createdAt)}</Typography>
                </Flex>
              </Td>
              <Td>
                <Flex direction="column" alignItems="flex-start">
                  <Typography>{run.servicePlan?.customer?.name ?? '—'}</Typography>
                  <Typography variant="pi" textColor="neutral600">{run.servicePlan?.plan?.name ?? '—'}</Typography>
                </Flex>
              </Td>
              <Td>
                <Flex gap={1}>
                  <StateBadge state={run.state} />
                  {run.outcome === 'rejected' ? <StateBadge state="rejected" /> : null}
                </Flex>
              </Td>
              <Td>
                <Flex direction="column" alignItems="flex-start">
                  <Typography>{run.stepsDone} of {counted(run.stepCount, 'step')}</Typography>
                  {run.currentStepTitle && run.state !== 'completed' && run.state !== 'cancelled' ? (
                    <Typography variant="pi" textColor="neutral600">{run.currentStepTitle}</Typography>
                  ) : null}
                </Flex>
              </Td>
              <Td>
                {run.invoice ? (
                  <Flex direction="column" alignItems="flex-start">
                    <Typography>{formatMoney(run.invoice.totalMinor, run.invoice.currency)}</Typography>
                    <Typography variant="pi" textColor="neutral600">{run.invoice.number} · {run.invoice.state}</Typography>
                  </Flex>
                ) : (
                  <Typography>—</Typography>
                )}
              </Td>
            </Tr>
          )}
        />
      </Layouts.Content>
    </Page.Main>
  );
};
