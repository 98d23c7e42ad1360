import * as React from 'react';
import { Box, Flex, Grid, Typography } from '@strapi/design-system';
import { CheckCircle, CrossCircle } from '@strapi/icons';
import { BackButton, Layouts, Page } from '@strapi/strapi/admin';
import { Link, useParams } from 'react-router-dom';
import { useResource } from '../api';
import { Card, Failure, Loading } from '../../../../../admin-shared/PageState';
import { BASE } from '../pluginId';
import { formatDate, formatDateTime, formatMoney } from '../format';
import { Decision, DecisionsTable, Figure, Line, LinesTable } from './Request';

interface CertificateDetail {
  number: string;
  request: { documentId: string; number: string } | null;
  customer: { documentId: string; name: string } | null;
  currency: string;
  authorizedTotalMinor: number;
  /** The snapshot as stored: the lines and totals it froze, or whatever a tampered row now holds. */
  lines: { request?: string; currency?: string; lines?: Line[]; subtotalMinor?: number; taxMinor?: number; totalMinor?: number } | null;
  decisions: Decision[];
  authorizedAt: string;
  validUntil: string;
  snapshotSha256: string;
  recomputedSha256: string;
  hashMatches: boolean;
}

const HASH: React.CSSProperties = { fontFamily: 'monospace', overflowWrap: 'anywhere' };
const SHRINKS: React.CSSProperties = { minWidth: 0 };

/** Whether the stored snapshot still hashes to what the certificate was written with, first and plain. */
const Verdict = ({ certificate }: { certificate: CertificateDetail }) => {
  const ok = certificate.hashMatches;
  return (
    <Box padding={6} hasRadius background={ok ? 'success100' : 'danger100'} borderColor={ok ? 'success200' : 'danger200'} role="status" data-hash-matches={ok}>
      <Flex gap={4} alignItems="flex-start">
        <Box paddingTop={1}>{ok ? <CheckCircle fill="success600" width="2.4rem" height="2.4rem" /> : <CrossCircle fill="danger600" width="2.4rem" height="2.4rem" />}</Box>
        <Flex direction="column" alignItems="stretch" gap={2} flex={1} style={SHRINKS}>
          <Typography variant="alpha" tag="p" textColor={ok ? 'success700' : 'danger700'}>
            {ok ? 'Snapshot matches its SHA-256' : 'Snapshot does NOT match'}
          </Typography>
          <Typography textColor={ok ? 'success700' : 'danger700'}>
            {ok
              ? 'The lines below are the ones that were authorized: their hash, computed again now, is the one the certificate was written with.'
              : 'The stored lines have changed since the certificate was written: their hash, computed again now, differs. Do not rely on the lines below.'}
          </Typography>
          <Flex direction="column" alignItems="flex-start" gap={1} paddingTop={2}>
            <Typography variant="sigma" textColor="neutral600">
              Written with
            </Typography>
            <Typography style={HASH} data-hash="stored">
              {certificate.snapshotSha256}
            </Typography>
            <Typography variant="sigma" textColor="neutral600">
              Computed now
            </Typography>
            <Typography style={HASH} data-hash="recomputed" textColor={ok ? 'neutral800' : 'danger700'}>
              {certificate.recomputedSha256}
            </Typography>
          </Flex>
        </Flex>
      </Flex>
    </Box>
  );
};

export const CertificatePage = () => {
  const { number } = useParams<{ number: string }>();
  const { data: certificate, error, loading, reload } = useResource<CertificateDetail>(`/certificates/${number}`);
  const snapshot = certificate?.lines;
  const lines = Array.isArray(snapshot?.lines) ? snapshot!.lines : null;

  return (
    <Page.Main>
      <Page.Title>{`Certificate ${number}`}</Page.Title>
      <Layouts.Header
        navigationAction={<BackButton fallback={certificate?.request ? `${BASE}/requests/${certificate.request.documentId}` : `${BASE}/requests`} />}
        title={`Authorization certificate ${number}`}
        subtitle={certificate ? `${certificate.customer?.name ?? ''} · authorized ${formatDateTime(certificate.authorizedAt)}` : undefined}
      />
      <Layouts.Content>
        {loading && !certificate ? <Loading /> : null}
        {error ? <Failure message={error} onRetry={reload} /> : null}
        {certificate ? (
          <Flex direction="column" alignItems="stretch" gap={4}>
            <Verdict certificate={certificate} />
            <Card title="Certificate">
              <Grid.Root gap={4}>
                <Grid.Item col={2} s={4} xs={6} direction="column" alignItems="stretch">
                  <Figure label="Request">{certificate.request ? <Link to={`${BASE}/requests/${certificate.request.documentId}`}>{certificate.request.number}</Link> : '—'}</Figure>
                </Grid.Item>
                <Grid.Item col={3} s={4} xs={6} direction="column" alignItems="stretch">
                  <Figure label="Customer">{certificate.customer?.name ?? '—'}</Figure>
                </Grid.Item>
                <Grid.Item col={3} s={4} xs={6} direction="column" alignItems="stretch">
                  <Figure label="Authorized total" tone="strong">
                    {formatMoney(certificate.authorizedTotalMinor, certificate.currency)}
                  </Figure>
                </Grid.Item>
                <Grid.Item col={2} s={6} xs={6} direction="column" alignItems="stretch">
                  <Figure label="Authorized">{formatDateTime(certificate.authorizedAt)}</Figure>
                </Grid.Item>
                <Grid.Item col={2} s={6} xs={6} direction="column" alignItems="stretch">
                  <Figure label="Valid until">{formatDate(certificate.validUntil)}</Figure>
                </Grid.Item>
              </Grid.Root>
            </Card>
            <Card title="Authorized lines" action={<Typography variant="pi" textColor="neutral600">as frozen in the snapshot</Typography>}>
              {lines ? (
                <LinesTable
                  lines={lines}
                  currency={certificate.currency}
                  totals={{ subtotalMinor: snapshot?.subtotalMinor ?? 0, taxMinor: snapshot?.taxMinor ?? 0, totalMinor: snapshot?.totalMinor ?? 0 }}
                />
              ) : (
                <Typography textColor="danger600">The stored snapshot holds no lines.</Typography>
              )}
            </Card>
            <Card title="Decisions">
              <DecisionsTable decisions={certificate.decisions ?? []} currency={certificate.currency} />
            </Card>
          </Flex>
        ) : null}
      </Layouts.Content>
    </Page.Main>
  );
};
