/**
 * The file's footer: FileMetaData in the Thrift compact protocol, with the schema derived from
 * FieldSpec as encoder.ts describes it, each row group's column chunks and their statistics.
 */
import type { FieldSpec } from '../../../stream/events/schemas.ts';
import { Encoding, PageType, PHYSICAL_TYPE, type ChunkMeta } from './columnChunk.ts';
import { ThriftType, type ThriftWriter } from './thriftCompact.ts';

const Repetition = { REQUIRED: 0, OPTIONAL: 1 } as const;
const ConvertedType = { UTF8: 0, TIMESTAMP_MILLIS: 9 } as const;
/** GZIP: the one codec both Node 20's zlib has and Athena, Redshift and DuckDB read. */
export const CODEC_GZIP = 2;

export interface RowGroupMeta {
  rows: number;
  offset: number;
  chunks: ChunkMeta[];
}

function writeSchemaElement(thrift: ThriftWriter, field: FieldSpec): void {
  thrift.element();
  thrift.i32(1, PHYSICAL_TYPE[field.kind]);
  thrift.i32(3, field.nullable ? Repetition.OPTIONAL : Repetition.REQUIRED);
  thrift.string(4, field.name);
  if (field.kind === 'string') {
    thrift.i32(6, ConvertedType.UTF8);
    thrift.struct(10); // LogicalType
    thrift.struct(1); // STRING
    thrift.end();
    thrift.end();
  } else if (field.kind === 'timestamp_ms') {
    thrift.i32(6, ConvertedType.TIMESTAMP_MILLIS);
    thrift.struct(10); // LogicalType
    thrift.struct(8); // TIMESTAMP
    thrift.bool(1, false); // isAdjustedToUTC: encoder.ts says why
    thrift.struct(2); // unit
    thrift.struct(1); // MILLIS
    thrift.end();
    thrift.end();
    thrift.end();
    thrift.end();
  }
  thrift.end();
}

function writeChunk(thrift: ThriftWriter, chunk: ChunkMeta): void {
  thrift.element();
  thrift.i64(2, chunk.dictionaryPageOffset ?? chunk.dataPageOffset);
  thrift.struct(3); // ColumnMetaData
  thrift.i32(1, PHYSICAL_TYPE[chunk.field.kind]);
  thrift.i32List(2, chunk.encodings);
  thrift.stringList(3, [chunk.field.name]);
  thrift.i32(4, CODEC_GZIP);
  thrift.i64(5, chunk.numValues);
  thrift.i64(6, chunk.uncompressedBytes);
  thrift.i64(7, chunk.compressedBytes);
  thrift.i64(9, chunk.dataPageOffset);
  if (chunk.dictionaryPageOffset !== undefined) thrift.i64(11, chunk.dictionaryPageOffset);
  thrift.struct(12); // Statistics
  thrift.i64(3, chunk.nullCount);
  if (chunk.max && chunk.min) {
    thrift.binary(5, chunk.max);
    thrift.binary(6, chunk.min);
  }
  thrift.end();
  // Which pages are encoded how: readers (parquet-mr, Trino) prune row groups by a dictionary only
  // when these say every data page uses it.
  const pages: [number, number, number][] =
    chunk.dictionaryPageOffset === undefined
      ? [[PageType.DATA_PAGE, Encoding.PLAIN, chunk.dataPages]]
      : [
          [PageType.DICTIONARY_PAGE, Encoding.PLAIN, 1],
          [PageType.DATA_PAGE, Encoding.RLE_DICTIONARY, chunk.dataPages],
        ];
  thrift.list(13, ThriftType.Struct, pages.length);
  for (const [pageType, encoding, count] of pages) {
    thrift.element();
    thrift.i32(1, pageType);
    thrift.i32(2, encoding);
    thrift.i32(3, count);
    thrift.end();
  }
  thrift.end();
  thrift.end();
}

/** Appends FileMetaData through `thrift`, then its stop byte. */
export function writeFileMetaData(thrift: ThriftWriter, fields: FieldSpec[], groups: RowGroupMeta[], createdBy: string): void {
  const rows = groups.reduce((sum, group) => sum + group.rows, 0);
  thrift.i32(1, 1); // version
  thrift.list(2, ThriftType.Struct, fields.length + 1);
  thrift.element();
  thrift.string(4, 'schema');
  thrift.i32(5, fields.length);
  thrift.end();
  for (const field of fields) writeSchemaElement(thrift, field);
  thrift.i64(3, rows);
  thrift.list(4, ThriftType.Struct, groups.length);
  for (const group of groups) {
    thrift.element();
    thrift.list(1, ThriftType.Struct, group.chunks.length);
    for (const chunk of group.chunks) writeChunk(thrift, chunk);
    thrift.i64(2, group.chunks.reduce((sum, chunk) => sum + chunk.uncompressedBytes, 0));
    thrift.i64(3, group.rows);
    thrift.i64(5, group.offset);
    thrift.i64(6, group.chunks.reduce((sum, chunk) => sum + chunk.compressedBytes, 0));
    thrift.end();
  }
  thrift.string(6, createdBy);
  // Every column in its type's own order (TypeDefinedOrder): without it min_value and max_value
  // are undefined by the spec, and Arrow's reader ignores them.
  thrift.list(7, ThriftType.Struct, fields.length);
  for (let i = 0; i < fields.length; i++) {
    thrift.element();
    thrift.struct(1); // TYPE_ORDER
    thrift.end();
    thrift.end();
  }
  thrift.stop();
}


