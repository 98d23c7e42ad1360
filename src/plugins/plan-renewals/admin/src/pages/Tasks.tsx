import * as React from 'react';
import { Box, Button, Field, Flex, SingleSelect, SingleSelectOption, TextInput, Textarea, Typography } from '@strapi/design-system';
import { Layouts, Page } from '@strapi/strapi/admin';
import { Link } from 'react-router-dom';
import { useAction, useCan, useResource } from '../api';
import { Empty, Failure, Loading } from '../../../../../admin-shared/PageState';
import { StateBadge } from '../../../../../admin-shared/StateBadge';
import { ACTIONS, BASE } from '../pluginId';
import { ROLE_LABELS, TASK_LABELS, actorName, formatDate, formatMoney, isRejection, outcomeLabel, outcomesOf } from '../format';

interface Task {
  documentId: string;
  type: string;
  role: string;
  dueDate: string | null;
  overdue: boolean;
  details: string | null;
  claimedBy: { type: string; id?: string; name?: string } | null;
  createdAt: string;
  run: { documentId: string; kind: string; state: string; currentStep: string | null } | null;
  invoice: {
    documentId: string;
    number: string;
    state: string;
    totalMinor: number;
    currency: string;
    customer: string | null;
    payment: { provider: string; providerReference: string; amountMinor: number; currency: string } | null;
  } | null;
}

interface Viewer {
  /** The viewer as a claim names them. */
  me: { type: string; id: string } | null;
  /** Staff of each role, when the viewer may reassign tasks. */
  staff: Record<string, { documentId: string; username: string }[]> | null;
}

/**
 * One task: claim it or give one's claim back, hand it to someone of its role (with the reassign
 * permission), record the counter payment it waits for (Finance), complete it with an outcome.
 */
const TaskCard = ({ task, viewer, onChanged }: { task: Task; viewer: Viewer; onChanged: () => void }) => {
  const { act: post, busy } = useAction();
  const can = useCan();
  const outcomes = outcomesOf(task.type);
  const [outcome, setOutcome] = React.useState<string>(outcomes[0] ?? '');
  const [note, setNote] = React.useState('');
  const noteNeeded = isRejection(task.type, outcome) && !note.trim();
  const [reference, setReference] = React.useState('');
  const [assignee, setAssignee] = React.useState('');
  const mine = Boolean(task.claimedBy && viewer.me && task.claimedBy.type === viewer.me.type && task.claimedBy.id === viewer.me.id);
  const staff = viewer.staff?.[task.role] ?? null;

  const act = async (path: string, body: unknown, done: string) => {
    if (await post(path, body, done)) onChanged();
  };

  const paymentDue = task.type === 'verify-payment' && task.invoice?.state === 'Open' && !task.invoice.payment && can(ACTIONS.financeTasks);
  return (
    <Box background="neutral0" hasRadius shadow="tableShadow" padding={5} data-task={task.documentId} aria-label={`${TASK_LABELS[task.type]} task`}>
      <Flex justifyContent="space-between" alignItems="flex-start" gap={4} wrap="wrap">
        <Flex direction="column" alignItems="flex-start" gap={1}>
          <Flex gap={2}>
            <Typography variant="delta" tag="h3">
              {TASK_LABELS[task.type] ?? task.type}
            </Typography>
            <StateBadge state="open" />
            {task.overdue ? <Typography textColor="danger600" fontWeight="bold">overdue</Typography> : null}
          </Flex>
          <Typography variant="pi" textColor="neutral600">
            {ROLE_LABELS[task.role]} · due {formatDate(task.dueDate)}
            {task.claimedBy ? ` · claimed by ${actorName(task.claimedBy)}` : ' · unclaimed'}
          </Typography>
          {task.invoice ? (
            <Typography>
              {task.invoice.customer ?? ''} — invoice {task.invoice.number} ({task.invoice.state}) {formatMoney(task.invoice.totalMinor, task.invoice.currency)}
            </Typography>
          ) : null}
          {task.invoice?.payment ? (
            <Typography fontWeight="bold">
              Payment recorded: {formatMoney(task.invoice.payment.amountMinor, task.invoice.payment.currency)} ({task.invoice.payment.provider} {task.invoice.payment.providerReference})
            </Typography>
          ) : null}
          {task.details ? <Typography variant="pi">{task.details}</Typography> : null}
          {task.run ? <Link to={`${BASE}/runs/${task.run.documentId}`}>Open the {task.run.kind === 'new' ? 'purchase' : 'renewal'} run</Link> : null}
        </Flex>
        {!task.claimedBy ? (
          <Button variant="secondary" loading={busy} onClick={() => act(`/tasks/${task.documentId}/claim`, {}, 'Task claimed')}>
            Claim
          </Button>
        ) : null}
        {mine ? (
          <Button variant="tertiary" loading={busy} onClick={() => act(`/tasks/${task.documentId}/unclaim`, {}, 'Task given back to its role')}>
            Give back
          </Button>
        ) : null}
      </Flex>
      {staff ? (
        <Box paddingTop={4}>
          <Flex gap={3} alignItems="flex-end" wrap="wrap">
            <Field.Root name="assignee" width="240px" hint={`Hand the task to a member of ${ROLE_LABELS[task.role] ?? task.role}, whoever holds it`}>
              <Field.Label>Reassign to</Field.Label>
              <SingleSelect value={assignee} onChange={(value) => setAssignee(String(value))} placeholder={staff.length ? 'Choose a person' : 'Nobody has this role'}>
                {staff.map((user) => (
                  <SingleSelectOption key={user.documentId} value={user.documentId}>
                    {user.username}
                  </SingleSelectOption>
                ))}
              </SingleSelect>
              <Field.Hint />
            </Field.Root>
            <Button
              variant="secondary"
              disabled={!assignee}
              loading={busy}
              onClick={() => act(`/tasks/${task.documentId}/reassign`, { user: assignee }, `Task handed to ${staff.find((u) => u.documentId === assignee)?.username ?? 'them'}`)}
            >
              Reassign
            </Button>
          </Flex>
        </Box>
      ) : null}
      {paymentDue && task.invoice ? (
        <Box paddingTop={4}>
          <Flex gap={3} alignItems="flex-end" wrap="wrap">
            <Field.Root name="reference" hint="The receipt or terminal reference of the counter payment">
              <Field.Label>Payment reference</Field.Label>
              <TextInput value={reference} onChange={(e: React.ChangeEvent<HTMLInputElement>) => setReference(e.target.value)} placeholder="e.g. DESK-1042" />
            </Field.Root>
            <Button
              variant="secondary"
              disabled={!reference.trim()}
              loading={busy}
              onClick={() =>
                act(
                  `/invoices/${task.invoice!.documentId}/manual-payments`,
                  { amountMinor: task.invoice!.totalMinor, currency: task.invoice!.currency, reference: reference.trim() },
                  `Payment of ${formatMoney(task.invoice!.totalMinor, task.invoice!.currency)} recorded`,
                )
              }
            >
              Record {formatMoney(task.invoice.totalMinor, task.invoice.currency)} paid
            </Button>
          </Flex>
        </Box>
      ) : null}
      <Box paddingTop={4}>
        <Flex gap={3} alignItems="flex-end" wrap="wrap">
          <Field.Root name="outcome" width="180px">
            <Field.Label>Outcome</Field.Label>
            <SingleSelect value={outcome} onChange={(value) => setOutcome(String(value))}>
              {outcomes.map((o) => (
                <SingleSelectOption key={o} value={o}>
                  {outcomeLabel(task.type, o)}
                </SingleSelectOption>
              ))}
            </SingleSelect>
          </Field.Root>
          <Field.Root name="note" style={{ flex: 1, minWidth: 240 }} required={isRejection(task.type, outcome)} hint={isRejection(task.type, outcome) ? 'A rejection needs a note saying why' : undefined}>
            <Field.Label>Note</Field.Label>
            <Textarea value={note} onChange={(e: React.ChangeEvent<HTMLTextAreaElement>) => setNote(e.target.value)} />
            <Field.Hint />
          </Field.Root>
          <Button
            loading={busy}
            disabled={!outcome || noteNeeded}
            onClick={() => act(`/tasks/${task.documentId}/complete`, note.trim() ? { outcome, note: note.trim() } : { outcome }, `Task completed: ${outcome}`)}
          >
            Complete
          </Button>
        </Flex>
      </Box>
    </Box>
  );
};

export const TasksPage = () => {
  const { data, meta, error, loading, reload } = useResource<Task[]>('/tasks');
  const roles: string[] = meta?.roles ?? [];
  const viewer: Viewer = { me: meta?.me ?? null, staff: meta?.staff ?? null };
  return (
    <Page.Main>
      <Page.Title>Tasks</Page.Title>
      <Layouts.Header
        title="Tasks"
        subtitle={roles.length ? `Open tasks for ${roles.map((r) => ROLE_LABELS[r]).join(' and ')}` : 'Open tasks of your role'}
        primaryAction={
          <Button variant="tertiary" onClick={reload}>
            Refresh
          </Button>
        }
      />
      <Layouts.Content>
        {loading && !data ? <Loading /> : null}
        {error ? <Failure message={error} onRetry={reload} /> : null}
        {data && !data.length ? <Empty title="Nothing to do" hint="New tasks appear here when a run needs your role." /> : null}
        {data && data.length ? (
          <Flex direction="column" alignItems="stretch" gap={4}>
            {data.map((task) => (
              <TaskCard key={task.documentId} task={task} viewer={viewer} onChanged={reload} />
            ))}
          </Flex>
        ) : null}
      </Layouts.Content>
    </Page.Main>
  );
};
