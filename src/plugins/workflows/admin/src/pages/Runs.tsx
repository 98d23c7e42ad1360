import { Flex, Td, Tr, Typography } from '@strapi/design-system';
import { Layouts, Page } from '@strapi/strapi/admin';
import { Link, useNavigate } from 'react-router-dom';
import { PageOf, ProcessSummary, useResource } from '../api';
import { FilterBar, FilterSelect } from '../../../../../admin-shared/Filters';
import { PagedTable, useListParams } from '../../../../../admin-shared/PagedTable';
import { StateBadge } from '../components/StateBadge';
import { actorName, counted, formatDateTime } from '../format';
import type { Actor } from '../format';

export interface RunSummary {
  documentId: string;
  process: { id: string; name: string };
  version: number;
  state: string;
  outcome: 'accepted' | 'rejected' | null;
  currentStep: { id: string; title: string } | null;
  stepsDone: number;
  stepCount: number;
  subject: { type: string; documentId: string } | null;
  startedBy: Actor | null;
  createdAt: string;
  updatedAt: string;
}

const RUN_STATES = ['running', 'waiting', 'completed', 'failed', 'cancelled'];

/** A run's subject: the record it is about, by its content type's name and id. */
export const subjectLabel = (subject: RunSummary['subject']): string => (subject ? `${subject.type.split('.').pop()} ${subject.documentId}` : '—');

/** Every run the engine keeps, newest first, filtered by process and state (kept in the URL). */
export const RunsPage = () => {
  const navigate = useNavigate();
  const { params, filter } = useListParams(['process', 'state']);
  const processes = useResource<ProcessSummary[]>('/processes');
  const { data, error, loading, reload } = useResource<PageOf<RunSummary>>('/runs', params);

  return (
    <Page.Main>
      <Page.Title>Process runs</Page.Title>
      <Layouts.Header title="Runs" subtitle={data ? counted(data.pagination.total, 'run') : 'Every run of every process the engine runs'} />
      <Layouts.Content>
        <FilterBar label="Filter runs">
          <FilterSelect
            name="process"
            label="Process"
            value={params.process ?? ''}
            options={(processes.data ?? []).map((p) => ({ value: p.id, label: p.name }))}
            onChange={(value) => filter('process', value)}
            width="260px"
          />
          <FilterSelect name="state" label="Status" value={params.state ?? ''} options={RUN_STATES.map((s) => ({ value: s, label: s }))} onChange={(value) => filter('state', value)} width="160px" />
        </FilterBar>
        <PagedTable
          data={data}
          loading={loading}
          error={error}
          reload={reload}
          empty={{ title: 'No run matches these filters', hint: 'Runs appear when a process starts.' }}
          headers={['Process', 'About', 'Status', 'Progress', 'Last change']}
          row={(run) => (
            <Tr key={run.documentId} onClick={() => navigate(`runs/${run.documentId}`)} style={{ cursor: 'pointer' }} data-run={run.documentId}>
              <Td>
                <Flex direction="column" alignItems="flex-start">
                  <Link to={`runs/${run.documentId}`} onClick={(e) => e.stopPropagation()}>
                    {run.process.name}
                  </Link>
                  <Typography variant="pi" textColor="neutral600">
                    v{run.version} · started {formatDateTime(run.createdAt)}
                  </Typography>
                </Flex>
              </Td>
              <Td>
                <Flex direction="column" alignItems="flex-start">
                  <Typography>{subjectLabel(run.subject)}</Typography>
                  <Typography variant="pi" textColor="neutral600">by {actorName(run.startedBy)}</Typography>
                </Flex>
              </Td>
              <Td>
                <Flex gap={1}>
                  <StateBadge state={run.state} />
                  {run.outcome ? <StateBadge state={run.outcome} /> : null}
                </Flex>
              </Td>
              <Td>
                <Flex direction="column" alignItems="flex-start">
                  <Typography>
                    {run.stepsDone} of {counted(run.stepCount, 'step')} done
                  </Typography>
                  {run.currentStep ? <Typography variant="pi" textColor="neutral600">{run.currentStep.title}</Typography> : null}
                </Flex>
              </Td>
              <Td>
                <Typography variant="pi">{formatDateTime(run.updatedAt)}</Typography>
              </Td>
            </Tr>
          )}
        />
      </Layouts.Content>
    </Page.Main>
  );
};
