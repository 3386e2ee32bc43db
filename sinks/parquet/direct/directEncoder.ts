/**
 * The direct encoder: Parquet written straight from the row objects by this package, one pass a
 * column into typed buffers, GZIP through Node's zlib. Made for the lake's hot path, where
 * DuckDB's encoder costs the replay more than everything else (the rows stringified to JSON on the
 * main thread, parsed again by DuckDB, a temp-file round trip) and hyparquet-writer, the fastest
 * pure-JS library, is slower still (test/bench/parquet.ts has all of them).
 *
 * What it writes, every reader of the lake reads: format version 1 files, data pages v1, PLAIN
 * values or a dictionary (RLE_DICTIONARY) for strings that repeat, RLE definition levels, GZIP,
 * one data page per column and row group of at most ROW_GROUP_SIZE rows, statistics with null
 * counts and exact bounds where they are cheap (numbers, timestamps, dictionary strings).
 */
import { gzipSync } from 'node:zlib';
import type { FieldSpec } from '../../../stream/events/schemas.ts';
import type { ParquetEncoder } from '../encoder.ts';
import { ROW_GROUP_SIZE, toColumns, type CellValue } from '../columns.ts';
import { longRows } from '../encoder.ts';
import { longColumns } from './longColumns.ts';
import { ByteSink } from './byteSink.ts';
import { ChunkScratch, writeColumnChunk, type Compress } from './columnChunk.ts';
import { writeFileMetaData, type RowGroupMeta } from './footer.ts';
import { ThriftWriter } from './thriftCompact.ts';

const MAGIC = Buffer.from('PAR1', 'latin1');

/** GZIP at level 1: most of the size of level 6 at a fraction of its CPU. */
const gzip: Compress = (content) => gzipSync(content, { level: 1 });

export function encodeDirect(fields: FieldSpec[], rows: Record<string, unknown>[], scratch = new ChunkScratch(), compress = gzip): Uint8Array {
  return encodeColumns(fields, toColumns(fields, rows), rows.length, scratch, compress);
}

/** A Parquet file of checked columns (columns.ts), `rowCount` values each. */
export function encodeColumns(fields: FieldSpec[], columns: CellValue[][], rowCount: number, scratch = new ChunkScratch(), compress = gzip): Uint8Array {
  const file = new ByteSink(1 << 16);
  file.bytes(MAGIC);
  const groups: RowGroupMeta[] = [];
  for (let from = 0; from < rowCount; from += ROW_GROUP_SIZE) {
    const to = Math.min(rowCount, from + ROW_GROUP_SIZE);
    const offset = file.length;
    const chunks = fields.map((field, f) => writeColumnChunk(file, field, columns[f], from, to, scratch, compress));
    groups.push({ rows: to - from, offset, chunks });
  }
  const footerStart = file.length;
  writeFileMetaData(new ThriftWriter(file), fields, groups, 'adstream direct encoder');
  file.int32(file.length - footerStart);
  file.bytes(MAGIC);
  return file.copy();
}

export function createDirectEncoder(): ParquetEncoder {
  const scratch = new ChunkScratch();
  return {
    name: 'direct',
    encode: async (fields, rows) => encodeDirect(fields, rows, scratch),
    async encodeLong(fields, rows, form) {
      const columns = longColumns(fields, rows, form);
      return columns ? encodeColumns(fields, columns, columns[0]?.length ?? 0, scratch) : encodeDirect(fields, longRows(rows, form), scratch);
    },
  };
}
