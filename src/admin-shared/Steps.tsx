import * as React from 'react';
import { Box, Flex, Table, Tbody, Td, Th, Thead, Tr, Typography } from '@strapi/design-system';
import { CheckCircle, Clock, CrossCircle, Minus } from '@strapi/icons';
import { Link } from 'react-router-dom';
import { formatDateTime } from './format';

/** How a run's step (or a parallel step's task) looks in each state: an icon, and its name for screen readers. */
const STEP_LOOKS: Record<string, { icon: React.ReactNode; label: string }> = {
  done: { icon: <CheckCircle fill="success600" />, label: 'Done' },
  waiting: { icon: <Clock fill="warning600" />, label: 'Waiting' },
  running: { icon: <Clock fill="primary600" />, label: 'Running' },
  failed: { icon: <CrossCircle fill="danger600" />, label: 'Failed' },
  rejected: { icon: <CrossCircle fill="danger600" />, label: 'Rejected' },
  skipped: { icon: <Minus fill="neutral500" />, label: 'Skipped' },
  pending: { icon: <Minus fill="neutral300" />, label: 'Not started' },
  cancelled: { icon: <Minus fill="neutral500" />, label: 'Cancelled' },
};

export const stepLook = (state: string) => STEP_LOOKS[state] ?? STEP_LOOKS.pending;

/**
 * Grid columns shrink to the page (a grid item is as wide as its longest line otherwise, and a
 * long audit entry pushed the page past the window); a table scrolls inside its card instead.
 */
export const SHRINKS: React.CSSProperties = { minWidth: 0 };
/** Long text (who, what, a step's result) wraps instead of widening the page. */
export const WRAPS: React.CSSProperties = { whiteSpace: 'normal', overflowWrap: 'anywhere' };
/** A long table cell wraps, but keeps enough width to be read. */
const WRAPPING_CELL: React.CSSProperties = { ...WRAPS, minWidth: '12rem' };

/** A run's steps as a checklist, in their order. */
export const StepList = ({ label = 'Steps', children }: { label?: string; children: React.ReactNode }) => (
  <Box tag="ol" aria-label={label} style={{ listStyle: 'none', margin: 0, padding: 0 }}>
    {children}
  </Box>
);

/**
 * One step of the checklist: its state's icon beside what the page says of it. `stretch` lets
 * the content take the row's width (wide content, such as a parallel step's tiles).
 */
export const StepRow = ({
  id,
  state,
  first,
  stretch = false,
  children,
}: {
  id: string | undefined;
  state: string;
  first: boolean;
  stretch?: boolean;
  children: React.ReactNode;
}) => {
  const look = stepLook(state);
  return (
    <Box
      tag="li"
      data-step={id}
      data-state={state}
      paddingTop={3}
      paddingBottom={3}
      borderColor="neutral150"
      style={{ borderWidth: first ? 0 : '1px 0 0 0', borderStyle: 'solid' }}
    >
      <Flex gap={3} alignItems="flex-start">
        <Box aria-label={look.label} paddingTop={1}>
          {look.icon}
        </Box>
        <Flex direction="column" alignItems={stretch ? 'stretch' : 'flex-start'} gap={1} flex={1} style={stretch ? SHRINKS : undefined}>
          {children}
        </Flex>
      </Flex>
    </Box>
  );
};

export interface AuditEntry {
  documentId: string;
  summary: string;
  actorType: string;
  actorName: string | null;
  occurredAt: string;
  /** The audit entry in the content manager, where the page may link to it. */
  link?: string;
}

/** A run's audit trail, newest as the server orders it: when, who, what. */
export const AuditTrail = ({ entries }: { entries: AuditEntry[] }) => (
  <Box data-audit-trail>
    <Table colCount={3} rowCount={entries.length + 1}>
      <Thead>
        <Tr>
          <Th><Typography variant="sigma">When</Typography></Th>
          <Th><Typography variant="sigma">Who</Typography></Th>
          <Th><Typography variant="sigma">What</Typography></Th>
        </Tr>
      </Thead>
      <Tbody>
        {entries.map((entry) => (
          <Tr key={entry.documentId}>
            <Td><Typography variant="pi">{formatDateTime(entry.occurredAt)}</Typography></Td>
            <Td style={WRAPPING_CELL}><Typography variant="pi">{entry.actorName ?? entry.actorType}</Typography></Td>
            <Td style={WRAPPING_CELL}>
              {entry.link ? (
                <Link to={entry.link}>
                  <Typography variant="pi">{entry.summary}</Typography>
                </Link>
              ) : (
                <Typography variant="pi">{entry.summary}</Typography>
              )}
            </Td>
          </Tr>
        ))}
      </Tbody>
    </Table>
  </Box>
);
