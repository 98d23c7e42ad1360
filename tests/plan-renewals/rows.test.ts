import { documentNumber, issuedInvoice, numbersEndingAt } from '../../src/domain';
import {
  PREPAID_PLAN_PROCESS,
  completeStep,
  markStep,
  openedProgress,
  openingRun,
  pendingCardTransaction,
  startRun,
  stepAuditEntry,
  stepResults,
  stepTask,
  waitAt,
} from '../../src/plugins/plan-renewals/server/src/domain';

/** The values a run of the pre-paid process writes, shared by the engine's steps and the renewal wave. */
const system = { type: 'system', name: 'job renewals-due' };
const at = '2026-12-04T02:00:00.000Z';
const verify = PREPAID_PLAN_PROCESS.steps.find((s) => s.id === 'verify-payment')!;

describe('document numbers', () => {
  test.each([
    ['INV', 2026, 42, 'INV-2026-000042'],
    ['INV', 2027, 1, 'INV-2027-000001'],
    ['PO', 2026, 123456, 'PO-2026-123456'],
    ['AR', 2026, 1234567, 'AR-2026-1234567'],
  ])('%s %d #%d is %s', (series, year, value, number) => {
    expect(documentNumber(series, year, value)).toBe(number);
  });

  test('a batch of numbers ends on the counter\'s new value, in order', () => {
    expect(numbersEndingAt('INV', 2026, 7, 3)).toEqual(['INV-2026-000005', 'INV-2026-000006', 'INV-2026-000007']);
    expect(numbersEndingAt('INV', 2026, 1, 1)).toEqual([documentNumber('INV', 2026, 1)]);
  });
});

test('an issued invoice is Open, issued at 09:00 UTC and due seven days later', () => {
  const totals = { currency: 'USD', lines: [{ kind: 'base', code: 'p', description: 'P', amountMinor: 100, taxRateBps: 0 }], subtotalMinor: 100, taxMinor: 0, totalMinor: 100 } as any;
  expect(issuedInvoice({ number: 'INV-2026-000001', kind: 'renewal', totals, period: { start: '2026-12-09', end: '2027-12-09' }, issuedOn: '2026-12-04' })).toEqual({
    number: 'INV-2026-000001',
    kind: 'renewal',
    state: 'Open',
    currency: 'USD',
    lines: totals.lines,
    subtotalMinor: 100,
    taxMinor: 0,
    totalMinor: 100,
    periodStart: '2026-12-09',
    periodEnd: '2027-12-09',
    issuedAt: '2026-12-04T09:00:00.000Z',
    dueDate: '2026-12-11',
  });
});

test('a run opens with every step pending and the plan\'s open key', () => {
  expect(openingRun({ kind: 'renewal', servicePlan: { documentId: 'sp1', state: 'Active' }, startedBy: system })).toEqual({
    kind: 'renewal',
    processId: 'prepaid-plan',
    processVersion: 1,
    previousPlanState: 'Active',
    openKey: 'sp1',
    startedBy: system,
    ...startRun(),
  });
});

describe('a run opened in one go', () => {
  const results = {
    'retrieve-subscription': 'a',
    'mark-processing': 'b',
    'calculate-total': 'c',
    'create-invoice': 'd',
  };

  test('is the progress the engine makes step by step, waiting at the first task', () => {
    let stepByStep = startRun();
    for (const result of Object.values(results)) stepByStep = completeStep(stepByStep, system, result, at);
    stepByStep = waitAt(stepByStep, stepResults.waitingFor(verify), at);
    expect(openedProgress(results, system, at)).toEqual(stepByStep);
    expect(stepByStep.currentStep).toBe('verify-payment');
    expect(stepByStep.steps.find((s) => s.id === 'verify-payment')).toMatchObject({ state: 'waiting', result: 'Waiting for finance: verify payment authorization' });
  });

  test('is refused when a step before the first task has no result', () => {
    const { 'calculate-total': _, ...missing } = results;
    expect(() => openedProgress(missing, system, at)).toThrow('step "calculate-total" has no result given');
  });
});

test('waiting marks the current step waiting with what it waits for', () => {
  const running = markStep(startRun(), 'running', at);
  expect(waitAt(running, 'for a payment', at).steps[0]).toMatchObject({ id: 'retrieve-subscription', state: 'waiting', result: 'for a payment' });
});

test.each([
  [{ documentId: 'r1', kind: 'renewal' as const }, 'done', 'ok', 'Renewal step "Verify payment authorization" done: ok'],
  [{ documentId: 'r2', kind: 'new' as const }, 'waiting', 'Waiting for finance', 'Purchase step "Verify payment authorization" waiting: Waiting for finance'],
  [{ documentId: 'r3', kind: 'renewal' as const }, 'failed', 'x'.repeat(600), `Renewal step "Verify payment authorization" failed: ${'x'.repeat(600)}`.slice(0, 500)],
])('the audit entry of a step of run %o, %s', (run, verb, result, summary) => {
  expect(stepAuditEntry(run, verify, verb, result)).toEqual({
    action: `run.step-${verb}`,
    entityUid: 'plugin::plan-renewals.run',
    entityDocumentId: run.documentId,
    summary,
    data: { run: run.documentId, step: 'verify-payment', result },
  });
});

test.each([
  [{ 'verify-payment': 2 }, '2026-12-04', '2026-12-08'],
  [{}, '2026-12-04', '2026-12-07'],
])('the task of a human step, due %o business days after %s', (taskDueBusinessDays, today, dueDate) => {
  expect(stepTask({ runDocumentId: 'r1', step: verify, today, taskDueBusinessDays })).toEqual({
    type: 'verify-payment',
    role: 'finance',
    state: 'open',
    stepId: 'verify-payment',
    taskKey: 'r1:verify-payment',
    dueDate,
  });
});

test('a card charge Stripe accepted is a Pending transaction of the invoice\'s amount', () => {
  const occurredAt = new Date(at);
  expect(pendingCardTransaction({ invoice: { totalMinor: 65429, currency: 'USD' }, intentId: 'pi_1', occurredAt })).toEqual({
    amountMinor: 65429,
    currency: 'USD',
    state: 'Pending',
    provider: 'stripe',
    providerReference: 'pi_1',
    occurredAt,
  });
});
