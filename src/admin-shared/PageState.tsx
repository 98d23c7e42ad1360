import * as React from 'react';
import { Box, EmptyStateLayout, Flex, Loader, Typography } from '@strapi/design-system';
import { WarningCircle } from '@strapi/icons';
import { Link } from 'react-router-dom';

/** Loading, error and empty states, cards and figures that look the same on every page of the panel. */
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

/**
 * A figure with its label. On its own it is a card (`to` links the figure to the records behind
 * it, `definition` says in one line how it is computed); `inset`, a grey box inside a card.
 */
export const Stat = ({
  label,
  value,
  hint,
  tone,
  to,
  definition,
  inset = false,
}: {
  label: string;
  value: React.ReactNode;
  hint?: React.ReactNode;
  tone?: 'danger';
  to?: string;
  definition?: string;
  inset?: boolean;
}) => (
  <Box
    background={inset ? 'neutral100' : 'neutral0'}
    hasRadius
    shadow={inset ? undefined : 'tableShadow'}
    padding={inset ? 4 : 5}
    height={inset ? undefined : '100%'}
    data-stat={label}
  >
    <Flex direction="column" alignItems="flex-start" gap={1}>
      <Typography variant="sigma" textColor="neutral600">
        {label}
      </Typography>
      <Typography variant="beta" tag="p" textColor={tone === 'danger' ? 'danger600' : 'neutral800'}>
        {to ? (
          <Link to={to} style={{ color: 'inherit' }}>
            {value}
          </Link>
        ) : (
          value
        )}
      </Typography>
      {hint ? (
        <Typography variant="pi" textColor="neutral600">
          {hint}
        </Typography>
      ) : null}
      {definition ? (
        <Typography variant="pi" textColor="neutral500" data-definition={label}>
          {definition}
        </Typography>
      ) : null}
    </Flex>
  </Box>
);

/** A white card with a title, the frame of each section of a page; `fill` stretches it to its grid cell. */
export const Card = ({
  title,
  action,
  children,
  fill = false,
  ...rest
}: {
  title: string;
  action?: React.ReactNode;
  children: React.ReactNode;
  fill?: boolean;
  [data: `data-${string}`]: string;
}) => (
  <Box background="neutral0" hasRadius shadow="tableShadow" padding={6} height={fill ? '100%' : undefined} {...rest}>
    <Flex justifyContent="space-between" alignItems="center" paddingBottom={4} gap={3} wrap="wrap">
      <Typography variant="delta" tag="h2">
        {title}
      </Typography>
      {action}
    </Flex>
    {children}
  </Box>
);
