import { Badge, Box, Button, Flex, Grid, Typography } from '@strapi/design-system';
import { ArrowClockwise } from '@strapi/icons';
import { BackButton, Layouts, Page } from '@strapi/strapi/admin';
import { Link, useParams } from 'react-router-dom';
import { useAction, useAllowed, useResource } from '../api';
import { Card, Failure, Loading } from '../../../../../admin-shared/PageState';
import { CancelRunDialog } from '../../../../../admin-shared/CancelRunDialog';
import { AuditTrail, SHRINKS, StepList, StepRow, WRAPS, stepLook } from '../../../../../admin-shared/Steps';
import { StateBadge } from '../components/StateBadge';
import { BASE } from '../pluginId';
import { Actor, actorName, formatDate, formatDateTime, kindLabel } from '../format';
import { RunSummary, subjectLabel } from './Runs';

/** A step as the run records it (the engine's progress). */
interface StepRecord {
  id: string;
  title: string;
  kind: string;
  state: string;
  startedAt: string | null;
  endedAt: string | null;
  actor: Actor | null;
  result: string | null;
  branch?: string;
  tasks?: { id: string; title: string; state: string; outcome: string | null; actor: Actor | null; endedAt: string | null; result: string | null }[];
}

/** A step as the run's definition declares it (the server's drawing data). */
interface StepDeclared {
  id: string;
  title: string;
  kind: string;
  when: string | null;
  inRejectBranch: boolean;
  signal: string | null;
  channel: string | null;
  branches: { label: string; then: string; step: string | null; isDefault: boolean }[];
  tasks: { id: string | null; title: string; type: string; role: string; roleLabel: string; outcomes: { id: string; label: string; rejects: boolean }[]; separationOfDuties: boolean }[];
}

interface TaskRow {
  documentId: string;
  stepId: string;
  taskId: string | null;
  title: string;
  roleLabel: string;
  state: string;
  outcome: string | null;
  claimedBy: Actor | null;
  completedBy: Actor | null;
  completedAt: string | null;
  note: string | null;
  dueDate: string | null;
  overdue: boolean;
}

interface RunDetail extends RunSummary {
  context: Record<string, unknown>;
  steps: StepRecord[];
  definition: { id: string; version: number; name: string; roles: { id: string; label: string }[]; steps: StepDeclared[] } | null;
  tasks: TaskRow[];
  audit: { documentId: string; action: string; summary: string; actorType: string; actorName: string | null; occurredAt: string }[];
}

/** What the step is, beyond its title: its kind and what it waits for, decides or sends. */
const stepFacts = (declared: StepDeclared | undefined, kind: string): string[] => {
  const facts = [kindLabel(declared?.kind ?? kind)];
  if (!declared) return facts;
  if (declared.signal) facts.push(`signal ${declared.signal}`);
  if (declared.channel) facts.push(`by ${declared.channel}`);
  if (declared.kind === 'human-task') facts.push(...declared.tasks.map((task) => `for ${task.roleLabel}`));
  if (declared.when) facts.push(`only when ${declared.when}`);
  return facts;
};

/** One task of a parallel step, as a tile beside its siblings. */
const ParallelTask = ({ task, declared }: { task: NonNullable<StepRecord['tasks']>[number]; declared?: StepDeclared['tasks'][number] }) => {
  const look = stepLook(task.state);
  return (
    <Box padding={3} hasRadius borderColor="neutral200" background="neutral100" style={{ flex: '1 1 12rem', minWidth: '12rem' }} data-parallel-task={task.id} data-state={task.state}>
      <Flex direction="column" alignItems="flex-start" gap={1}>
        <Flex gap={2}>
          <Box aria-label={look.label}>{look.icon}</Box>
          <Typography fontWeight="bold">{task.title}</Typography>
        </Flex>
        <Flex gap={2} wrap="wrap">
          <StateBadge state={task.state} />
          {declared ? <Typography variant="pi" textColor="neutral600">for {declared.roleLabel}</Typography> : null}
        </Flex>
        {task.endedAt ? (
          <Typography variant="pi" textColor="neutral600" style={WRAPS}>
            {formatDateTime(task.endedAt)} · {actorName(task.actor)}
            {task.result ? ` — ${task.result}` : ''}
          </Typography>
        ) : null}
      </Flex>
    </Box>
  );
};

/** One step: number, title, kind, state, who and when, and its result (a skipped step's reason). */
const StepItem = ({ number, record, declared, first }: { number: number; record: StepRecord | undefined; declared: StepDeclared | undefined; first: boolean }) => {
  const state = record?.state ?? 'pending';
  const title = record?.title ?? declared?.title ?? '';
  const quiet = state === 'pending' || state === 'skipped';
  return (
    <StepRow id={record?.id ?? declared?.id} state={state} first={first} stretch>
      <Flex gap={2} wrap="wrap">
        <Typography fontWeight="bold" textColor={quiet ? 'neutral500' : 'neutral800'}>
          {number}. {title}
        </Typography>
        <StateBadge state={state} />
        {stepFacts(declared, record?.kind ?? '').map((fact) => (
          <Typography key={fact} variant="pi" textColor="neutral600">
            {fact}
          </Typography>
        ))}
      </Flex>
      {state === 'skipped' ? (
        <Typography variant="pi" textColor="neutral600" style={WRAPS} data-skipped-reason>
          {record?.result ?? 'Skipped'}
        </Typography>
      ) : null}
      {state === 'waiting' || state === 'running' ? (
        <Typography variant="pi" textColor="neutral600" style={WRAPS}>
          Since {formatDateTime(record?.startedAt)}
          {record?.result ? ` — ${record.result}` : ''}
        </Typography>
      ) : null}
      {state === 'done' || state === 'failed' || state === 'rejected' ? (
        <Typography variant="pi" textColor={state === 'done' ? 'neutral600' : 'danger600'} style={WRAPS}>
          {record?.startedAt && record.startedAt !== record.endedAt ? `${formatDateTime(record.startedAt)} – ` : ''}
          {formatDateTime(record?.endedAt)} · {actorName(record?.actor)}
          {record?.result ? ` — ${record.result}` : ''}
        </Typography>
      ) : null}
      {record?.branch ? (
        <Typography variant="pi" textColor="neutral700">
          Branch taken: <b>{record.branch}</b>
        </Typography>
      ) : null}
      {record?.tasks?.length ? (
        <Flex gap={2} alignItems="stretch" wrap="wrap" paddingTop={1} data-parallel-tasks>
          {record.tasks.map((task) => (
            <ParallelTask key={task.id} task={task} declared={declared?.tasks.find((t) => t.id === task.id)} />
          ))}
        </Flex>
      ) : null}
    </StepRow>
  );
};

/**
 * The steps in their order, drawn from the run's definition (any process): the main line, then
 * the steps that run only after a rejection, apart. Runs made by a definition no longer
 * registered are drawn from their own records.
 */
const Steps = ({ run }: { run: RunDetail }) => {
  const declared = run.definition?.steps ?? run.steps.map((s) => ({ id: s.id, title: s.title, kind: s.kind, inRejectBranch: false }) as StepDeclared);
  const numbered = declared.map((step, i) => ({ step, number: i + 1, record: run.steps.find((r) => r.id === step.id) }));
  const main = numbered.filter(({ step }) => !step.inRejectBranch);
  const afterRejection = numbered.filter(({ step }) => step.inRejectBranch);
  const list = (items: typeof numbered, label: string) => (
    <StepList label={label}>
      {items.map(({ step, number, record }, i) => (
        <StepItem key={step.id} number={number} record={record} declared={run.definition ? step : undefined} first={i === 0} />
      ))}
    </StepList>
  );
  return (
    <Flex direction="column" alignItems="stretch" gap={4}>
      <Card title="Steps" action={<Typography variant="pi" textColor="neutral600">{run.steps.filter((s) => s.state === 'done').length} of {run.steps.length} done</Typography>}>
        {list(main, 'Steps')}
      </Card>
      {afterRejection.length ? (
        <Card title="Runs after a rejection" data-reject-branch="" action={<Typography variant="pi" textColor="neutral600">{run.outcome === 'rejected' ? 'This run was rejected' : 'Skipped unless the run is rejected'}</Typography>}>
          {list(afterRejection, 'Steps after a rejection')}
        </Card>
      ) : null}
    </Flex>
  );
};

/** How the run stands, large: accepted, rejected, cancelled, failed, or still going. */
const Outcome = ({ run }: { run: RunDetail }) => {
  const failedStep = run.state === 'failed' ? run.steps.find((s) => s.id === run.currentStep?.id) : null;
  const cancelled = run.state === 'cancelled' ? run.steps.find((s) => s.state === 'skipped' && s.result && s.actor) : null;
  const [background, border, color, text] =
    run.outcome === 'accepted'
      ? ['success100', 'success200', 'success700', 'Accepted']
      : run.outcome === 'rejected'
        ? ['danger100', 'danger200', 'danger700', run.state === 'completed' ? 'Rejected' : 'Rejected — finishing the steps after a rejection']
        : run.state === 'cancelled'
          ? ['neutral150', 'neutral200', 'neutral800', 'Cancelled']
          : run.state === 'failed'
            ? ['danger100', 'danger200', 'danger700', 'Failed — waiting for someone to fix it and retry']
            : ['primary100', 'primary200', 'primary700', run.currentStep ? `In progress: ${run.currentStep.title}` : 'In progress'];
  return (
    <Box padding={5} hasRadius background={background} borderColor={border} data-outcome={run.outcome ?? run.state}>
      <Flex direction="column" alignItems="flex-start" gap={1}>
        <Typography variant="sigma" textColor={color}>
          Outcome
        </Typography>
        <Typography variant="beta" tag="p" textColor={color}>
          {text}
        </Typography>
        {failedStep?.result ? <Typography textColor={color}>{failedStep.title}: {failedStep.result}</Typography> : null}
        {cancelled ? (
          <Typography textColor={color}>
            By {actorName(cancelled.actor)} {formatDateTime(cancelled.endedAt)}: {cancelled.result}
          </Typography>
        ) : null}
      </Flex>
    </Box>
  );
};

export const RunPage = () => {
  const { documentId } = useParams<{ documentId: string }>();
  const { data: run, error, loading, reload } = useResource<RunDetail>(`/runs/${documentId}`);
  const allowed = useAllowed();
  const { act, busy } = useAction();
  const open = run?.state === 'running' || run?.state === 'waiting';
  // What the action changed is fetched again by the data layer.
  const perform = (path: string, body: unknown, done: string) => act(path, body, done);

  return (
    <Page.Main>
      <Page.Title>Process run</Page.Title>
      <Layouts.Header
        navigationAction={<BackButton fallback={BASE} />}
        title={run ? `${run.process.name}` : 'Run'}
        subtitle={run ? `${subjectLabel(run.subject)} · version ${run.version} · started ${formatDateTime(run.createdAt)} by ${actorName(run.startedBy)}` : undefined}
        secondaryAction={
          run ? (
            <Flex gap={1}>
              <StateBadge state={run.state} />
              {run.outcome ? <StateBadge state={run.outcome} /> : null}
            </Flex>
          ) : undefined
        }
        primaryAction={
          run && allowed.manage ? (
            <Flex gap={2}>
              {run.state === 'failed' ? (
                <Button startIcon={<ArrowClockwise />} loading={busy} onClick={() => perform(`/runs/${run.documentId}/retry`, {}, 'Failed step tried again')}>
                  Retry failed step
                </Button>
              ) : null}
              {open ? <CancelRunDialog consequence="The steps not yet decided are skipped and its open tasks cancelled." busy={busy} onConfirm={(reason) => perform(`/runs/${run.documentId}/cancel`, { reason }, 'Run cancelled')} /> : null}
            </Flex>
          ) : undefined
        }
      />
      <Layouts.Content>
        {loading && !run ? <Loading /> : null}
        {error ? <Failure message={error} onRetry={reload} /> : null}
        {run ? (
          <Grid.Root gap={4}>
            <Grid.Item col={12} direction="column" alignItems="stretch" style={SHRINKS}>
              <Outcome run={run} />
            </Grid.Item>
            <Grid.Item col={7} s={12} direction="column" alignItems="stretch" style={SHRINKS}>
              <Steps run={run} />
            </Grid.Item>
            <Grid.Item col={5} s={12} direction="column" alignItems="stretch" gap={4} style={SHRINKS}>
              <Card title="Tasks">
                {run.tasks.length ? (
                  <Flex direction="column" alignItems="stretch" gap={3}>
                    {run.tasks.map((task) => (
                      <Flex key={task.documentId} direction="column" alignItems="flex-start" gap={1} data-task={task.documentId}>
                        <Flex gap={2} wrap="wrap">
                          <StateBadge state={task.state} />
                          <Typography fontWeight="bold">{task.title}</Typography>
                          <Typography variant="pi" textColor="neutral600">
                            {task.roleLabel}
                          </Typography>
                        </Flex>
                        <Typography variant="pi" textColor={task.overdue ? 'danger600' : 'neutral600'} style={WRAPS}>
                          {task.state === 'completed'
                            ? `${task.outcome} by ${actorName(task.completedBy)} ${formatDateTime(task.completedAt)}${task.note ? ` — ${task.note}` : ''}`
                            : task.state === 'open'
                              ? `${task.claimedBy ? `claimed by ${actorName(task.claimedBy)}` : 'unclaimed'}${task.dueDate ? ` · due ${formatDate(task.dueDate)}${task.overdue ? ' (overdue)' : ''}` : ''}`
                              : 'no longer needed'}
                        </Typography>
                      </Flex>
                    ))}
                    {run.tasks.some((task) => task.state === 'open') ? <Link to={`${BASE}/tasks`}>Open tasks</Link> : null}
                  </Flex>
                ) : (
                  <Typography textColor="neutral600">No task yet.</Typography>
                )}
              </Card>
              {run.definition ? (
                <Card title="Roles">
                  <Flex gap={2} wrap="wrap">
                    {run.definition.roles.map((role) => (
                      <Badge key={role.id}>{role.label}</Badge>
                    ))}
                  </Flex>
                </Card>
              ) : null}
              <Card title="What the steps gathered">
                {Object.keys(run.context).length ? (
                  <Box tag="dl" style={{ margin: 0 }}>
                    {Object.entries(run.context).map(([key, value]) => (
                      <Flex key={key} gap={2} alignItems="flex-start" paddingBottom={1}>
                        <Typography tag="dt" variant="pi" fontWeight="bold" style={{ minWidth: '8rem' }}>
                          {key}
                        </Typography>
                        <Typography tag="dd" variant="pi" style={{ ...WRAPS, margin: 0 }}>
                          {typeof value === 'string' ? value : JSON.stringify(value)}
                        </Typography>
                      </Flex>
                    ))}
                  </Box>
                ) : (
                  <Typography textColor="neutral600">Nothing yet.</Typography>
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
