import { isE164, toE164 } from '../../src/domain';

test.each([
  ['+15125550123', '+15125550123'],
  ['+1 512 555 0123', '+15125550123'],
  ['  +1 (512) 555-0123 ', '+15125550123'],
  ['+44 20 7946 0958', '+442079460958'],
  ['+49.30.1234567', '+49301234567'],
  ['+6831234', '+6831234'], // 7 digits: the shortest in use (Niue)
  ['+123456789012345', '+123456789012345'], // 15 digits: the longest E.164 allows
  ['+1234567890123456', null], // 16 digits
  ['+683123', null], // 6 digits
  ['5125550123', null], // no country code: not guessed
  ['0015125550123', null], // 00 is not read as +
  ['+0 512 555 0123', null], // no country code starts with 0
  ['+1 512 555 0123 ext 4', null],
  ['+1 512 555 012a', null],
  ['++15125550123', null],
  ['+1/512/555/0123', null],
  ['', null],
  ['+', null],
])('toE164(%p) = %p', (input, expected) => {
  expect(toE164(input)).toBe(expected);
});

test.each([
  ['+15125550123', true],
  ['+1 512 555 0123', false], // only the compact spelling is E.164
  ['15125550123', false],
  ['+MG123', false],
])('isE164(%p) = %p', (input, expected) => {
  expect(isE164(input)).toBe(expected);
});
