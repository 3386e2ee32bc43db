/**
 * Parquet encoding behind one small interface: rows in, file bytes out. The lake's request
 * builder calls `encode`; which library does the work is a configuration choice
 * (`ADSTREAM_PARQUET_ENCODER`), so they can be compared (test/bench/parquet.ts) and swapped.
 *
 * Every encoder writes the same logical schema, derived from FieldSpec:
 *   string → BYTE_ARRAY (UTF8)      long → INT64           int → INT32
 *   double → DOUBLE                 boolean → BOOLEAN
 *   timestamp_ms → INT64 TIMESTAMP(MILLIS, isAdjustedToUTC=false)
 * MILLIS, never NANOS: Athena cannot read nanosecond timestamps. isAdjustedToUTC=false because it
 * is the only MILLIS variant DuckDB can write (a TIMESTAMPTZ column is always written as MICROS),
 * and it matches Athena's zone-less `timestamp`; values are UTC epoch milliseconds.
 * Nullable fields are OPTIONAL; the others REQUIRED (except with DuckDB, which writes every column
 * OPTIONAL: duckdb/duckdb#22144).
 */
import type { FieldSpec } from '../../stream/events/schemas.ts';
import { createDuckdbEncoder } from './duckdb.ts';
import { createHyparquetEncoder } from './hyparquet.ts';
import { createParquetjsEncoder } from './parquetjs.ts';
import { createDirectEncoder } from './direct/directEncoder.ts';

export interface ParquetEncoder {
  readonly name: string;
  /**
   * Rows are plain objects keyed by field name; `long` and `timestamp_ms` values are JS numbers
   * (safe integers). Rows must already be validated: a value of the wrong kind is a programming
   * error and rejects with a TypeError naming the field.
   */
  encode(fields: FieldSpec[], rows: Record<string, unknown>[]): Promise<Uint8Array>;
  /**
   * Encodes rows spilled to disk (JSON lines, one row object each, same rules as `encode`) into
   * a Parquet file on disk, without loading them into the JS heap. Optional: encoders without it
   * get the rows read back into memory one partition at a time.
   */
  encodeFile?(fields: FieldSpec[], jsonLinesPath: string, parquetPath: string): Promise<void>;
  /**
   * Encodes rows given in wide form (see LongForm), as `encode` would their long form
   * (`longRows`). Optional: encoders without it get the long form built in JavaScript.
   */
  encodeLong?(fields: FieldSpec[], rows: Record<string, unknown>[], form: LongForm): Promise<Uint8Array>;
  /** Releases what the encoder holds (DuckDB's instance); optional because most hold nothing. */
  close?(): Promise<void>;
}

/**
 * Rows in wide form: each row's `entries`, an object of name → value, stands for one row per entry,
 * in the object's key order, with the entry's name in field `name`, its value in field `value` and
 * the wide row's other fields repeated. The metrics table's rows: one per metric event, where the
 * long form has one per value (8.5 on average), each a row object of ten fields to build, check and
 * stringify, and each repeating the event's strings in the JSON that DuckDB parses.
 */
export interface LongForm {
  entries: string;
  name: string;
  value: string;
}

/** The long form of wide rows (LongForm): one row object per entry. */
export function longRows(rows: Record<string, unknown>[], form: LongForm): Record<string, unknown>[] {
  return rows.flatMap((row) => Object.entries(row[form.entries] as Record<string, unknown>).map(([name, value]) => ({ ...row, [form.name]: name, [form.value]: value })));
}

/** How many rows the long form of one wide row has: its entries. */
export const entryCount = (row: Record<string, unknown>, form: LongForm): number => Object.keys(row[form.entries] as Record<string, unknown>).length;

/** How many rows the long form of wide rows has. */
export function longRowCount(rows: Record<string, unknown>[], form: LongForm): number {
  let count = 0;
  for (const row of rows) count += entryCount(row, form);
  return count;
}

export const PARQUET_ENCODERS = ['duckdb', 'direct', 'hyparquet', 'parquetjs'] as const;
export type ParquetEncoderName = (typeof PARQUET_ENCODERS)[number];

export function createParquetEncoder(name: ParquetEncoderName): ParquetEncoder {
  switch (name) {
    case 'duckdb':
      return createDuckdbEncoder();
    case 'direct':
      return createDirectEncoder();
    case 'hyparquet':
      return createHyparquetEncoder();
    case 'parquetjs':
      return createParquetjsEncoder();
    default:
      throw new RangeError(`unknown Parquet encoder "${String(name)}"; choose one of ${PARQUET_ENCODERS.join(', ')}`);
  }
}
