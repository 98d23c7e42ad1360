import { Box, Flex, Grid, Typography } from '@strapi/design-system';
import { Layouts, Page } from '@strapi/strapi/admin';
import { Link } from 'react-router-dom';
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useResource } from '../api';
import { Card, Empty, Failure, Loading, Stat } from '../components/PageState';
import { ROLE_LABELS, counted, formatMoney, formatMonth, majorUnits } from '../format';

interface Overview {
  today: string;
  month: string;
  mrr: { currency: string; mrrMinor: number; arrMinor: number; activePlans: number }[];
  activePlans: number;
  thisMonth: { month: string; new: number; renewal: number };
  tasks: { role: string; open: number; overdue: number }[];
  currencies: string[];
  mrrHistory: Record<string, number | string | null>[];
  salesByMonth: { month: string; new: number; renewal: number }[];
}

const LINE_COLOURS = ['#4945ff', '#ee5e52', '#328048', '#d9822f'];

const MrrChart = ({ data }: { data: Overview }) => {
  if (!data.currencies.length || data.mrrHistory.every((point) => data.currencies.every((c) => point[c] == null))) {
    return <Empty title="No MRR recorded yet" hint="The daily MRR job stores a figure per month; the current month is live." />;
  }
  const rows = data.mrrHistory.map((point) => ({
    month: formatMonth(point.month as string),
    ...Object.fromEntries(data.currencies.map((c) => [c, point[c] == null ? null : majorUnits(point[c] as number, c)])),
  }));
  const recorded = data.mrrHistory.filter((point) => data.currencies.some((c) => point[c] != null)).length;
  return (
    <>
    <Box height="280px" aria-label="MRR over the last 12 months" role="img">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={rows} margin={{ top: 8, right: 16, bottom: 0, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#eaeaef" />
          <XAxis dataKey="month" tick={{ fontSize: 12 }} />
          <YAxis tick={{ fontSize: 12 }} width={70} />
          <Tooltip />
          <Legend />
          {data.currencies.map((currency, i) => (
            <Line key={currency} type="monotone" dataKey={currency} name={`MRR (${currency})`} stroke={LINE_COLOURS[i % LINE_COLOURS.length]} strokeWidth={2} connectNulls dot isAnimationActive={false} />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </Box>
    {recorded < 2 ? (
      <Typography variant="pi" textColor="neutral600">
        The history grows by one point a month: the daily MRR job stores each month's figure.
      </Typography>
    ) : null}
    </>
  );
};

const SalesChart = ({ data }: { data: Overview }) => {
  if (data.salesByMonth.every((m) => m.new === 0 && m.renewal === 0)) {
    return <Empty title="No paid invoices in the last 12 months" />;
  }
  const rows = data.salesByMonth.map((m) => ({ month: formatMonth(m.month), New: m.new, Renewals: m.renewal }));
  return (
    <Box height="280px" aria-label="New plans and renewals paid per month" role="img">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={rows} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#eaeaef" />
          <XAxis dataKey="month" tick={{ fontSize: 12 }} />
          <YAxis allowDecimals={false} tick={{ fontSize: 12 }} width={40} />
          <Tooltip />
          <Legend />
          <Bar dataKey="New" fill="#4945ff" isAnimationActive={false} />
          <Bar dataKey="Renewals" fill="#66b7f1" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </Box>
  );
};

export const OverviewPage = () => {
  const { data, error, loading, reload } = useResource<Overview>('/overview');
  return (
    <Page.Main>
      <Page.Title>Plan renewals overview</Page.Title>
      <Layouts.Header title="Overview" subtitle={data ? `Recurring revenue and work in progress, ${data.today}` : 'Recurring revenue and work in progress'} />
      <Layouts.Content>
        {loading && !data ? <Loading /> : null}
        {error ? <Failure message={error} onRetry={reload} /> : null}
        {data ? (
          <Flex direction="column" alignItems="stretch" gap={6}>
            <Grid.Root gap={4}>
              <Grid.Item col={3} s={6} xs={12} direction="column" alignItems="stretch">
                <Stat
                  label="MRR"
                  value={data.mrr.length ? data.mrr.map((m) => formatMoney(m.mrrMinor, m.currency)).join(' · ') : formatMoney(0, 'USD')}
                  hint="Monthly recurring revenue of Active plans"
                />
              </Grid.Item>
              <Grid.Item col={3} s={6} xs={12} direction="column" alignItems="stretch">
                <Stat label="ARR" value={data.mrr.length ? data.mrr.map((m) => formatMoney(m.arrMinor, m.currency)).join(' · ') : formatMoney(0, 'USD')} hint="12 × MRR" />
              </Grid.Item>
              <Grid.Item col={3} s={6} xs={12} direction="column" alignItems="stretch">
                <Stat label="Active plans" value={data.activePlans} hint={<Link to="runs">See runs</Link>} />
              </Grid.Item>
              <Grid.Item col={3} s={6} xs={12} direction="column" alignItems="stretch">
                <Stat label={`Paid in ${formatMonth(data.month)}`} value={`${data.thisMonth.new} new · ${counted(data.thisMonth.renewal, 'renewal')}`} hint="Invoices paid this month" />
              </Grid.Item>
              {data.tasks.map((t) => (
                <Grid.Item key={t.role} col={6} s={6} xs={12} direction="column" alignItems="stretch">
                  <Stat
                    label={`${ROLE_LABELS[t.role]} tasks`}
                    value={`${t.open} open`}
                    tone={t.overdue ? 'danger' : undefined}
                    hint={t.overdue ? `${t.overdue} overdue` : 'none overdue'}
                  />
                </Grid.Item>
              ))}
            </Grid.Root>
            <Grid.Root gap={4}>
              <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
                <Card title="MRR, last 12 months">
                  <MrrChart data={data} />
                </Card>
              </Grid.Item>
              <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
                <Card title="New plans vs renewals">
                  <SalesChart data={data} />
                </Card>
              </Grid.Item>
            </Grid.Root>
            <Typography variant="pi" textColor="neutral600">
              Earlier months show the MRR stored at each month's end; the current month is computed now.
            </Typography>
          </Flex>
        ) : null}
      </Layouts.Content>
    </Page.Main>
  );
};
