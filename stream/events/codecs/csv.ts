/**
 * click/conversion ⇄ one CSV line (RFC 4180, no header): the record type, then every schema field
 * in schema order; null is an empty cell. Decoding returns the cells as strings; validate.ts turns
 * them into typed values with the same rules as JSON and Avro.
 *
 * csv-parse costs ~40 µs per call, too much for the hot path, so a line with no quote character
 * and no line break is split directly: RFC 4180 gives such a line exactly one reading.
 * Everything else goes through csv-parse/csv-stringify.
 */
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { fieldSpecs } from '../schemas.ts';
import { visible } from '../visible.ts';
import { clipped } from '../textCut.ts';
import type { Click, Conversion, Rejection } from '../types.ts';

export const CSV_EVENT_TYPES = ['click', 'conversion'] as const;
export type CsvEventType = (typeof CSV_EVENT_TYPES)[number];

export type CsvDecodeResult =
  | { ok: true; eventType: CsvEventType; cells: string[] }
  | { ok: false; rejection: Rejection };

const fieldNames: Record<CsvEventType, string[]> = {
  click: fieldSpecs.click.map((f) => f.name),
  conversion: fieldSpecs.conversion.map((f) => f.name),
};

const NEEDS_QUOTING = /[",\r\n]/;

export function encodeCsvLine(type: 'click', body: Click): string;
export function encodeCsvLine(type: 'conversion', body: Conversion): string;
export function encodeCsvLine(type: CsvEventType, body: Click | Conversion): string;
export function encodeCsvLine(type: CsvEventType, body: Click | Conversion): string {
  const values = body as unknown as Record<string, unknown>;
  const cells: string[] = [type];
  let quote = false;
  for (const name of fieldNames[type]) {
    const value = values[name];
    const cell = value === null || value === undefined ? '' : String(value);
    if (!quote && NEEDS_QUOTING.test(cell)) quote = true;
    cells.push(cell);
  }
  return quote ? stringify([cells], { eof: false }) : cells.join(',');
}

export function decodeCsvLine(text: string): CsvDecodeResult {
  const line = stripLineEnd(text);
  let cells: string[];
  if (!line.includes('"') && !line.includes('\n') && !line.includes('\r')) {
    cells = line.split(',');
  } else {
    let rows: string[][];
    try {
      // Rows of any width: a record of two lines, an empty one first ("\nclick,…"), is two rows,
      // which csv-parse would refuse as "Invalid Record Length: expect 1, got 13 on line 2".
      rows = parse(line, { relax_column_count: true }) as string[][];
    } catch (err) {
      return reject('csv_syntax', clipped((err as Error).message, MAX_DETAIL));
    }
    if (rows.length !== 1) return reject('csv_syntax', `expected one CSV row, got ${rows.length} (a record holds one event; a line break belongs only inside a quoted cell)`);
    cells = rows[0];
  }
  const type = cells[0];
  if (type !== 'click' && type !== 'conversion') {
    return reject('csv_unknown_type', `first column must be click or conversion, got ${visible(JSON.stringify(type.slice(0, 40)))}`);
  }
  const expected = fieldNames[type].length + 1;
  if (cells.length !== expected) {
    return reject('csv_column_count', `${type} has ${expected} columns (type + fields), got ${cells.length}`);
  }
  return { ok: true, eventType: type, cells };
}

/** A record may end with one line break; it is a terminator, not part of the last cell. */
function stripLineEnd(text: string): string {
  if (text.endsWith('\r\n')) return text.slice(0, -2);
  if (text.endsWith('\n')) return text.slice(0, -1);
  return text;
}

/**
 * csv-parse quotes the cell it stopped in ("Invalid Opening Quote: … value is "…""), however long:
 * a 900 KB cell with a stray quote made a 900 KB detail in the DLQ row, beside the record's own
 * bytes. The message says what is wrong in its first words; the cell is in the raw bytes.
 */
const MAX_DETAIL = 200;

function reject(reason: Rejection['reason'], detail: string): CsvDecodeResult {
  return { ok: false, rejection: { reason, detail } };
}
