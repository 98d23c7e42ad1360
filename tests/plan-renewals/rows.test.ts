import { documentNumber, issuedInvoice, numbersEndingAt } from '../../src/domain';
import { PREPAID_PLAN_PROCESS, pendingCardTransaction, stepResults, takenToFirstTask, withTaskDueDays } from '../../src/plugins/plan-renewals/server/src/domain';
import { progressRun, startRun, stepTaskRow, tasksOf } from '../../src/plugins/workflows/server/src/domain';

/** The values a run of the pre-paid process writes, shared by the engine's runner and the renewal wave. */
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

describe('a run opened in one go', () => {
  const results = {
    'retrieve-subscription': 'a',
    'mark-processing': 'b',
    'calculate-total': 'c',
    'create-invoice': 'd',
  };

  test("is the progress the engine's runner makes step by step, waiting at the first task", () => {
    let stepByStep = startRun(PREPAID_PLAN_PROCESS);
    for (const result of Object.values(results)) stepByStep = progressRun(PREPAID_PLAN_PROCESS, stepByStep, { type: 'done', actor: system, result, at });
    stepByStep = progressRun(PREPAID_PLAN_PROCESS, stepByStep, { type: 'wait', at, result: 'Waiting for Verify payment (Finance)' });
    const { progress, taken } = takenToFirstTask(PREPAID_PLAN_PROCESS, results, system, at);
    expect(progress).toEqual(stepByStep);
    expect([progress.state, progress.currentStep]).toEqual(['waiting', 'verify-payment']);
    expect(taken.map(({ step, verb, result }) => [step.id, verb, result])).toEqual([
      ['retrieve-subscription', 'done', 'a'],
      ['mark-processing', 'done', 'b'],
      ['calculate-total', 'done', 'c'],
      ['create-invoice', 'done', 'd'],
      ['verify-payment', 'waiting', 'Waiting for Verify payment (Finance)'],
    ]);
  });

  test('is refused when a step before the first task has no result', () => {
    const { 'calculate-total': _, ...missing } = results;
    expect(() => takenToFirstTask(PREPAID_PLAN_PROCESS, missing, system, at)).toThrow('step "calculate-total" is not an automatic step with a result given');
  });
});

test('a renewal charged by card says so once its invoice is issued', () => {
  expect(stepResults.invoiced({ number: 'INV-2026-000001', totalMinor: 65429, currency: 'USD' }, stepResults.cardRequested)).toBe(
    'Invoice INV-2026-000001 issued for USD 654.29, card payment to be requested from Stripe once this step is committed',
  );
});

test.each([
  [{ 'verify-payment': 2 }, '2026-12-04', '2026-12-08'],
  [{}, '2026-12-04', '2026-12-07'],
])('the task of verify-payment, due %o business days after %s as registered', (dueDays, today, dueDate) => {
  const registered = withTaskDueDays(PREPAID_PLAN_PROCESS, dueDays);
  const step = registered.steps.find((s) => s.id === verify.id)!;
  expect(stepTaskRow({ documentId: 'r1', processId: registered.id }, step, tasksOf(step)[0], today)).toEqual({
    processId: 'prepaid-plan',
    stepId: 'verify-payment',
    taskId: null,
    title: 'Verify payment',
    type: 'verify-payment',
    role: 'finance',
    state: 'open',
    dueDate,
    taskKey: 'r1:verify-payment',
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
