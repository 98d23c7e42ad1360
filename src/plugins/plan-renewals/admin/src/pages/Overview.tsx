import { Box, Flex, Grid, Typography } from '@strapi/design-system';
import { Layouts, Page } from '@strapi/strapi/admin';
import { Link } from 'react-router-dom';
import { Bar, BarChart, CartesianGrid, ComposedChart, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { MrrMovementTotals } from '../../../../../domain';
import { useResource } from '../api';
import { Card, Empty, Failure, Loading, Stat } from '../../../../../admin-shared/PageState';
import { ROLE_LABELS, contentManagerList, counted, formatMoney, formatMonth, formatRate, majorUnits } from '../format';
import { BASE } from '../pluginId';

type MovementKind = 'new' | 'expansion' | 'reactivation' | 'contraction' | 'churn';

/** A month's movements as the server sends them: the domain's totals, with the month and its net change. */
interface Movement extends MrrMovementTotals {
  month: string;
  from: string;
  netMinor: number;
  churnRateBps: number | null;
}

interface Overview {
  today: string;
  month: string;
  mrr: { currency: string; mrrMinor: number; arrMinor: number; activePlans: number }[];
  activePlans: number;
  thisMonth: { month: string; new: number; renewal: number };
  tasks: { role: string; open: number; overdue: number }[];
  currencies: string[];
  mrrHistory: Record<string, number | string | null>[];
  movements: Movement[];
  rates: {
    currency: string;
    /** The latest month with stored figures, which both are of. */
    month: string | null;
    churn: { rateBps: number | null; churned: number; customersAtStart: number } | null;
    arpa: { arpaMinor: number | null; mrrMinor: number; customers: number } | null;
  }[];
  salesByMonth: { month: string; new: number; renewal: number }[];
  cash: Record<'lastMonth' | 'thisMonth', { month: string; figures: { currency: string; collectedMinor: number; refundedMinor: number }[] }>;
  unpaid: {
    count: number;
    overdue: number;
    oldestDueDate: string | null;
    figures: { currency: string; count: number; totalMinor: number; overdue: number; oldestDueDate: string | null }[];
  };
}

const LINE_COLOURS = ['#4945ff', '#ee5e52', '#328048', '#d9822f'];

/** The five movements, how they enter the month's change, and how the chart draws them. */
const MOVEMENTS: { kind: MovementKind; label: string; sign: 1 | -1; colour: string }[] = [
  { kind: 'new', label: 'New', sign: 1, colour: '#328048' },
  { kind: 'expansion', label: 'Expansion', sign: 1, colour: '#5cb176' },
  { kind: 'reactivation', label: 'Reactivation', sign: 1, colour: '#66b7f1' },
  { kind: 'contraction', label: 'Contraction', sign: -1, colour: '#f29d41' },
  { kind: 'churn', label: 'Churn', sign: -1, colour: '#d02b20' },
];

const LEGEND_ORDER = [...MOVEMENTS.map((m) => m.label), 'Net change'];

const SP = 'api::service-plan.service-plan';
const INVOICE = 'api::invoice.invoice';

/** The service plans MRR counts today: not Cancelled, and paid for a period covering today. */
const coveredPlans = (today: string) =>
  contentManagerList(
    SP,
    [
      [['state'], '$ne', 'Cancelled'],
      [['startDate'], '$lte', today],
      [['endDate'], '$gt', today],
    ],
    'endDate:ASC',
  );

/** The invoices paid in `month` (UTC), as the overview counts them (refunded later included). */
const paidInvoices = (month: string) => {
  const next = new Date(`${month}-01T00:00:00.000Z`);
  next.setUTCMonth(next.getUTCMonth() + 1);
  return contentManagerList(
    INVOICE,
    [
      [['state'], '$in', ['Paid', 'Refunded']],
      [['paidAt'], '$gte', `${month}-01T00:00:00.000Z`],
      [['paidAt'], '$lt', next.toISOString()],
    ],
    'paidAt:DESC',
  );
};

/** The payments taken in `month` (UTC), as the monthly report counts the cash collected. */
const paymentsIn = (month: string) => {
  const next = new Date(`${month}-01T00:00:00.000Z`);
  next.setUTCMonth(next.getUTCMonth() + 1);
  return contentManagerList(
    'api::transaction.transaction',
    [
      [['state'], '$in', ['Success', 'Refunded']],
      [['occurredAt'], '$gte', `${month}-01T00:00:00.000Z`],
      [['occurredAt'], '$lt', next.toISOString()],
    ],
    'occurredAt:DESC',
  );
};

/** The invoices still waiting for their money, the longest overdue first. */
const unpaidInvoices = () => contentManagerList(INVOICE, [[['state'], '$eq', 'Open']], 'dueDate:ASC');

/** The plans that stopped counting: churn is a customer whose plans all ended or were cancelled. */
const endedPlans = () => contentManagerList(SP, [[['state'], '$in', ['Cancelled', 'Expired']]], 'updatedAt:DESC');

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
      <Box height="280px" aria-label="MRR over the last 12 months" role="img" data-chart="mrr">
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={rows} margin={{ top: 8, right: 16, bottom: 0, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="#eaeaef" />
            <XAxis dataKey="month" tick={{ fontSize: 12 }} />
            <YAxis tick={{ fontSize: 12 }} width={70} />
            <Tooltip
              formatter={(value, name) => {
                const currency = String(name).replace(/^MRR \((\w+)\)$/, '$1');
                return typeof value === 'number' ? formatMoney(Math.round(value * 10 ** digitsOf(currency)), currency) : String(value);
              }}
            />
            <Legend />
            {data.currencies.map((currency, i) => (
              // MRR changes on the day a plan is paid for or stops being covered: a step, not a slope.
              <Line key={currency} type="stepAfter" dataKey={currency} name={`MRR (${currency})`} stroke={LINE_COLOURS[i % LINE_COLOURS.length]} strokeWidth={2} connectNulls dot isAnimationActive={false} />
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

const digitsOf = (currency: string) => new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;

const amountOf = (m: Movement, kind: MovementKind) => m[`${kind}Minor`];

/** What moved MRR in a month, as the tooltip lists it: every movement, then the change they add up to. */
const MovementTooltip = ({ active, payload, currency }: { active?: boolean; payload?: readonly { payload?: any }[]; currency: string }) => {
  const m: Movement | undefined = payload?.[0]?.payload?.movement;
  if (!active || !m) return null;
  return (
    <Box background="neutral0" padding={3} hasRadius shadow="filterShadow" data-tooltip="movements">
      <Typography variant="omega" fontWeight="bold" tag="p">
        {formatMonth(m.month)} ({currency})
      </Typography>
      <Typography variant="pi" tag="p">
        MRR at the start {formatMoney(m.startMinor, currency)}
      </Typography>
      {MOVEMENTS.map(({ kind, label, sign }) => (
        <Typography key={kind} variant="pi" tag="p">
          {label} {sign < 0 ? '−' : '+'}
          {formatMoney(amountOf(m, kind), currency)}
        </Typography>
      ))}
      <Typography variant="pi" fontWeight="bold" tag="p">
        Net change {m.netMinor < 0 ? '' : '+'}
        {formatMoney(m.netMinor, currency)} → MRR {formatMoney(m.endMinor, currency)}
      </Typography>
    </Box>
  );
};

/** One currency's movements per month: gains stacked up, losses stacked down, the net change as a line. */
const MovementsChart = ({ data, currency }: { data: Overview; currency: string }) => {
  const months = data.mrrHistory.map((point) => point.month as string);
  const rows = months.map((month) => {
    const movement = data.movements.find((m) => m.month === month && m.currency === currency);
    return {
      month: formatMonth(month),
      movement,
      ...Object.fromEntries(MOVEMENTS.map(({ kind, label, sign }) => [label, movement ? sign * majorUnits(amountOf(movement, kind), currency) : null])),
      'Net change': movement ? majorUnits(movement.netMinor, currency) : null,
    };
  });
  return (
    <Box height="280px" aria-label={`MRR movements per month (${currency})`} role="img" data-chart={`movements-${currency}`}>
      <ResponsiveContainer width="100%" height="100%">
        <ComposedChart data={rows} stackOffset="sign" margin={{ top: 8, right: 16, bottom: 0, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#eaeaef" />
          <XAxis dataKey="month" tick={{ fontSize: 12 }} />
          <YAxis tick={{ fontSize: 12 }} width={70} />
          <ReferenceLine y={0} stroke="#8e8ea9" />
          <Tooltip content={(props: any) => <MovementTooltip active={props.active} payload={props.payload} currency={currency} />} />
          {/* In the order they add up (gains, losses, the net), not alphabetically. */}
          <Legend itemSorter={(item) => LEGEND_ORDER.indexOf(String(item.value))} />
          {MOVEMENTS.map(({ kind, label, colour }) => (
            <Bar key={kind} dataKey={label} stackId="movements" fill={colour} isAnimationActive={false} />
          ))}
          <Line type="linear" dataKey="Net change" stroke="#32324d" strokeWidth={2} dot isAnimationActive={false} connectNulls={false} />
        </ComposedChart>
      </ResponsiveContainer>
    </Box>
  );
};

const MovementsCard = ({ data }: { data: Overview }) => {
  const currencies = data.currencies.filter((c) => data.movements.some((m) => m.currency === c));
  return (
    <Card title="MRR movements per month">
      {currencies.length ? (
        <Flex direction="column" alignItems="stretch" gap={4}>
          {currencies.map((currency) => (
            <Box key={currency}>
              {currencies.length > 1 ? (
                <Typography variant="omega" fontWeight="bold" tag="h3">
                  {currency}
                </Typography>
              ) : null}
              <MovementsChart data={data} currency={currency} />
            </Box>
          ))}
          <Typography variant="pi" textColor="neutral600">
            Each month compares every customer's MRR at its end with the month before: new, expansion and reactivation add to it; contraction
            and churn take from it; together they are the month's net change (the line). The current month is as last stored (daily, and
            whenever a run activates a plan). The <Link to={`${BASE}/reports`}>monthly reports</Link> list them by figure.
          </Typography>
        </Flex>
      ) : (
        <Empty title="No MRR movements yet" hint="Movements compare two stored month ends: they start with the second month of MRR history." />
      )}
    </Card>
  );
};

const SalesChart = ({ data }: { data: Overview }) => {
  if (data.salesByMonth.every((m) => m.new === 0 && m.renewal === 0)) {
    return <Empty title="No paid invoices in the last 12 months" />;
  }
  const rows = data.salesByMonth.map((m) => ({ month: formatMonth(m.month), New: m.new, Renewals: m.renewal }));
  return (
    <Box height="280px" aria-label="New plans and renewals paid per month" role="img" data-chart="sales">
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

/** Per currency, joined as the MRR figure is ("USD 12.34 · EUR 5.00"); no currency yet: the fallback. */
const perCurrency = (items: string[], fallback: string) => (items.length ? items.join(' · ') : fallback);

export const OverviewPage = () => {
  const { data, error, loading, reload } = useResource<Overview>('/overview');
  const churned = data?.rates.filter((r) => r.churn) ?? [];
  const arpa = data?.rates.filter((r) => r.arpa) ?? [];
  const churnMonths = [...new Set(churned.map((r) => r.month!))];
  const arpaMonths = [...new Set(arpa.map((r) => r.month!))];
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
                  value={perCurrency(data.mrr.map((m) => formatMoney(m.mrrMinor, m.currency)), formatMoney(0, 'USD'))}
                  to={coveredPlans(data.today)}
                  definition="Monthly recurring revenue today: every plan a paid period covers, its recurring price ÷ its term in months."
                />
              </Grid.Item>
              <Grid.Item col={3} s={6} xs={12} direction="column" alignItems="stretch">
                <Stat
                  label="ARR"
                  value={perCurrency(data.mrr.map((m) => formatMoney(m.arrMinor, m.currency)), formatMoney(0, 'USD'))}
                  to={coveredPlans(data.today)}
                  definition="Annual recurring revenue: 12 × MRR."
                />
              </Grid.Item>
              <Grid.Item col={3} s={6} xs={12} direction="column" alignItems="stretch">
                <Stat
                  label="Active plans"
                  value={data.activePlans}
                  to={coveredPlans(data.today)}
                  definition="Service plans a paid period covers today (not cancelled), whatever their renewal is doing."
                />
              </Grid.Item>
              <Grid.Item col={3} s={6} xs={12} direction="column" alignItems="stretch">
                <Stat
                  label={`Paid in ${formatMonth(data.month)}`}
                  value={`${data.thisMonth.new} new · ${counted(data.thisMonth.renewal, 'renewal')}`}
                  to={paidInvoices(data.month)}
                  definition="Invoices paid this month (UTC), new plans and renewals."
                />
              </Grid.Item>
              <Grid.Item col={3} s={6} xs={12} direction="column" alignItems="stretch">
                <Stat
                  label={`Collected in ${formatMonth(data.cash.lastMonth.month)}`}
                  value={perCurrency(data.cash.lastMonth.figures.map((c) => formatMoney(c.collectedMinor, c.currency)), formatMoney(0, 'USD'))}
                  to={paymentsIn(data.cash.lastMonth.month)}
                  hint={
                    data.cash.lastMonth.figures.some((c) => c.refundedMinor)
                      ? `refunded ${data.cash.lastMonth.figures.filter((c) => c.refundedMinor).map((c) => formatMoney(c.refundedMinor, c.currency)).join(' · ')}`
                      : `so far in ${formatMonth(data.cash.thisMonth.month)}: ${perCurrency(data.cash.thisMonth.figures.map((c) => formatMoney(c.collectedMinor, c.currency)), formatMoney(0, 'USD'))}`
                  }
                  definition="Payments taken last month (UTC), card and counter, before refunds — the cash line of its monthly report."
                />
              </Grid.Item>
              <Grid.Item col={3} s={6} xs={12} direction="column" alignItems="stretch">
                <Stat
                  label="Unpaid invoices"
                  value={data.unpaid.count ? `${counted(data.unpaid.count, 'invoice')} · ${perCurrency(data.unpaid.figures.map((u) => formatMoney(u.totalMinor, u.currency)), '')}` : 'None'}
                  tone={data.unpaid.overdue ? 'danger' : undefined}
                  to={unpaidInvoices()}
                  hint={data.unpaid.count ? `${data.unpaid.overdue} overdue · oldest due ${data.unpaid.oldestDueDate}` : 'every invoice is settled'}
                  definition="Open invoices waiting for their payment; overdue: past their due date."
                />
              </Grid.Item>
              <Grid.Item col={3} s={6} xs={12} direction="column" alignItems="stretch">
                <Stat
                  label="Churn rate"
                  value={perCurrency(churned.map((r) => `${r.currency} ${formatRate(r.churn!.rateBps)}`), '—')}
                  to={endedPlans()}
                  hint={
                    churned.length
                      ? `${churnMonths.map(formatMonth).join(', ')}: ${churned.map((r) => `${r.churn!.churned} of ${counted(r.churn!.customersAtStart, 'customer')}${churned.length > 1 ? ` (${r.currency})` : ''}`).join(', ')}`
                      : 'No month with MRR at its start yet'
                  }
                  definition="Customers with MRR at the start of the month and none at its end ÷ customers with MRR at its start."
                />
              </Grid.Item>
              <Grid.Item col={3} s={6} xs={12} direction="column" alignItems="stretch">
                <Stat
                  label="ARPA"
                  value={perCurrency(arpa.map((r) => formatMoney(r.arpa!.arpaMinor, r.currency)), '—')}
                  to={coveredPlans(data.today)}
                  hint={
                    arpa.length
                      ? `${arpaMonths.map(formatMonth).join(', ')}: ${arpa.map((r) => `${counted(r.arpa!.customers, 'customer')}${arpa.length > 1 ? ` (${r.currency})` : ''}`).join(', ')}`
                      : 'No MRR stored yet'
                  }
                  definition="Average revenue per account: MRR at the month end ÷ customers with MRR then."
                />
              </Grid.Item>
              {data.tasks.map((t) => (
                <Grid.Item key={t.role} col={3} s={6} xs={12} direction="column" alignItems="stretch">
                  <Stat
                    label={`${ROLE_LABELS[t.role]} tasks`}
                    value={`${t.open} open`}
                    tone={t.overdue ? 'danger' : undefined}
                    to={`${BASE}/tasks`}
                    hint={t.overdue ? `${t.overdue} overdue` : 'none overdue'}
                  />
                </Grid.Item>
              ))}
            </Grid.Root>
            <Grid.Root gap={4}>
              <Grid.Item col={6} s={12} direction="column" alignItems="stretch" style={{ minWidth: 0 }}>
                <Card title="MRR, last 12 months">
                  <MrrChart data={data} />
                  <Typography variant="pi" textColor="neutral600">
                    Each month's MRR as stored at its end, held until the next month end; the current month is computed now.
                  </Typography>
                </Card>
              </Grid.Item>
              <Grid.Item col={6} s={12} direction="column" alignItems="stretch" style={{ minWidth: 0 }}>
                <Card title="New plans vs renewals">
                  <SalesChart data={data} />
                  <Typography variant="pi" textColor="neutral600">
                    Invoices paid per month. <Link to={`${BASE}/runs`}>See the runs</Link>
                  </Typography>
                </Card>
              </Grid.Item>
              <Grid.Item col={12} direction="column" alignItems="stretch" style={{ minWidth: 0 }}>
                <MovementsCard data={data} />
              </Grid.Item>
            </Grid.Root>
          </Flex>
        ) : null}
      </Layouts.Content>
    </Page.Main>
  );
};
