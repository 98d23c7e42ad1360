import { Badge, Box, Flex, Typography } from '@strapi/design-system';
import { StepList, StepRow } from '../../../../../admin-shared/Steps';
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

/** The run's steps as a checklist: what is done (by whom, with what result), what waits, what was skipped and why. */
export const Steps = ({ steps }: { steps: Step[] }) => (
  <StepList>
    {steps.map((step, i) => {
      const ended = step.state === 'done' || step.state === 'failed' || step.state === 'rejected';
      return (
        <StepRow key={step.id} id={step.id} state={step.state} first={i === 0}>
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
        </StepRow>
      );
    })}
  </StepList>
);
