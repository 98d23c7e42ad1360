import type { Context } from 'koa';
import { z } from 'zod';
import { toCsv } from '../../../../../domain';
import { sendCsv } from '../../../../workflows/server/src/http';

/**
 * What the content-API and the admin controllers share: the input schemas of a certificate
 * number and a month, and the monthly summary as CSV (one set of columns wherever it is downloaded).
 */
export const certificateNumber = z.string().regex(/^AUTH-\d{4}-\d{6}$/, 'must be a certificate number, AUTH-YYYY-NNNNNN');

export { calendarMonth as month } from '../../../../workflows/server/src/http';

interface SummaryLine {
  status: string;
  currency: string;
  count: number;
  totalMinor: number;
  medianHoursToDecide: number | null;
}

export const SUMMARY_CSV_HEADER = ['month', 'status', 'currency', 'count', 'total_minor', 'median_hours_to_decide'] as const;


/** The month's summary lines as CSV text, a header first. */
export const summaryCsv = (summary: { month: string; lines: SummaryLine[] }): string => {
  const rows = summary.lines.map((l) => [summary.month, l.status, l.currency, l.count, l.totalMinor, l.medianHoursToDecide]);
  return toCsv([SUMMARY_CSV_HEADER, ...rows]);
};

/** Answers with the summary as a CSV download, `approvals-YYYY-MM.csv`. */
export const sendSummaryCsv = (ctx: Context, summary: { month: string; lines: SummaryLine[] }) => {
  sendCsv(ctx, `approvals-${summary.month}.csv`, summaryCsv(summary));
};
