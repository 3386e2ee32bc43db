/**
 * Stream-wide windows in a live consumer group. The records go to 4 shards under keys that are
 * not the campaign (as an AWS CLI producer might put them), so every campaign's windows are split
 * over shards and each shard alone sees a part. The merged windows must be the whole: checked
 * against the shards' own partials on the same metrics stream, against DuckDB counting the lake's
 * events, against the worker's record accounting, and between one worker and three.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kinesisClient } from '../../stream/aws/clients.ts';
import { ensureStream } from '../../stream/aws/streamAdmin.ts';
import type { AdstreamConfig } from '../../stream/config/schema.ts';
import { workerFromConfig } from '../../stream/consumer/workerFromConfig.ts';
import { generateTraffic, type GeneratedRecord } from '../../stream/generator/index.ts';
import type { MetricRecord } from '../../sinks/metrics/metricsSink.ts';
import { LakeQuery } from '../../sinks/query/lakeQuery.ts';
import { waitFor } from '../support/childWorker.ts';
import { startLocalPipeline, type LocalPipeline } from '../support/localPipeline.ts';
import { readMetricsStream } from '../support/metricsStream.ts';

let pipeline: LocalPipeline;
let records: GeneratedRecord[];
const SHARDS = 4;

beforeAll(async () => {
  pipeline = await startLocalPipeline();
  // Keyed by position, not campaign: Kinesis spreads each campaign over every shard.
  records = [...generateTraffic({ seed: 23, durationMs: 90 * 60_000, impressionsPerMinute: 60 }).records].map((record, i) => ({ ...record, partitionKey: `key-${i}` }));
}, 60_000);

afterAll(async () => {
  await pipeline?.stop();
});

async function configured(name: string, overrides: Partial<Record<keyof AdstreamConfig, string | number>> = {}, put: readonly GeneratedRecord[] = records): Promise<AdstreamConfig> {
  const config = pipeline.configFor(name, { metricsStream: `${name}-metrics`, failoverTimeMs: 1_500, shardSyncIntervalMs: 300, lakeFileMaxAgeMs: 1_000, ...overrides });
  const kinesis = kinesisClient(config);
  try {
    await ensureStream(kinesis, config.metricsStream!, 1);
  } finally {
    kinesis.destroy();
  }
  await pipeline.produce(config, put, SHARDS);
  return config;
}

const isMerged = (metric: MetricRecord): boolean => metric.dimensions.scope === 'stream';
const cell = (metric: MetricRecord): string => `${metric.windowStart}|${metric.key.replace(/^scope=stream\|/, '')}`;

/** Merged events by window and key; delivery is at least once, so a repeat must agree. */
function mergedByCell(events: readonly MetricRecord[]): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  for (const event of events.filter(isMerged)) {
    const seen = out.get(cell(event));
    if (seen) expect(event.values, cell(event)).toEqual(seen);
    out.set(cell(event), event.values);
  }
  return out;
}

/** The shards' own events for campaign × type: partials of the merged cells, several per cell. */
function partialsByCell(events: readonly MetricRecord[]): Map<string, { count: number; shards: number }> {
  const partials = new Map<string, { count: number; shards: number }>();
  for (const event of events) {
    if (isMerged(event) || !event.key.includes('|type=') || event.key.startsWith('quality=')) continue;
    const sum = partials.get(cell(event)) ?? { count: 0, shards: 0 };
    partials.set(cell(event), { count: sum.count + event.values.count, shards: sum.shards + 1 });
  }
  return partials;
}

describe('stream-wide windows', () => {
  it('one worker: each merged window is the sum of the shards’ partials and matches DuckDB over the lake, late events aside', async () => {
    const config = await configured('sw-one');
    const stats = await pipeline.consume(config);
    const events = await readMetricsStream(config, config.metricsStream!);
    const merged = mergedByCell(events);
    const partials = partialsByCell(events);
    expect(partials.size).toBeGreaterThan(500);
    const split = [...partials.values()].filter((p) => p.shards > 1).length;
    expect(split / partials.size, 'share of cells split over shards').toBeGreaterThan(0.5);
    for (const [key, partial] of partials) expect(merged.get(key)?.count, key).toBe(partial.count);

    // DuckDB counts the lake's events per minute, campaign and type: every valid event, late ones too.
    const lake = await LakeQuery.open(config.lake);
    let sql: Map<string, number>;
    try {
      const rows = await lake.query(`
        SELECT epoch_ms(time_bucket(INTERVAL 1 minute, event_time)) AS w, campaign_id, type, count(*) AS n FROM (
          SELECT event_time, campaign_id, 'impression' AS type FROM impressions UNION ALL
          SELECT event_time, campaign_id, 'click' FROM clicks UNION ALL
          SELECT event_time, campaign_id, 'conversion' FROM conversions UNION ALL
          SELECT event_time, campaign_id, 'bid_request' FROM bid_requests)
        GROUP BY ALL`);
      sql = new Map(rows.map((row) => [`${row.w}|campaign=${row.campaign_id}|type=${row.type}`, Number(row.n)]));
    } finally {
      lake.close();
    }
    let mergedTotal = 0;
    for (const [key, values] of merged) {
      if (!key.includes('|type=')) continue;
      expect(values.count, key).toBeLessThanOrEqual(sql.get(key) ?? 0);
      mergedTotal += values.count;
    }
    const sqlTotal = [...sql.values()].reduce((a, b) => a + b, 0);
    expect(sqlTotal).toBe(stats.written);
    expect(sqlTotal - mergedTotal).toBe(stats.late);

    // The stream's quality, whole: every record the worker accounted for, once.
    const quality = events.filter((event) => isMerged(event) && event.key === 'scope=stream|quality=stream');
    const sum = (name: string) => quality.reduce((total, event) => total + (event.values[name] ?? 0), 0);
    expect(sum('valid') + sum('late')).toBe(stats.written);
    expect(sum('late')).toBe(stats.late);
    expect(sum('rejected')).toBe(stats.rejected);
    expect(sum('duplicates')).toBe(stats.duplicates);
  });

  it('two bounded runs one after the other, as a scheduled job runs: each merged window is still the sum of the shards’ partials', async () => {
    // The first run's end closes every window; the second must not take that end for the
    // stream's and fire its windows before every shard has reported its new records.
    const half = Math.floor(records.length / 2);
    const config = await configured('sw-twice', {}, records.slice(0, half));
    const first = await pipeline.consume(config);
    await pipeline.produce(config, records.slice(half), SHARDS);
    const second = await pipeline.consume(config);
    expect(first.recordsIn + second.recordsIn).toBe(records.length);
    const events = await readMetricsStream(config, config.metricsStream!);
    const merged = mergedByCell(events);
    const partials = partialsByCell(events);
    expect(partials.size).toBeGreaterThan(500);
    const differing = [...partials].filter(([key, partial]) => merged.get(key)?.count !== partial.count);
    expect(differing.map(([key, partial]) => `${key}: shards ${partial.count}, merged ${merged.get(key)?.count}`)).toEqual([]);
  }, 120_000);

  it('three workers merge to the same stream-wide windows as one', async () => {
    const single = await configured('sw-single');
    await pipeline.consume(single);
    const expected = mergedByCell(await readMetricsStream(single, single.metricsStream!));

    const trio = await configured('sw-trio');
    const lastEventTime = Math.max(...records.flatMap((r) => (r.truth.kind === 'malformed' ? [] : [r.truth.eventTime])));
    // Windows that close in an unbounded run: well behind the newest event on every shard.
    const cutoff = lastEventTime - 15 * 60_000;
    // Arrival delays (arrival on the stream − event time) are left out: the two runs read two
    // streams put at different moments of the wall clock, so those differ by how long the first took.
    const eventTimeValues = (values: Record<string, number>) => Object.fromEntries(Object.entries(values).filter(([name]) => !name.startsWith('arrival_delay')));
    const closed = (merged: Map<string, Record<string, number>>) =>
      [...merged]
        .filter(([key]) => Number(key.split('|')[0]) + 60_000 <= cutoff)
        .map(([key, values]): [string, Record<string, number>] => [key, eventTimeValues(values)])
        .sort(([a], [b]) => (a < b ? -1 : 1));
    const want = closed(expected);
    expect(want.length).toBeGreaterThan(500);

    const stops = ['a', 'b', 'c'].map(() => new AbortController());
    const workers = await Promise.all(['a', 'b', 'c'].map((id, i) => workerFromConfig({ ...trio, workerId: id }, { signal: stops[i].signal })));
    const running = workers.map(({ worker }) => worker.run());
    let got: [string, Record<string, number>][] = [];
    try {
      await waitFor('the closed stream-wide windows of three workers', async () => {
        got = closed(mergedByCell(await readMetricsStream(trio, trio.metricsStream!)));
        return got.length >= want.length ? true : undefined;
      }, 90_000, 500);
    } finally {
      stops.forEach((stop) => stop.abort());
    }
    const stats = await Promise.all(running);
    const takes = workers.map(({ worker }) => worker.streamWindowStats?.takes ?? 0);
    await Promise.all(workers.map(({ close }) => close()));
    expect(stats.filter((s) => s.recordsIn > 0).length).toBeGreaterThan(1);
    expect(takes.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(got).toEqual(want);
  }, 180_000);
});
