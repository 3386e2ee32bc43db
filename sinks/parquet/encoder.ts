/**
 * Parquet encoding behind one small interface: rows in, file bytes out. The lake's request
 * builder calls `encode`; which library does the work is a configuration choice
 * (`ADSTREAM_PARQUET_ENCODER`), so the three can be compared (test/bench/parquet.ts) and swapped.
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
  /** Releases what the encoder holds (DuckDB's instance); optional because most hold nothing. */
  close?(): Promise<void>;
}

export const PARQUET_ENCODERS = ['duckdb', 'hyparquet', 'parquetjs'] as const;
export type ParquetEncoderName = (typeof PARQUET_ENCODERS)[number];

export function createParquetEncoder(name: ParquetEncoderName): ParquetEncoder {
  switch (name) {
    case 'duckdb':
      return createDuckdbEncoder();
    case 'hyparquet':
      return createHyparquetEncoder();
    case 'parquetjs':
      return createParquetjsEncoder();
    default:
      throw new RangeError(`unknown Parquet encoder "${String(name)}"; choose one of ${PARQUET_ENCODERS.join(', ')}`);
  }
}
