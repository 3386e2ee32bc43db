/**
 * The direct encoder: Parquet written straight from the row objects by this package, one pass a
 * column into reused buffers, GZIP through Node's zlib. Made for the lake's hot path, where
 * DuckDB's encoder costs the replay more than everything else (the rows stringified to JSON on the
 * main thread, parsed again by DuckDB, a temp-file round trip, a fixed cost per COPY) and
 * hyparquet-writer, the fastest pure-JS library, is slower still (test/bench/parquet.ts has all of
 * them).
 *
 * What it writes, every reader of the lake reads: format version 1 files, data pages v1, PLAIN
 * values or a dictionary (RLE_DICTIONARY) for strings that repeat, RLE definition levels, GZIP,
 * one data page per column and row group of at most ROW_GROUP_SIZE rows, statistics with null
 * counts and exact bounds where they are cheap (numbers, timestamps, dictionary strings).
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { gzipSync } from 'node:zlib';
import type { FieldSpec } from '../../../stream/events/schemas.ts';
import { PACKAGE_VERSION } from '../../../stream/packageVersion.ts';
import { longRows, type ParquetEncoder } from '../encoder.ts';
import { ROW_GROUP_SIZE, toColumns, type CellValue } from '../columns.ts';
import { ByteSink } from './byteSink.ts';
import { ChunkScratch, writeColumnChunk, type Compress } from './columnChunk.ts';
import { writeFileMetaData, type RowGroupMeta } from './footer.ts';
import { longColumns } from './longColumns.ts';
import { ThriftWriter } from './thriftCompact.ts';

const MAGIC = Buffer.from('PAR1', 'latin1');

/** GZIP at level 1: most of the size of level 6 at a fraction of its CPU. */
const gzip: Compress = (content) => gzipSync(content, { level: 1 });

/**
 * One Parquet file, written a row group at a time: the bytes so far can be taken (`flush`) before
 * the next row group, so a file far larger than memory is never held whole.
 */
class ParquetFileWriter {
  private readonly sink = new ByteSink(1 << 16);
  /** Bytes already handed out by `flush`: where the sink's first byte is in the file. */
  private flushed = 0;
  private readonly groups: RowGroupMeta[] = [];

  constructor(
    private readonly fields: FieldSpec[],
    private readonly scratch: ChunkScratch,
    private readonly compress: Compress,
  ) {
    this.sink.bytes(MAGIC);
  }

  /** Appends checked columns (columns.ts) of `rowCount` values each, as row groups of at most ROW_GROUP_SIZE rows. */
  append(columns: CellValue[][], rowCount: number): void {
    for (let from = 0; from < rowCount; from += ROW_GROUP_SIZE) {
      const to = Math.min(rowCount, from + ROW_GROUP_SIZE);
      const offset = this.flushed + this.sink.length;
      const chunks = this.fields.map((field, f) => writeColumnChunk(this.sink, this.flushed, field, columns[f], from, to, this.scratch, this.compress));
      this.groups.push({ rows: to - from, offset, chunks });
    }
  }

  /** The bytes written since the last flush, the caller's to keep. */
  flush(): Buffer {
    const bytes = this.sink.copy();
    this.flushed += bytes.length;
    this.sink.reset();
    return bytes;
  }

  /** Writes the footer; returns the file's last bytes (all of it if nothing was flushed). */
  finish(createdBy: string): Buffer {
    const footerStart = this.sink.length;
    writeFileMetaData(new ThriftWriter(this.sink), this.fields, this.groups, createdBy);
    this.sink.int32(this.sink.length - footerStart);
    this.sink.bytes(MAGIC);
    return this.flush();
  }
}

/** In the form `<application> version <version>` that parquet-mr's VersionParser reads. */
const CREATED_BY = `adstream version ${PACKAGE_VERSION}`;

export function encodeDirect(fields: FieldSpec[], rows: Record<string, unknown>[], scratch = new ChunkScratch(), compress = gzip): Uint8Array {
  return encodeColumns(fields, toColumns(fields, rows), rows.length, scratch, compress);
}

/** A Parquet file of checked columns (columns.ts), `rowCount` values each. */
function encodeColumns(fields: FieldSpec[], columns: CellValue[][], rowCount: number, scratch: ChunkScratch, compress = gzip): Uint8Array {
  const writer = new ParquetFileWriter(fields, scratch, compress);
  writer.append(columns, rowCount);
  return writer.finish(CREATED_BY);
}

/**
 * Rows spilled as JSON lines into a Parquet file, a row group at a time: at most ROW_GROUP_SIZE
 * rows and one row group's bytes in memory, whatever the spill's size. A wrong value's row number
 * counts from the start of its row group.
 */
async function encodeJsonLines(fields: FieldSpec[], jsonLinesPath: string, parquetPath: string, scratch: ChunkScratch): Promise<void> {
  const writer = new ParquetFileWriter(fields, scratch, gzip);
  const output = await open(parquetPath, 'w');
  const input = createReadStream(jsonLinesPath);
  try {
    let rows: Record<string, unknown>[] = [];
    const appendRows = async (): Promise<void> => {
      writer.append(toColumns(fields, rows), rows.length);
      rows = [];
      await output.write(writer.flush());
    };
    for await (const line of createInterface({ input, crlfDelay: Infinity })) {
      if (line === '') continue;
      rows.push(JSON.parse(line) as Record<string, unknown>);
      if (rows.length === ROW_GROUP_SIZE) await appendRows();
    }
    if (rows.length > 0) await appendRows();
    await output.write(writer.finish(CREATED_BY));
  } finally {
    input.destroy();
    await output.close();
  }
}

export function createDirectEncoder(): ParquetEncoder {
  // Shared by every encode: each uses it only within one synchronous row group.
  const scratch = new ChunkScratch();
  return {
    name: 'direct',
    encode: async (fields, rows) => encodeDirect(fields, rows, scratch),
    async encodeLong(fields, rows, form) {
      const columns = longColumns(fields, rows, form);
      return columns ? encodeColumns(fields, columns, columns[0].length, scratch) : encodeDirect(fields, longRows(rows, form), scratch);
    },
    encodeFile: (fields, jsonLinesPath, parquetPath) => encodeJsonLines(fields, jsonLinesPath, parquetPath, scratch),
  };
}
