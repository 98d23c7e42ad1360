import {
  INVOICE_STATUSES,
  SERVICE_PLAN_STATUSES,
  TRANSACTION_STATUSES,
  TransitionError,
  assertInitial,
  assertTransition,
  canTransition,
  invoiceMachine,
  servicePlanMachine,
  transactionMachine,
} from '../../src/domain';

/** Every (from, to) pair of each machine, with whether it is allowed: the whole table, stated outright. */
const allowed: Record<string, Record<string, string[]>> = {
  'service plan': {
    Pending: ['Processing', 'Cancelled'],
    Processing: ['Active', 'PastDue', 'Expired', 'Cancelled'],
    Active: ['Processing', 'PastDue', 'Expired', 'Cancelled'],
    PastDue: ['Processing', 'Active', 'Expired', 'Cancelled'],
    Expired: ['Processing', 'Cancelled'],
    Cancelled: [],
  },
  invoice: {
    Open: ['Paid', 'Void', 'Uncollectible'],
    Paid: ['Refunded'],
    Uncollectible: ['Paid', 'Void'],
    Void: [],
    Refunded: [],
  },
  transaction: {
    Pending: ['Success', 'Failed'],
    Failed: ['Success'],
    Success: ['Refunded'],
    Refunded: [],
  },
};

const machines = [
  [servicePlanMachine, SERVICE_PLAN_STATUSES],
  [invoiceMachine, INVOICE_STATUSES],
  [transactionMachine, TRANSACTION_STATUSES],
] as const;

const cases = machines.flatMap(([machine, statuses]) =>
  statuses.flatMap((from) =>
    statuses.map((to) => ({
      machine,
      from,
      to,
      ok: from === to || allowed[machine.name][from].includes(to),
    })),
  ),
);

test.each(cases)('$machine.name $from -> $to allowed: $ok', ({ machine, from, to, ok }) => {
  expect(canTransition(machine as any, from, to)).toBe(ok);
  if (ok) expect(() => assertTransition(machine as any, from, to)).not.toThrow();
  else expect(() => assertTransition(machine as any, from, to)).toThrow(new RegExp(`from ${from} to ${to}`));
});

test('an illegal transition names both statuses and what is allowed', () => {
  expect(() => assertTransition(invoiceMachine, 'Paid', 'Open')).toThrow(
    'A invoice cannot go from Paid to Open (from Paid it can go to Refunded)',
  );
  expect(() => assertTransition(servicePlanMachine, 'Cancelled', 'Active')).toThrow('(Cancelled is final)');
});

test('unknown statuses are refused', () => {
  expect(() => assertTransition(invoiceMachine, 'Open', 'Settled')).toThrow(TransitionError);
  expect(() => assertTransition(invoiceMachine, 'Draft', 'Open')).toThrow(/Unknown current invoice status/);
});

test.each([
  [servicePlanMachine, 'Pending', true],
  [servicePlanMachine, 'Active', false],
  [invoiceMachine, 'Open', true],
  [invoiceMachine, 'Paid', false],
  [transactionMachine, 'Success', true],
  [transactionMachine, 'Refunded', false],
])('%s may start as %s: %p', (machine, status, ok) => {
  if (ok) expect(() => assertInitial(machine as any, status as string)).not.toThrow();
  else expect(() => assertInitial(machine as any, status as string)).toThrow(/cannot start as/);
});
