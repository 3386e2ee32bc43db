/** Prints rows as an aligned text table (what analysts expect from a query tool). */
const cell = (value: unknown): string => {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  // Four places, but never a value that is not 0 shown as 0.0000 (a share of 0.002 %, a p-value): those keep four significant digits.
  if (typeof value === 'number' && !Number.isInteger(value)) return Math.abs(value) < 0.00005 ? value.toPrecision(4) : value.toFixed(4);
  // STRUCTs, LISTs and MAPs come as objects and arrays: as JSON, not [object Object].
  if (typeof value === 'object') return JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  return String(value);
};

export function formatTable(rows: Record<string, unknown>[]): string {
  if (rows.length === 0) return '(no rows)';
  const columns = Object.keys(rows[0]);
  const cells = rows.map((row) => columns.map((column) => cell(row[column])));
  const widths = columns.map((column, i) => Math.max(column.length, ...cells.map((r) => r[i].length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

export function printTable(rows: Record<string, unknown>[], write: (text: string) => void = console.log): void {
  write(formatTable(rows));
}
