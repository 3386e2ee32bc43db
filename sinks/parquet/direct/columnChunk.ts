/**
 * One column of one row group, from row objects to compressed pages in the file: a dictionary page
 * and a data page for a string column of repeated values, else one PLAIN data page. The values,
 * checked by columns.ts, go straight into reused buffers; the page's statistics (null count, and
 * min and max where they are cheap and exact) come from the same pass.
 */
import type { FieldSpec } from '../../../stream/events/schemas.ts';
import type { CellValue } from '../columns.ts';
import { ByteSink } from './byteSink.ts';
import { bitWidth, writeHybrid } from './rleHybrid.ts';
import { ThriftWriter } from './thriftCompact.ts';

/** parquet.thrift's enums, the values this encoder writes. */
export const PhysicalType = { BOOLEAN: 0, INT32: 1, INT64: 2, DOUBLE: 5, BYTE_ARRAY: 6 } as const;
export const Encoding = { PLAIN: 0, RLE: 3, RLE_DICTIONARY: 8 } as const;
const PageType = { DATA_PAGE: 0, DICTIONARY_PAGE: 2 } as const;

export const PHYSICAL_TYPE: Record<FieldSpec['kind'], number> = {
  string: PhysicalType.BYTE_ARRAY,
  long: PhysicalType.INT64,
  timestamp_ms: PhysicalType.INT64,
  int: PhysicalType.INT32,
  double: PhysicalType.DOUBLE,
  boolean: PhysicalType.BOOLEAN,
};

/** What the footer says about a column chunk (ColumnMetaData). */
export interface ChunkMeta {
  field: FieldSpec;
  encodings: number[];
  numValues: number;
  uncompressedBytes: number;
  compressedBytes: number;
  dictionaryPageOffset: number | undefined;
  dataPageOffset: number;
  nullCount: number;
  min: Uint8Array | undefined;
  max: Uint8Array | undefined;
}

/** A page's bytes before compression, compressed: the codec (GZIP) is the file's choice. */
export type Compress = (content: Uint8Array) => Uint8Array;

/** A dictionary of more entries than this is not worth it; the column goes PLAIN. */
const MAX_DICTIONARY_ENTRIES = 1 << 16;
/**
 * A dictionary holding more than half of the values read so far, once past this many entries, is
 * given up for PLAIN: ids stop there after a thousand rows, while a dimension of a thousand
 * values (sites) in a chunk of many thousand rows keeps its dictionary.
 */
const DICTIONARY_TRIAL_ENTRIES = 1024;
/** String bounds longer than this are left out of the statistics (absent bounds are always right). */
const MAX_STATISTIC_BYTES = 64;

/** Buffers reused from column to column and file to file: an encode allocates little but its output. */
export class ChunkScratch {
  readonly values = new ByteSink();
  readonly dictionary = new ByteSink();
  readonly page = new ByteSink();
  readonly header = new ByteSink();
  levels = new Uint8Array(1 << 12);
  indices = new Int32Array(1 << 12);

  /** Room for one value's level and index per row. */
  fit(rows: number): void {
    if (this.levels.length < rows) this.levels = new Uint8Array(rows);
    if (this.indices.length < rows) this.indices = new Int32Array(rows);
  }
}

const int64Bytes = (value: number): Uint8Array => {
  const sink = new ByteSink(8);
  sink.int64(value);
  return sink.copy();
};
const int32Bytes = (value: number): Uint8Array => {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setInt32(0, value, true);
  return bytes;
};
const doubleBytes = (value: number): Uint8Array => {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setFloat64(0, value, true);
  return bytes;
};

/** What a pass over a column's values found: how many were null and the bounds, if known. */
interface ValuePass {
  nulls: number;
  min: Uint8Array | undefined;
  max: Uint8Array | undefined;
  /** Dictionary entries, when the values went as indices into them. */
  dictionary: string[] | undefined;
}

/**
 * Reads values [from, to) of a checked column (columns.ts: toColumns) into scratch.levels (1
 * present, 0 null) and scratch.values (PLAIN), or for a dictionary-encoded string column
 * scratch.indices and the entries.
 */
function passValues(kind: FieldSpec['kind'], column: CellValue[], from: number, to: number, scratch: ChunkScratch): ValuePass {
  const { levels, values } = scratch;
  values.reset();
  let nulls = 0;
  switch (kind) {
    case 'long':
    case 'timestamp_ms':
    case 'int': {
      let min = Infinity;
      let max = -Infinity;
      const wide = kind !== 'int';
      values.ensure((to - from) * 8);
      for (let i = from; i < to; i++) {
        const v = column[i] as number | null;
        if (v === null) {
          levels[i - from] = 0;
          nulls++;
          continue;
        }
        levels[i - from] = 1;
        if (wide) values.int64(v);
        else values.int32(v);
        if (v < min) min = v;
        if (v > max) max = v;
      }
      if (!(min <= max)) return { nulls, min: undefined, max: undefined, dictionary: undefined };
      return wide ? { nulls, min: int64Bytes(min), max: int64Bytes(max), dictionary: undefined } : { nulls, min: int32Bytes(min), max: int32Bytes(max), dictionary: undefined };
    }
    case 'double': {
      let min = Infinity;
      let max = -Infinity;
      let nan = false;
      values.ensure((to - from) * 8);
      for (let i = from; i < to; i++) {
        const v = column[i] as number | null;
        if (v === null) {
          levels[i - from] = 0;
          nulls++;
          continue;
        }
        levels[i - from] = 1;
        values.double(v);
        if (v !== v) nan = true;
        if (v < min) min = v;
        if (v > max) max = v;
      }
      // Bounds with a NaN among the values are not written (readers disagree on NaN's order); a
      // zero bound is written as −0 for the min and +0 for the max, as parquet.thrift asks.
      if (nan || !(min <= max)) return { nulls, min: undefined, max: undefined, dictionary: undefined };
      return { nulls, min: doubleBytes(min === 0 ? -0 : min), max: doubleBytes(max === 0 ? 0 : max), dictionary: undefined };
    }
    case 'boolean': {
      let byte = 0;
      let bit = 0;
      for (let i = from; i < to; i++) {
        const v = column[i];
        if (v === null) {
          levels[i - from] = 0;
          nulls++;
          continue;
        }
        levels[i - from] = 1;
        if (v) byte |= 1 << bit;
        if (++bit === 8) {
          values.byte(byte);
          byte = 0;
          bit = 0;
        }
      }
      if (bit > 0) values.byte(byte);
      return { nulls, min: undefined, max: undefined, dictionary: undefined };
    }
    case 'string':
      return passDictionary(column as (string | null)[], from, to, scratch) ?? passPlainStrings(column as (string | null)[], from, to, scratch);
  }
}

function passPlainStrings(column: (string | null)[], from: number, to: number, scratch: ChunkScratch): ValuePass {
  const { levels, values } = scratch;
  values.reset();
  let nulls = 0;
  for (let i = from; i < to; i++) {
    const v = column[i];
    if (v === null) {
      levels[i - from] = 0;
      nulls++;
      continue;
    }
    levels[i - from] = 1;
    // The length prefix goes first and is filled in once the bytes are written.
    const at = values.length;
    values.int32(0);
    values.int32At(at, values.utf8(v));
  }
  return { nulls, min: undefined, max: undefined, dictionary: undefined };
}

/** Indices into a dictionary of the column's distinct strings, or null when the strings repeat too little for one. */
function passDictionary(column: (string | null)[], from: number, to: number, scratch: ChunkScratch): ValuePass | null {
  const { levels, indices } = scratch;
  const positions = new Map<string, number>();
  const entries: string[] = [];
  let nulls = 0;
  let present = 0;
  // The previous value's position: runs of one value (a shard's id, a sorted key) skip the map.
  let previous: string | null = null;
  let previousPosition = 0;
  for (let i = from; i < to; i++) {
    const v = column[i];
    if (v === null) {
      levels[i - from] = 0;
      nulls++;
      continue;
    }
    levels[i - from] = 1;
    if (v !== previous) {
      let position = positions.get(v);
      if (position === undefined) {
        if (entries.length === MAX_DICTIONARY_ENTRIES) return null;
        if (entries.length >= DICTIONARY_TRIAL_ENTRIES && entries.length * 2 > i - from) return null;
        position = entries.length;
        positions.set(v, position);
        entries.push(v);
      }
      previous = v;
      previousPosition = position;
    }
    indices[present++] = previousPosition;
  }
  const { min, max } = stringBounds(entries);
  return { nulls, min, max, dictionary: entries };
}

/** The least and greatest of strings in UTF-8 byte order, as parquet orders UTF8 columns. */
function stringBounds(entries: string[]): { min: Uint8Array | undefined; max: Uint8Array | undefined } {
  if (entries.length === 0) return { min: undefined, max: undefined };
  // Below U+D800 UTF-16 order is code point order is UTF-8 byte order; past it, compare the bytes.
  const plainOrder = entries.every((entry) => !/[\uD800-\uFFFF]/.test(entry));
  let min = entries[0];
  let max = entries[0];
  let minBytes = Buffer.from(min);
  let maxBytes = minBytes;
  for (const entry of entries) {
    if (plainOrder) {
      if (entry < min) min = entry;
      if (entry > max) max = entry;
    } else {
      const bytes = Buffer.from(entry);
      if (Buffer.compare(bytes, minBytes) < 0) minBytes = bytes;
      if (Buffer.compare(bytes, maxBytes) > 0) maxBytes = bytes;
    }
  }
  if (plainOrder) {
    minBytes = Buffer.from(min);
    maxBytes = Buffer.from(max);
  }
  if (minBytes.length > MAX_STATISTIC_BYTES || maxBytes.length > MAX_STATISTIC_BYTES) return { min: undefined, max: undefined };
  return { min: minBytes, max: maxBytes };
}

/** Writes one page (header, then the compressed content) at the end of `file`; returns its bytes before and after compression, header included. */
function writePage(file: ByteSink, scratch: ChunkScratch, content: Uint8Array, compress: Compress, header: (thrift: ThriftWriter, uncompressed: number, compressed: number) => void): { uncompressed: number; compressed: number } {
  const compressed = compress(content);
  scratch.header.reset();
  const thrift = new ThriftWriter(scratch.header);
  header(thrift, content.length, compressed.length);
  thrift.stop();
  const headerBytes = scratch.header.written();
  file.bytes(headerBytes);
  file.bytes(compressed);
  return { uncompressed: headerBytes.length + content.length, compressed: headerBytes.length + compressed.length };
}

/**
 * Appends values [from, to) of one field's checked column to `file` as a column chunk; returns the
 * footer's account of it. `base` is where `file`'s first byte is in the Parquet file (a file
 * written a row group at a time hands its bytes on as it goes).
 */
export function writeColumnChunk(file: ByteSink, base: number, field: FieldSpec, column: CellValue[], from: number, to: number, scratch: ChunkScratch, compress: Compress): ChunkMeta {
  const count = to - from;
  scratch.fit(count);
  const pass = passValues(field.kind, column, from, to, scratch);
  let uncompressedBytes = 0;
  let compressedBytes = 0;
  let dictionaryPageOffset: number | undefined;

  if (pass.dictionary) {
    dictionaryPageOffset = base + file.length;
    const dictionary = scratch.dictionary;
    dictionary.reset();
    for (const entry of pass.dictionary) {
      const at = dictionary.length;
      dictionary.int32(0);
      dictionary.int32At(at, dictionary.utf8(entry));
    }
    const size = writePage(file, scratch, dictionary.written(), compress, (thrift, uncompressed, compressed) => {
      thrift.i32(1, PageType.DICTIONARY_PAGE);
      thrift.i32(2, uncompressed);
      thrift.i32(3, compressed);
      thrift.struct(7);
      thrift.i32(1, pass.dictionary!.length);
      thrift.i32(2, Encoding.PLAIN);
      thrift.end();
    });
    uncompressedBytes += size.uncompressed;
    compressedBytes += size.compressed;
  }

  const page = scratch.page;
  page.reset();
  if (field.nullable) {
    // Definition levels (max level 1), with the 4-byte length a v1 data page puts before them.
    const at = page.length;
    page.int32(0);
    writeHybrid(page, scratch.levels, count, 1);
    page.int32At(at, page.length - at - 4);
  }
  if (pass.dictionary) {
    const width = bitWidth(Math.max(0, pass.dictionary.length - 1));
    page.byte(width);
    writeHybrid(page, scratch.indices, count - pass.nulls, width);
  } else page.bytes(scratch.values.written());

  const dataPageOffset = base + file.length;
  const valueEncoding = pass.dictionary ? Encoding.RLE_DICTIONARY : Encoding.PLAIN;
  const size = writePage(file, scratch, page.written(), compress, (thrift, uncompressed, compressed) => {
    thrift.i32(1, PageType.DATA_PAGE);
    thrift.i32(2, uncompressed);
    thrift.i32(3, compressed);
    thrift.struct(5);
    thrift.i32(1, count);
    thrift.i32(2, valueEncoding);
    thrift.i32(3, Encoding.RLE);
    thrift.i32(4, Encoding.RLE);
    thrift.end();
  });
  uncompressedBytes += size.uncompressed;
  compressedBytes += size.compressed;

  return {
    field,
    encodings: pass.dictionary ? [Encoding.PLAIN, Encoding.RLE, Encoding.RLE_DICTIONARY] : [Encoding.PLAIN, Encoding.RLE],
    numValues: count,
    uncompressedBytes,
    compressedBytes,
    dictionaryPageOffset,
    dataPageOffset,
    nullCount: pass.nulls,
    min: pass.min,
    max: pass.max,
  };
}
