/**
 * Stream-wide windows in bounded runs (`run --until-caught-up`): three workers started together
 * on a three-shard stream must merge to the same stream-wide windows as one worker, and those
 * windows must account for every record put (valid + rejected + duplicates + late). The records
 * are keyed by position, so every campaign's windows are split over the shards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kinesisClient } from '../../stream/aws/clients.ts';
import { ensureStream } from '../../stream/aws/streamAdmin.ts';
import type { AdstreamConfig } from '../../stream/config/schema.ts';
import { generateTraffic, type GeneratedRecord } from '../../stream/generator/index.ts';
import type { MetricRecord } from '../../sinks/metrics/metricsSink.ts';
import { startLocalPipeline, type LocalPipeline } from '../support/localPipeline.ts';
import { readMetricsStream } from '../support/metricsStream.ts';
import { expectEqual } from '../support/expectEqual.ts';

let pipeline: LocalPipeline;
let records: GeneratedRecord[];
const SHARDS = 3;

beforeAll(async () => {
  pipeline = await startLocalPipeline();
  records = [...generateTraffic({ seed: 31, durationMs: 60 * 60_000, impressionsPerMinute: 60 }).records].map((record, i) => ({ ...record, partitionKey: `key-${i}` }));
}, 60_000);

afterAll(async () => {
  await pipeline?.stop();
});

async function configured(name: string): Promise<AdstreamConfig> {
  const config = pipeline.configFor(name, { metricsStream: `${name}-metrics`, failoverTimeMs: 1_500, shardSyncIntervalMs: 300, lakeFileMaxAgeMs: 200 });
  const kinesis = kinesisClient(config);
  try {
    await ensureStream(kinesis, config.metricsStream!, 1);
  } finally {
    kinesis.destroy();
  }
  await pipeline.produce(config, records, SHARDS);
  return config;
}

/**
 * The stream-wide events by window and key, arrival delays left out (the two runs read streams
 * put at different moments of the wall clock); delivery is at least once, so a repeat must agree.
 */
async function streamWide(config: AdstreamConfig): Promise<[string, Record<string, number>][]> {
  const out = new Map<string, Record<string, number>>();
  for (const event of (await readMetricsStream(config, config.metricsStream!)) as MetricRecord[]) {
    if (event.dimensions.scope !== 'stream') continue;
    const key = `${event.windowStart}|${event.key}`;
    const values = Object.fromEntries(Object.entries(event.values).filter(([name]) => !name.startsWith('arrival_delay')));
    const seen = out.get(key);
    if (seen) expect(values, key).toEqual(seen);
    out.set(key, values);
  }
  return [...out].sort(([a], [b]) => (a < b ? -1 : 1));
}

const qualityTotal = (events: [string, Record<string, number>][]): number =>
  events.filter(([key]) => key.endsWith('|scope=stream|quality=stream')).reduce((sum, [, v]) => sum + (v.valid ?? 0) + (v.rejected ?? 0) + (v.duplicates ?? 0) + (v.late ?? 0), 0);

describe('stream-wide windows of bounded runs', () => {
  it('three bounded workers started together merge to the same stream-wide windows as one, and those count every record', async () => {
    const single = await configured('bsw-single');
    const one = await pipeline.consume({ ...single, workerId: 'solo' });
    expect(one.recordsIn).toBe(records.length);
    const want = await streamWide(single);
    expect(qualityTotal(want)).toBe(records.length);

    // Which worker takes or steals which lease when is a race: a few rounds, each on a stream of its own.
    for (const round of [1, 2, 3, 4, 5]) {
      const trio = await configured(`bsw-trio-${round}`);
      const stats = await Promise.all(['t1', 't2', 't3'].map((id) => pipeline.consume({ ...trio, workerId: id })));
      expect(stats.reduce((sum, s) => sum + s.recordsIn, 0), `round ${round}`).toBeGreaterThanOrEqual(records.length);
      const got = await streamWide(trio);
      expect(qualityTotal(got), `round ${round}: valid + rejected + duplicates + late`).toBe(records.length);
      expectEqual(got, want, `round ${round}`);
    }
  }, 240_000);
});
