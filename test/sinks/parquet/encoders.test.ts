/**
 * Each encoder's bytes are read back by DuckDB (the independent reader, as Athena would read the
 * lake) and compared with the hand-written input rows; the Parquet schema and codecs are checked
 * with DuckDB's parquet_schema() and parquet_metadata().
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { EVENT_TYPES, fieldSpecs, type EventType, type FieldSpec } from '../../../stream/events/schemas.ts';
import { createParquetEncoder, PARQUET_ENCODERS, type ParquetEncoder } from '../../../sinks/parquet/encoder.ts';

const MAX_SAFE = 9_007_199_254_740_991;
const T0 = Date.UTC(2026, 0, 15, 9, 30, 0, 123); // 1768469400123

const common = (i: number, overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  event_id: `evt-${i}`,
  event_time: T0 + i,
  campaign_id: 'cmp-1',
  ad_id: 'ad-1',
  publisher_id: 'pub-1',
  site_id: 'site-1',
  placement: 'banner_top',
  country: 'DE',
  device_type: 'mobile',
  user_id: `u-${i}`,
  ...overrides,
});

const unicode = { campaign_id: 'Zürich "Sommer", 東京 🚀', user_id: 'ñandú\u00e9\u0301' };

const rowsByType: Record<EventType, Record<string, unknown>[]> = {
  impression: [
    { ...common(0), auction_id: 'auc-0', cost_micros: 1_250 },
    { ...common(1, unicode), auction_id: null, cost_micros: 0 },
    { ...common(2, { event_time: 0 }), cost_micros: MAX_SAFE }, // auction_id absent: stored as null
  ],
  click: [
    { ...common(0), impression_id: 'imp-0', cost_micros: 0 },
    { ...common(1, unicode), impression_id: 'imp-1', cost_micros: MAX_SAFE },
  ],
  conversion: [
    { ...common(0), click_id: 'clk-0', impression_id: 'imp-0', conversion_type: 'purchase', revenue_micros: MAX_SAFE },
    { ...common(1, unicode), click_id: 'clk-1', impression_id: 'imp-1', conversion_type: 'signup', revenue_micros: 0 },
  ],
  bid_request: [
    {
      ...common(0),
      auction_id: 'auc-0',
      bid_id: 'bid-0',
      floor_micros: 100_000,
      bid_price_micros: 350_000,
      clearing_price_micros: 120_000,
      won: true,
      bidder_latency_ms: 87,
    },
    {
      ...common(1, unicode),
      auction_id: 'auc-1',
      bid_id: 'bid-1',
      floor_micros: 0,
      bid_price_micros: MAX_SAFE,
      clearing_price_micros: 0,
      won: false,
      bidder_latency_ms: 0,
    },
  ],
};

/** What a reader should see: every field present, absent nullable values as null. */
const expected = (fields: FieldSpec[], rows: Record<string, unknown>[]): Record<string, unknown>[] =>
  rows.map((row) => Object.fromEntries(fields.map((f) => [f.name, row[f.name] ?? null])));

/** A table that is not an event schema: doubles, int32 limits, a nullable timestamp. */
const otherFields: FieldSpec[] = [
  { name: 'window_start', kind: 'timestamp_ms', nullable: false },
  { name: 'closed_at', kind: 'timestamp_ms', nullable: true },
  { name: 'metric', kind: 'string', nullable: false },
  { name: 'value', kind: 'double', nullable: false },
  { name: 'ratio', kind: 'double', nullable: true },
  { name: 'count', kind: 'int', nullable: false },
  { name: 'flag', kind: 'boolean', nullable: true },
];
const otherRows: Record<string, unknown>[] = [
  { window_start: T0, closed_at: T0 + 60_000, metric: 'ctr', value: 0.125, ratio: -1.5e-9, count: 2_147_483_647, flag: true },
  { window_start: T0, closed_at: null, metric: 'spend', value: 1e15, ratio: null, count: -2_147_483_648, flag: null },
];

let db: DuckDBInstance;
let sql: DuckDBConnection;
let dir: string;
const encoders: ParquetEncoder[] = PARQUET_ENCODERS.map((name) => createParquetEncoder(name));
let fileCount = 0;

beforeAll(async () => {
  db = await DuckDBInstance.create(':memory:');
  sql = await db.connect();
  dir = await mkdtemp(join(tmpdir(), 'adstream-parquet-test-'));
});

afterAll(async () => {
  for (const encoder of encoders) await encoder.close?.();
  sql?.closeSync();
  db?.closeSync();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const quote = (text: string): string => `'${text.replaceAll("'", "''")}'`;
const ident = (name: string): string => `"${name.replaceAll('"', '""')}"`;

async function encodeToFile(encoder: ParquetEncoder, fields: FieldSpec[], rows: Record<string, unknown>[]): Promise<string> {
  const path = join(dir, `${encoder.name}-${++fileCount}.parquet`);
  await writeFile(path, await encoder.encode(fields, rows));
  return path;
}

async function query(text: string): Promise<Record<string, unknown>[]> {
  const rows = (await sql.runAndReadAll(text)).getRowObjectsJS();
  // BIGINT comes back as bigint; the inputs are safe integers, so Number() is exact for them.
  return rows.map((row) =>
    Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])),
  );
}

/** Rows as DuckDB reads them, timestamps as epoch ms, in file order. */
function readBack(path: string, fields: FieldSpec[]): Promise<Record<string, unknown>[]> {
  const columns = fields.map((f) => (f.kind === 'timestamp_ms' ? `epoch_ms(${ident(f.name)}) AS ${ident(f.name)}` : ident(f.name)));
  return query(`SELECT ${columns.join(', ')} FROM read_parquet(${quote(path)})`);
}

const schemaOf = (path: string) =>
  query(`SELECT name, type, converted_type, logical_type, repetition_type FROM parquet_schema(${quote(path)}) WHERE num_children IS NULL`);

const PHYSICAL: Record<FieldSpec['kind'], string> = {
  string: 'BYTE_ARRAY',
  long: 'INT64',
  int: 'INT32',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  timestamp_ms: 'INT64',
};

describe.each(encoders)('$name encoder', (encoder) => {
  it.each(EVENT_TYPES)('writes %s rows that DuckDB reads back unchanged', async (type) => {
    const path = await encodeToFile(encoder, fieldSpecs[type], rowsByType[type]);
    expect(await readBack(path, fieldSpecs[type])).toEqual(expected(fieldSpecs[type], rowsByType[type]));
  });

  it.each(EVENT_TYPES)('gives %s the declared Parquet types, millisecond timestamps and compressed chunks', async (type) => {
    const fields = fieldSpecs[type];
    const path = await encodeToFile(encoder, fields, rowsByType[type]);
    const schema = await schemaOf(path);
    expect(schema.map((c) => c.name)).toEqual(fields.map((f) => f.name));
    for (const field of fields) {
      const column = schema.find((c) => c.name === field.name)!;
      expect(column.type, field.name).toBe(PHYSICAL[field.kind]);
      if (field.kind === 'string') expect(column.converted_type, field.name).toBe('UTF8');
      if (field.kind === 'timestamp_ms') {
        expect(column.converted_type, field.name).toBe('TIMESTAMP_MILLIS');
        // No logical type at all (parquetjs) means the converted type rules; otherwise it must say MILLIS.
        if (column.logical_type !== null) expect(column.logical_type, field.name).toMatch(/unit=TimeUnit\(MILLIS=MilliSeconds\(\), MICROS=<null>, NANOS=<null>\)/);
      }
      // DuckDB writes every column OPTIONAL (duckdb/duckdb#22144); the others keep NOT NULL as REQUIRED.
      const repetition = field.nullable || encoder.name === 'duckdb' ? 'OPTIONAL' : 'REQUIRED';
      expect(column.repetition_type, field.name).toBe(repetition);
    }
    const codecs = await query(`SELECT DISTINCT compression FROM parquet_metadata(${quote(path)})`);
    expect(codecs.length).toBe(1);
    expect(['ZSTD', 'SNAPPY', 'GZIP']).toContain(codecs[0].compression);
  });

  it('encodes any FieldSpec list, not only events: doubles, int32 limits, nullable timestamps', async () => {
    const path = await encodeToFile(encoder, otherFields, otherRows);
    expect(await readBack(path, otherFields)).toEqual(otherRows);
  });

  it('keeps timestamps exact whether a batch spans a second or decades, its first one null or not', async () => {
    // The DuckDB encoder sends a timestamp column as offsets from its first value when they are small.
    const near = [T0, T0 - 1, T0 + 2 ** 30 - 1, T0 - (2 ** 30 - 1)];
    const far = [T0, 0, T0 + 2 ** 30];
    for (const times of [near, far, [null, ...near]]) {
      const rows = times.map((time) => ({ ...otherRows[0], window_start: T0, closed_at: time }));
      expect(await readBack(await encodeToFile(encoder, otherFields, rows), otherFields)).toEqual(rows);
    }
  });

  it('keeps concurrent batches apart', async () => {
    const [clicks, bids] = await Promise.all([
      encoder.encode(fieldSpecs.click, rowsByType.click),
      encoder.encode(fieldSpecs.bid_request, rowsByType.bid_request),
    ]);
    const clickPath = join(dir, `${encoder.name}-concurrent-click.parquet`);
    const bidPath = join(dir, `${encoder.name}-concurrent-bid.parquet`);
    await writeFile(clickPath, clicks);
    await writeFile(bidPath, bids);
    expect(await readBack(clickPath, fieldSpecs.click)).toEqual(expected(fieldSpecs.click, rowsByType.click));
    expect(await readBack(bidPath, fieldSpecs.bid_request)).toEqual(expected(fieldSpecs.bid_request, rowsByType.bid_request));
  });

  it('writes a readable file for an empty batch', async () => {
    const path = await encodeToFile(encoder, fieldSpecs.click, []);
    expect(await query(`SELECT count(*) AS n FROM read_parquet(${quote(path)})`)).toEqual([{ n: 0 }]);
  });

  it('compresses a realistic batch well below its raw size', async () => {
    const rows = Array.from({ length: 5_000 }, (_, i) => ({
      ...common(i, { campaign_id: `cmp-${i % 20}`, country: ['DE', 'FR', 'US'][i % 3] }),
      auction_id: i % 7 === 0 ? null : `auc-${i}`,
      cost_micros: 1_000 + (i % 500),
    }));
    const bytes = await encoder.encode(fieldSpecs.impression, rows);
    const rawBytes = Buffer.byteLength(JSON.stringify(rows));
    expect(bytes.byteLength).toBeLessThan(rawBytes / 5);
  });

  it('stores a lone surrogate as U+FFFD and keeps NaN and infinite doubles (parquetjs refuses them), leaving the input rows as they were', async () => {
    const fields: FieldSpec[] = [
      { name: 'text', kind: 'string', nullable: false },
      { name: 'value', kind: 'double', nullable: false },
    ];
    const rows = [
      { text: 'bad\ud800end', value: Number.NaN },
      { text: 'ok', value: Number.POSITIVE_INFINITY },
      { text: '\udfffstart', value: Number.NEGATIVE_INFINITY },
    ];
    const before = structuredClone(rows);
    if (encoder.name === 'parquetjs') {
      // parquetjs refuses non-finite doubles outright; a clear error, not a silent null.
      await expect(encoder.encode(fields, rows)).rejects.toThrow(/NaN/);
      return;
    }
    const path = await encodeToFile(encoder, fields, rows);
    const back = await readBack(path, fields);
    expect(back.map((r) => r.text)).toEqual(['bad\ufffdend', 'ok', '\ufffdstart']);
    expect(back.map((r) => r.value)).toEqual([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
    expect(rows).toEqual(before);
  });

  it('rejects a value of the wrong kind with a TypeError naming the field', async () => {
    const [good] = rowsByType.click;
    await expect(encoder.encode(fieldSpecs.click, [{ ...good, cost_micros: '12' }])).rejects.toThrow(TypeError);
    await expect(encoder.encode(fieldSpecs.click, [{ ...good, cost_micros: 2 ** 53 }])).rejects.toThrow(/cost_micros/);
    await expect(encoder.encode(fieldSpecs.click, [{ ...good, campaign_id: null }])).rejects.toThrow(/campaign_id is not nullable/);
  });
});

describe('all encoders', () => {
  it.each(EVENT_TYPES)('produce %s files that DuckDB reads back identically, types included', async (type) => {
    const fields = fieldSpecs[type];
    const results = [];
    for (const encoder of encoders) {
      const path = await encodeToFile(encoder, fields, rowsByType[type]);
      results.push({
        columns: await query(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(${quote(path)}))`),
        rows: await readBack(path, fields),
      });
    }
    expect(results[0].columns.find((c) => c.column_name === 'event_time')?.column_type).toBe('TIMESTAMP');
    for (const result of results.slice(1)) expect(result).toEqual(results[0]);
  });

  const spilling = encoders.filter((encoder) => encoder.encodeFile).flatMap((encoder) => [...EVENT_TYPES, 'other'].map((type) => ({ encoder, type })));
  it.each(spilling)('encode the $type rows the same from a spill file (JSON lines) as from memory with the $encoder.name encoder: schema and values', async ({ encoder, type }) => {
    const fields = type === 'other' ? otherFields : fieldSpecs[type as EventType];
    const rows = type === 'other' ? otherRows : rowsByType[type as EventType];
    const spill = join(dir, `${encoder.name}-${type}-spill.jsonl`);
    // As a spill holds them: absent fields are simply missing from the JSON object.
    await writeFile(spill, rows.map((row) => JSON.stringify(row)).join('\n') + '\n');
    const fromFile = join(dir, `${encoder.name}-${type}-from-spill.parquet`);
    await encoder.encodeFile!(fields, spill, fromFile);
    const fromMemory = await encodeToFile(encoder, fields, rows);
    expect(await schemaOf(fromFile)).toEqual(await schemaOf(fromMemory));
    expect(await readBack(fromFile, fields)).toEqual(expected(fields, rows));
  });

  it('rejects an unknown encoder name with the valid choices', () => {
    expect(() => createParquetEncoder('arrow' as never)).toThrow(/duckdb, direct, hyparquet, parquetjs/);
  });
});
