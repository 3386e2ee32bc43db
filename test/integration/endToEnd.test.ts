/**
 * The whole pipeline on the embedded services: generated traffic with duplicates, malformed
 * records and injected anomalies goes through the real Producer onto kinesalite, a worker
 * consumes it with checkpoints in dynalite, and the lake (on s3rver) is read back with DuckDB.
 * Expected numbers come from the generator's ground truth, never from the pipeline.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3Client } from '../../stream/aws/clients.ts';
import type { WorkerStats } from '../../stream/consumer/workerStats.ts';
import { generateTraffic, tallyTruth, type GeneratedRecord, type TruthTally } from '../../stream/generator/index.ts';
import { S3Store } from '../../sinks/objectStore/s3Store.ts';
import { LakeQuery } from '../../sinks/query/lakeQuery.ts';
import { startLocalPipeline, TEST_BUCKET, type LocalPipeline } from '../support/localPipeline.ts';

let pipeline: LocalPipeline;
let records: GeneratedRecord[];
let truth: TruthTally;
let stats: WorkerStats;
let lake: LakeQuery;

/** Copies the lake's objects out of S3 so DuckDB reads exactly what was uploaded. */
async function downloadLake(pipelineDir: string): Promise<string> {
  const store = new S3Store(s3Client({ region: 'us-east-1', s3Endpoint: pipeline.services.endpoints.s3Endpoint }), TEST_BUCKET, 'e2e/lake/');
  const target = join(pipelineDir, 'downloaded-lake');
  for (const key of await store.list('')) {
    const path = join(target, key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, (await store.get(key))!);
  }
  return target;
}

beforeAll(async () => {
  pipeline = await startLocalPipeline();
  const traffic = generateTraffic({ seed: 7, durationMs: 3_600_000, impressionsPerMinute: 100 });
  records = [...traffic.records];
  truth = tallyTruth(records);
  const config = pipeline.configFor('e2e', { lake: `s3://${TEST_BUCKET}/e2e/lake/`, stateStore: `s3://${TEST_BUCKET}/e2e/state/` });
  await pipeline.produce(config, records, 3);
  stats = await pipeline.consume(config);
  lake = await LakeQuery.open(await downloadLake(pipeline.dir));
});

afterAll(async () => {
  lake?.close();
  await pipeline?.stop();
});

describe('end to end on kinesalite, dynalite and s3rver', () => {
  it('the generated run has every kind of record in it', () => {
    expect(truth.duplicates).toBeGreaterThan(100);
    expect(truth.malformed).toBeGreaterThan(100);
    expect(Object.keys(truth.malformedByReason).length).toBeGreaterThanOrEqual(7);
  });

  it('accounts for every record: written + rejected + duplicates = in = produced', () => {
    expect(stats.recordsIn).toBe(records.length);
    expect(stats.written + stats.rejected + stats.duplicates).toBe(stats.recordsIn);
    expect(stats.written).toBe(truth.valid);
    expect(stats.duplicates).toBe(truth.duplicates);
  });

  it('the lake holds exactly the distinct valid events, by type', async () => {
    const rows = await lake.query(`
      SELECT 'impression' AS t, count(*) AS n, count(DISTINCT event_id) AS d FROM impressions
      UNION ALL SELECT 'click', count(*), count(DISTINCT event_id) FROM clicks
      UNION ALL SELECT 'conversion', count(*), count(DISTINCT event_id) FROM conversions
      UNION ALL SELECT 'bid_request', count(*), count(DISTINCT event_id) FROM bid_requests`);
    const byType = Object.fromEntries(rows.map((row) => [row.t, { n: Number(row.n), d: Number(row.d) }]));
    for (const [type, expected] of Object.entries(truth.validByType)) {
      expect(byType[type], type).toEqual({ n: expected, d: expected });
    }
  });

  it('the lake holds the very events the generator made valid, not just as many', async () => {
    const expectedIds = records.filter((r) => r.truth.kind === 'valid').map((r) => (r.truth as { eventId: string }).eventId).sort();
    const rows = await lake.query(`
      SELECT event_id FROM impressions UNION ALL SELECT event_id FROM clicks
      UNION ALL SELECT event_id FROM conversions UNION ALL SELECT event_id FROM bid_requests ORDER BY event_id`);
    expect(rows.map((row) => row.event_id)).toEqual(expectedIds);
  });

  it('the DLQ holds each malformed record with its reason and raw bytes', async () => {
    const rows = await lake.query('SELECT reason, count(*) AS n FROM rejected GROUP BY reason ORDER BY reason');
    expect(Object.fromEntries(rows.map((row) => [row.reason, Number(row.n)]))).toEqual(truth.malformedByReason);
    expect(stats.rejectedByReason).toEqual(truth.malformedByReason);
    const malformed = new Set(records.filter((r) => r.truth.kind === 'malformed').map((r) => r.data.toString('base64')));
    const raw = await lake.query('SELECT raw_base64 FROM rejected');
    expect(raw.every((row) => malformed.has(row.raw_base64 as string))).toBe(true);
  });

  it('the lineage log accounts for every object: one row each, with its source, rows and SHA-256', async () => {
    const store = new S3Store(s3Client({ region: 'us-east-1', s3Endpoint: pipeline.services.endpoints.s3Endpoint }), TEST_BUCKET, 'e2e/lake/');
    // The lineage's own files and the lease-table claim (stream/consumer/lakeClaim.ts) hold no rows.
    const objects = (await store.list('')).filter((key) => !key.startsWith('_lineage/') && !key.startsWith('_lease_tables/'));
    const lineage = await lake.query('SELECT object_key, sha256, rows, shard_id, first_sequence_number FROM lineage ORDER BY object_key');
    expect(lineage.map((row) => row.object_key)).toEqual([...objects].sort());
    for (const row of lineage) {
      const body = (await store.get(row.object_key as string))!;
      expect(createHash('sha256').update(body).digest('base64'), row.object_key as string).toBe(row.sha256);
      // A batch's objects are named after its first record; a closing flush after the last one.
      expect(row.object_key as string).toContain(row.first_sequence_number ? `${row.shard_id}-${row.first_sequence_number}.parquet` : `${row.shard_id}-final-`);
    }
    // "Where did this row come from?": every impression traces to exactly one object's lineage row.
    const [traced] = await lake.query(`
      SELECT count(*) AS n FROM (SELECT filename FROM read_parquet('${lake.root}/impression/**/*.parquet', filename = true)) f
      JOIN lineage l ON f.filename LIKE '%' || l.object_key`);
    expect(Number(traced.n)).toBe(truth.validByType.impression);
    const rowsByLineage = lineage.filter((row) => (row.object_key as string).startsWith('impression/')).reduce((sum, row) => sum + Number(row.rows), 0);
    expect(rowsByLineage).toBe(truth.validByType.impression);
  });

  it('writes Hive-partitioned Parquet objects to S3', async () => {
    const store = new S3Store(s3Client({ region: 'us-east-1', s3Endpoint: pipeline.services.endpoints.s3Endpoint }), TEST_BUCKET, 'e2e/lake/');
    const keys = await store.list('impression/');
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(key).toMatch(/^impression\/dt=2026-11-\d\d\/hour=\d\d\/e2e-shardId-\d+-\d+\.parquet$/);
  });
});
