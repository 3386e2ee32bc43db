/**
 * DuckDB encoder: append the rows to a temp table, `COPY` it to a temp Parquet file with zstd,
 * read the bytes back. DuckDB's writer is the most battle-tested of the three (dictionary + RLE,
 * statistics, zstd), at the cost of a native dependency and a round trip through the file system.
 *
 * One DuckDB instance and connection per encoder, created on first use. A connection runs one
 * statement at a time, so encodes are queued rather than interleaved.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BIGINT,
  BOOLEAN,
  DOUBLE,
  DuckDBDataChunk,
  DuckDBInstance,
  INTEGER,
  TIMESTAMP_MS,
  VARCHAR,
  timestampMillisValue,
  type DuckDBConnection,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import type { FieldSpec } from '../../stream/events/schemas.ts';
import type { ParquetEncoder } from './encoder.ts';
import { toColumns, type CellValue } from './columns.ts';

const SQL_TYPE: Record<FieldSpec['kind'], string> = {
  string: 'VARCHAR',
  long: 'BIGINT',
  int: 'INTEGER',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  // TIMESTAMP_MS, not TIMESTAMP: DuckDB writes it as INT64 TIMESTAMP(MILLIS); TIMESTAMP would be MICROS.
  timestamp_ms: 'TIMESTAMP_MS',
};

const DUCKDB_TYPE: Record<FieldSpec['kind'], DuckDBType> = {
  string: VARCHAR,
  long: BIGINT,
  int: INTEGER,
  double: DOUBLE,
  boolean: BOOLEAN,
  timestamp_ms: TIMESTAMP_MS,
};

type ToDuckDB = (value: NonNullable<CellValue>) => DuckDBValue;
const same: ToDuckDB = (v) => v;

const TO_DUCKDB: Record<FieldSpec['kind'], ToDuckDB> = {
  string: same,
  long: (v) => BigInt(v as number),
  int: same,
  double: same,
  boolean: same,
  timestamp_ms: (v) => timestampMillisValue(BigInt(v as number)),
};

/** DuckDB's vector size: the most rows one data chunk holds. */
const CHUNK_ROWS = 2048;

const ident = (name: string): string => `"${name.replaceAll('"', '""')}"`;
const literal = (text: string): string => `'${text.replaceAll("'", "''")}'`;

interface Session {
  instance: DuckDBInstance;
  connection: DuckDBConnection;
  dir: string;
}

export function createDuckdbEncoder(): ParquetEncoder {
  let session: Promise<Session> | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  let sequence = 0;

  const open = (): Promise<Session> =>
    (session ??= (async () => {
      const instance = await DuckDBInstance.create(':memory:');
      const connection = await instance.connect();
      const dir = await mkdtemp(join(tmpdir(), 'adstream-parquet-'));
      return { instance, connection, dir };
    })());

  async function encodeNow(fields: FieldSpec[], rows: Record<string, unknown>[]): Promise<Uint8Array> {
    const columns = toColumns(fields, rows);
    const { connection, dir } = await open();
    const id = ++sequence;
    const table = `parquet_encode_${id}`;
    const file = join(dir, `${id}.parquet`);
    const columnsSql = fields.map((f) => `${ident(f.name)} ${SQL_TYPE[f.kind]}${f.nullable ? '' : ' NOT NULL'}`);
    await connection.run(`CREATE TEMP TABLE ${table} (${columnsSql.join(', ')})`);
    try {
      // Whole columns per data chunk, not value by value: half the time of appendVarchar & co.
      const appender = await connection.createAppender(table);
      const types = fields.map((f) => DUCKDB_TYPE[f.kind]);
      const converts = fields.map((f) => TO_DUCKDB[f.kind]);
      for (let start = 0; start < rows.length; start += CHUNK_ROWS) {
        const count = Math.min(CHUNK_ROWS, rows.length - start);
        const chunk = DuckDBDataChunk.create(types, count);
        for (let col = 0; col < columns.length; col++) {
          const values = new Array<DuckDBValue>(count);
          for (let i = 0; i < count; i++) {
            const value = columns[col][start + i];
            values[i] = value === null ? null : converts[col](value);
          }
          chunk.setColumnValues(col, values);
        }
        appender.appendDataChunk(chunk);
      }
      appender.closeSync();
      await connection.run(`COPY ${table} TO ${literal(file)} (FORMAT parquet, COMPRESSION zstd)`);
      return new Uint8Array(await readFile(file));
    } finally {
      await connection.run(`DROP TABLE IF EXISTS ${table}`);
      await rm(file, { force: true });
    }
  }

  /**
   * DuckDB reads the JSON lines itself, streaming, with the columns typed from the schema (no
   * inference: a spill whose first rows are null must not change a column's type), and writes
   * the same logical types as `encode`.
   */
  async function encodeFileNow(fields: FieldSpec[], jsonLinesPath: string, parquetPath: string): Promise<void> {
    const { connection } = await open();
    const jsonColumns = fields.map((f) => `${literal(f.name)}: ${literal(f.kind === 'timestamp_ms' ? 'BIGINT' : SQL_TYPE[f.kind])}`);
    const select = fields.map((f) => (f.kind === 'timestamp_ms' ? `CAST(epoch_ms(${ident(f.name)}) AS TIMESTAMP_MS) AS ${ident(f.name)}` : ident(f.name)));
    await connection.run(
      `COPY (SELECT ${select.join(', ')} FROM read_json(${literal(jsonLinesPath)}, format = 'newline_delimited', columns = {${jsonColumns.join(', ')}})) ` +
        `TO ${literal(parquetPath)} (FORMAT parquet, COMPRESSION zstd)`,
    );
  }

  /** One statement at a time on the connection: calls queue behind each other. */
  function queued<T>(work: () => Promise<T>): Promise<T> {
    const result = queue.then(work);
    queue = result.catch(() => undefined);
    return result;
  }

  return {
    name: 'duckdb',
    encode: (fields, rows) => queued(() => encodeNow(fields, rows)),
    encodeFile: (fields, jsonLinesPath, parquetPath) => queued(() => encodeFileNow(fields, jsonLinesPath, parquetPath)),
    async close() {
      if (!session) return;
      const { instance, connection, dir } = await session;
      await queue;
      session = undefined;
      connection.closeSync();
      instance.closeSync();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
