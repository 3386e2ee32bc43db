/**
 * parquetjs-lite encoder: the library the original design card named, kept selectable for
 * comparison. Pure JavaScript; writes to an in-memory stream.
 *
 * SNAPPY rather than GZIP: both are supported, SNAPPY is the cheaper one and the Parquet default.
 * Data pages are V1 (the library defaults to V2) because V1 is what every reader handles.
 */
import { Writable } from 'node:stream';
import type { FieldSpec } from '../../stream/events/schemas.ts';
import type { ParquetEncoder } from './encoder.ts';
import { ROW_GROUP_SIZE, toColumns } from './columns.ts';

const PARQUETJS_TYPE: Record<FieldSpec['kind'], string> = {
  string: 'UTF8',
  long: 'INT64',
  int: 'INT32',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  timestamp_ms: 'TIMESTAMP_MILLIS',
};

/** Collects everything written to it; parquetjs-lite only writes to streams. */
class BufferSink extends Writable {
  readonly chunks: Buffer[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.chunks.push(chunk);
    callback();
  }
}

export function createParquetjsEncoder(): ParquetEncoder {
  return {
    name: 'parquetjs',
    async encode(fields, rows) {
      // Checked first so a bad value fails the same way as with the other encoders; the library
      // then reads the fields it knows from each row and treats null and undefined alike.
      toColumns(fields, rows);
      // Loaded on first use, as DuckDB is (duckdb.ts).
      const { default: parquet } = await import('parquetjs-lite');
      const schema = new parquet.ParquetSchema(
        Object.fromEntries(
          fields.map((f) => [f.name, { type: PARQUETJS_TYPE[f.kind], optional: f.nullable, compression: 'SNAPPY' }]),
        ),
      );
      const sink = new BufferSink();
      const writer = await parquet.ParquetWriter.openStream(schema, sink, {
        rowGroupSize: ROW_GROUP_SIZE,
        useDataPageV2: false,
      });
      for (const row of rows) await writer.appendRow(row);
      await writer.close();
      return new Uint8Array(Buffer.concat(sink.chunks));
    },
  };
}
