/**
 * The direct encoder writes Parquet itself, so its files are checked by three readers that are not
 * it: DuckDB (as Athena would read the lake), hyparquet, and arrow-rs, the Rust implementation of
 * Apache Arrow's Parquet (through parquet-wasm; Polars, DataFusion and delta-rs read with it).
 * Beyond encoders.test.ts, which every encoder passes: batches past one row group, dictionaries of
 * every width and the fallback to PLAIN, strings that order differently in UTF-16 and UTF-8, and
 * statistics that DuckDB trusts when it filters, compared with what DuckDB computes over the
 * values themselves.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { parquetReadObjects } from 'hyparquet';
import { readParquet } from 'parquet-wasm/node';
import { tableFromIPC } from 'apache-arrow';
import type { FieldSpec } from '../../../stream/events/schemas.ts';
import { Rng } from '../../../stream/generator/rng.ts';
import { ROW_GROUP_SIZE } from '../../../sinks/parquet/columns.ts';
import { createDirectEncoder, encodeDirect } from '../../../sinks/parquet/direct/directEncoder.ts';
import { ChunkScratch } from '../../../sinks/parquet/direct/columnChunk.ts';
import { deserializeTCompactProtocol } from 'hyparquet/src/thrift.js';
import { longRows } from '../../../sinks/parquet/encoder.ts';
import { expectEqual } from '../../support/expectEqual.ts';

const T0 = Date.UTC(2026, 0, 15, 9, 30, 0, 123);
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

const fields: FieldSpec[] = [
  { name: 'id', kind: 'string', nullable: false },
  { name: 'dimension', kind: 'string', nullable: true },
  { name: 'at', kind: 'timestamp_ms', nullable: true },
  { name: 'amount', kind: 'long', nullable: false },
  { name: 'count', kind: 'int', nullable: true },
  { name: 'score', kind: 'double', nullable: true },
  { name: 'flag', kind: 'boolean', nullable: true },
];

/**
 * Seeded rows: unique ids, a dimension of `distinct` values (null one time in ten), timestamps
 * before and after 1970, longs across the whole safe range, int32 limits, doubles of every sign.
 */
function randomRows(count: number, distinct: number, seed: number): Record<string, unknown>[] {
  const rng = Rng.seeded(seed);
  return Array.from({ length: count }, (_, i) => ({
    id: `id-${seed}-${i}`,
    dimension: rng.chance(0.1) ? null : `dim-${rng.int(0, distinct - 1)}`,
    at: rng.chance(0.05) ? null : T0 + rng.int(-4e12, 4e12),
    amount: rng.pick([0, -1, 1, MAX_SAFE, -MAX_SAFE, 2 ** 32, -(2 ** 32) - 1, rng.int(-1e15, 1e15)]),
    count: rng.chance(0.05) ? null : rng.pick([2_147_483_647, -2_147_483_648, rng.int(-1000, 1000)]),
    score: rng.chance(0.05) ? null : rng.pick([0, -0, 1.5, -2.25e-300, 1e308, rng.range(-1e6, 1e6)]),
    flag: rng.chance(0.2) ? null : rng.chance(0.5),
  }));
}

let db: DuckDBInstance;
let sql: DuckDBConnection;
let dir: string;
const encoder = createDirectEncoder();
let fileCount = 0;

beforeAll(async () => {
  db = await DuckDBInstance.create(':memory:');
  sql = await db.connect();
  dir = await mkdtemp(join(tmpdir(), 'adstream-direct-test-'));
});

afterAll(async () => {
  sql?.closeSync();
  db?.closeSync();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const quote = (text: string): string => `'${text.replaceAll("'", "''")}'`;

async function query(text: string): Promise<Record<string, unknown>[]> {
  const rows = (await sql.runAndReadAll(text)).getRowObjectsJS();
  return rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])));
}

async function write(bytes: Uint8Array): Promise<string> {
  const path = join(dir, `direct-${++fileCount}.parquet`);
  await writeFile(path, bytes);
  return path;
}

/** The rows as DuckDB reads them, in file order, timestamps as epoch ms; every field present. */
function readBack(path: string, schema: FieldSpec[]): Promise<Record<string, unknown>[]> {
  const columns = schema.map((f) => (f.kind === 'timestamp_ms' ? `epoch_ms("${f.name}") AS "${f.name}"` : `"${f.name}"`));
  return query(`SELECT ${columns.join(', ')} FROM read_parquet(${quote(path)})`);
}

const expected = (schema: FieldSpec[], rows: Record<string, unknown>[]): Record<string, unknown>[] =>
  rows.map((row) => Object.fromEntries(schema.map((f) => [f.name, row[f.name] ?? null])));

/** The rows as hyparquet reads them, with GZIP pages inflated by zlib: bigints and Dates back to numbers. */
async function readWithHyparquet(bytes: Uint8Array): Promise<Record<string, unknown>[]> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const rows = await parquetReadObjects({ file, compressors: { GZIP: (input: Uint8Array) => new Uint8Array(gunzipSync(input)) } });
  return rows.map((row) =>
    Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v instanceof Date ? v.getTime() : (v ?? null)])),
  );
}

/** The rows as arrow-rs reads them (an Arrow table through IPC): 64-bit integers back to numbers. */
function readWithArrowRs(bytes: Uint8Array): Record<string, unknown>[] {
  const table = tableFromIPC(readParquet(bytes).intoIPCStream());
  return table.toArray().map((row: { toJSON(): Record<string, unknown> }) =>
    Object.fromEntries(Object.entries(row.toJSON()).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : (v ?? null)])),
  );
}

/** A column chunk as the Thrift compact protocol decodes it: field ids, not names. */
interface RawChunk {
  field_3: { field_13: { field_1: number; field_2: number; field_3: number }[] };
}

/** The FileMetaData fields these tests read: column_orders (7) and the row groups (4). */
interface RawFooter {
  field_7: unknown[];
  field_4: { field_1: RawChunk[] }[];
}

/** FileMetaData decoded by hyparquet's Thrift reader (not this encoder's code), field by field id. */
function rawFooter(bytes: Uint8Array): RawFooter {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint32(bytes.length - 8, true);
  return deserializeTCompactProtocol({ view, offset: bytes.length - 8 - length }) as unknown as RawFooter;
}

describe('direct encoder', () => {
  it('writes batches past one row group, with dictionaries of every width and PLAIN where values do not repeat, that DuckDB, hyparquet and arrow-rs read back unchanged', async () => {
    // 2 to 70,000 distinct dimension values: bit widths 1 to 16, then too many for a dictionary.
    for (const [count, distinct] of [[ROW_GROUP_SIZE + 1_000, 2], [3_000, 300], [20_000, 5_000], [150_000, 70_000]]) {
      const rows = randomRows(count, distinct, distinct);
      const bytes = await encoder.encode(fields, rows);
      const path = await write(bytes);
      expectEqual(await readBack(path, fields), expected(fields, rows), `${distinct} distinct`);
      expectEqual(await readWithHyparquet(bytes), expected(fields, rows), `${distinct} distinct`);
      expectEqual(readWithArrowRs(bytes), expected(fields, rows), `${distinct} distinct`);
    }
    // The Arrow types arrow-rs maps the columns to, NOT NULL kept: what Arrow-based readers see.
    const arrowSchema = tableFromIPC(readParquet(await readFile(join(dir, 'direct-1.parquet'))).intoIPCStream()).schema;
    expect(arrowSchema.fields.map((f) => `${f.name} ${String(f.type)}${f.nullable ? '' : ' not null'}`)).toEqual([
      'id Utf8 not null',
      'dimension Utf8',
      'at Timestamp<MILLISECOND>',
      'amount Int64 not null',
      'count Int32',
      'score Float64',
      'flag Bool',
    ]);
    const groups = await query(`SELECT DISTINCT row_group_id, row_group_num_rows FROM parquet_metadata(${quote(join(dir, 'direct-1.parquet'))}) ORDER BY 1`);
    expect(groups).toEqual([
      { row_group_id: 0, row_group_num_rows: ROW_GROUP_SIZE },
      { row_group_id: 1, row_group_num_rows: 1_000 },
    ]);
    const encodings = await query(`SELECT DISTINCT path_in_schema, encodings FROM parquet_metadata(${quote(join(dir, 'direct-4.parquet'))}) WHERE path_in_schema IN ('id', 'dimension')`);
    expect(encodings.every((chunk) => !String(chunk.encodings).includes('DICTIONARY')), 'ids and 70,000 distinct values go PLAIN').toBe(true);
  });

  it('writes column statistics that equal what DuckDB computes over the values, so its filters skip nothing they should keep', async () => {
    // UTF-16 puts U+1F600 (a surrogate pair) before U+FB00; UTF-8, and so Parquet, after it.
    const strings = ['b', 'ﬀ', '😀', 'a\u0000', 'Zürich', '\uD800 lone'];
    const rows = randomRows(5_000, 40, 7).map((row, i) => ({ ...row, dimension: i % 50 === 0 ? null : strings[i % strings.length] }));
    const path = await write(await encoder.encode(fields, rows));
    const stats = await query(
      `SELECT path_in_schema AS name, stats_min_value AS min, stats_max_value AS max, stats_null_count AS nulls FROM parquet_metadata(${quote(path)})`,
    );
    const byName = Object.fromEntries(stats.map((s) => [s.name, s]));
    const [truth] = await query(
      `SELECT min(dimension) AS dmin, max(dimension) AS dmax, count(*) FILTER (WHERE dimension IS NULL) AS dnulls,
              min(amount)::VARCHAR AS amin, max(amount)::VARCHAR AS amax, min("count")::VARCHAR AS cmin, max("count")::VARCHAR AS cmax,
              count(*) FILTER (WHERE "at" IS NULL) AS atnulls, count(*) FILTER (WHERE score IS NULL) AS snulls
       FROM read_parquet(${quote(path)})`,
    );
    expect(byName.dimension).toMatchObject({ min: truth.dmin, max: truth.dmax, nulls: truth.dnulls });
    expect(truth.dmin).toBe('Zürich');
    expect(truth.dmax).toBe('😀');
    expect(byName.amount).toMatchObject({ min: truth.amin, max: truth.amax, nulls: 0 });
    expect(byName.count).toMatchObject({ min: truth.cmin, max: truth.cmax });
    expect(byName.at.nulls).toBe(truth.atnulls);
    expect(byName.score.nulls).toBe(truth.snulls);
    // Filters DuckDB answers from the statistics give what a scan of the values gives.
    for (const where of [`dimension = '😀'`, `dimension > 'ﬀ'`, `amount = ${MAX_SAFE}`, `"count" = -2147483648`, `score = 0`, `"at" < TIMESTAMP '1970-01-01'`]) {
      const [pushed] = await query(`SELECT count(*) AS n FROM read_parquet(${quote(path)}) WHERE ${where}`);
      const [scanned] = await query(`SELECT count(*) AS n FROM (SELECT * FROM read_parquet(${quote(path)}) LIMIT 1000000000) WHERE ${where}`);
      expect(pushed.n, where).toBe(scanned.n);
      expect(scanned.n, where).toBeGreaterThan(0);
    }
  });

  it('leaves bounds out where they would mislead: NaN among the doubles, long strings', async () => {
    const rows = [
      { id: 'x'.repeat(100), dimension: 'y'.repeat(100), at: T0, amount: 1, count: 1, score: NaN, flag: true },
      { id: 'a', dimension: 'y'.repeat(100), at: T0, amount: 2, count: 2, score: 1, flag: false },
    ];
    const bytes = await encoder.encode(fields, rows);
    const path = await write(bytes);
    const stats = await query(`SELECT path_in_schema AS name, stats_min_value AS min, stats_max_value AS max FROM parquet_metadata(${quote(path)})`);
    expect(stats.find((s) => s.name === 'score')).toMatchObject({ min: null, max: null });
    expect(stats.find((s) => s.name === 'dimension')).toMatchObject({ min: null, max: null });
    // DuckDB orders NaN above every number: both rows pass, which only holds if no bound says otherwise.
    const [pushed] = await query(`SELECT count(*) AS n FROM read_parquet(${quote(path)}) WHERE score > 0.5`);
    expect(pushed.n).toBe(2);
    expect((await readWithHyparquet(bytes))[0].score).toBeNaN();
    expect(readWithArrowRs(bytes)[0].score).toBeNaN();
  });

  it('writes rows spilled as JSON lines into the file it would write from memory, byte for byte, a row group at a time', async () => {
    // Through JSON first, as a spill holds them (a −0 comes back as 0).
    const rows = randomRows(ROW_GROUP_SIZE + 1_000, 300, 11).map((row) => JSON.parse(JSON.stringify(row)) as Record<string, unknown>);
    const spill = join(dir, 'spill.jsonl');
    await writeFile(spill, rows.map((row) => JSON.stringify(row)).join('\n') + '\n');
    const fromSpill = join(dir, 'from-spill.parquet');
    await encoder.encodeFile!(fields, spill, fromSpill);
    const fromMemory = await encoder.encode(fields, rows);
    expect((await readFile(fromSpill)).equals(Buffer.from(fromMemory))).toBe(true);
    expectEqual(await readBack(fromSpill, fields), expected(fields, rows));
  });

  it('states what pruning readers need: each column in its type order, which pages are encoded how; a column of nulls only goes PLAIN', async () => {
    const rows = randomRows(3_000, 20, 5).map((row) => ({ ...row, dimension: null }));
    const bytes = await encoder.encode(fields, rows);
    const footer = rawFooter(bytes);
    // FileMetaData.column_orders: one TypeDefinedOrder per column (without it Arrow ignores min_value/max_value).
    expect(footer.field_7).toEqual(fields.map(() => ({ field_1: {} })));
    const stats = footer.field_4[0].field_1.map((chunk) => chunk.field_3.field_13.map((s) => [s.field_1, s.field_2, s.field_3]));
    const DATA_PLAIN = [0, 0, 1];
    expect(stats[0], 'id').toEqual([DATA_PLAIN]);
    expect(stats[1], 'dimension, nulls only').toEqual([DATA_PLAIN]);
    const path = await write(bytes);
    expect(await readBack(path, fields)).toEqual(expected(fields, rows));
    const withDictionary = rawFooter(await encoder.encode(fields, randomRows(3_000, 20, 5))).field_4[0].field_1;
    // Dimension: the dictionary page (PLAIN), then the data page (RLE_DICTIONARY).
    expect(withDictionary[1].field_3.field_13.map((s) => [s.field_1, s.field_2, s.field_3])).toEqual([[2, 0, 1], [0, 8, 1]]);
  });

  it('starts a new data page where PLAIN strings pass the page limit, and the file reads back whole', async () => {
    const rows = randomRows(3_000, 2_500, 9);
    const bytes = encodeDirect(fields, rows, new ChunkScratch(1_000));
    const chunks = rawFooter(bytes).field_4[0].field_1;
    const idPages = chunks[0].field_3.field_13[0].field_3;
    // About 14 bytes a value: each page ends past its 1,000th byte, so ids need about 40 pages.
    expect(idPages).toBeGreaterThan(30);
    const path = await write(bytes);
    expect(await readBack(path, fields)).toEqual(expected(fields, rows));
    expect(await readWithHyparquet(bytes)).toEqual(expected(fields, rows));
    const [{ nulls }] = await query(`SELECT stats_null_count AS nulls FROM parquet_metadata(${quote(path)}) WHERE path_in_schema = 'dimension'`);
    const [{ truth }] = await query(`SELECT count(*) AS truth FROM read_parquet(${quote(path)}) WHERE dimension IS NULL`);
    expect(nulls).toBe(truth);
  });

  it('writes wide rows as the file of their long form, and fails as the long form does on a value of the wrong kind', async () => {
    const longFields: FieldSpec[] = [
      { name: 'window_start', kind: 'timestamp_ms', nullable: false },
      { name: 'campaign_id', kind: 'string', nullable: true },
      { name: 'metric', kind: 'string', nullable: false },
      { name: 'value', kind: 'double', nullable: false },
    ];
    const form = { entries: 'values', name: 'metric', value: 'value' };
    const wide = [
      { window_start: T0, campaign_id: 'cmp-1', values: { impressions: 3, ctr: 0.5 } },
      { window_start: T0 + 60_000, campaign_id: null, values: {} },
      { window_start: T0 + 120_000, values: { spend: -0, ratio: Infinity } },
    ];
    const fromWide = await encoder.encodeLong!(longFields, wide, form);
    const fromLong = await encoder.encode(longFields, longRows(wide, form));
    expect(Buffer.from(fromWide).equals(Buffer.from(fromLong))).toBe(true);
    expect(await readBack(await write(fromWide), longFields)).toEqual([
      { window_start: T0, campaign_id: 'cmp-1', metric: 'impressions', value: 3 },
      { window_start: T0, campaign_id: 'cmp-1', metric: 'ctr', value: 0.5 },
      { window_start: T0 + 120_000, campaign_id: null, metric: 'spend', value: -0 },
      { window_start: T0 + 120_000, campaign_id: null, metric: 'ratio', value: Infinity },
    ]);
    await expect(encoder.encodeLong!(longFields, [{ window_start: T0, values: { ctr: '0.5' } }], form)).rejects.toThrow(/field value expects double/);
  });
});
