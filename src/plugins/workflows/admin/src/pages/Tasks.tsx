import * as React from 'react';
import { Button, Dialog, Field, Flex, SingleSelect, SingleSelectOption, Td, TextInput, Tr, Typography } from '@strapi/design-system';
import { Layouts, Page } from '@strapi/strapi/admin';
import { Link } from 'react-router-dom';
import { PageOf, ProcessSummary, useAction, useAllowed, useResource } from '../api';
import { FilterBar, FilterSelect } from '../../../../../admin-shared/Filters';
import { PagedTable, useListParams } from '../../../../../admin-shared/PagedTable';
import { StateBadge } from '../components/StateBadge';
import { BASE } from '../pluginId';
import { Actor, actorName, counted, formatDate, formatDateTime } from '../format';

interface Task {
  documentId: string;
  process: { id: string; name: string };
  run: { documentId: string; state: string; currentStep: string | null } | null;
  title: string;
  role: string;
  roleLabel: string;
  state: string;
  outcome: string | null;
  claimedBy: Actor | null;
  completedBy: Actor | null;
  completedAt: string | null;
  note: string | null;
  dueDate: string | null;
  overdue: boolean;
  details: string | null;
  createdAt: string;
}

type Staff = Record<string, { documentId: string; username: string }[]>;

/** Hands an open task to a staff member of its role, with a reason for the audit log. */
const ReassignDialog = ({ task, staff, onDone }: { task: Task; staff: Staff[string]; onDone: () => void }) => {
  const [user, setUser] = React.useState('');
  const [reason, setReason] = React.useState('');
  const { act, busy } = useAction();
  const submit = async () => {
    const to = staff.find((s) => s.documentId === user)?.username ?? 'them';
    if (await act(`/tasks/${task.documentId}/reassign`, reason.trim() ? { user, reason: reason.trim() } : { user }, `Task handed to ${to}`)) onDone();
  };
  return (
    <Dialog.Root>
      <Dialog.Trigger>
        <Button variant="secondary" size="S">
          Reassign
        </Button>
      </Dialog.Trigger>
      <Dialog.Content>
        <Dialog.Header>Reassign “{task.title}”</Dialog.Header>
        <Dialog.Body>
          <Flex direction="column" alignItems="stretch" gap={3} width="100%">
            <Field.Root name="user" required hint={`A member of ${task.roleLabel}; whoever holds the task now loses it`}>
              <Field.Label>Hand it to</Field.Label>
              <SingleSelect value={user} onChange={(value) => setUser(String(value))} placeholder={staff.length ? 'Choose a person' : 'Nobody has this role'}>
                {staff.map((member) => (
                  <SingleSelectOption key={member.documentId} value={member.documentId}>
                    {member.username}
                  </SingleSelectOption>
                ))}
              </SingleSelect>
              <Field.Hint />
            </Field.Root>
            <Field.Root name="reason" hint="Optional, kept in the audit log">
              <Field.Label>Reason</Field.Label>
              <TextInput value={reason} maxLength={500} onChange={(e: React.ChangeEvent<HTMLInputElement>) => setReason(e.target.value)} />
              <Field.Hint />
            </Field.Root>
          </Flex>
        </Dialog.Body>
        <Dialog.Footer>
          <Dialog.Cancel>
            <Button variant="tertiary">Keep it</Button>
          </Dialog.Cancel>
          <Dialog.Action>
            <Button loading={busy} disabled={!user} onClick={submit}>
              Reassign
            </Button>
          </Dialog.Action>
        </Dialog.Footer>
      </Dialog.Content>
    </Dialog.Root>
  );
};

const TASK_STATES = ['open', 'completed', 'cancelled'];

/** The tasks of every process the engine runs: open ones by default, filtered by process and role. */
export const TasksPage = () => {
  const { params, filter } = useListParams(['process', 'role', 'state']);
  const processes = useResource<ProcessSummary[]>('/processes');
  const { data, meta, error, loading, reload } = useResource<PageOf<Task>>('/tasks', params);
  const allowed = useAllowed();
  const staff: Staff | null = meta?.staff ?? null;
  // The roles of the chosen process, else of every process (each once, by the first label).
  const roles = new Map<string, string>();
  for (const process of processes.data ?? []) {
    if (params.process && process.id !== params.process) continue;
    for (const role of process.roles) if (!roles.has(role.id)) roles.set(role.id, role.label);
  }
  const state = params.state ?? 'open';

  return (
    <Page.Main>
      <Page.Title>Process tasks</Page.Title>
      <Layouts.Header
        title="Tasks"
        subtitle={data ? counted(data.pagination.total, `${state} task`) : 'The tasks of every process the engine runs'}
        primaryAction={
          <Button variant="tertiary" onClick={reload}>
            Refresh
          </Button>
        }
      />
      <Layouts.Content>
        <FilterBar label="Filter tasks">
          <FilterSelect
            name="process"
            label="Process"
            value={params.process ?? ''}
            options={(processes.data ?? []).map((p) => ({ value: p.id, label: p.name }))}
            onChange={(value) => filter('process', value)}
            width="260px"
          />
          <FilterSelect name="role" label="Role" value={params.role ?? ''} options={[...roles].map(([value, label]) => ({ value, label }))} onChange={(value) => filter('role', value)} />
          <FilterSelect name="state" label="Status" value={state} options={TASK_STATES.map((s) => ({ value: s, label: s }))} onChange={(value) => filter('state', value === 'open' ? '' : value)} width="160px" clearable={false} />
        </FilterBar>
        <PagedTable
          data={data}
          loading={loading}
          error={error}
          reload={reload}
          empty={{ title: `No ${state} task matches these filters`, hint: 'Tasks appear when a run reaches a step for people.' }}
          headers={['Task', 'Role', state === 'open' ? 'Due' : 'Status', state === 'open' ? 'Claimed by' : 'Completed by', 'Actions']}
          row={(task) => (
            <Tr key={task.documentId} data-task={task.documentId}>
              <Td>
                <Flex direction="column" alignItems="flex-start">
                  <Typography fontWeight="bold">{task.title}</Typography>
                  <Typography variant="pi" textColor="neutral600">
                    {task.process.name}
                    {task.run ? (
                      <>
                        {' · '}
                        <Link to={`${BASE}/runs/${task.run.documentId}`}>open its run</Link>
                      </>
                    ) : null}
                  </Typography>
                  {task.details ? <Typography variant="pi">{task.details}</Typography> : null}
                </Flex>
              </Td>
              <Td>
                <Typography>{task.roleLabel}</Typography>
              </Td>
              <Td>
                {task.state === 'open' ? (
                  <Typography textColor={task.overdue ? 'danger600' : 'neutral800'}>
                    {formatDate(task.dueDate)}
                    {task.overdue ? ' (overdue)' : ''}
                  </Typography>
                ) : (
                  <Flex gap={1}>
                    <StateBadge state={task.state} />
                    {task.outcome ? <Typography variant="pi">{task.outcome}</Typography> : null}
                  </Flex>
                )}
              </Td>
              <Td>
                <Typography variant="pi">
                  {task.state === 'open' ? (task.claimedBy ? actorName(task.claimedBy) : 'unclaimed') : `${actorName(task.completedBy)} ${task.completedAt ? formatDateTime(task.completedAt) : ''}`}
                </Typography>
              </Td>
              <Td>
                {task.state === 'open' && allowed.reassign && staff ? <ReassignDialog task={task} staff={staff[task.role] ?? []} onDone={reload} /> : null}
              </Td>
            </Tr>
          )}
        />
      </Layouts.Content>
    </Page.Main>
  );
};
