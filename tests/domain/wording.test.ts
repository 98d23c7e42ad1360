import { counted } from '../../src/domain';

test.each([
  [0, 'run', undefined, '0 runs'],
  [1, 'run', undefined, '1 run'],
  [2, 'run', undefined, '2 runs'],
  [1, 'month', undefined, '1 month'],
  [12, 'month', undefined, '12 months'],
  [1, 'purchase and renewal run', undefined, '1 purchase and renewal run'],
  [3, 'purchase and renewal run', undefined, '3 purchase and renewal runs'],
  [1, 'business day', undefined, '1 business day'],
  [1, 'entry', 'entries', '1 entry'],
  [5, 'entry', 'entries', '5 entries'],
  [-1, 'day', undefined, '-1 day'],
  [-2, 'day', undefined, '-2 days'],
  [1.5, 'month', undefined, '1.5 months'],
  [1200, 'plan', undefined, '1,200 plans'],
])('counted(%p, %p, %p) = %p', (count, singular, plural, expected) => {
  expect(counted(count, singular, plural)).toBe(expected);
});
