import * as React from 'react';
import { Button, Field, Flex, Grid, SingleSelect, SingleSelectOption, Table, Tbody, Td, Th, Thead, Tr, Typography } from '@strapi/design-system';
import { Download } from '@strapi/icons';
import { Layouts, Page } from '@strapi/strapi/admin';
import { useDownload, useResource } from '../api';
import { StateBadge } from '../components/Badges';
import { Card, Failure, Loading, Stat } from '../../../../../admin-shared/PageState';
import { STATUSES, STATUS_LABELS, counted, formatDateTime, formatHours, formatMoney, formatMonth } from '../format';
import { BASE } from '../pluginId';

/** A month's approved and rejected requests, per currency (the requests service's `monthly`). */
export interface Summary {
  month: string;
  approved: number;
  rejected: number;
  lines: { status: string; currency: string; count: number; totalMinor: number; medianHoursToDecide: number | null }[];
  medianHoursToDecide: number | null;
}

interface Overview {
  today: string;
  byState: Record<string, number>;
  total: number;
  waiting: { role: string; label: string; open: number; overdue: number; oldestSince: string | null }[];
  waitingTotal: number;
  timeToDecide: { days: number; since: string; decided: number; medianHours: number | null };
  thisMonth: Summary;
}

/** This month and the eleven before it, newest first. */
const recentMonths = (current: string) => {
  const [year, month] = current.split('-').map(Number);
  return Array.from({ length: 12 }, (_, i) => new Date(Date.UTC(year, month - 1 - i, 1)).toISOString().slice(0, 7));
};

export const SummaryTable = ({ summary }: { summary: Summary }) =>
  summary.lines.length ? (
    <Table colCount={5} rowCount={summary.lines.length + 1}>
      <Thead>
        <Tr>
          {['Status', 'Currency', 'Requests', 'Total', 'Median time to decide'].map((h) => (
            <Th key={h}>
              <Typography variant="sigma">{h}</Typography>
            </Th>
          ))}
        </Tr>
      </Thead>
      <Tbody>
        {summary.lines.map((line) => (
          <Tr key={`${line.status}:${line.currency}`}>
            <Td>
              <StateBadge state={line.status} />
            </Td>
            <Td>
              <Typography>{line.currency}</Typography>
            </Td>
            <Td>
              <Typography>{line.count}</Typography>
            </Td>
            <Td>
              <Typography>{formatMoney(line.totalMinor, line.currency)}</Typography>
            </Td>
            <Td>
              <Typography>{formatHours(line.medianHoursToDecide)}</Typography>
            </Td>
          </Tr>
        ))}
      </Tbody>
    </Table>
  ) : (
    <Typography textColor="neutral600">No request was approved or rejected in {formatMonth(summary.month)}.</Typography>
  );

/** The summary of this month (from the overview) or of an earlier one (fetched), with its CSV. */
const SummaryCard = ({ current }: { current: Summary }) => {
  const [month, setMonth] = React.useState(current.month);
  const other = useResource<Summary>(month === current.month ? null : `/reports/${month}`);
  const download = useDownload();
  const summary = month === current.month ? current : other.data;
  return (
    <Card
      title={`Monthly summary — ${formatMonth(month)}`}
      action={
        <Flex gap={2} alignItems="flex-end">
          <Field.Root name="month" width="200px">
            <SingleSelect aria-label="Month" value={month} onChange={(value) => setMonth(String(value))}>
              {recentMonths(current.month).map((m) => (
                <SingleSelectOption key={m} value={m}>
                  {formatMonth(m)}
                </SingleSelectOption>
              ))}
            </SingleSelect>
          </Field.Root>
          <Button variant="secondary" startIcon={<Download />} onClick={() => download(`/reports/${month}/csv`, `approvals-${month}.csv`)}>
            Download CSV
          </Button>
        </Flex>
      }
    >
      {month !== current.month && other.loading ? <Loading /> : null}
      {month !== current.month && other.error ? <Failure message={other.error} onRetry={other.reload} /> : null}
      {summary ? (
        <Flex direction="column" alignItems="stretch" gap={3}>
          <Typography textColor="neutral600">
            {counted(summary.approved, 'request')} approved, {summary.rejected} rejected · median time to decide {formatHours(summary.medianHoursToDecide)}
          </Typography>
          <SummaryTable summary={summary} />
        </Flex>
      ) : null}
    </Card>
  );
};

export const OverviewPage = () => {
  const { data, error, loading, reload } = useResource<Overview>('/overview');
  return (
    <Page.Main>
      <Page.Title>Approvals</Page.Title>
      <Layouts.Header title="Approvals" subtitle={data ? `${counted(data.total, 'repair estimate')} · ${counted(data.waitingTotal, 'decision')} waiting` : 'Repair estimates put to approval'} />
      <Layouts.Content>
        {loading && !data ? <Loading /> : null}
        {error ? <Failure message={error} onRetry={reload} /> : null}
        {data ? (
          <Flex direction="column" alignItems="stretch" gap={4}>
            <Grid.Root gap={4}>
              {STATUSES.map((status) => (
                <Grid.Item key={status} col={2} s={4} xs={6} direction="column" alignItems="stretch">
                  <Stat label={STATUS_LABELS[status]} value={data.byState[status] ?? 0} to={`${BASE}/requests?status=${status}`} />
                </Grid.Item>
              ))}
              <Grid.Item col={2} s={4} xs={6} direction="column" alignItems="stretch">
                <Stat label="All requests" value={data.total} to={`${BASE}/requests`} />
              </Grid.Item>
            </Grid.Root>
            <Grid.Root gap={4}>
              <Grid.Item col={7} s={12} direction="column" alignItems="stretch">
                <Card title="Decisions waiting" action={<Typography variant="pi" textColor="neutral600">Open review and approval tasks, by role</Typography>}>
                  {data.waitingTotal ? (
                    <Table colCount={4} rowCount={data.waiting.length + 1}>
                      <Thead>
                        <Tr>
                          {['Role', 'Open', 'Overdue', 'Oldest waiting since'].map((h) => (
                            <Th key={h}>
                              <Typography variant="sigma">{h}</Typography>
                            </Th>
                          ))}
                        </Tr>
                      </Thead>
                      <Tbody>
                        {data.waiting.map((row) => (
                          <Tr key={row.role} data-role={row.role}>
                            <Td>
                              <Typography>{row.label}</Typography>
                            </Td>
                            <Td>
                              <Typography fontWeight={row.open ? 'bold' : undefined}>{row.open}</Typography>
                            </Td>
                            <Td>
                              <Typography textColor={row.overdue ? 'danger600' : 'neutral800'}>{row.overdue}</Typography>
                            </Td>
                            <Td>
                              <Typography variant="pi" textColor="neutral600">
                                {formatDateTime(row.oldestSince)}
                              </Typography>
                            </Td>
                          </Tr>
                        ))}
                      </Tbody>
                    </Table>
                  ) : (
                    <Typography textColor="neutral600">Nothing waits for a decision.</Typography>
                  )}
                </Card>
              </Grid.Item>
              <Grid.Item col={5} s={12} direction="column" alignItems="stretch">
                <Stat
                  label="Median time to decide"
                  value={formatHours(data.timeToDecide.medianHours)}
                  hint={`${counted(data.timeToDecide.decided, 'request')} decided in the last ${data.timeToDecide.days} days`}
                  definition="From submission to the approval or the rejection, over the requests decided since then."
                />
              </Grid.Item>
            </Grid.Root>
            <SummaryCard current={data.thisMonth} />
          </Flex>
        ) : null}
      </Layouts.Content>
    </Page.Main>
  );
};
