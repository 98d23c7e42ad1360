import * as React from 'react';
import { Box, Button, Field, Flex, Grid, SingleSelect, SingleSelectOption, Table, Tbody, Td, Th, Thead, Tr, Typography } from '@strapi/design-system';
import { Download } from '@strapi/icons';
import { Layouts, Page } from '@strapi/strapi/admin';
import { useNavigate, useParams } from 'react-router-dom';
import { useDownload, useResource } from '../api';
import { Card, Empty, Failure, Loading, Stat } from '../../../../../admin-shared/PageState';
import { BASE } from '../pluginId';
import { ROLE_LABELS, formatDateTime, formatMoney, formatMonth } from '../format';

interface Report {
  month: string;
  generatedAt: string;
  sales: { currency: string; new: { count: number; totalMinor: number; taxMinor: number }; renewal: { count: number; totalMinor: number; taxMinor: number } }[];
  plans: { cancelled: number; expired: number };
  mrr: {
    start: { currency: string; mrrMinor: number }[];
    end: { currency: string; mrrMinor: number }[];
    movements: { currency: string; startMinor: number; newMinor: number; expansionMinor: number; reactivationMinor: number; contractionMinor: number; churnMinor: number; endMinor: number }[];
  };
  cash: { currency: string; collectedMinor: number; refundedMinor: number }[];
  tasks: { role: string; completed: number; overdue: number }[];
}

/** The last finished months, newest first: any of them can be opened (a missing report is generated). */
const finishedMonths = (count: number) => {
  const now = new Date();
  return Array.from({ length: count }, (_, i) => {
    const date = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1 - i, 1));
    return date.toISOString().slice(0, 7);
  });
};

const ReportView = ({ month }: { month: string }) => {
  const { data: report, error, loading, reload } = useResource<Report>(`/reports/${month}`);
  const save = useDownload();
  const download = () => save(`/reports/${month}`, `revenue-report-${month}.csv`, { format: 'csv' });

  if (loading && !report) return <Loading />;
  if (error) return <Failure message={error} onRetry={reload} />;
  if (!report) return null;
  return (
    <Flex direction="column" alignItems="stretch" gap={4}>
      <Flex justifyContent="space-between">
        <Typography variant="pi" textColor="neutral600">
          Generated {formatDateTime(report.generatedAt)}
        </Typography>
        <Button variant="secondary" startIcon={<Download />} onClick={download}>
          Download CSV
        </Button>
      </Flex>
      <Grid.Root gap={4}>
        <Grid.Item col={3} s={6} xs={12} direction="column" alignItems="stretch">
          <Stat label="New plans" value={report.sales.reduce((n, s) => n + s.new.count, 0)} hint={report.sales.map((s) => formatMoney(s.new.totalMinor, s.currency)).join(' · ') || '—'} />
        </Grid.Item>
        <Grid.Item col={3} s={6} xs={12} direction="column" alignItems="stretch">
          <Stat label="Renewals" value={report.sales.reduce((n, s) => n + s.renewal.count, 0)} hint={report.sales.map((s) => formatMoney(s.renewal.totalMinor, s.currency)).join(' · ') || '—'} />
        </Grid.Item>
        <Grid.Item col={3} s={6} xs={12} direction="column" alignItems="stretch">
          <Stat label="Cancelled plans" value={report.plans.cancelled} />
        </Grid.Item>
        <Grid.Item col={3} s={6} xs={12} direction="column" alignItems="stretch">
          <Stat label="Expired plans" value={report.plans.expired} />
        </Grid.Item>
      </Grid.Root>
      <Card title="MRR movements">
        {report.mrr.movements.length ? (
          <Table colCount={8} rowCount={report.mrr.movements.length + 1}>
            <Thead>
              <Tr>
                {['Currency', 'Start', 'New', 'Expansion', 'Reactivation', 'Contraction', 'Churn', 'End'].map((h) => (
                  <Th key={h}><Typography variant="sigma">{h}</Typography></Th>
                ))}
              </Tr>
            </Thead>
            <Tbody>
              {report.mrr.movements.map((m) => (
                <Tr key={m.currency}>
                  <Td><Typography>{m.currency}</Typography></Td>
                  {[m.startMinor, m.newMinor, m.expansionMinor, m.reactivationMinor, -m.contractionMinor, -m.churnMinor, m.endMinor].map((v, i) => (
                    <Td key={i}><Typography>{formatMoney(v, m.currency)}</Typography></Td>
                  ))}
                </Tr>
              ))}
            </Tbody>
          </Table>
        ) : (
          <Typography textColor="neutral600">No MRR stored for this month or the one before.</Typography>
        )}
      </Card>
      <Grid.Root gap={4}>
        <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
          <Card title="Cash">
            {report.cash.length ? (
              report.cash.map((c) => (
                <Typography key={c.currency} tag="p">
                  Collected {formatMoney(c.collectedMinor, c.currency)} · refunded {formatMoney(c.refundedMinor, c.currency)}
                </Typography>
              ))
            ) : (
              <Typography textColor="neutral600">No payment this month.</Typography>
            )}
          </Card>
        </Grid.Item>
        <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
          <Card title="Tasks">
            {report.tasks.map((t) => (
              <Typography key={t.role} tag="p">
                {ROLE_LABELS[t.role]}: {t.completed} completed, {t.overdue} found overdue
              </Typography>
            ))}
          </Card>
        </Grid.Item>
      </Grid.Root>
    </Flex>
  );
};

export const ReportsPage = () => {
  const { month } = useParams<{ month?: string }>();
  const navigate = useNavigate();
  const { data: stored } = useResource<{ month: string; generatedAt: string }[]>('/reports');
  const months = React.useMemo(() => [...new Set([...finishedMonths(12), ...(stored ?? []).map((r) => r.month)])].sort().reverse(), [stored]);
  const selected = month ?? months[0];
  return (
    <Page.Main>
      <Page.Title>Monthly reports</Page.Title>
      <Layouts.Header title="Monthly revenue reports" subtitle={selected ? formatMonth(selected) : undefined} />
      <Layouts.Content>
        <Box paddingBottom={4}>
          <Field.Root name="month" width="240px">
            <Field.Label>Month</Field.Label>
            <SingleSelect value={selected} onChange={(value) => navigate(`${BASE}/reports/${value}`)}>
              {months.map((m) => (
                <SingleSelectOption key={m} value={m}>
                  {formatMonth(m)}
                  {stored?.some((r) => r.month === m) ? '' : ' (generated when opened)'}
                </SingleSelectOption>
              ))}
            </SingleSelect>
          </Field.Root>
        </Box>
        {selected ? <ReportView key={selected} month={selected} /> : <Empty title="No finished month yet" />}
      </Layouts.Content>
    </Page.Main>
  );
};
