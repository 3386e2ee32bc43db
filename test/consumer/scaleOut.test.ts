/**
 * Scale-out correctness: the same input processed by one worker and by three workers (which
 * balance, steal and hand shards over through snapshots along the way) gives identical metric
 * events and alerts. Windows and detectors are per shard and a shard's state travels with its
 * lease, so which worker processed which stretch of a shard must not show in the results.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdstreamConfig } from '../../stream/config/schema.ts';
import { workerFromConfig } from '../../stream/consumer/workerFromConfig.ts';
import { generateTraffic, tallyTruth } from '../../stream/generator/index.ts';
import { LakeQuery } from '../../sinks/query/lakeQuery.ts';
import { waitFor } from '../support/childWorker.ts';
import { startLocalPipeline, type LocalPipeline } from '../support/localPipeline.ts';

let pipeline: LocalPipeline;
beforeAll(async () => {
  pipeline = await startLocalPipeline();
});
afterAll(async () => {
  await pipeline?.stop();
});

/**
 * Metric rows of windows that ended well before the input did (the rest are still open in an
 * unbounded run). Arrival delays (arrival on the stream − event time) are left out: the two
 * runs read two streams, put at different moments of the wall clock, so their arrival times
 * differ by however long the first run took, and a quantile near a sketch bucket's edge moves.
 */
async function closedMetrics(lakeDir: string, before: number): Promise<string[]> {
  const lake = await LakeQuery.open(lakeDir);
  try {
    const rows = await lake.query(`
      SELECT epoch_ms(window_start) AS w, key, metric, value FROM metrics
      WHERE epoch_ms(window_end) <= ${before} AND metric NOT LIKE 'arrival_delay%' ORDER BY w, key, metric`);
    return rows.map((row) => `${row.w}|${row.key}|${row.metric}|${row.value}`);
  } finally {
    lake.close();
  }
}

async function eventCount(lakeDir: string): Promise<number> {
  const lake = await LakeQuery.open(lakeDir);
  try {
    const [row] = await lake.query(`SELECT (SELECT count(*) FROM impressions) + (SELECT count(*) FROM clicks) + (SELECT count(*) FROM conversions) + (SELECT count(*) FROM bid_requests) AS n`);
    return Number(row.n);
  } finally {
    lake.close();
  }
}

/**
 * Alerts are delivered at least once: a batch re-processed after a hand-over sends its alerts
 * again, under the same deterministic id, for receivers to dedupe. Compare what they keep.
 */
const alertIds = async (config: AdstreamConfig, before: number) => [
  ...new Set(
    (await readFile(config.alertLog, 'utf8').catch(() => ''))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { alertId: string; windowEnd: number; status?: string })
      .filter((alert) => alert.windowEnd <= before)
      .map((alert) => `${alert.alertId}|${alert.status ?? ''}`),
  ),
].sort();

describe('scale-out', () => {
  it('one worker and three workers give identical metric events and alerts', async () => {
    const traffic = generateTraffic({ seed: 31, durationMs: 2 * 3_600_000, impressionsPerMinute: 60 });
    const records = [...traffic.records];
    const truth = tallyTruth(records);
    const lastEventTime = Math.max(...records.flatMap((r) => (r.truth.kind === 'malformed' ? [] : [r.truth.eventTime])));
    // Windows that close in an unbounded run: well behind the newest event on every shard.
    const cutoff = lastEventTime - 15 * 60_000;

    // Files rolled within a second (the default is ten): the wait for the three workers' lake below
    // ends that much sooner, and the workers commit, and hand shards over, at more points.
    const single = pipeline.configFor('single', { failoverTimeMs: 1_500, shardSyncIntervalMs: 300, lakeFileMaxAgeMs: 1_000 });
    await pipeline.produce(single, records, 4);
    await pipeline.consume(single);

    const trio = (id: string) => pipeline.configFor('trio', { failoverTimeMs: 1_500, shardSyncIntervalMs: 300, lakeFileMaxAgeMs: 1_000, workerId: id });
    await pipeline.produce(trio('a'), records, 4);
    const stops = ['a', 'b', 'c'].map(() => new AbortController());
    const workers = await Promise.all(['a', 'b', 'c'].map((id, i) => workerFromConfig(trio(id), { signal: stops[i].signal })));
    const running = workers.map(({ worker }) => worker.run());
    try {
      await waitFor('every valid event in the three workers\' lake', async () => ((await eventCount(trio('a').lake)) === truth.valid ? true : undefined), 60_000, 300);
    } finally {
      // Stopped even when the wait fails, so no worker writes into a lake being cleaned up.
      stops.forEach((stop) => stop.abort());
    }
    const stats = await Promise.all(running);
    await Promise.all(workers.map(({ close }) => close()));
    expect(stats.filter((s) => s.recordsIn > 0).length).toBeGreaterThan(1);

    const expected = await closedMetrics(single.lake, cutoff);
    expect(expected.length).toBeGreaterThan(1000);
    expect(await closedMetrics(trio('a').lake, cutoff)).toEqual(expected);
    expect(await alertIds(trio('a'), cutoff)).toEqual(await alertIds(single, cutoff));
  });
});
