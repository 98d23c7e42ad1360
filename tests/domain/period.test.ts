import { PeriodError, addBusinessDays, addCalendarMonths, addDays, addMonths, compareDates, isCalendarMonth, nextPeriod } from '../../src/domain';

describe('addMonths(): month-end clamping', () => {
  test.each([
    ['2026-01-31', 1, '2026-02-28'],
    ['2028-01-31', 1, '2028-02-29'], // leap year
    ['2026-01-15', 1, '2026-02-15'],
    ['2026-03-31', 1, '2026-04-30'],
    ['2026-08-31', 6, '2027-02-28'],
    ['2026-11-30', 3, '2027-02-28'],
    ['2026-12-15', 1, '2027-01-15'],
    ['2028-02-29', 12, '2029-02-28'],
    ['2026-05-20', 24, '2028-05-20'],
    ['2026-03-31', -1, '2026-02-28'],
  ])('%s + %p months = %s', (date, months, expected) => {
    expect(addMonths(date, months)).toBe(expected);
  });

  test.each([['2026-02-30'], ['2026-13-01'], ['26-01-01'], ['2026-1-1'], ['']])('refuses %p', (date) => {
    expect(() => addMonths(date, 1)).toThrow(PeriodError);
  });
});

describe('addDays() and compareDates()', () => {
  test.each([
    ['2026-02-28', 1, '2026-03-01'],
    ['2026-12-31', 1, '2027-01-01'],
    ['2026-03-01', -1, '2026-02-28'],
  ])('%s + %p days = %s', (date, days, expected) => {
    expect(addDays(date, days)).toBe(expected);
  });
  test('compares calendar dates', () => {
    expect(compareDates('2026-01-01', '2026-01-02')).toBe(-1);
    expect(compareDates('2026-01-02', '2026-01-02')).toBe(0);
    expect(compareDates('2027-01-01', '2026-12-31')).toBe(1);
  });
});

describe('nextPeriod()', () => {
  test.each([
    { name: 'first purchase starts today', termMonths: 12, today: '2026-03-10', previousEnd: null, expected: ['2026-03-10', '2027-03-10'] },
    { name: 'on-time renewal continues from the previous end', termMonths: 12, today: '2026-03-01', previousEnd: '2026-03-10', expected: ['2026-03-10', '2027-03-10'] },
    { name: 'renewal on the end date itself is on time', termMonths: 6, today: '2026-03-10', previousEnd: '2026-03-10', expected: ['2026-03-10', '2026-09-10'] },
    { name: 'late renewal starts today', termMonths: 1, today: '2026-03-15', previousEnd: '2026-03-10', expected: ['2026-03-15', '2026-04-15'] },
    { name: 'month-end start is clamped', termMonths: 1, today: '2026-01-31', previousEnd: null, expected: ['2026-01-31', '2026-02-28'] },
  ])('$name', ({ termMonths, today, previousEnd, expected }) => {
    const period = nextPeriod({ termMonths, today, previousEnd });
    expect([period.start, period.end]).toEqual(expected);
  });

  test.each([[0], [5], [1.5], [-12]])('refuses a term of %p months', (termMonths) => {
    expect(() => nextPeriod({ termMonths, today: '2026-01-01' })).toThrow(/Term must be one of/);
  });
});

describe('addBusinessDays()', () => {
  test.each([
    ['2026-11-20', 1, '2026-11-23'], // Friday -> Monday
    ['2026-11-21', 1, '2026-11-23'], // Saturday -> Monday
    ['2026-11-23', 3, '2026-11-26'],
    ['2026-11-23', 5, '2026-11-30'],
    ['2026-11-23', 0, '2026-11-23'],
  ])('%s + %p business days = %s', (date, days, expected) => {
    expect(addBusinessDays(date, days)).toBe(expected);
  });
  test('refuses negative days', () => {
    expect(() => addBusinessDays('2026-11-23', -1)).toThrow(PeriodError);
  });
});

describe('calendar months', () => {
  test.each([
    ['2026-11', 1, '2026-12'],
    ['2026-12', 1, '2027-01'],
    ['2026-01', -1, '2025-12'],
    ['2026-03', -12, '2025-03'],
    ['2024-02', 0, '2024-02'],
  ])('%s %p month(s) is %s', (month, months, expected) => {
    expect(addCalendarMonths(month, months)).toBe(expected);
  });

  test.each([['2026-13'], ['2026-1'], ['26-01'], [''], [202601]])('%p is not a month', (value) => {
    expect(isCalendarMonth(value)).toBe(false);
    expect(() => addCalendarMonths(value as string, 1)).toThrow(/A month is YYYY-MM/);
  });
});
