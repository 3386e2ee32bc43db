/**
 * DuckDB encoder: the rows as JSON in a temp file, `COPY` from `read_json` to a temp Parquet file
 * with zstd (level 1), read the bytes back. DuckDB's writer is the most battle-tested of the libraries (dictionary + RLE,
 * statistics, zstd), at the cost of a native dependency and a round trip through the file system.
 *
 * One DuckDB instance and connection per encoder, created on first use, with one thread. A
 * connection runs one statement at a time, so encodes are queued rather than interleaved. DuckDB
 * itself is loaded then too: every worker and replay builds the encoder factory (encoder.ts), and
 * loading the native library took 150 ms of each start that writes with another encoder.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBInstance, DuckDBConnection } from '@duckdb/node-api';
import type { FieldSpec } from '../../stream/events/schemas.ts';
import { longRows, type LongForm, type ParquetEncoder } from './encoder.ts';
import { columnsForJson, type CellValue, type JsonColumns } from './columns.ts';
import { newProcessFolder, removeAbandonedFolders } from '../processFolders.ts';
import { makeDirectory } from '../makeDirectory.ts';
import { SerialQueue } from '../../stream/async/serialQueue.ts';

/** The encoder's temp folder in the OS temp directory, named by its process (processFolders.ts). */
const TEMP_PREFIX = 'adstream-parquet-';

const SQL_TYPE: Record<FieldSpec['kind'], string> = {
  string: 'VARCHAR',
  long: 'BIGINT',
  int: 'INTEGER',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  // TIMESTAMP_MS, not TIMESTAMP: DuckDB writes it as INT64 TIMESTAMP(MILLIS); TIMESTAMP would be MICROS.
  timestamp_ms: 'TIMESTAMP_MS',
};

/** The largest timestamp offset sent as such (offsetTimestamps): 2^30 − 1, a V8 small integer. */
const SMALL_OFFSET = 2 ** 30 - 1;

const ident = (name: string): string => `"${name.replaceAll('"', '""')}"`;
const literal = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/** The JSON sent to DuckDB: a list per field, of lists for a long form's entry names and values. */
type WireColumns = Record<string, CellValue[] | CellValue[][]>;

/** The field that holds a long form's entry names or values. */
const isEntryField = (field: FieldSpec, form: LongForm | undefined): boolean => form !== undefined && (field.name === form.name || field.name === form.value);

interface Session {
  instance: DuckDBInstance;
  connection: DuckDBConnection;
  dir: string;
}

export function createDuckdbEncoder(): ParquetEncoder {
  let session: Promise<Session> | undefined;
  // One statement at a time on the connection: calls queue behind each other.
  const statements = new SerialQueue();
  let sequence = 0;

  /**
   * The session, opened on first use. A failed open is not remembered: the next encode tries
   * again (a temp folder that could not be made once failed every later encode, and close).
   */
  const open = (): Promise<Session> => {
    if (!session) {
      const opening = openSession();
      session = opening;
      opening.catch(() => {
        if (session === opening) session = undefined;
      });
    }
    return session;
  };

  /** Makes the temp folder, then DuckDB's instance and connection; a failure closes what was made. */
  async function openSession(): Promise<Session> {
    const root = tmpdir();
    // Folders of killed processes go first: SIGKILL leaves them behind, a few MB each.
    await removeAbandonedFolders(root, TEMP_PREFIX);
    const dir = newProcessFolder(root, TEMP_PREFIX);
    await makeDirectory(dir);
    let instance: DuckDBInstance | undefined;
    try {
      // One thread: each COPY reads one small JSON file, which DuckDB scans on one thread anyway;
      // the extra worker threads of the default (one per core) only burned CPU waiting for work,
      // about a third more CPU per encode (measured on a replay's encodes, 2 cores).
      const { DuckDBInstance } = await import('@duckdb/node-api');
      instance = await DuckDBInstance.create(':memory:', { threads: '1' });
      const connection = await instance.connect();
      return { instance, connection, dir };
    } catch (error) {
      instance?.closeSync();
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /**
   * The rows go to DuckDB as JSON in a temp file that DuckDB parses natively (JSON.stringify of the
   * whole batch is one native call too), one array per column (columns.ts says why): per-value
   * appends through the Node binding cost twice as much on the event loop (test/bench/parquet.ts).
   */
  async function encodeNow(fields: FieldSpec[], rows: Record<string, unknown>[]): Promise<Uint8Array> {
    const columns = columnsForJson(fields, rows);
    const bases = offsetTimestamps(fields, columns);
    return encodeColumns(fields, columns, rows.length, bases);
  }

  /**
   * Wide rows (encoder.ts: LongForm) go as JSON too, each row's entries as two lists, their names
   * and their values, which DuckDB unnests into the long form (copyToParquet). For the metrics
   * table that is one row object and JSON row per metric event, not per value: 8.5 times fewer
   * cells to check and stringify, and none of the event's strings repeated.
   */
  async function encodeLongNow(fields: FieldSpec[], rows: Record<string, unknown>[], form: LongForm): Promise<Uint8Array> {
    const entries = entryLists(fields, rows, form);
    if (!entries) return encodeNow(fields, longRows(rows, form));
    const columns = columnsForJson(fields.filter((f) => !isEntryField(f, form)), rows);
    const bases = offsetTimestamps(fields, columns);
    return encodeColumns(fields, { ...columns, [form.name]: entries.names, [form.value]: entries.values }, rows.length, bases, form);
  }

  /**
   * Each wide row's entries as a list of names and a list of values, when every one goes to JSON
   * as it is (a well-formed name, a finite double, as the long form's columns would check them);
   * otherwise null, and the long form is built in JavaScript, which throws with the reason or
   * replaces what must change (columns.ts).
   */
  function entryLists(fields: FieldSpec[], rows: Record<string, unknown>[], form: LongForm): { names: string[][]; values: number[][] } | null {
    const kinds = [fields.find((f) => f.name === form.name)?.kind, fields.find((f) => f.name === form.value)?.kind];
    if (kinds[0] !== 'string' || kinds[1] !== 'double') return null;
    const names = new Array<string[]>(rows.length);
    const values = new Array<number[]>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const entries = rows[i][form.entries] as Record<string, unknown>;
      const rowNames = Object.keys(entries);
      const rowValues = Object.values(entries);
      for (const name of rowNames) if (!name.isWellFormed()) return null;
      for (const value of rowValues) if (typeof value !== 'number' || !Number.isFinite(value)) return null;
      names[i] = rowNames;
      values[i] = rowValues as number[];
    }
    return { names, values };
  }

  /** Writes the columns as JSON to temp files, has DuckDB turn them into Parquet, and reads the file back. */
  async function encodeColumns(fields: FieldSpec[], columns: WireColumns, rowCount: number, bases: Map<string, number>, form?: LongForm): Promise<Uint8Array> {
    const pieces = jsonPieces(columns, rowCount);
    const { dir } = await open();
    const id = ++sequence;
    const inputs = pieces.map((_, i) => join(dir, `${id}-${i}.json`));
    const output = join(dir, `${id}.parquet`);
    try {
      for (let i = 0; i < pieces.length; i++) await writeFile(inputs[i], pieces[i]);
      // Each file is one object; DuckDB refuses objects over maximum_object_size (16 MB by default).
      // Several files are read in order, one row of lists each, which the UNNESTs take in turn.
      const largest = Math.max(...pieces.map((piece) => piece.length));
      const files = inputs.length === 1 ? literal(inputs[0]) : `[${inputs.map(literal).join(', ')}]`;
      await copyToParquet(fields, `read_json(${files}, format = 'unstructured', records = true, maximum_object_size = ${largest + 1024}, columns = {${jsonColumns(fields, '[]', form)}})`, true, output, bases, form);
      return new Uint8Array(await readFile(output));
    } finally {
      await Promise.all([...inputs.map((input) => rm(input, { force: true })), rm(output, { force: true })]);
    }
  }

  /**
   * The columns as JSON, one piece when it fits in a string (nearly always), else the rows halved
   * until each half does. Rows are not bounded by the record bytes a unit is cut by: a KPL
   * aggregate of 1 MiB holds 170,000 empty sub-records, each a DLQ row of about 170 characters, and
   * 20 of them (3.4 million rows) made JSON past V8's longest string: `adstream replay` exited 1
   * ("Invalid string length"), and a worker did at each restart, never past those records.
   */
  function jsonPieces(columns: WireColumns, rowCount: number): Buffer[] {
    try {
      return [Buffer.from(JSON.stringify(columns))];
    } catch (error) {
      if (!(error instanceof RangeError) || rowCount < 2) throw error;
    }
    const half = Math.ceil(rowCount / 2);
    const slice = (from: number, to: number): WireColumns => Object.fromEntries(Object.entries(columns).map(([name, values]) => [name, values.slice(from, to)]));
    return [...jsonPieces(slice(0, half), half), ...jsonPieces(slice(half, rowCount), rowCount - half)];
  }

  /**
   * Each timestamp column as offsets from its first value, when every offset is a small integer
   * (a batch spans minutes to hours): JSON.stringify writes a small integer several times faster
   * than a 13-digit epoch ms, which V8 holds as a heap double, and the text DuckDB parses is
   * shorter. The SQL adds the base back (copyToParquet). Returns the base of each column rewritten.
   */
  function offsetTimestamps(fields: FieldSpec[], columns: JsonColumns): Map<string, number> {
    const bases = new Map<string, number>();
    for (const field of fields) {
      if (field.kind !== 'timestamp_ms') continue;
      const column = columns[field.name];
      const base = column.find((value) => value !== null);
      if (typeof base !== 'number') continue;
      const offsets = new Array<CellValue>(column.length);
      let small = true;
      for (let i = 0; i < column.length && small; i++) {
        const value = column[i];
        if (value === null) offsets[i] = null;
        else {
          const offset = (value as number) - base;
          // Within ±2^30: a V8 small integer, and far from where a difference could lose precision.
          small = offset >= -SMALL_OFFSET && offset <= SMALL_OFFSET;
          offsets[i] = offset;
        }
      }
      if (!small) continue;
      columns[field.name] = offsets;
      bases.set(field.name, base);
    }
    return bases;
  }

  /**
   * DuckDB's types for the JSON reader's `columns`, each as a list when `suffix` is '[]', and the
   * entries' names and values of a long form as lists of lists.
   */
  function jsonColumns(fields: FieldSpec[], suffix: '' | '[]', form?: LongForm): string {
    const typeOf = (f: FieldSpec) => (f.kind === 'timestamp_ms' ? 'BIGINT' : SQL_TYPE[f.kind]) + suffix + (isEntryField(f, form) ? '[]' : '');
    return fields.map((f) => `${literal(f.name)}: ${literal(typeOf(f))}`).join(', ');
  }

  /**
   * DuckDB reads the JSON itself, with the columns typed from the schema (no inference: a batch
   * whose first rows are null must not change a column's type; keys outside the schema are
   * ignored), and writes the logical types in encoder.ts. A `columnar` source (one row of lists)
   * is unnested back into rows: UNNESTs in one SELECT advance together, so row i takes every
   * list's element i. With a long form the columnar source is unnested into wide rows first,
   * and each wide row's lists of entry names and values then into its long rows, in order.
   */
  async function copyToParquet(fields: FieldSpec[], source: string, columnar: boolean, parquetPath: string, bases = new Map<string, number>(), form?: LongForm): Promise<void> {
    const { connection } = await open();
    const from = form && columnar ? `(SELECT ${fields.map((f) => `UNNEST(${ident(f.name)}) AS ${ident(f.name)}`).join(', ')} FROM ${source})` : source;
    const select = fields.map((f) => {
      const value = (form ? isEntryField(f, form) : columnar) ? `UNNEST(${ident(f.name)})` : ident(f.name);
      const base = bases.get(f.name);
      const epochMs = base === undefined ? value : `${base} + ${value}`;
      return f.kind === 'timestamp_ms' ? `CAST(epoch_ms(${epochMs}) AS TIMESTAMP_MS) AS ${ident(f.name)}` : `${value} AS ${ident(f.name)}`;
    });
    // zstd level 1, not DuckDB's default 3: a tenth less CPU per encode and, on these columns
    // (dictionary-encoded first), no bigger files (7.7 MB against 7.9 MB for 400k impressions).
    await connection.run(`COPY (SELECT ${select.join(', ')} FROM ${from}) TO ${literal(parquetPath)} (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1)`);
  }


  return {
    name: 'duckdb',
    encode: (fields, rows) => statements.run(() => encodeNow(fields, rows)),
    encodeLong: (fields, rows, form) => statements.run(() => encodeLongNow(fields, rows, form)),
    encodeFile: (fields, jsonLinesPath, parquetPath) =>
      statements.run(() => copyToParquet(fields, `read_json(${literal(jsonLinesPath)}, format = 'newline_delimited', columns = {${jsonColumns(fields, '')}})`, false, parquetPath)),
    async close() {
      await statements.settled();
      const current = session;
      session = undefined;
      // A session that failed to open closed what it had made; there is nothing left to close.
      const opened = await current?.catch(() => undefined);
      if (!opened) return;
      const { instance, connection, dir } = opened;
      connection.closeSync();
      instance.closeSync();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
