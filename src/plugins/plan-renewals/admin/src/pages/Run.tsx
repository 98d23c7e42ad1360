import * as React from 'react';
import { Button, Flex, Grid, Typography } from '@strapi/design-system';
import { ArrowClockwise } from '@strapi/icons';
import { BackButton, Layouts, Page } from '@strapi/strapi/admin';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { useAction, useCan, useResource } from '../api';
import { Card, Failure, Loading } from '../../../../../admin-shared/PageState';
import { StateBadge } from '../../../../../admin-shared/StateBadge';
import { CancelRunDialog } from '../../../../../admin-shared/CancelRunDialog';
import { AuditTrail, SHRINKS, StepList, StepRow } from '../../../../../admin-shared/Steps';
import { ACTIONS, BASE } from '../pluginId';
import { ROLE_LABELS, TASK_LABELS, actorName, formatDate, formatDateTime, formatMoney } from '../format';

interface Step {
  id: string;
  title: string;
  kind: string;
  state: string;
  startedAt: string | null;
  endedAt: string | null;
  actor: { type: string; name?: string } | null;
  result: string | null;
}

/** A service plan's dates as the server states them (panel service `coverage`). */
export interface Coverage {
  currentPeriod: { start: string; end: string } | null;
  paidThrough: string | null;
  renewal: { openRun: string | null; mayStart: boolean; firstDay: string | null; leadDays: number };
}

export interface RunDetail {
  documentId: string;
  kind: 'new' | 'renewal';
  state: string;
  outcome: 'accepted' | 'rejected' | null;
  currentStep: string | null;
  periodStart: string | null;
  periodEnd: string | null;
  createdAt: string;
  steps: Step[];
  servicePlan: { documentId: string; state: string; vehicle: string | null; plan: { name: string } | null; customer: { name: string } | null } | null;
  links: { servicePlan: string | null; invoice: string | null };
  coverage: Coverage | null;
  invoice: { documentId: string; number: string; state: string; totalMinor: number; currency: string; taxMinor: number; paymentUrl: string | null; paidAt: string | null; link: string } | null;
  transactions: { documentId: string; state: string; amountMinor: number; currency: string; provider: string; providerReference: string; occurredAt: string; link: string }[];
  tasks: { documentId: string; type: string; role: string; state: string; outcome: string | null; dueDate: string | null; overdue: boolean; completedBy: any; claimedBy: any }[];
  audit: { documentId: string; action: string; summary: string; actorType: string; actorName: string | null; occurredAt: string; link: string }[];
}

const WAITING_FOR: Record<string, string> = {
  'human-task': 'a person',
  // The payment is the process's only signal; runs stored before the process was declared to the
  // workflows engine name that step's kind wait-for-payment.
  'await-signal': 'the payment',
  'wait-for-payment': 'the payment',
};

/** The thirteen steps as a checklist: what is done, what waits for whom, what failed and why. */
export const Checklist = ({ steps }: { steps: Step[] }) => (
  <StepList>
    {steps.map((step, i) => (
      <StepRow key={step.id} id={step.id} state={step.state} first={i === 0}>
        <Flex gap={2}>
          <Typography fontWeight="bold" textColor={step.state === 'pending' || step.state === 'skipped' ? 'neutral500' : 'neutral800'}>
            {i + 1}. {step.title}
          </Typography>
          {step.state === 'waiting' ? <StateBadge state="waiting" /> : null}
          {step.state === 'failed' || step.state === 'rejected' ? <StateBadge state={step.state} /> : null}
        </Flex>
        {step.state === 'waiting' ? (
          <Typography variant="pi" textColor="neutral600">
            Waiting for {WAITING_FOR[step.kind] ?? 'something'} since {formatDateTime(step.startedAt)}
            {step.result ? ` — ${step.result}` : ''}
          </Typography>
        ) : null}
        {step.state === 'done' || step.state === 'failed' || step.state === 'rejected' || (step.state === 'skipped' && step.result) ? (
          <Typography variant="pi" textColor={step.state === 'failed' || step.state === 'rejected' ? 'danger600' : 'neutral600'}>
            {formatDateTime(step.endedAt)} · {actorName(step.actor)}
            {step.result ? ` — ${step.result}` : ''}
          </Typography>
        ) : null}
      </StepRow>
    ))}
  </StepList>
);

export const RunPage = () => {
  const { documentId } = useParams<{ documentId: string }>();
  // An open run moves on its own (a payment arrives, someone completes a task): follow it live.
  const { data: run, error, loading, reload } = useResource<RunDetail>(`/runs/${documentId}`, undefined, {
    follow: { every: 3000, while: (shown) => shown.state === 'running' || shown.state === 'waiting' },
  });
  const { act: post, busy } = useAction();
  const navigate = useNavigate();
  const can = useCan();
  const open = run?.state === 'running' || run?.state === 'waiting';

  // What the action changed is fetched again by the data layer; `then` goes on from its answer.
  const act = async (path: string, body: unknown, done: string, then?: (data: any) => void) => {
    const answer = await post(path, body, done);
    if (answer && then) then(answer.data);
  };

  const failedStep = run?.state === 'failed' ? run.steps.find((s) => s.id === run.currentStep) : null;
  const manage = can(ACTIONS.manageRuns);

  return (
    <Page.Main>
      <Page.Title>Run</Page.Title>
      <Layouts.Header
        navigationAction={<BackButton fallback={`${BASE}/runs`} />}
        title={run ? `${run.kind === 'new' ? 'Purchase' : 'Renewal'} — ${run.servicePlan?.customer?.name ?? ''}` : 'Run'}
        subtitle={run ? `${run.servicePlan?.plan?.name ?? ''}${run.servicePlan?.vehicle ? ` · ${run.servicePlan.vehicle}` : ''} · started ${formatDateTime(run.createdAt)}` : undefined}
        secondaryAction={
          run ? (
            <Flex gap={1}>
              <StateBadge state={run.state} />
              {run.outcome === 'rejected' ? <StateBadge state="rejected" /> : null}
            </Flex>
          ) : undefined
        }
        primaryAction={
          run && manage ? (
            <Flex gap={2}>
              {failedStep && failedStep.kind !== 'human-task' ? (
                <Button startIcon={<ArrowClockwise />} loading={busy} onClick={() => act(`/runs/${run.documentId}/retry`, {}, 'Step tried again')}>
                  Retry failed step
                </Button>
              ) : null}
              {open ? <CancelRunDialog consequence="Its open invoice is voided and the plan goes back to where it stood." busy={busy} onConfirm={(reason) => act(`/runs/${run.documentId}/cancel`, { reason }, 'Run cancelled')} /> : null}
              {!open && run.coverage && !run.coverage.renewal.openRun && !run.coverage.renewal.mayStart && run.coverage.renewal.firstDay ? (
                <Typography variant="pi" textColor="neutral600">
                  Renewal may start from {formatDate(run.coverage.renewal.firstDay)}
                </Typography>
              ) : null}
              {!open && run.servicePlan && run.coverage?.renewal.mayStart && ['Active', 'PastDue', 'Expired'].includes(run.servicePlan.state) ? (
                <Button
                  variant="secondary"
                  loading={busy}
                  onClick={() =>
                    act(`/service-plans/${run.servicePlan!.documentId}/renewals`, {}, 'Renewal started', (next) => navigate(`${BASE}/runs/${next.documentId}`))
                  }
                >
                  Start renewal now
                </Button>
              ) : null}
            </Flex>
          ) : undefined
        }
      />
      <Layouts.Content>
        {loading && !run ? <Loading /> : null}
        {error ? <Failure message={error} onRetry={reload} /> : null}
        {run ? (
          <Grid.Root gap={4}>
            <Grid.Item col={7} s={12} direction="column" alignItems="stretch" style={SHRINKS}>
              <Card title="Steps" action={<Typography variant="pi" textColor="neutral600">{run.steps.filter((s) => s.state === 'done').length} of {run.steps.length} done</Typography>}>
                <Checklist steps={run.steps} />
              </Card>
            </Grid.Item>
            <Grid.Item col={5} s={12} direction="column" alignItems="stretch" gap={4} style={SHRINKS}>
              <Card title="Service plan">
                <Flex direction="column" alignItems="flex-start" gap={2}>
                  <Flex gap={2}>
                    <StateBadge state={run.servicePlan?.state} />
                    {run.links.servicePlan ? <Link to={run.links.servicePlan}>Open in the content manager</Link> : null}
                  </Flex>
                  <Typography variant="pi" textColor="neutral600">
                    This run's period {formatDate(run.periodStart)} – {formatDate(run.periodEnd)}
                  </Typography>
                  {run.coverage?.currentPeriod ? (
                    <Typography variant="pi" textColor="neutral600">
                      Covered now {formatDate(run.coverage.currentPeriod.start)} – {formatDate(run.coverage.currentPeriod.end)} · paid through {formatDate(run.coverage.paidThrough)}
                    </Typography>
                  ) : null}
                </Flex>
              </Card>
              <Card title="Invoice">
                {run.invoice ? (
                  <Flex direction="column" alignItems="flex-start" gap={2}>
                    <Flex gap={2}>
                      <Link to={run.invoice.link}>{run.invoice.number}</Link>
                      <StateBadge state={run.invoice.state} />
                    </Flex>
                    <Typography>
                      {formatMoney(run.invoice.totalMinor, run.invoice.currency)}{' '}
                      <Typography variant="pi" textColor="neutral600">
                        incl. {formatMoney(run.invoice.taxMinor, run.invoice.currency)} tax
                      </Typography>
                    </Typography>
                    {run.invoice.paidAt ? <Typography variant="pi">Paid {formatDateTime(run.invoice.paidAt)}</Typography> : null}
                    {run.transactions.map((t) => (
                      <Flex key={t.documentId} gap={2}>
                        <StateBadge state={t.state} />
                        <Link to={t.link}>
                          {formatMoney(t.amountMinor, t.currency)} · {t.provider} {t.providerReference}
                        </Link>
                      </Flex>
                    ))}
                  </Flex>
                ) : (
                  <Typography textColor="neutral600">Not created yet (step 4).</Typography>
                )}
              </Card>
              <Card title="Tasks">
                {run.tasks.length ? (
                  <Flex direction="column" alignItems="flex-start" gap={2}>
                    {run.tasks.map((t) => (
                      <Flex key={t.documentId} gap={2}>
                        <StateBadge state={t.state} />
                        <Link to={`${BASE}/tasks`}>
                          {TASK_LABELS[t.type] ?? t.type} ({ROLE_LABELS[t.role]})
                        </Link>
                        <Typography variant="pi" textColor={t.overdue ? 'danger600' : 'neutral600'}>
                          {t.state === 'completed' ? `${t.outcome} by ${actorName(t.completedBy)}` : `due ${formatDate(t.dueDate)}${t.overdue ? ' (overdue)' : ''}`}
                        </Typography>
                      </Flex>
                    ))}
                  </Flex>
                ) : (
                  <Typography textColor="neutral600">No task yet.</Typography>
                )}
              </Card>
            </Grid.Item>
            <Grid.Item col={12} direction="column" alignItems="stretch" style={SHRINKS}>
              <Card title="Audit trail">
                <AuditTrail entries={run.audit} />
              </Card>
            </Grid.Item>
          </Grid.Root>
        ) : null}
      </Layouts.Content>
    </Page.Main>
  );
};
