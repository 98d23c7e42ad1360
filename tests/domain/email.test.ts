import { isEmail, normalizeEmail } from '../../src/domain';

test.each([
  ['  Maria.Gonzalez@Example.COM ', 'maria.gonzalez@example.com'],
  ['bob@shop.test', 'bob@shop.test'],
])('normalizes %p to %p', (input, expected) => {
  expect(normalizeEmail(input)).toBe(expected);
});

test.each([
  ['bob@shop.test', true],
  ['bob@shop', false],
  ['bob shop@x.test', false],
  ['@x.test', false],
  ['bob@@x.test', false],
  [`${'a'.repeat(250)}@x.test`, false],
])('isEmail(%p) = %p', (input, expected) => {
  expect(isEmail(input)).toBe(expected);
});
