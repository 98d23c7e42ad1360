import * as React from 'react';
import { Box, EmptyStateLayout, Flex, Loader, Typography } from '@strapi/design-system';
import { WarningCircle } from '@strapi/icons';

/** Loading, error and empty states that look the same on every page. */
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

/** A white card with a title, the frame of each section of a page. */
export const Card = ({ title, action, children, ...rest }: { title: string; action?: React.ReactNode; children: React.ReactNode; [data: `data-${string}`]: string }) => (
  <Box background="neutral0" hasRadius shadow="tableShadow" padding={6} {...rest}>
    <Flex justifyContent="space-between" alignItems="center" paddingBottom={4}>
      <Typography variant="delta" tag="h2">
        {title}
      </Typography>
      {action}
    </Flex>
    {children}
  </Box>
);
