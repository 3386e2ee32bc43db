/**
 * Restart: a worker stopped mid-stream and started again loses nothing and doubles nothing.
 * Windows: the per-minute counts the pipeline emits equal a DuckDB GROUP BY over the lake.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTraffic, tallyTruth } from '../../stream/generator/index.ts';
import { LakeQuery } from '../../sinks/query/lakeQuery.ts';
import { countEventRows } from '../support/lakeEvents.ts';
import { startLocalPipeline, type LocalPipeline } from '../support/localPipeline.ts';
import { stateFiles } from '../support/stateFiles.ts';

let pipeline: LocalPipeline;

beforeAll(async () => {
  pipeline = await startLocalPipeline();
});

afterAll(async () => {
  await pipeline?.stop();
});

describe('restart', () => {
  it('a worker stopped mid-stream and restarted writes every valid event exactly once', async () => {
    const records = [...generateTraffic({ seed: 11, durationMs: 3_600_000, impressionsPerMinute: 60 }).records];
    const truth = tallyTruth(records);
    // Units of a few reads: the default target would take in all of this small stream at once.
    const config = pipeline.configFor('restart', { lakeFileTargetBytes: '64KiB' });
    await pipeline.produce(config, records, 2);

    const stop = new AbortController();
    const first = await pipeline.consume(config, {
      signal: stop.signal,
      reader: { limit: 200 },
      onProgress: (stats) => {
        if (stats.recordsIn >= records.length / 3) stop.abort();
      },
    });
    expect(first.recordsIn).toBeGreaterThan(0);
    expect(first.recordsIn).toBeLessThan(records.length);
    // A stop leaves its shards' state as their checkpoints name it, nothing more.
    expect((await stateFiles(config.stateStore)).unnamedSegments).toEqual([]);

    const second = await pipeline.consume(config);
    expect(first.recordsIn + second.recordsIn).toBe(records.length);
    expect(first.written + second.written).toBe(truth.valid);
    expect(first.duplicates + second.duplicates).toBe(truth.duplicates);
    expect((await stateFiles(config.stateStore)).unnamedSegments).toEqual([]);

    const lake = await LakeQuery.open(config.lake);
    try {
      expect(await countEventRows(lake)).toEqual({ n: truth.valid, d: truth.valid });
      const [rejected] = await lake.query('SELECT count(*) AS n FROM rejected');
      expect(Number(rejected.n)).toBe(truth.malformed);
    } finally {
      lake.close();
    }
  });
});

describe('event-time windows', () => {
  it('per-minute counts per campaign and event type equal a GROUP BY over the lake', async () => {
    // No injected ingestion delay: with no late events, every lake row belongs in a window.
    const records = [...generateTraffic({ seed: 5, durationMs: 2 * 3_600_000, impressionsPerMinute: 60, anomalies: [] }).records];
    const config = pipeline.configFor('windows');
    await pipeline.produce(config, records, 2);
    const stats = await pipeline.consume(config);
    expect(stats.late).toBe(0);

    const lake = await LakeQuery.open(config.lake);
    try {
      const fromMetrics = await lake.query(`
        SELECT epoch_ms(window_start) AS w, campaign_id, event_type, CAST(value AS BIGINT) AS n
        FROM metrics WHERE metric = 'count' AND campaign_id IS NOT NULL AND event_type IS NOT NULL
        ORDER BY w, campaign_id, event_type`);
      const fromLake = await lake.query(`
        WITH events AS (
          SELECT 'impression' AS event_type, campaign_id, event_time FROM impressions
          UNION ALL SELECT 'click', campaign_id, event_time FROM clicks
          UNION ALL SELECT 'conversion', campaign_id, event_time FROM conversions
          UNION ALL SELECT 'bid_request', campaign_id, event_time FROM bid_requests)
        SELECT epoch_ms(event_time) // ${config.windowMs} * ${config.windowMs} AS w, campaign_id, event_type, count(*) AS n
        FROM events GROUP BY ALL ORDER BY w, campaign_id, event_type`);
      const normalize = (rows: Record<string, unknown>[]) =>
        rows.map((row) => `${Number(row.w)}|${String(row.campaign_id)}|${String(row.event_type)}|${Number(row.n)}`);
      expect(fromMetrics.length).toBeGreaterThan(1000);
      expect(normalize(fromMetrics)).toEqual(normalize(fromLake));
    } finally {
      lake.close();
    }
  });
});
