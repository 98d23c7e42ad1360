import { TRANSIT_PASS, ROLES } from '../../src/plugins/transit-passes/server/src/domain';
import { newPassCode } from '../../src/plugins/transit-passes/server/src/services/steps';
import { validateDefinition } from '../../src/plugins/workflows/server/src/domain';

test('the definition is valid; its roles are Billing and Verification; a rejection undoes the order and tells the customer', () => {
  expect(validateDefinition(TRANSIT_PASS)).toEqual([]);
  expect(Object.keys(ROLES).sort()).toEqual(['billing', 'verification']);
  expect(TRANSIT_PASS.rejectBranch).toEqual(['undo-order', 'tell-customer']);
  expect(TRANSIT_PASS.steps.find((s) => s.id === 'verify-eligibility')).toMatchObject({ kind: 'human-task', when: 'needs-proof', task: { role: 'verification' } });
});

test('pass codes carry 128 random bits and do not repeat', () => {
  const codes = new Set(Array.from({ length: 10_000 }, newPassCode));
  expect(codes.size).toBe(10_000);
  for (const code of [...codes].slice(0, 100)) {
    expect(code).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Buffer.from(code, 'base64url')).toHaveLength(16);
  }
});
