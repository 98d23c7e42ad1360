import { nestedDeeperThan } from '../../src/domain';

const nest = (levels: number, leaf: unknown = 1): unknown => Array.from({ length: levels }).reduce<unknown>((inner) => ({ a: inner }), leaf);

test.each([
  [1, 0, false],
  ['text', 0, false],
  [null, 0, false],
  [{}, 0, true],
  [{}, 1, false],
  [[[]], 1, true],
  [[[]], 2, false],
  [{ a: [1, { b: 2 }] }, 3, false],
  [{ a: [1, { b: 2 }] }, 2, true],
  [nest(32), 32, false],
  [nest(33), 32, true],
])('%j nested deeper than %i: %s', (value, max, expected) => {
  expect(nestedDeeperThan(value, max)).toBe(expected);
});

test('a value nested a million levels deep is measured without recursion', () => {
  const deep = JSON.parse(`${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`);
  expect(nestedDeeperThan(deep, 32)).toBe(true);
});

test('a wide value is walked in full: one deep branch among many shallow ones is found', () => {
  const wide = { ...Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, { x: 1 }])), last: nest(40) };
  expect(nestedDeeperThan(wide, 32)).toBe(true);
});
