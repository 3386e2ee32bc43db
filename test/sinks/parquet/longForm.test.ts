/**
 * Rows in wide form (encoder.ts: LongForm), as the metrics table takes them: the DuckDB encoder
 * has DuckDB build the long form, and its file must be the very file that the long form's rows
 * give, byte for byte, whatever the entries hold (values JSON has no number for, names with a
 * lone surrogate, rows without entries). Through a PartitionedTable, every encoder stores the same
 * rows and counts them in long form.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { createParquetEncoder, longRowCount, longRows, PARQUET_ENCODERS, type ParquetEncoder } from '../../../sinks/parquet/encoder.ts';
import { lakeTables, METRICS_LONG_FORM, METRICS_TABLE, metricFields } from '../../../sinks/lake/lakeTables.ts';
import { LocalDirStore } from '../../../sinks/objectStore/localDirStore.ts';

const T0 = Date.UTC(2026, 10, 1, 7, 0, 0);
const MINUTE = 60_000;

/** A metric event's wide row, as commitBatch.ts makes it. */
const event = (minute: number, key: string, values: Record<string, number>, dimensions: Partial<Record<'campaign' | 'type' | 'shard', string>> = { campaign: 'c1' }) => ({
  window_start: T0 + minute * MINUTE,
  window_end: T0 + (minute + 1) * MINUTE,
  key,
  campaign_id: dimensions.campaign ?? null,
  event_type: dimensions.type ?? null,
  shard_id: dimensions.shard ?? 'shardId-000000000000',
  values,
  watermark: T0 + (minute + 2) * MINUTE,
  key_dimensions: Object.keys(dimensions).join(','),
});

const wide = [
  event(0, 'campaign=c1', { count: 12, spend_micros: 3_400_000, ctr: 0.125 }),
  event(0, 'campaign=c1|type=click', { count: 3, p99_ms: 87.5 }, { campaign: 'c1', type: 'click' }),
  event(1, 'quality=rejected|shard=s0', { rejected: 2 }, { shard: 'shardId-000000000000' }),
  event(1, 'campaign=c2', {}),
  event(2, 'campaign=Zürich "東京" 🚀', { count: 1, spend_micros: 9_007_199_254_740_991, tiny: -1.5e-300 }, { campaign: 'Zürich "東京" 🚀' }),
];

let dir: string;
const encoders: ParquetEncoder[] = PARQUET_ENCODERS.map((name) => createParquetEncoder(name));
const duckdb = encoders.find((encoder) => encoder.name === 'duckdb')!;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'adstream-long-form-'));
});
afterAll(async () => {
  for (const encoder of encoders) await encoder.close?.();
  await rm(dir, { recursive: true, force: true });
});

describe('DuckDB encoder, rows in wide form', () => {
  it('writes the file the long form gives, byte for byte', async () => {
    const long = longRows(wide, METRICS_LONG_FORM);
    expect(long.length).toBe(longRowCount(wide, METRICS_LONG_FORM));
    expect(long.length).toBe(9);
    expect(Buffer.from(await duckdb.encodeLong!(metricFields, wide, METRICS_LONG_FORM))).toEqual(Buffer.from(await duckdb.encode(metricFields, long)));
  });

  it('builds the long form in JavaScript for what JSON cannot carry as it is, with the same result', async () => {
    const odd = [
      ...wide,
      event(3, 'campaign=c1', { ratio: Number.NaN, top: Number.POSITIVE_INFINITY, bottom: Number.NEGATIVE_INFINITY }),
      event(3, 'campaign=c3', { ['half\uD800']: 1 }),
    ];
    const long = longRows(odd, METRICS_LONG_FORM);
    expect(Buffer.from(await duckdb.encodeLong!(metricFields, odd, METRICS_LONG_FORM))).toEqual(Buffer.from(await duckdb.encode(metricFields, long)));
  });

  it('fails as the long form does on a value of the wrong kind', async () => {
    const bad = [event(0, 'campaign=c1', { count: 'twelve' as unknown as number })];
    await expect(duckdb.encodeLong!(metricFields, bad, METRICS_LONG_FORM)).rejects.toThrow(/field value expects double/);
  });
});

describe.each(encoders)('the metrics table with the $name encoder', (encoder) => {
  it('stores one row per value, in order, counts them, and writes no file for a partition without any', async () => {
    const store = new LocalDirStore(join(dir, encoder.name));
    const rows = [...wide, event(90, 'campaign=c9', {})];
    const written = await lakeTables(store, encoder).metrics.write('unit-1', rows);
    // Minute 90 is the next hour: its only event has no values, so that partition has no file.
    expect(written.map((file) => [file.key, file.rows])).toEqual([[`${METRICS_TABLE}/dt=2026-11-01/hour=07/unit-1.parquet`, 9]]);
    const db = await DuckDBInstance.create(':memory:');
    const sql = await db.connect();
    try {
      const columns = metricFields.map((f) => (f.kind === 'timestamp_ms' ? `epoch_ms("${f.name}")::DOUBLE AS "${f.name}"` : `"${f.name}"`));
      const read = (await sql.runAndReadAll(`SELECT ${columns.join(', ')} FROM read_parquet('${join(dir, encoder.name, written[0].key)}')`)).getRowObjectsJS();
      const expected = longRows(wide, METRICS_LONG_FORM).map((row) => Object.fromEntries(metricFields.map((f) => [f.name, row[f.name]])));
      expect(read).toEqual(expected);
    } finally {
      sql.closeSync();
      db.closeSync();
    }
  });
});
