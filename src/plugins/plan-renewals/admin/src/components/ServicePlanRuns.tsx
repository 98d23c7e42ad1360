import { Box, Button, Flex, Typography } from '@strapi/design-system';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { useAction, useCan, useResource } from '../api';
import { ACTIONS, BASE } from '../pluginId';
import { formatDate, formatDateTime } from '../format';
import type { Coverage } from '../pages/Run';
import { StateBadge } from '../../../../../admin-shared/StateBadge';

const SERVICE_PLAN = 'api::service-plan.service-plan';

/**
 * In the content manager's edit view of a service plan (injection zone editView.right-links):
 * the period covered now and the day paid through, its runs, newest first, and "Start renewal"
 * for admins who may manage runs — or, before the renewal may start, the first day it may.
 */
export const ServicePlanRuns = ({ slug }: { slug: string }) => {
  const { id } = useParams<{ id: string }>();
  const can = useCan();
  if (slug !== SERVICE_PLAN || !id || id === 'create' || !can(ACTIONS.readRuns)) return null;
  return <Runs documentId={id} canManage={can(ACTIONS.manageRuns)} />;
};

const Runs = ({ documentId, canManage }: { documentId: string; canManage: boolean }) => {
  const { data, error, reload } = useResource<{ items: any[] }>('/runs', { servicePlan: documentId, pageSize: 5 });
  const { data: coverage } = useResource<Coverage>(`/service-plans/${documentId}`);
  const { act, busy } = useAction();
  const navigate = useNavigate();
  const open = data?.items.find((run) => run.state === 'running' || run.state === 'waiting');

  const start = async () => {
    const answer = await act<{ documentId: string }>(`/service-plans/${documentId}/renewals`, {}, 'Renewal started');
    if (answer) navigate(`${BASE}/runs/${answer.data.documentId}`);
  };

  return (
    <Box width="100%" paddingTop={2} aria-label="Plan renewals">
      <Typography variant="sigma" textColor="neutral600" tag="h2">
        Plan renewals
      </Typography>
      <Flex direction="column" alignItems="stretch" gap={2} paddingTop={2}>
        {coverage?.currentPeriod ? (
          <Typography variant="pi">
            Covered now {formatDate(coverage.currentPeriod.start)} – {formatDate(coverage.currentPeriod.end)}, paid through {formatDate(coverage.paidThrough)}
          </Typography>
        ) : null}
        {error ? <Typography textColor="danger600">{error}</Typography> : null}
        {data?.items.map((run) => (
          <Flex key={run.documentId} gap={2}>
            <StateBadge state={run.state} />
            <Link to={`${BASE}/runs/${run.documentId}`}>
              <Typography variant="pi">
                {run.kind === 'new' ? 'Purchase' : 'Renewal'} · {formatDateTime(run.createdAt)}
              </Typography>
            </Link>
          </Flex>
        ))}
        {data && !data.items.length ? <Typography variant="pi" textColor="neutral600">No run yet.</Typography> : null}
        {canManage && coverage && !open && !coverage.renewal.mayStart && coverage.renewal.firstDay ? (
          <Typography variant="pi" textColor="neutral600">
            Renewal may start from {formatDate(coverage.renewal.firstDay)}
          </Typography>
        ) : null}
        {canManage && (!coverage || coverage.renewal.mayStart || open) ? (
          <Button variant="secondary" fullWidth loading={busy} disabled={!!open} onClick={start} title={open ? 'A run is already open for this plan' : undefined}>
            Start renewal
          </Button>
        ) : null}
      </Flex>
    </Box>
  );
};
