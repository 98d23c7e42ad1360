import { Badge, Flex, Grid, Table, Tbody, Td, Th, Thead, Tr, Typography } from '@strapi/design-system';
import { Layouts, Page } from '@strapi/strapi/admin';
import { useResource } from '../api';
import { Card, Failure, Loading } from '../../../../../admin-shared/PageState';
import { counted, formatDateTime, formatMoney } from '../format';

interface Settings {
  jobs: { timezone: string; enabled: boolean; renewalLeadDays: number; stuckRunMinutes: number; schedules: { name: string; schedule: string; lastRunAt: string | null }[] };
  paymentRetryDays: number[];
  taskDueBusinessDays: Record<string, number>;
  plans: { code: string; name: string; priceMinor: number; currency: string; termMonths: number; taxRateBps: number; active: boolean }[];
  stripe: { configured: boolean; mode: string | null; webhookConfigured: boolean; webhookSecrets: number; webhookUrl: string; customApiBase: boolean; apiVersion: string; eventApiVersion: string | null; apiVersionMismatch: boolean };
  sendgrid: { configured: boolean; from: string; customApiBase: boolean };
}

/** "after 1, 3, 7 days": the retry days in order, the noun worded by the last one. */
const retryDays = (days: number[]): string => (days.length ? `after ${[...days.slice(0, -1), counted(days[days.length - 1], 'day')].join(', ')}` : 'none');

const Yes = ({ on, label }: { on: boolean; label?: string }) => <Badge variant={on ? 'success' : 'warning'}>{label ?? (on ? 'configured' : 'not configured')}</Badge>;

const Row = ({ label, children }: { label: string; children: React.ReactNode }) => (
  <Flex gap={3} paddingBottom={2}>
    <Typography textColor="neutral600" style={{ minWidth: 200 }}>
      {label}
    </Typography>
    <Typography>{children}</Typography>
  </Flex>
);

/**
 * What the plugin runs with. Read-only: these come from config/plugins.ts and the environment and
 * change with a deploy, so a schedule cannot drift between instances. Secrets are never shown.
 */
export const SettingsPage = () => {
  const { data, error, loading, reload } = useResource<Settings>('/settings');
  return (
    <Page.Main>
      <Page.Title>Plan renewals settings</Page.Title>
      <Layouts.Header title="Settings" subtitle="Read-only: set in config/plugins.ts and the environment (see the README)" />
      <Layouts.Content>
        {loading && !data ? <Loading /> : null}
        {error ? <Failure message={error} onRetry={reload} /> : null}
        {data ? (
          <Grid.Root gap={4}>
            <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
              <Card title="Payments">
                <Row label="Stripe">
                  <Yes on={data.stripe.configured} label={data.stripe.configured ? `${data.stripe.mode} mode` : undefined} />
                </Row>
                <Row label="Stripe webhook">
                  <Yes on={data.stripe.webhookConfigured} label={data.stripe.webhookConfigured ? counted(data.stripe.webhookSecrets, 'signing secret') : undefined} />
                </Row>
                <Row label="Webhook URL">{data.stripe.webhookUrl}</Row>
                <Row label="Stripe API version">
                  {data.stripe.apiVersion}{' '}
                  {data.stripe.apiVersionMismatch ? (
                    <Badge variant="danger">{`the latest event came with ${data.stripe.eventApiVersion}: set the webhook endpoint to ${data.stripe.apiVersion}`}</Badge>
                  ) : data.stripe.eventApiVersion ? (
                    <Badge variant="success">webhook events match</Badge>
                  ) : null}
                </Row>
                {data.stripe.customApiBase ? <Row label="Stripe API">a local or proxy API base is set</Row> : null}
                <Row label="Retries after a failed charge">{retryDays(data.paymentRetryDays)}</Row>
              </Card>
            </Grid.Item>
            <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
              <Card title="Email and work">
                <Row label="SendGrid">
                  <Yes on={data.sendgrid.configured} label={data.sendgrid.configured ? undefined : 'not configured: emails kept as previews'} />
                </Row>
                <Row label="Sender">{data.sendgrid.from}</Row>
                <Row label="Renewal lead time">{counted(data.jobs.renewalLeadDays, 'day')} before the paid period ends</Row>
                {Object.entries(data.taskDueBusinessDays).map(([type, days]) => (
                  <Row key={type} label={`Due time, ${type}`}>
                    {counted(days, 'business day')}
                  </Row>
                ))}
              </Card>
            </Grid.Item>
            <Grid.Item col={12} direction="column" alignItems="stretch">
              <Card title={`Scheduled jobs (${data.jobs.timezone})`} action={<Yes on={data.jobs.enabled} label={data.jobs.enabled ? 'running' : 'disabled (JOBS_ENABLED=false)'} />}>
                <Table colCount={3} rowCount={data.jobs.schedules.length + 1}>
                  <Thead>
                    <Tr>
                      <Th><Typography variant="sigma">Job</Typography></Th>
                      <Th><Typography variant="sigma">Schedule</Typography></Th>
                      <Th><Typography variant="sigma">Last run</Typography></Th>
                    </Tr>
                  </Thead>
                  <Tbody>
                    {data.jobs.schedules.map((job) => (
                      <Tr key={job.name}>
                        <Td><Typography>{job.name}</Typography></Td>
                        <Td><Typography style={{ fontFamily: 'monospace' }}>{job.schedule}</Typography></Td>
                        <Td><Typography>{formatDateTime(job.lastRunAt)}</Typography></Td>
                      </Tr>
                    ))}
                  </Tbody>
                </Table>
              </Card>
            </Grid.Item>
            <Grid.Item col={12} direction="column" alignItems="stretch">
              <Card title="Plans and tax rates">
                <Table colCount={5} rowCount={data.plans.length + 1}>
                  <Thead>
                    <Tr>
                      {['Plan', 'Price', 'Term', 'Tax rate', 'On sale'].map((h) => (
                        <Th key={h}><Typography variant="sigma">{h}</Typography></Th>
                      ))}
                    </Tr>
                  </Thead>
                  <Tbody>
                    {data.plans.map((plan) => (
                      <Tr key={plan.code}>
                        <Td><Typography>{plan.name} ({plan.code})</Typography></Td>
                        <Td><Typography>{formatMoney(plan.priceMinor, plan.currency)}</Typography></Td>
                        <Td><Typography>{counted(plan.termMonths, 'month')}</Typography></Td>
                        <Td><Typography>{(plan.taxRateBps / 100).toFixed(2)} %</Typography></Td>
                        <Td><Typography>{plan.active ? 'yes' : 'retired'}</Typography></Td>
                      </Tr>
                    ))}
                  </Tbody>
                </Table>
              </Card>
            </Grid.Item>
          </Grid.Root>
        ) : null}
      </Layouts.Content>
    </Page.Main>
  );
};
