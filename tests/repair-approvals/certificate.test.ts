import { canonicalJson, sha256Of, snapshotOf } from '../../src/plugins/repair-approvals/server/src/services/steps';
import { REPAIR_APPROVAL, ROLES } from '../../src/plugins/repair-approvals/server/src/domain';
import { validateDefinition } from '../../src/plugins/workflows/server/src/domain';

describe('the certificate hash: the canonical JSON of the lines snapshot', () => {
  const request = {
    number: 'AR-2026-000001',
    currency: 'USD',
    lines: [{ kind: 'labor', description: 'Brakes', quantityHundredths: 150, unitPriceMinor: 12_000, amountMinor: 18_000, id: 7 }],
    subtotalMinor: 18_000,
    taxMinor: 1_485,
    totalMinor: 19_485,
  };

  test('keys in any order hash the same (a jsonb column reorders them); what is stored besides the lines does not count', () => {
    const snapshot = snapshotOf(request);
    const reordered = JSON.parse(JSON.stringify({ totalMinor: 19_485, taxMinor: 1_485, subtotalMinor: 18_000, lines: snapshot.lines.map(({ amountMinor, ...rest }) => ({ amountMinor, ...rest })), currency: 'USD', request: 'AR-2026-000001' }));
    expect(canonicalJson(reordered)).toBe(canonicalJson(snapshot));
    expect(sha256Of(reordered)).toBe(sha256Of(snapshot));
    expect(sha256Of(snapshot)).toMatch(/^[0-9a-f]{64}$/);
    expect(snapshot.lines[0]).not.toHaveProperty('id');
  });

  test.each([
    ['a changed price', { ...request, lines: [{ ...request.lines[0], unitPriceMinor: 12_001 }] }],
    ['a changed total', { ...request, totalMinor: 19_486 }],
    ['another request', { ...request, number: 'AR-2026-000002' }],
  ])('%s changes the hash', (_, changed) => {
    expect(sha256Of(snapshotOf(changed))).not.toBe(sha256Of(snapshotOf(request)));
  });
});

test('the definition is valid, its roles are the four of DESIGN.md, and the reviews are one parallel step kept from the requester', () => {
  expect(validateDefinition(REPAIR_APPROVAL)).toEqual([]);
  expect(Object.keys(ROLES).sort()).toEqual(['account-manager', 'compliance', 'executive', 'finance-manager']);
  const reviews = REPAIR_APPROVAL.steps.find((s) => s.id === 'reviews');
  expect(reviews).toMatchObject({ kind: 'parallel', tasks: [{ role: 'compliance', separationOfDuties: true }, { role: 'finance-manager', separationOfDuties: true }] });
  expect(REPAIR_APPROVAL.steps.find((s) => s.id === 'credit-check')).toMatchObject({ kind: 'decision', branches: { within: { then: 'continue' }, over: { then: 'continue' } } });
});
