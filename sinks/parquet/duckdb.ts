/**
 * DuckDB encoder: the rows as JSON in a temp file, `COPY` from `read_json` to a temp Parquet file
 * with zstd, read the bytes back. DuckDB's writer is the most battle-tested of the three (dictionary + RLE,
 * statistics, zstd), at the cost of a native dependency and a round trip through the file system.
 *
 * One DuckDB instance and connection per encoder, created on first use, with one thread. A
 * connection runs one statement at a time, so encodes are queued rather than interleaved.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { FieldSpec } from '../../stream/events/schemas.ts';
import type { ParquetEncoder } from './encoder.ts';
import { checkRowsForJson } from './columns.ts';

const SQL_TYPE: Record<FieldSpec['kind'], string> = {
  string: 'VARCHAR',
  long: 'BIGINT',
  int: 'INTEGER',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  // TIMESTAMP_MS, not TIMESTAMP: DuckDB writes it as INT64 TIMESTAMP(MILLIS); TIMESTAMP would be MICROS.
  timestamp_ms: 'TIMESTAMP_MS',
};

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
      // One thread: each COPY reads one small JSON file, which DuckDB scans on one thread anyway;
      // the extra worker threads of the default (one per core) only burned CPU waiting for work,
      // about a third more CPU per encode (measured on a replay's encodes, 2 cores).
      const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
      const connection = await instance.connect();
      const dir = await mkdtemp(join(tmpdir(), 'adstream-parquet-'));
      return { instance, connection, dir };
    })());

  /**
   * The rows go to DuckDB as one JSON array in a temp file that DuckDB parses natively (JSON.stringify
   * of the whole array is one native call too): per-value appends through the Node binding cost
   * twice as much on the event loop (test/bench/parquet.ts).
   */
  async function encodeNow(fields: FieldSpec[], rows: Record<string, unknown>[]): Promise<Uint8Array> {
    const json = JSON.stringify(checkRowsForJson(fields, rows));
    const { dir } = await open();
    const id = ++sequence;
    const input = join(dir, `${id}.json`);
    const output = join(dir, `${id}.parquet`);
    try {
      await writeFile(input, json);
      await copyJsonToParquet(fields, input, 'array', output);
      return new Uint8Array(await readFile(output));
    } finally {
      await Promise.all([rm(input, { force: true }), rm(output, { force: true })]);
    }
  }

  /**
   * DuckDB reads the JSON itself, streaming, with the columns typed from the schema (no
   * inference: a spill whose first rows are null must not change a column's type; keys outside
   * the schema are ignored), and writes the logical types in encoder.ts.
   */
  async function copyJsonToParquet(fields: FieldSpec[], jsonPath: string, format: 'array' | 'newline_delimited', parquetPath: string): Promise<void> {
    const { connection } = await open();
    const jsonColumns = fields.map((f) => `${literal(f.name)}: ${literal(f.kind === 'timestamp_ms' ? 'BIGINT' : SQL_TYPE[f.kind])}`);
    const select = fields.map((f) => (f.kind === 'timestamp_ms' ? `CAST(epoch_ms(${ident(f.name)}) AS TIMESTAMP_MS) AS ${ident(f.name)}` : ident(f.name)));
    await connection.run(
      `COPY (SELECT ${select.join(', ')} FROM read_json(${literal(jsonPath)}, format = ${literal(format)}, columns = {${jsonColumns.join(', ')}})) ` +
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
    encodeFile: (fields, jsonLinesPath, parquetPath) => queued(() => copyJsonToParquet(fields, jsonLinesPath, 'newline_delimited', parquetPath)),
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
