import { nulCharacterPath } from '../../src/domain';

test.each([
  ['plain text', null],
  ['a\u0000b', '(value)'],
  [{ data: { name: 'Maria', phone: '+1\u0000' } }, 'data.phone'],
  [{ data: { addOnCodes: ['roadside', 'x\u0000'] } }, 'data.addOnCodes.1'],
  [{ data: { ['na\u0000me']: 'x' } }, '(key) data'],
  [[{ ok: 1 }, null, 5, true], null],
  [undefined, null],
])('nulCharacterPath(%j) = %p', (input, expected) => {
  expect(nulCharacterPath(input)).toBe(expected);
});
