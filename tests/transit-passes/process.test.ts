import { TRANSIT_PASS, TRANSIT_PASS_V1, ROLES } from '../../src/plugins/transit-passes/server/src/domain';
import { newPassCode } from '../../src/plugins/transit-passes/server/src/services/steps';
import { validateDefinition } from '../../src/plugins/workflows/server/src/domain';

test('the definition is valid; its roles are Billing and Verification; a rejection undoes the order and tells the customer', () => {
  expect(validateDefinition(TRANSIT_PASS)).toEqual([]);
  expect(Object.keys(ROLES).sort()).toEqual(['billing', 'verification']);
  expect(TRANSIT_PASS.rejectBranch).toEqual(['undo-order', 'tell-customer']);
  expect(TRANSIT_PASS.steps.find((s) => s.id === 'verify-eligibility')).toMatchObject({ kind: 'human-task', when: 'needs-proof', task: { role: 'verification' } });
});

test('version 2 pays by card: Stripe settles the payment, and a failed one enters the reject branch; version 1 stays as it was', () => {
  expect(validateDefinition(TRANSIT_PASS_V1)).toEqual([]);
  expect(TRANSIT_PASS.version).toBe(2);
  const ids = TRANSIT_PASS.steps.map((s) => s.id);
  expect(ids.slice(ids.indexOf('desk-payment'), ids.indexOf('mark-paid') + 1)).toEqual(['desk-payment', 'card-payment', 'card-outcome', 'mark-paid']);
  expect(TRANSIT_PASS.steps.find((s) => s.id === 'card-payment')).toMatchObject({ kind: 'await-signal', signal: 'payment-settled', when: 'pays-by-card' });
  expect(TRANSIT_PASS.steps.find((s) => s.id === 'card-outcome')).toMatchObject({ kind: 'decision', branches: { paid: { then: 'continue' }, failed: { then: 'reject' } }, defaultBranch: 'paid' });
  expect(TRANSIT_PASS_V1.steps.map((s) => s.id)).toEqual(ids.filter((id) => id !== 'card-outcome'));
  expect(TRANSIT_PASS_V1.steps.find((s) => s.id === 'card-payment')).toMatchObject({ signal: 'payment-succeeded' });
});

test('pass codes carry 128 random bits and do not repeat', () => {
  const codes = new Set(Array.from({ length: 10_000 }, newPassCode));
  expect(codes.size).toBe(10_000);
  for (const code of [...codes].slice(0, 100)) {
    expect(code).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Buffer.from(code, 'base64url')).toHaveLength(16);
  }
});
