/**
 * A live worker killed and restarted gives the outputs of one that never stopped (issue 7): the
 * same lake rows, the same window metrics (the shards' in the lake, the stream-wide ones on the
 * metrics stream) and the same alerts. Both consumer applications read
 * one stream (their own lease tables, lakes and state), so arrival times are the same; the one
 * is SIGKILLed at random points while the stream is still being filled, restarted after each
 * kill, and finally runs to the end. crashRecovery.test.ts holds the lake to the generator's
 * truth; this holds everything the worker emits to a clean run.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kinesisClient } from '../../stream/aws/clients.ts';
import { ensureStream } from '../../stream/aws/streamAdmin.ts';
import type { AdstreamConfig } from '../../stream/config/schema.ts';
import type { MetricRecord } from '../../sinks/metrics/metricsSink.ts';
import { generateTraffic } from '../../stream/generator/index.ts';
import { Rng } from '../../stream/generator/rng.ts';
import { LakeQuery } from '../../sinks/query/lakeQuery.ts';
import { startChildWorker, waitFor, type ChildWorker } from '../support/childWorker.ts';
import { environmentFor, startLocalPipeline, type LocalPipeline } from '../support/localPipeline.ts';
import { readMetricsStream } from '../support/metricsStream.ts';
import { expectEqual } from '../support/expectEqual.ts';

const KILLS = 8;
const STREAM = 'killed-vs-clean';
let pipeline: LocalPipeline;
let current: ChildWorker | undefined;

beforeAll(async () => {
  pipeline = await startLocalPipeline();
});
afterAll(async () => {
  current?.process.kill('SIGKILL');
  await pipeline?.stop();
});

/** One consumer application of the shared stream, with outputs of its own (a metrics stream for the stream-wide windows too). */
async function application(name: string, overrides: Partial<Record<keyof AdstreamConfig, string | number>> = {}): Promise<AdstreamConfig> {
  const config = pipeline.configFor(STREAM, {
    leaseTable: `${name}-leases`,
    metricsStream: `${name}-metrics`,
    lake: join(pipeline.dir, name, 'lake'),
    stateStore: join(pipeline.dir, name, 'state'),
    alertLog: join(pipeline.dir, name, 'alerts.jsonl'),
    failoverTimeMs: 1_500,
    shardSyncIntervalMs: 500,
    ...overrides,
  });
  const kinesis = kinesisClient(config);
  try {
    await ensureStream(kinesis, config.metricsStream!, 1);
  } finally {
    kinesis.destroy();
  }
  return config;
}

/** The stream-wide windows on the metrics stream, by window and key: delivery is at least once, so a repeat must agree. */
async function streamWindows(config: AdstreamConfig): Promise<[string, MetricRecord][]> {
  const merged = new Map<string, MetricRecord>();
  for (const event of (await readMetricsStream(config, config.metricsStream!)).filter((m) => m.dimensions.scope === 'stream')) {
    const cell = `${event.windowStart}|${event.key}`;
    if (merged.has(cell)) expect(event, cell).toEqual(merged.get(cell));
    merged.set(cell, event);
  }
  return [...merged].sort(([a], [b]) => (a < b ? -1 : 1));
}

/** What a run emitted, in an order that does not depend on how reads were grouped into commits. */
async function outputsOf(config: AdstreamConfig): Promise<Record<string, unknown[]>> {
  const lake = await LakeQuery.open(config.lake);
  try {
    const out: Record<string, unknown[]> = {};
    for (const view of ['impressions', 'clicks', 'conversions', 'bid_requests']) {
      out[view] = await lake.query(`SELECT * FROM ${view} ORDER BY ALL`);
    }
    out.rejected = await lake.query('SELECT reason, shard_id, sequence_number, raw_base64 FROM rejected ORDER BY ALL');
    // With the watermark each window fired under: windows fire at a record, not at a read's end.
    out.metrics = await lake.query('SELECT * FROM metrics ORDER BY ALL');
    // Delivery is at least once (an alert sent just before a kill is sent again, as the same
    // line), but the log holds each line once. Sorted: shards interleave as the runs went.
    const lines = existsSync(config.alertLog) ? (await readFile(config.alertLog, 'utf8')).split('\n').filter(Boolean) : [];
    out.alerts = lines.sort();
    return out;
  } finally {
    lake.close();
  }
}

/** Parquet files in a local lake (none while the folder does not exist). */
async function lakeFiles(lake: string): Promise<number> {
  if (!existsSync(lake)) return 0;
  return (await readdir(lake, { recursive: true })).filter((name) => name.endsWith('.parquet')).length;
}

describe('a live worker killed and restarted', () => {
  it(`after ${KILLS} SIGKILLs, some while the stream still fills, its lake rows, window metrics, stream-wide windows and alerts equal a clean run’s`, async () => {
    // Small commit units, so kills land between commit points, while files are written and before checkpoints.
    const killed = await application('killed', { lakeFileTargetBytes: '64KiB', lakeFileMaxAgeMs: 300 });
    const clean = await application('clean');
    // Traffic with injected anomalies, so there are alerts to compare.
    const records = [...generateTraffic({ seed: 41, durationMs: 3 * 3_600_000, impressionsPerMinute: 30 }).records];
    await pipeline.produce(killed, [], 2);

    const slices = 8;
    let filling = true;
    const producing = (async () => {
      for (let i = 0; i < slices; i++) {
        await pipeline.produce(killed, records.slice((i * records.length) / slices, ((i + 1) * records.length) / slices), 2);
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
      filling = false;
    })();
    let killsWhileFilling = 0;
    const rng = Rng.seeded(7);
    for (let kill = 0; kill < KILLS; kill++) {
      current = startChildWorker('killed', environmentFor(killed));
      const worker = current;
      await waitFor('the worker starting a shard', () => (worker.events.some((e) => e.name === 'consumer.shard_started') ? true : undefined), 30_000, 20);
      // The first run is let commit something, so that the killed runs together make progress
      // however slow the machine (on a loaded one, eight kills before any commit were seen).
      if (kill === 0) await waitFor('a first lake file', async () => ((await lakeFiles(killed.lake)) > 0 ? true : undefined), 60_000, 50);
      await new Promise((resolve) => setTimeout(resolve, rng.int(300, 2_500)));
      if (filling) killsWhileFilling += 1;
      worker.process.kill('SIGKILL');
      await worker.exited;
    }
    await producing;
    expect(killsWhileFilling).toBeGreaterThanOrEqual(2);
    const last = await pipeline.consume(killed);
    expect(last.recordsIn).toBeLessThan(records.length);

    const cleanStats = await pipeline.consume(clean);
    expect(cleanStats.recordsIn).toBe(records.length);

    const [fromKilled, fromClean] = await Promise.all([outputsOf(killed), outputsOf(clean)]);
    expect(fromClean.metrics.length).toBeGreaterThan(1_000);
    expect(fromClean.alerts.length).toBeGreaterThan(0);
    for (const name of Object.keys(fromClean)) expectEqual(fromKilled[name], fromClean[name], name);
    const [mergedKilled, mergedClean] = await Promise.all([streamWindows(killed), streamWindows(clean)]);
    expect(mergedClean.length).toBeGreaterThan(100);
    expectEqual(mergedKilled, mergedClean);
  }, 300_000);
});
