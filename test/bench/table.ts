/** One table, two renderings: aligned plain text for the terminal, GitHub markdown for RESULTS.md. */
export interface Table {
  headers: string[];
  rows: string[][];
  /** Column indexes to right-align (numbers). */
  numeric?: number[];
}

export function textTable({ headers, rows, numeric = [] }: Table): string {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) =>
    cells.map((cell, c) => (numeric.includes(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function markdownTable({ headers, rows, numeric = [] }: Table): string {
  const align = headers.map((_, c) => (numeric.includes(c) ? '---:' : '---'));
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(align), ...rows.map(line)].join('\n');
}

export const int = (n: number): string => Math.round(n).toLocaleString('en-US');
export const fixed = (n: number, digits = 2): string => n.toFixed(digits);
