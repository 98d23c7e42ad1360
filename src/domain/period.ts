/**
 * Service periods are calendar dates ("YYYY-MM-DD") without time of day or time zone: a plan
 * bought on 2026-01-31 for one month runs until 2026-02-28. The end date is exclusive, so the
 * next period of an on-time renewal starts on it and no day is paid twice or missed.
 */
export type CalendarDate = string;

export interface Period {
  start: CalendarDate;
  end: CalendarDate;
}

export class PeriodError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PeriodError';
  }
}

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

export const ALLOWED_TERMS_MONTHS = [1, 3, 6, 12, 24, 36] as const;

const daysInMonth = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();

const parts = (date: CalendarDate): { year: number; month: number; day: number } => {
  const match = DATE_PATTERN.exec(date);
  if (!match) throw new PeriodError(`Not a calendar date (YYYY-MM-DD): ${JSON.stringify(date)}`);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    throw new PeriodError(`Not a calendar date: ${date}`);
  }
  return { year, month, day };
};

export const isCalendarDate = (value: unknown): value is CalendarDate => {
  if (typeof value !== 'string') return false;
  try {
    parts(value);
    return true;
  } catch {
    return false;
  }
};

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

const format = (year: number, month: number, day: number): CalendarDate =>
  `${pad(year, 4)}-${pad(month)}-${pad(day)}`;

/** Adds whole months, clamping to the last day of the target month (Jan 31 + 1 month = Feb 28/29). */
export const addMonths = (date: CalendarDate, months: number): CalendarDate => {
  if (!Number.isInteger(months)) throw new PeriodError(`Months must be a whole number, got ${months}`);
  const { year, month, day } = parts(date);
  const index = year * 12 + (month - 1) + months;
  const targetYear = Math.floor(index / 12);
  const targetMonth = (index % 12) + 1;
  return format(targetYear, targetMonth, Math.min(day, daysInMonth(targetYear, targetMonth)));
};

export const addDays = (date: CalendarDate, days: number): CalendarDate => {
  const { year, month, day } = parts(date);
  const d = new Date(Date.UTC(year, month - 1, day + days));
  return format(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
};

/** Adds working days (Monday to Friday): a task due in 1 business day from a Friday is due Monday. */
export const addBusinessDays = (date: CalendarDate, days: number): CalendarDate => {
  if (!Number.isInteger(days) || days < 0) throw new PeriodError(`Business days must be a whole number >= 0, got ${days}`);
  let result = date;
  let left = days;
  while (left > 0) {
    result = addDays(result, 1);
    const { year, month, day } = parts(result);
    const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
    if (weekday !== 0 && weekday !== 6) left -= 1;
  }
  return result;
};

/** Negative when a is before b, zero when equal. ISO dates compare correctly as strings. */
export const compareDates = (a: CalendarDate, b: CalendarDate): number => {
  parts(a);
  parts(b);
  return a < b ? -1 : a > b ? 1 : 0;
};

export const termProblem = (termMonths: unknown): string | null =>
  typeof termMonths === 'number' && (ALLOWED_TERMS_MONTHS as readonly number[]).includes(termMonths)
    ? null
    : `must be one of ${ALLOWED_TERMS_MONTHS.join(', ')} months, got ${JSON.stringify(termMonths)}`;

/**
 * The period a purchase or renewal pays for. A renewal made on time (on or before the previous
 * end date) continues from the previous end, so the customer loses no paid day; a late renewal,
 * or a first purchase, starts today.
 */
export const nextPeriod = (input: {
  termMonths: number;
  today: CalendarDate;
  previousEnd?: CalendarDate | null;
}): Period => {
  const problem = termProblem(input.termMonths);
  if (problem) throw new PeriodError(`Term ${problem}`);
  const onTime = input.previousEnd != null && compareDates(input.today, input.previousEnd) <= 0;
  const start = onTime ? (input.previousEnd as CalendarDate) : input.today;
  parts(start);
  return { start, end: addMonths(start, input.termMonths) };
};

/** A calendar month, `YYYY-MM`: the unit of MRR snapshots and monthly reports. */
export type CalendarMonth = string;

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

export const isCalendarMonth = (value: unknown): value is CalendarMonth => typeof value === 'string' && MONTH.test(value);

/** The month `months` after (or, negative, before) `month`. */
export const addCalendarMonths = (month: CalendarMonth, months: number): CalendarMonth => {
  if (!isCalendarMonth(month)) throw new PeriodError(`A month is YYYY-MM, not ${month}`);
  return addMonths(`${month}-01`, months).slice(0, 7);
};
