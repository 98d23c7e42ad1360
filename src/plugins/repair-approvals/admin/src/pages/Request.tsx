import * as React from 'react';
import { Button, Flex, Grid, Table, Tbody, Td, Th, Thead, Tr, Typography } from '@strapi/design-system';
import { SealCheck } from '@strapi/icons';
import { BackButton, Layouts, Page } from '@strapi/strapi/admin';
import { useNavigate, useParams } from 'react-router-dom';
import { useResource } from '../api';
import { CreditBadge, StateBadge } from '../components/Badges';
import { Card, Failure, Loading } from '../../../../../admin-shared/PageState';
import { Step, Steps } from '../components/Steps';
import { BASE } from '../pluginId';
import { KIND_LABELS, ROLE_LABELS, actorName, counted, formatDateTime, formatMoney, formatQuantity } from '../format';

export interface Line {
  kind: string;
  description: string;
  quantityHundredths: number;
  unitPriceMinor: number;
  amountMinor: number;
}

export interface Decision {
  role: string;
  roleLabel?: string;
  title?: string;
  task?: string | null;
  outcome: string;
  note: string | null;
  by: { type: string; id?: string; name?: string } | null;
  at: string;
  data?: Record<string, unknown> | null;
}

interface CreditCheck {
  currency: string;
  unpaidInvoicesMinor: number;
  unpaidInvoices: number;
  committedMinor: number;
  requestMinor: number;
  exposureMinor: number;
  limitMinor: number | null;
  over: boolean;
  otherCurrencies?: Record<string, number>;
}

interface RequestDetail {
  documentId: string;
  number: string;
  status: string;
  customer: { documentId: string; name: string } | null;
  vehicle: string | null;
  currency: string;
  lines: Line[];
  taxRateBps: number;
  subtotalMinor: number;
  taxMinor: number;
  totalMinor: number;
  creditCheck: CreditCheck | null;
  requestedBy: { type: string; name?: string } | null;
  submittedAt: string | null;
  decidedAt: string | null;
  run: { documentId: string; state: string; outcome: 'accepted' | 'rejected' | null; currentStep: string | null; steps: Step[] } | null;
  decisions: Decision[];
  certificate: string | null;
}

/** Cards shrink to the page; long cells wrap instead of widening their table. */
const SHRINKS: React.CSSProperties = { minWidth: 0 };
const WRAPS: React.CSSProperties = { whiteSpace: 'normal', overflowWrap: 'break-word', minWidth: '10rem' };

/** The estimate's lines with their amounts, then subtotal, tax and total. */
export const LinesTable = ({ lines, currency, totals }: { lines: Line[]; currency: string; totals: { subtotalMinor: number; taxMinor: number; totalMinor: number; taxRateBps?: number } }) => {
  const total = (label: string, amountMinor: number, strong = false) => (
    <Tr>
      <Td colSpan={4}>
        <Typography textColor="neutral600" style={{ display: 'block', textAlign: 'right' }}>
          {label}
        </Typography>
      </Td>
      <Td>
        <Typography fontWeight={strong ? 'bold' : undefined}>{formatMoney(amountMinor, currency)}</Typography>
      </Td>
    </Tr>
  );
  return (
    <Table colCount={5} rowCount={lines.length + 4}>
      <Thead>
        <Tr>
          {['Kind', 'Description', 'Quantity', 'Unit price', 'Amount'].map((h) => (
            <Th key={h}>
              <Typography variant="sigma">{h}</Typography>
            </Th>
          ))}
        </Tr>
      </Thead>
      <Tbody>
        {lines.map((line, i) => (
          <Tr key={i}>
            <Td>
              <Typography>{KIND_LABELS[line.kind] ?? line.kind}</Typography>
            </Td>
            <Td style={WRAPS}>
              <Typography>{line.description}</Typography>
            </Td>
            <Td>
              <Typography>{formatQuantity(line.quantityHundredths)}</Typography>
            </Td>
            <Td>
              <Typography>{formatMoney(line.unitPriceMinor, currency)}</Typography>
            </Td>
            <Td>
              <Typography>{formatMoney(line.amountMinor, currency)}</Typography>
            </Td>
          </Tr>
        ))}
        {total('Subtotal', totals.subtotalMinor)}
        {total(totals.taxRateBps == null ? 'Tax' : `Tax (${totals.taxRateBps / 100} %)`, totals.taxMinor)}
        {total('Total', totals.totalMinor, true)}
      </Tbody>
    </Table>
  );
};

/** Who decided what, when, and why: the run's decisions in the order they were taken. */
export const DecisionsTable = ({ decisions, currency }: { decisions: Decision[]; currency: string }) =>
  decisions.length ? (
    <Table colCount={5} rowCount={decisions.length + 1}>
      <Thead>
        <Tr>
          {['Role', 'Decision', 'By', 'When', 'Note'].map((h) => (
            <Th key={h}>
              <Typography variant="sigma">{h}</Typography>
            </Th>
          ))}
        </Tr>
      </Thead>
      <Tbody>
        {decisions.map((d, i) => (
          <Tr key={i} data-decision={d.role}>
            <Td>
              <Flex direction="column" alignItems="flex-start">
                <Typography>{d.roleLabel ?? ROLE_LABELS[d.role] ?? d.role}</Typography>
                {d.title ?? d.task ? (
                  <Typography variant="pi" textColor="neutral600">
                    {d.title ?? d.task}
                  </Typography>
                ) : null}
              </Flex>
            </Td>
            <Td>
              <StateBadge state={d.outcome} />
            </Td>
            <Td style={WRAPS}>
              <Typography>{actorName(d.by)}</Typography>
            </Td>
            <Td>
              <Typography variant="pi">{formatDateTime(d.at)}</Typography>
            </Td>
            <Td style={WRAPS}>
              <Typography variant="pi">
                {d.note ?? '—'}
                {typeof d.data?.creditLimitMinor === 'number' ? ` · new credit limit ${formatMoney(d.data.creditLimitMinor, currency)}` : ''}
              </Typography>
            </Td>
          </Tr>
        ))}
      </Tbody>
    </Table>
  ) : (
    <Typography textColor="neutral600">No decision yet.</Typography>
  );

/** One figure of a strip: its label above, its value below. */
export const Figure = ({ label, children, tone }: { label: string; children: React.ReactNode; tone?: 'danger' | 'strong' }) => (
  <Flex direction="column" alignItems="flex-start" gap={1} data-figure={label}>
    <Typography variant="sigma" textColor="neutral600">
      {label}
    </Typography>
    <Typography fontWeight={tone ? 'bold' : undefined} textColor={tone === 'danger' ? 'danger600' : 'neutral800'}>
      {children}
    </Typography>
  </Flex>
);

/** The credit check as step 5 took it: unpaid + committed + this request = exposure, against the limit. */
const CreditCheckFigures = ({ check }: { check: CreditCheck | null }) => {
  if (!check) return <Typography textColor="neutral600">Not taken yet: the credit check runs once the request is submitted.</Typography>;
  const others = Object.entries(check.otherCurrencies ?? {});
  const figures: [string, React.ReactNode, ('danger' | 'strong')?][] = [
    [`Unpaid invoices (${check.unpaidInvoices})`, formatMoney(check.unpaidInvoicesMinor, check.currency)],
    ['+ Committed', formatMoney(check.committedMinor, check.currency)],
    ['+ This request', formatMoney(check.requestMinor, check.currency)],
    ['= Exposure', formatMoney(check.exposureMinor, check.currency), check.over ? 'danger' : 'strong'],
    ['Credit limit', check.limitMinor == null ? 'No limit' : formatMoney(check.limitMinor, check.currency)],
    ['Result', <CreditBadge key="result" over={check.over} />],
  ];
  return (
    <Flex direction="column" alignItems="stretch" gap={3}>
      <Grid.Root gap={4}>
        {figures.map(([label, value, tone]) => (
          <Grid.Item key={label} col={2} s={4} xs={6} direction="column" alignItems="stretch">
            <Figure label={label} tone={tone}>
              {value}
            </Figure>
          </Grid.Item>
        ))}
      </Grid.Root>
      <Typography variant="pi" textColor="neutral600">
        Unpaid: the customer's open and uncollectible invoices in {check.currency}. Committed: earlier authorizations not yet invoiced.
        {others.length ? ` Left out, in other currencies: ${others.map(([currency, count]) => `${counted(count, 'invoice')} in ${currency}`).join(', ')}.` : ''}
      </Typography>
      {check.over ? (
        <Typography variant="pi" textColor="danger600">
          Over the limit does not refuse the request: the Finance audit decides.
        </Typography>
      ) : null}
    </Flex>
  );
};

export const RequestPage = () => {
  const { documentId } = useParams<{ documentId: string }>();
  // An open run moves on as people decide: follow it.
  const { data: request, error, loading, reload } = useResource<RequestDetail>(`/requests/${documentId}`, undefined, {
    follow: { every: 5000, while: (shown) => shown.run?.state === 'running' || shown.run?.state === 'waiting' },
  });
  const navigate = useNavigate();

  return (
    <Page.Main>
      <Page.Title>{request ? `Request ${request.number}` : 'Request'}</Page.Title>
      <Layouts.Header
        navigationAction={<BackButton fallback={`${BASE}/requests`} />}
        title={request ? `${request.number} — ${request.customer?.name ?? ''}` : 'Request'}
        subtitle={
          request
            ? [request.vehicle, request.requestedBy ? `requested by ${actorName(request.requestedBy)}` : null, request.submittedAt ? `submitted ${formatDateTime(request.submittedAt)}` : 'not submitted', request.decidedAt ? `decided ${formatDateTime(request.decidedAt)}` : null]
                .filter(Boolean)
                .join(' · ')
            : undefined
        }
        secondaryAction={request ? <StateBadge state={request.status} /> : undefined}
        primaryAction={
          request?.certificate ? (
            <Button variant="secondary" startIcon={<SealCheck />} onClick={() => navigate(`${BASE}/certificates/${request.certificate}`)}>
              Certificate {request.certificate}
            </Button>
          ) : undefined
        }
      />
      <Layouts.Content>
        {loading && !request ? <Loading /> : null}
        {error ? <Failure message={error} onRetry={reload} /> : null}
        {request ? (
          <Flex direction="column" alignItems="stretch" gap={4} style={SHRINKS}>
            <Card title="Credit check">
              <CreditCheckFigures check={request.creditCheck} />
            </Card>
            <Card title="Estimate" action={<Typography variant="pi" textColor="neutral600">{request.currency}</Typography>}>
              <LinesTable lines={request.lines} currency={request.currency} totals={request} />
            </Card>
            <Card title="Decisions">
              <DecisionsTable decisions={request.decisions} currency={request.currency} />
            </Card>
            <Card
              title="Steps"
              action={
                request.run ? (
                  <Flex gap={1}>
                    <StateBadge state={request.run.state} />
                    {request.run.outcome === 'rejected' ? <StateBadge state="rejected" /> : null}
                  </Flex>
                ) : undefined
              }
            >
              {request.run ? <Steps steps={request.run.steps} /> : <Typography textColor="neutral600">A draft: its approval starts when it is submitted.</Typography>}
            </Card>
          </Flex>
        ) : null}
      </Layouts.Content>
    </Page.Main>
  );
};
