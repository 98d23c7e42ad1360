import { normalizeCustomer } from '../../src/guards/rules';

/** What the guards make of a customer's contact fields before they are written (every editor, every path). */
test.each([
  [{ email: ' Maria@Example.COM ' }, null, { email: 'maria@example.com' }],
  [{ phone: '+1 (512) 555-0101' }, null, { phone: '+15125550101' }],
  [{ phone: '+15125550101' }, null, { phone: '+15125550101' }],
  [{ phone: '  ' }, null, { phone: null }],
  [{ phone: null }, null, { phone: null }],
  [{ name: 'Maria' }, null, { name: 'Maria' }],
  [{ phone: '512 555 0101' }, /^phone "512 555 0101" is not an E\.164 number: a \+ then the country code/, null],
  [{ phone: '+1 512 555 0101 ext 2' }, /is not an E\.164 number/, null],
  [{ phone: 15125550101 }, /^phone must be a string$/, null],
  [{ email: 'nobody' }, /^email "nobody" is not a valid address$/, null],
])('%j: %p', (input, problem, normalized) => {
  const data: Record<string, unknown> = { ...input };
  const found = normalizeCustomer(data);
  if (problem) expect(found).toMatch(problem);
  else {
    expect(found).toBeNull();
    expect(data).toEqual(normalized);
  }
});
