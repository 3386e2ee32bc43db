/**
 * A commit unit's rows spilled to disk come out of the lake as if they had never left memory: one
 * object per partition, every row once, with the SHA-256 the lineage records being that of the
 * stored object. Checked on s3rver (the spilled Parquet goes up from disk, in parts when large)
 * with DuckDB reading the objects back, for the encoder that reads spills itself (DuckDB) and
 * for one that gets the rows read back into memory (hyparquet).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lakeTables, type EventRow } from '../../../sinks/lake/lakeTables.ts';
import { UnitRows } from '../../../sinks/lake/unitRows.ts';
import { MIN_PART_BYTES } from '../../../sinks/objectStore/multipartUpload.ts';
import { S3Store } from '../../../sinks/objectStore/s3Store.ts';
import { createParquetEncoder } from '../../../sinks/parquet/encoder.ts';
import { s3Client } from '../../../stream/aws/clients.ts';
import { startLocalServices, type LocalServices } from '../../../stream/local/embeddedServices.ts';
import { impression } from '../../stream/events/eventFixtures.ts';

const BUCKET = 'spill-test';
const HOUR_09 = Date.UTC(2026, 10, 23, 9, 0);
const HOUR_10 = Date.UTC(2026, 10, 23, 10, 0);
let services: LocalServices;
let dir: string;

beforeAll(async () => {
  services = await startLocalServices({ buckets: [BUCKET] });
  dir = await mkdtemp(join(tmpdir(), 'adstream-unitrows-'));
});
afterAll(async () => {
  await services?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Impressions; random user ids so the Parquet of the large partition stays above one part. */
const impressions = (count: number, hour: number, from: number): EventRow[] =>
  Array.from({ length: count }, (_, i) =>
    impression({
      event_id: `imp-${from + i}`,
      event_time: hour + ((from + i) % 3_600_000),
      campaign_id: `c${(from + i) % 7}`,
      user_id: createHash('sha256').update(String(from + i)).digest('hex'),
      cost_micros: 1_000 + i,
    }) as unknown as EventRow,
  );

async function readBack(body: Uint8Array, name: string): Promise<string[]> {
  const path = join(dir, name);
  await writeFile(path, body);
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(`SELECT event_id || '|' || epoch_ms(event_time) || '|' || user_id || '|' || cost_micros AS r FROM read_parquet('${path}') ORDER BY r`);
    return reader.getRowObjectsJS().map((row) => String(row.r));
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe.each(['duckdb', 'direct', 'hyparquet'] as const)('spilled unit rows with the %s encoder', (encoderName) => {
  it('write one object per partition holding every row once, with the SHA-256 of the stored object', async () => {
    const client = s3Client({ region: 'us-east-1', s3Endpoint: services.endpoints.s3Endpoint });
    const store = new S3Store(client, BUCKET, `${encoderName}/`, { partBytes: MIN_PART_BYTES, multipartThresholdBytes: MIN_PART_BYTES });
    const encoder = createParquetEncoder(encoderName);
    const spillDir = join(dir, `spill-${encoderName}`);
    try {
      const lake = lakeTables(store, encoder);
      const rows = new UnitRows({ directory: spillDir, memoryBytes: 1_000_000 });
      // Three parts: the first two spill, the last stays in memory and joins its partitions' spills.
      const parts = [
        [...impressions(80_000, HOUR_09, 0), ...impressions(10, HOUR_10, 80_000)],
        impressions(80_000, HOUR_09, 100_000),
        [...impressions(5, HOUR_09, 200_000), ...impressions(5, HOUR_10, 200_005)],
      ];
      for (const part of parts) {
        rows.add(lake.events.impression, part);
        await rows.hold(part.length * 200);
      }
      expect(rows.spills).toBe(2);
      const files = await rows.write(lake.events.impression, 'stream-shard-1');
      await rows.discard();
      expect(await readdir(spillDir)).toEqual([]);

      expect(files.map((file) => [file.key, file.rows])).toEqual([
        ['impression/dt=2026-11-23/hour=09/stream-shard-1.parquet', 160_005],
        ['impression/dt=2026-11-23/hour=10/stream-shard-1.parquet', 15],
      ]);
      const all = parts.flat();
      for (const [index, file] of files.entries()) {
        const body = (await store.get(file.key))!;
        expect(file.bytes).toBe(body.byteLength);
        expect(file.sha256).toBe(createHash('sha256').update(body).digest('base64'));
        const hour = index === 0 ? HOUR_09 : HOUR_10;
        const expected = all.filter((row) => row.event_time >= hour && row.event_time < hour + 3_600_000).map((row) => `${row.event_id}|${row.event_time}|${row.user_id}|${row.cost_micros}`).sort();
        expect(await readBack(body, `${encoderName}-${index}.parquet`)).toEqual(expected);
      }
      // The large partition is past one part: it went up as a multipart upload.
      expect(files[0].bytes).toBeGreaterThan(MIN_PART_BYTES);
    } finally {
      await encoder.close?.();
      client.destroy();
    }
  }, 120_000);
});
