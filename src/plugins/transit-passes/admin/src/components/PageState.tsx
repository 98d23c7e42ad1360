import * as React from 'react';
import { Badge, Box, EmptyStateLayout, Flex, Loader, Typography } from '@strapi/design-system';
import { WarningCircle } from '@strapi/icons';

/** Loading, error and empty states, cards and figures that look the same in every section. */
export const Loading = ({ label = 'Loading…' }: { label?: string }) => (
  <Flex justifyContent="center" padding={8}>
    <Loader>{label}</Loader>
  </Flex>
);

export const Failure = ({ message, onRetry }: { message: string; onRetry?: () => void }) => (
  <Box padding={6} background="danger100" hasRadius borderColor="danger200" role="alert">
    <Flex gap={3} alignItems="center">
      <WarningCircle fill="danger600" />
      <Typography textColor="danger700">{message}</Typography>
      {onRetry ? (
        <Typography tag="button" textColor="primary600" onClick={onRetry} style={{ background: 'none', border: 0, cursor: 'pointer' }}>
          Try again
        </Typography>
      ) : null}
    </Flex>
  </Box>
);

export const Empty = ({ title, hint }: { title: string; hint?: React.ReactNode }) => (
  <EmptyStateLayout icon={null} content={title} action={hint ? <Typography variant="pi" textColor="neutral600">{hint}</Typography> : undefined} />
);

/** A white card with a title, the frame of each section of the page. */
export const Card = ({ title, action, children, ...rest }: { title: string; action?: React.ReactNode; children: React.ReactNode; [data: `data-${string}`]: string }) => (
  <Box background="neutral0" hasRadius shadow="tableShadow" padding={6} height="100%" {...rest}>
    <Flex justifyContent="space-between" alignItems="center" paddingBottom={4} gap={3} wrap="wrap">
      <Typography variant="delta" tag="h2">
        {title}
      </Typography>
      {action}
    </Flex>
    {children}
  </Box>
);

/** One figure with its label and a line of detail. */
export const Stat = ({ label, value, hint }: { label: string; value: React.ReactNode; hint?: React.ReactNode }) => (
  <Box background="neutral100" hasRadius padding={4} data-stat={label}>
    <Flex direction="column" alignItems="flex-start" gap={1}>
      <Typography variant="sigma" textColor="neutral600">
        {label}
      </Typography>
      <Typography variant="beta" tag="p">
        {value}
      </Typography>
      {hint ? (
        <Typography variant="pi" textColor="neutral600">
          {hint}
        </Typography>
      ) : null}
    </Flex>
  </Box>
);

type Variant = 'success' | 'primary' | 'danger' | 'warning' | 'neutral' | 'secondary';

const VARIANTS: Record<string, Variant> = { Pending: 'warning', Paid: 'success', Failed: 'danger', Cancelled: 'neutral' };

/** An order's state as a coloured badge. */
export const StateBadge = ({ state }: { state: string }) => <Badge variant={VARIANTS[state] ?? 'neutral'}>{state}</Badge>;
