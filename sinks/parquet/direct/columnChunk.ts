/**
 * One column of one row group, from row objects to compressed pages in the file: a dictionary page
 * and a data page for a string column of repeated values, else PLAIN data pages (one, but for
 * strings past MAX_PAGE_BYTES). The values,
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
export const PageType = { DATA_PAGE: 0, DICTIONARY_PAGE: 2 } as const;

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
  /** Data pages in the chunk: one, but for PLAIN strings past ChunkScratch.maxPageBytes. */
  dataPages: number;
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
/**
 * A dictionary whose entries hold more UTF-16 units than this goes PLAIN: its page stays far below
 * the 2 GiB a page header can state, however long the strings.
 */
const MAX_DICTIONARY_UNITS = 1 << 23;
/**
 * PLAIN strings start a new data page past this many bytes: a page's size is a 32-bit integer, and
 * a commit unit of up to 2 GiB of record data could put more than that in one column (the DLQ's
 * records in base64).
 */
const MAX_PAGE_BYTES = 1 << 28;

/** Buffers reused from column to column and file to file: an encode allocates little but its output. */
export class ChunkScratch {
  /** `maxPageBytes`: where PLAIN strings start a new data page (smaller in tests, to see pages split). */
  constructor(readonly maxPageBytes = MAX_PAGE_BYTES) {}

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

/** A number as PLAIN writes it, for the statistics' bounds. */
function plainBytes(kind: NumberKind, value: number): Uint8Array {
  const sink = new ByteSink(8);
  writeNumber(sink, kind, value);
  return sink.copy();
}

type NumberKind = 'long' | 'timestamp_ms' | 'int' | 'double';

function writeNumber(sink: ByteSink, kind: NumberKind, value: number): void {
  if (kind === 'int') sink.int32(value);
  else if (kind === 'double') sink.double(value);
  else sink.int64(value);
}

/** What a pass over a column's values found: how many were null and the bounds, if known. */
interface ValuePass {
  nulls: number;
  min?: Uint8Array;
  max?: Uint8Array;
  /** Dictionary entries, when the values went as indices into them. */
  dictionary?: string[];
}

/**
 * Reads values [from, to) of a checked column (columns.ts: toColumns) of numbers or booleans into
 * scratch.levels (1 present, 0 null) and scratch.values (PLAIN). Strings: passDictionary, else
 * passPlainStrings.
 */
function passValues(kind: Exclude<FieldSpec['kind'], 'string'>, column: CellValue[], from: number, to: number, scratch: ChunkScratch): ValuePass {
  return kind === 'boolean' ? passBooleans(column as (boolean | null)[], from, to, scratch) : passNumbers(kind, column as (number | null)[], from, to, scratch);
}

function passNumbers(kind: NumberKind, column: (number | null)[], from: number, to: number, scratch: ChunkScratch): ValuePass {
  const { levels, values } = scratch;
  values.reset();
  values.ensure((to - from) * 8);
  let nulls = 0;
  let min = Infinity;
  let max = -Infinity;
  let nan = false;
  for (let i = from; i < to; i++) {
    const v = column[i];
    if (v === null) {
      levels[i - from] = 0;
      nulls++;
      continue;
    }
    levels[i - from] = 1;
    writeNumber(values, kind, v);
    if (v !== v) nan = true;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  // Bounds with a NaN among the values are not written (readers disagree on NaN's order); a
  // zero bound is written as −0 for the min and +0 for the max, as parquet.thrift asks of doubles.
  if (nan || !(min <= max)) return { nulls };
  return { nulls, min: plainBytes(kind, min === 0 ? -0 : min), max: plainBytes(kind, max === 0 ? 0 : max) };
}

/** Booleans PLAIN: bit-packed, the first value in the lowest bit. */
function passBooleans(column: (boolean | null)[], from: number, to: number, scratch: ChunkScratch): ValuePass {
  const { levels, values } = scratch;
  values.reset();
  let nulls = 0;
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
  return { nulls };
}

/**
 * Strings PLAIN from `from` on, into scratch.levels (counted from `from`) and scratch.values, up
 * to `to` or past the first value that takes the page past scratch.maxPageBytes; returns where it stopped.
 */
function passPlainStrings(column: (string | null)[], from: number, to: number, scratch: ChunkScratch): ValuePass & { end: number } {
  const { levels, values } = scratch;
  values.reset();
  let nulls = 0;
  let i = from;
  while (i < to && values.length < scratch.maxPageBytes) {
    const v = column[i];
    if (v === null) {
      levels[i - from] = 0;
      nulls++;
    } else {
      levels[i - from] = 1;
      // The length prefix goes first and is filled in once the bytes are written.
      const at = values.length;
      values.int32(0);
      values.int32At(at, values.utf8(v));
    }
    i++;
  }
  return { nulls, end: i };
}

/** Indices into a dictionary of the column's distinct strings, or null when the strings repeat too little for one. */
function passDictionary(column: (string | null)[], from: number, to: number, scratch: ChunkScratch): ValuePass | null {
  const { levels, indices } = scratch;
  const positions = new Map<string, number>();
  const entries: string[] = [];
  let units = 0;
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
        units += v.length;
        if (units > MAX_DICTIONARY_UNITS) return null;
        position = entries.length;
        positions.set(v, position);
        entries.push(v);
      }
      previous = v;
      previousPosition = position;
    }
    indices[present++] = previousPosition;
  }
  // A chunk of nulls only goes PLAIN: no dictionary page of no entries for a reader to trip on.
  if (entries.length === 0) return null;
  const { min, max } = stringBounds(entries);
  return { nulls, min, max, dictionary: entries };
}

/** The least and greatest of some strings in UTF-8 byte order, as parquet orders UTF8 columns. */
function stringBounds(entries: string[]): { min?: Uint8Array; max?: Uint8Array } {
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
  if (minBytes.length > MAX_STATISTIC_BYTES || maxBytes.length > MAX_STATISTIC_BYTES) return {};
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

/** Where a chunk's pages are written and what they add up to. */
interface ChunkWriting {
  file: ByteSink;
  base: number;
  scratch: ChunkScratch;
  compress: Compress;
  uncompressedBytes: number;
  compressedBytes: number;
}

/** Appends a page through writePage and adds its sizes to the chunk's. */
function addPage(chunk: ChunkWriting, content: Uint8Array, header: (thrift: ThriftWriter, uncompressed: number, compressed: number) => void): void {
  const size = writePage(chunk.file, chunk.scratch, content, chunk.compress, header);
  chunk.uncompressedBytes += size.uncompressed;
  chunk.compressedBytes += size.compressed;
}

/**
 * A v1 data page of `rows` rows: their definition levels (from scratch.levels) when the field is
 * nullable, then the values `writeValues` puts after them.
 */
function addDataPage(chunk: ChunkWriting, nullable: boolean, rows: number, encoding: number, writeValues: (page: ByteSink) => void): void {
  const page = chunk.scratch.page;
  page.reset();
  if (nullable) {
    // Definition levels (max level 1), with the 4-byte length a v1 data page puts before them.
    const at = page.length;
    page.int32(0);
    writeHybrid(page, chunk.scratch.levels, rows, 1);
    page.int32At(at, page.length - at - 4);
  }
  writeValues(page);
  addPage(chunk, page.written(), (thrift, uncompressed, compressed) => {
    thrift.i32(1, PageType.DATA_PAGE);
    thrift.i32(2, uncompressed);
    thrift.i32(3, compressed);
    thrift.struct(5);
    thrift.i32(1, rows);
    thrift.i32(2, encoding);
    thrift.i32(3, Encoding.RLE);
    thrift.i32(4, Encoding.RLE);
    thrift.end();
  });
}

/** The dictionary page: each entry PLAIN. */
function addDictionaryPage(chunk: ChunkWriting, entries: string[]): void {
  const dictionary = chunk.scratch.dictionary;
  dictionary.reset();
  for (const entry of entries) {
    const at = dictionary.length;
    dictionary.int32(0);
    dictionary.int32At(at, dictionary.utf8(entry));
  }
  addPage(chunk, dictionary.written(), (thrift, uncompressed, compressed) => {
    thrift.i32(1, PageType.DICTIONARY_PAGE);
    thrift.i32(2, uncompressed);
    thrift.i32(3, compressed);
    thrift.struct(7);
    thrift.i32(1, entries.length);
    thrift.i32(2, Encoding.PLAIN);
    thrift.end();
  });
}

/**
 * Appends values [from, to) of one field's checked column to `file` as a column chunk; returns the
 * footer's account of it. `base` is where `file`'s first byte is in the Parquet file (a file
 * written a row group at a time hands its bytes on as it goes).
 */
export function writeColumnChunk(file: ByteSink, base: number, field: FieldSpec, column: CellValue[], from: number, to: number, scratch: ChunkScratch, compress: Compress): ChunkMeta {
  const count = to - from;
  scratch.fit(count);
  const chunk: ChunkWriting = { file, base, scratch, compress, uncompressedBytes: 0, compressedBytes: 0 };
  const meta = (pass: ValuePass, dictionaryPageOffset: number | undefined, dataPageOffset: number, dataPages: number): ChunkMeta => ({
    field,
    encodings: pass.dictionary ? [Encoding.PLAIN, Encoding.RLE, Encoding.RLE_DICTIONARY] : [Encoding.PLAIN, Encoding.RLE],
    numValues: count,
    uncompressedBytes: chunk.uncompressedBytes,
    compressedBytes: chunk.compressedBytes,
    dictionaryPageOffset,
    dataPageOffset,
    dataPages,
    nullCount: pass.nulls,
    min: pass.min,
    max: pass.max,
  });

  if (field.kind !== 'string') {
    const pass = passValues(field.kind, column, from, to, scratch);
    const dataPageOffset = base + file.length;
    addDataPage(chunk, field.nullable, count, Encoding.PLAIN, (page) => page.bytes(scratch.values.written()));
    return meta(pass, undefined, dataPageOffset, 1);
  }

  const strings = column as (string | null)[];
  const dictionary = passDictionary(strings, from, to, scratch);
  if (dictionary) {
    const entries = dictionary.dictionary!;
    const dictionaryPageOffset = base + file.length;
    addDictionaryPage(chunk, entries);
    const dataPageOffset = base + file.length;
    addDataPage(chunk, field.nullable, count, Encoding.RLE_DICTIONARY, (page) => {
      const width = bitWidth(entries.length - 1);
      page.byte(width);
      writeHybrid(page, scratch.indices, count - dictionary.nulls, width);
    });
    return meta(dictionary, dictionaryPageOffset, dataPageOffset, 1);
  }

  const dataPageOffset = base + file.length;
  let nulls = 0;
  let dataPages = 0;
  for (let start = from; start < to; dataPages++) {
    const pass = passPlainStrings(strings, start, to, scratch);
    addDataPage(chunk, field.nullable, pass.end - start, Encoding.PLAIN, (page) => page.bytes(scratch.values.written()));
    nulls += pass.nulls;
    start = pass.end;
  }
  return meta({ nulls }, undefined, dataPageOffset, dataPages);
}
