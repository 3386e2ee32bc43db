/**
 * hyparquet-writer encoder: pure JavaScript, in memory, no temp files. The schema is given
 * explicitly (not guessed from the data) so that an all-null batch or a `long` column of small
 * values still gets the declared types.
 *
 * Compression is SNAPPY, the codec hyparquet-writer ships; ZSTD would need a compressor that
 * Node 20's zlib does not have. Pages are DATA_PAGE_V2, the only kind this library writes.
 */
import type { ColumnSource, SchemaElement } from 'hyparquet-writer';
import type { FieldSpec } from '../../stream/events/schemas.ts';
import type { ParquetEncoder } from './encoder.ts';
import { ROW_GROUP_SIZE, toColumns, type CellValue } from './columns.ts';

function schemaElement(field: FieldSpec): SchemaElement {
  const base = { name: field.name, repetition_type: field.nullable ? 'OPTIONAL' : 'REQUIRED' } as const;
  switch (field.kind) {
    case 'string':
      return { ...base, type: 'BYTE_ARRAY', converted_type: 'UTF8' };
    case 'long':
      return { ...base, type: 'INT64' };
    case 'int':
      return { ...base, type: 'INT32' };
    case 'double':
      return { ...base, type: 'DOUBLE' };
    case 'boolean':
      return { ...base, type: 'BOOLEAN' };
    case 'timestamp_ms':
      // Same annotation DuckDB writes, so files from either encoder read back with the same type.
      return {
        ...base,
        type: 'INT64',
        converted_type: 'TIMESTAMP_MILLIS',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'MILLIS' },
      };
  }
}

/** INT64 columns are written from bigints; TIMESTAMP_MILLIS columns are converted by the library. */
function columnData(field: FieldSpec, values: CellValue[]): ColumnSource['data'] {
  if (field.kind !== 'long') return values;
  return values.map((v) => (v === null ? null : BigInt(v as number)));
}

export function createHyparquetEncoder(): ParquetEncoder {
  return {
    name: 'hyparquet',
    async encode(fields, rows) {
      const columns = toColumns(fields, rows);
      // Loaded on first use, as DuckDB is (duckdb.ts): 60 ms of every start that does not use it.
      const { parquetWriteBuffer } = await import('hyparquet-writer');
      const buffer = parquetWriteBuffer({
        columnData: fields.map((field, i) => ({ name: field.name, data: columnData(field, columns[i]) })),
        schema: [{ name: 'root', num_children: fields.length }, ...fields.map(schemaElement)],
        codec: 'SNAPPY',
        rowGroupSize: ROW_GROUP_SIZE,
        createdBy: 'adstream (hyparquet-writer)',
      });
      return new Uint8Array(buffer);
    },
  };
}
