import * as React from 'react';
import { Badge, Box, Flex, Typography } from '@strapi/design-system';
import { CheckCircle, Clock, CrossCircle, Minus } from '@strapi/icons';
import { CreditBadge, StateBadge } from './Badges';
import { actorName, formatDateTime, outcomeLabel } from '../format';

type Actor = { type: string; name?: string } | null;

/** A step of the run as the engine stores it; a parallel step carries its tasks. */
export interface Step {
  id: string;
  title: string;
  kind: string;
  state: string;
  startedAt: string | null;
  endedAt: string | null;
  actor: Actor;
  result: string | null;
  branch?: string;
  tasks?: { id: string; title: string; state: string; outcome: string | null; actor: Actor; endedAt: string | null; result: string | null }[];
}

const STEP_ICONS: Record<string, { icon: React.ReactNode; label: string }> = {
  done: { icon: <CheckCircle fill="success600" />, label: 'Done' },
  waiting: { icon: <Clock fill="warning600" />, label: 'Waiting' },
  running: { icon: <Clock fill="primary600" />, label: 'Running' },
  failed: { icon: <CrossCircle fill="danger600" />, label: 'Failed' },
  rejected: { icon: <CrossCircle fill="danger600" />, label: 'Rejected' },
  skipped: { icon: <Minus fill="neutral500" />, label: 'Skipped' },
  pending: { icon: <Minus fill="neutral300" />, label: 'Not started' },
};

/** The run's steps as a checklist: what is done (by whom, with what result), what waits, what was skipped and why. */
export const Steps = ({ steps }: { steps: Step[] }) => (
  <Box tag="ol" aria-label="Steps" style={{ listStyle: 'none', margin: 0, padding: 0 }}>
    {steps.map((step, i) => {
      const look = STEP_ICONS[step.state] ?? STEP_ICONS.pending;
      const ended = step.state === 'done' || step.state === 'failed' || step.state === 'rejected';
      return (
        <Box
          tag="li"
          key={step.id}
          data-step={step.id}
          data-state={step.state}
          paddingTop={3}
          paddingBottom={3}
          borderColor="neutral150"
          style={{ borderWidth: i ? '1px 0 0 0' : 0, borderStyle: 'solid' }}
        >
          <Flex gap={3} alignItems="flex-start">
            <Box aria-label={look.label} paddingTop={1}>
              {look.icon}
            </Box>
            <Flex direction="column" alignItems="flex-start" gap={1} flex={1}>
              <Flex gap={2}>
                <Typography fontWeight="bold" textColor={step.state === 'pending' || step.state === 'skipped' ? 'neutral500' : 'neutral800'}>
                  {i + 1}. {step.title}
                </Typography>
                <Flex gap={1} style={{ flexShrink: 0 }}>
                  {step.state !== 'pending' && step.state !== 'done' ? <StateBadge state={step.state} /> : null}
                  {step.branch === 'over' || step.branch === 'within' ? <CreditBadge over={step.branch === 'over'} /> : step.branch ? <Badge>{step.branch}</Badge> : null}
                </Flex>
              </Flex>
              {step.state === 'waiting' ? (
                <Typography variant="pi" textColor="neutral600">
                  Waiting since {formatDateTime(step.startedAt)}
                  {step.result ? ` — ${step.result}` : ''}
                </Typography>
              ) : null}
              {ended || (step.state === 'skipped' && step.result) ? (
                <Typography variant="pi" textColor={step.state === 'failed' || step.state === 'rejected' ? 'danger600' : 'neutral600'}>
                  {/* A skipped step's result says so itself ("Skipped: runs only after a rejection"). */}
                  {ended ? `${formatDateTime(step.endedAt)} · ${actorName(step.actor)}${step.result ? ` — ${step.result}` : ''}` : step.result}
                </Typography>
              ) : null}
              {step.tasks?.map((task) => (
                <Flex key={task.id} gap={2} paddingLeft={2} alignItems="flex-start">
                  <Box style={{ flexShrink: 0 }}>
                    <StateBadge state={task.state === 'done' && task.outcome ? task.outcome : task.state} />
                  </Box>
                  <Typography variant="pi">
                    {task.title}
                    {task.state === 'pending' ? ' — waiting' : ` — ${outcomeLabel(task.outcome ?? task.state)} by ${actorName(task.actor)}, ${formatDateTime(task.endedAt)}`}
                  </Typography>
                </Flex>
              ))}
            </Flex>
          </Flex>
        </Box>
      );
    })}
  </Box>
);
