/** CSV as spreadsheets read it (RFC 4180): a cell with a comma, a quote or a line break is quoted, its quotes doubled. */
export const csvCell = (value: unknown): string => {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/** Rows of cells as CSV text, one line each, ending with a line break. */
export const toCsv = (rows: readonly (readonly unknown[])[]): string => rows.map((row) => row.map(csvCell).join(',')).join('\n') + '\n';
