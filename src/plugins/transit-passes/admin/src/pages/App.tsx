import * as React from 'react';
import { Button, Field, Flex, Grid, SingleSelect, SingleSelectOption, Table, Tbody, Td, TextInput, Th, Thead, Tr, Typography } from '@strapi/design-system';
import { Download } from '@strapi/icons';
import { Layouts, Page } from '@strapi/strapi/admin';
import { Route, Routes, useSearchParams } from 'react-router-dom';
import { MonthlyReport, OrderRow, Overview, PageOf, useDownload, useResource } from '../api';
import { FilterSelect } from '../../../../../admin-shared/Filters';
import { ListPagination } from '../../../../../admin-shared/ListPagination';
import { Card, Empty, Failure, Loading, Stat } from '../../../../../admin-shared/PageState';
import { StateBadge as Badge } from '../../../../../admin-shared/StateBadge';
import { MEDIUM_LABELS, ORDER_STATES, categoryLabel, counted, formatDate, formatDateTime, formatMoney, formatMonth } from '../format';
import { ACTIONS } from '../pluginId';

/** An order's state as a coloured badge: a Pending order waits for its payment. */
const StateBadge = ({ state }: { state: string }) => <Badge state={state} variants={{ Pending: 'warning' }} />;

/**
 * The Transit page: a day's revenue (the day in the URL, today in the agency's time zone by
 * default), the passes in force, the orders by state and the card stock, the monthly report with
 * its CSV, and the orders with a state filter. Everything the page chooses is kept in its URL.
 */
const Header = ({ children }: { children: React.ReactNode }) => (
  <Th>
    <Typography variant="sigma">{children}</Typography>
  </Th>
);

/** The current month and the eleven before, newest first. */
const recentMonths = (count: number) => {
  const now = new Date();
  return Array.from({ length: count }, (_, i) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - i, 1)).toISOString().slice(0, 7));
};

const DaySection = ({ overview, date, onDate }: { overview: Overview; date: string; onDate: (date: string) => void }) => (
  <Card
    fill
    title={`Revenue on ${formatDate(overview.date)}`}
    data-section="revenue"
    action={
      <Field.Root name="date" width="200px" hint={`Agency time zone: ${overview.timezone}`}>
        <Field.Label>Day</Field.Label>
        <TextInput type="date" value={date} onChange={(e: React.ChangeEvent<HTMLInputElement>) => onDate(e.target.value)} />
        <Field.Hint />
      </Field.Root>
    }
  >
    {overview.revenue.length ? (
      <Grid.Root gap={4}>
        {overview.revenue.map((line) => (
          <Grid.Item key={line.currency} col={4} s={6} xs={12} direction="column" alignItems="stretch">
            <Stat inset label={line.currency} value={formatMoney(line.totalMinor, line.currency)} hint={counted(line.orders, 'paid order')} />
          </Grid.Item>
        ))}
      </Grid.Root>
    ) : (
      <Typography textColor="neutral600">No order was paid on this day.</Typography>
    )}
  </Card>
);

const PassesSection = ({ passes }: { passes: Overview['passes'] }) => (
  <Card fill title={`Passes in force: ${passes.active}`} data-section="passes">
    <Flex direction="column" alignItems="stretch" gap={4}>
      <Typography variant="pi" textColor="neutral600">
        Active passes not past their end. Issued: bought, in force from their first use.
      </Typography>
      {passes.byCategory.length ? (
        <Grid.Root gap={4}>
          {passes.byCategory.map((category) => (
            <Grid.Item key={category.riderCategory} col={2} s={4} xs={6} direction="column" alignItems="stretch">
              <Stat inset label={categoryLabel(category.riderCategory)} value={category.active} hint={category.issued ? `${category.issued} issued` : undefined} />
            </Grid.Item>
          ))}
        </Grid.Root>
      ) : null}
      {passes.byProduct.length ? (
        <Table colCount={5} rowCount={passes.byProduct.length + 1}>
          <Thead>
            <Tr>
              <Header>Fare product</Header>
              <Header>Rider category</Header>
              <Header>Medium</Header>
              <Header>Active</Header>
              <Header>Issued</Header>
            </Tr>
          </Thead>
          <Tbody>
            {passes.byProduct.map((line) => (
              <Tr key={line.code} data-product={line.code}>
                <Td>
                  <Flex direction="column" alignItems="flex-start">
                    <Typography>{line.name}</Typography>
                    <Typography variant="pi" textColor="neutral600">
                      {line.code}
                      {line.onSale ? '' : ' · off sale'}
                    </Typography>
                  </Flex>
                </Td>
                <Td><Typography>{categoryLabel(line.riderCategory)}</Typography></Td>
                <Td><Typography>{MEDIUM_LABELS[line.fareMedium] ?? line.fareMedium}</Typography></Td>
                <Td><Typography fontWeight="bold">{line.active}</Typography></Td>
                <Td><Typography>{line.issued}</Typography></Td>
              </Tr>
            ))}
          </Tbody>
        </Table>
      ) : (
        <Typography textColor="neutral600">No fare product yet.</Typography>
      )}
    </Flex>
  </Card>
);

const OrdersByState = ({ orders, onState }: { orders: Overview['orders']; onState: (state: string) => void }) => (
  <Card fill title={`Orders: ${orders.total}`} data-section="orders-by-state">
    <Flex direction="column" alignItems="stretch" gap={2}>
      {orders.byState.map((line) => (
        <Flex key={line.state} justifyContent="space-between" data-state={line.state}>
          <Typography tag="button" onClick={() => onState(line.state)} style={{ background: 'none', border: 0, cursor: 'pointer', padding: 0 }} title={`List the ${line.state} orders`}>
            <StateBadge state={line.state} />
          </Typography>
          <Typography fontWeight="bold">{line.count}</Typography>
        </Flex>
      ))}
    </Flex>
  </Card>
);

const StockSection = ({ stock }: { stock: Overview['cardStock'] }) => (
  <Card fill title="Card stock" data-section="card-stock">
    {stock.length ? (
      <Table colCount={4} rowCount={stock.length + 1}>
        <Thead>
          <Tr>
            <Header>Card product</Header>
            <Header>On hand</Header>
            <Header>Reserved</Header>
            <Header>Available</Header>
          </Tr>
        </Thead>
        <Tbody>
          {stock.map((line, index) => (
            <Tr key={line.product?.code ?? index}>
              <Td><Typography>{line.product ? line.product.name : '—'}</Typography></Td>
              <Td><Typography>{line.onHand}</Typography></Td>
              <Td><Typography>{line.reserved}</Typography></Td>
              <Td><Typography fontWeight="bold" textColor={line.available === 0 ? 'danger600' : undefined}>{line.available}</Typography></Td>
            </Tr>
          ))}
        </Tbody>
      </Table>
    ) : (
      <Typography textColor="neutral600">No card product is stocked.</Typography>
    )}
  </Card>
);

const ReportSection = ({ month, onMonth }: { month: string; onMonth: (month: string) => void }) => {
  const { data: report, error, loading, reload } = useResource<MonthlyReport>(`/reports/${month}`);
  const save = useDownload();
  const months = React.useMemo(() => recentMonths(12), []);
  const download = () => save(`/reports/${month}/csv`, `transit-${month}.csv`);

  return (
    <Card
      fill
      title={`Monthly report: ${formatMonth(month)}`}
      data-section="report"
      action={
        <Flex gap={3} alignItems="flex-end">
          <Field.Root name="month" width="200px">
            <Field.Label>Month</Field.Label>
            <SingleSelect value={month} onChange={(value) => onMonth(String(value))}>
              {[...new Set([month, ...months])].sort().reverse().map((m) => (
                <SingleSelectOption key={m} value={m}>
                  {formatMonth(m)}
                </SingleSelectOption>
              ))}
            </SingleSelect>
          </Field.Root>
          <Button variant="secondary" startIcon={<Download />} onClick={download}>
            Download CSV
          </Button>
        </Flex>
      }
    >
      {loading && !report ? <Loading /> : null}
      {error ? <Failure message={error} onRetry={reload} /> : null}
      {report ? (
        <Flex direction="column" alignItems="stretch" gap={4}>
          <Grid.Root gap={4}>
            <Grid.Item col={4} xs={12} direction="column" alignItems="stretch">
              <Stat inset label="New passes" value={report.new} />
            </Grid.Item>
            <Grid.Item col={4} xs={12} direction="column" alignItems="stretch">
              <Stat inset label="Renewals" value={report.renewals} />
            </Grid.Item>
            <Grid.Item col={4} xs={12} direction="column" alignItems="stretch">
              <Stat inset label="Cancellations" value={report.cancellations} />
            </Grid.Item>
          </Grid.Root>
          {report.currencies.length ? (
            <Table colCount={5} rowCount={report.currencies.length + 1}>
              <Thead>
                <Tr>
                  <Header>Currency</Header>
                  <Header>New passes</Header>
                  <Header>Renewals</Header>
                  <Header>Cancellations</Header>
                  <Header>Refunded</Header>
                </Tr>
              </Thead>
              <Tbody>
                {report.currencies.map((line) => (
                  <Tr key={line.currency}>
                    <Td><Typography>{line.currency}</Typography></Td>
                    <Td><Typography>{line.newCount} · {formatMoney(line.newMinor, line.currency)}</Typography></Td>
                    <Td><Typography>{line.renewalCount} · {formatMoney(line.renewalMinor, line.currency)}</Typography></Td>
                    <Td><Typography>{line.cancellations}</Typography></Td>
                    <Td><Typography>{formatMoney(line.refundedMinor, line.currency)}</Typography></Td>
                  </Tr>
                ))}
              </Tbody>
            </Table>
          ) : (
            <Typography textColor="neutral600">No pass was sold, renewed or cancelled this month.</Typography>
          )}
        </Flex>
      ) : null}
    </Card>
  );
};

const OrdersSection = ({ params, onState }: { params: Record<string, string>; onState: (state: string) => void }) => {
  const query: Record<string, string> = {};
  for (const key of ['state', 'page', 'pageSize']) if (params[key]) query[key] = params[key];
  const { data, error, loading, reload } = useResource<PageOf<OrderRow>>('/orders', query);
  return (
    <Card
      fill
      title={data ? `Recent orders (${data.pagination.total})` : 'Recent orders'}
      data-section="orders"
      action={
        <FilterSelect name="state" label="State" value={params.state ?? ''} options={ORDER_STATES.map((state) => ({ value: state, label: state }))} onChange={onState} />
      }
    >
      {loading && !data ? <Loading /> : null}
      {error ? <Failure message={error} onRetry={reload} /> : null}
      {data && !data.items.length ? <Empty title={params.state ? `No ${params.state} order` : 'No order yet'} hint="Orders are made at the desk through the transit API." /> : null}
      {data && data.items.length ? (
        <>
          <Table colCount={7} rowCount={data.items.length + 1}>
            <Thead>
              <Tr>
                <Header>Order</Header>
                <Header>Customer</Header>
                <Header>Fare product</Header>
                <Header>State</Header>
                <Header>Total</Header>
                <Header>Paid on</Header>
                <Header>Made</Header>
              </Tr>
            </Thead>
            <Tbody>
              {data.items.map((order) => (
                <Tr key={order.documentId} data-order={order.number}>
                  <Td>
                    <Flex direction="column" alignItems="flex-start">
                      <Typography fontWeight="bold">{order.number}</Typography>
                      <Typography variant="pi" textColor="neutral600">
                        {order.kind === 'renewal' ? 'Renewal' : 'New pass'} · {order.paymentMethod === 'desk' ? 'at the desk' : 'by card'}
                      </Typography>
                    </Flex>
                  </Td>
                  <Td><Typography>{order.customer?.name ?? '—'}</Typography></Td>
                  <Td>
                    <Flex direction="column" alignItems="flex-start">
                      <Typography>{order.product?.name ?? '—'}</Typography>
                      {order.product ? <Typography variant="pi" textColor="neutral600">{categoryLabel(order.product.riderCategory)}</Typography> : null}
                    </Flex>
                  </Td>
                  <Td><StateBadge state={order.state} /></Td>
                  <Td>
                    <Flex direction="column" alignItems="flex-start">
                      <Typography>{formatMoney(order.totalMinor, order.currency)}</Typography>
                      {order.refundedMinor ? <Typography variant="pi" textColor="neutral600">refunded {formatMoney(order.refundedMinor, order.currency)}</Typography> : null}
                    </Flex>
                  </Td>
                  <Td><Typography>{formatDate(order.paidOn)}</Typography></Td>
                  <Td><Typography variant="pi">{formatDateTime(order.createdAt)}</Typography></Td>
                </Tr>
              ))}
            </Tbody>
          </Table>
          <ListPagination pagination={data.pagination} />
        </>
      ) : null}
    </Card>
  );
};

export const TransitPage = () => {
  const [search, setSearch] = useSearchParams();
  const params = Object.fromEntries(search.entries());
  const month = /^\d{4}-\d{2}$/.test(params.month ?? '') ? params.month : recentMonths(1)[0];
  const { data: overview, error, loading, reload } = useResource<Overview>('/overview', params.date ? { date: params.date } : undefined);
  const set = (changes: Record<string, string>) => {
    const next = { ...params, ...changes };
    setSearch(Object.fromEntries(Object.entries(next).filter(([, v]) => v)));
  };
  // A new filter starts the order list again at its first page.
  const filterOrders = (state: string) => set({ state, page: '' });

  return (
    <Page.Main>
      <Page.Title>Transit</Page.Title>
      <Layouts.Header title="Transit" subtitle={overview ? `Passes, orders and revenue · as of ${formatDateTime(overview.asOf)}` : 'Passes, orders and revenue'} />
      <Layouts.Content>
        <Flex direction="column" alignItems="stretch" gap={6}>
          {loading && !overview ? <Loading /> : null}
          {error ? <Failure message={error} onRetry={reload} /> : null}
          {overview ? (
            <>
              <DaySection overview={overview} date={params.date ?? overview.date} onDate={(date) => set({ date })} />
              <PassesSection passes={overview.passes} />
              <Grid.Root gap={6}>
                <Grid.Item col={4} s={12} direction="column" alignItems="stretch">
                  <OrdersByState orders={overview.orders} onState={filterOrders} />
                </Grid.Item>
                <Grid.Item col={8} s={12} direction="column" alignItems="stretch">
                  <StockSection stock={overview.cardStock} />
                </Grid.Item>
              </Grid.Root>
            </>
          ) : null}
          <ReportSection month={month} onMonth={(value) => set({ month: value })} />
          <OrdersSection params={params} onState={filterOrders} />
        </Flex>
      </Layouts.Content>
    </Page.Main>
  );
};

/** One page, for the admins holding the read action (the server checks again on every request). */
const App = () => (
  <Page.Protect permissions={[{ action: ACTIONS.read, subject: null }]}>
    <Routes>
      <Route index element={<TransitPage />} />
      <Route path="*" element={<Page.Error />} />
    </Routes>
  </Page.Protect>
);

export default App;
