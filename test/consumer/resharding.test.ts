/**
 * Resharding while producing, on kinesalite: one shard split, two merged. Every record is
 * processed once, and a child shard is read only after its parents were read to their end, so
 * per partition key the parent's records come before the child's. A crash while a parent's last
 * unit is committed changes nothing a clean run writes.
 */
import { MergeShardsCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { kinesisClient } from '../../stream/aws/clients.ts';
import { ensureStream } from '../../stream/aws/streamAdmin.ts';
import type { AdstreamConfig } from '../../stream/config/schema.ts';
import { HeldLease } from '../../stream/consumer/leases/heldLease.ts';
import type { ConsumerEvent } from '../../stream/consumer/leases/leaseCoordinator.ts';
import { listShards } from '../../stream/consumer/leases/shardSync.ts';
import { generateTraffic, tallyTruth } from '../../stream/generator/index.ts';
import { LakeQuery } from '../../sinks/query/lakeQuery.ts';
import { countLakeEvents } from '../support/lakeEvents.ts';
import { readMetricsStream } from '../support/metricsStream.ts';
import { startLocalPipeline, type LocalPipeline } from '../support/localPipeline.ts';

let pipeline: LocalPipeline;
beforeAll(async () => {
  pipeline = await startLocalPipeline();
});
afterAll(async () => {
  await pipeline?.stop();
});

describe('resharding', () => {
  it('processes every record once across a split and a merge, parents before children', async () => {
    const config = pipeline.configFor('reshard', { failoverTimeMs: 1_500, shardSyncIntervalMs: 300 });
    const records = [...generateTraffic({ seed: 21, durationMs: 3_600_000, impressionsPerMinute: 60 }).records];
    const truth = tallyTruth(records);
    const third = Math.floor(records.length / 3);
    await pipeline.produce(config, records.slice(0, third), 3);

    const events: ConsumerEvent[] = [];
    let inputComplete = false;
    const consuming = pipeline.consume(config, { inputComplete: () => inputComplete, onEvent: (event) => events.push(event) });

    const kinesis = kinesisClient(config);
    const [first, second, third_] = await listShards(kinesis, config.stream);
    const start = BigInt(first.HashKeyRange!.StartingHashKey!);
    const end = BigInt(first.HashKeyRange!.EndingHashKey!);
    await kinesis.send(new SplitShardCommand({ StreamName: config.stream, ShardToSplit: first.ShardId, NewStartingHashKey: String((start + end) / 2n) }));
    await pipeline.produce(config, records.slice(third, 2 * third), 3);
    await kinesis.send(new MergeShardsCommand({ StreamName: config.stream, ShardToMerge: second.ShardId, AdjacentShardToMerge: third_.ShardId }));
    await pipeline.produce(config, records.slice(2 * third), 3);
    const shards = await listShards(kinesis, config.stream);
    kinesis.destroy();
    expect(shards).toHaveLength(6);
    // Let shard discovery see the last children before the run may end.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    inputComplete = true;
    const stats = await consuming;

    expect(stats.recordsIn).toBe(records.length);
    expect(stats.written).toBe(truth.valid);
    expect(await countLakeEvents(config.lake)).toEqual({ n: truth.valid, d: truth.valid });

    const at = (name: string, shardId: string) => events.findIndex((event) => event.name === name && event.shardId === shardId);
    const children = shards.filter((shard) => shard.ParentShardId);
    expect(children).toHaveLength(3);
    for (const child of children) {
      const parents = [child.ParentShardId!, child.AdjacentParentShardId].filter((id): id is string => Boolean(id));
      for (const parent of parents) {
        expect(at('consumer.shard_ended', parent), `${parent} ended`).toBeGreaterThanOrEqual(0);
        expect(at('consumer.shard_ended', parent), `${parent} before ${child.ShardId}`).toBeLessThan(at('consumer.shard_started', child.ShardId!));
      }
    }
  });

  it('a crash while a parent shard’s last unit is committed: restarted, the lake’s metric rows and the stream-wide windows equal a clean run’s', async () => {
    const records = [...generateTraffic({ seed: 7, durationMs: 40 * 60_000, impressionsPerMinute: 60 }).records];
    const half = Math.floor(records.length / 2);
    /** Two shards, the first split halfway through the input. */
    const prepare = async (stream: string): Promise<AdstreamConfig> => {
      const config = pipeline.configFor(stream, { failoverTimeMs: 1_500, shardSyncIntervalMs: 300, lakeFileMaxAgeMs: 2_000, metricsStream: `${stream}-metrics` });
      const kinesis = kinesisClient(config);
      await ensureStream(kinesis, config.metricsStream!, 1);
      await pipeline.produce(config, records.slice(0, half), 2);
      const [first] = await listShards(kinesis, stream);
      const start = BigInt(first.HashKeyRange!.StartingHashKey!);
      const end = BigInt(first.HashKeyRange!.EndingHashKey!);
      await kinesis.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: first.ShardId, NewStartingHashKey: String((start + end) / 2n) }));
      // The stream exists: this only waits for the split to finish (UPDATING → ACTIVE).
      await ensureStream(kinesis, stream, 2);
      kinesis.destroy();
      await pipeline.produce(config, records.slice(half), 2);
      return config;
    };
    const clean = await prepare('reshard-clean');
    const crashed = await prepare('reshard-crash');
    await pipeline.consume(clean);

    // The crash: after the parent's last unit (committed as final) has written its files and
    // window partials, before its checkpoint moves.
    const parent = 'shardId-000000000000';
    const markPending = HeldLease.prototype.markPending;
    const checkpoint = HeldLease.prototype.checkpoint;
    let armed = false;
    let crashes = 0;
    vi.spyOn(HeldLease.prototype, 'markPending').mockImplementation(function (this: HeldLease, first: string, last: string, final?: boolean) {
      if (this.shardId === parent && final && crashes === 0) armed = true;
      return markPending.call(this, first, last, final);
    });
    vi.spyOn(HeldLease.prototype, 'checkpoint').mockImplementation(function (this: HeldLease, ...args: Parameters<HeldLease['checkpoint']>) {
      if (armed && this.shardId === parent) {
        armed = false;
        crashes += 1;
        return Promise.reject(new Error('simulated crash before the checkpoint'));
      }
      return checkpoint.apply(this, args);
    });
    try {
      await expect(pipeline.consume(crashed)).rejects.toThrow('simulated crash');
    } finally {
      vi.restoreAllMocks();
    }
    expect(crashes).toBe(1);
    await pipeline.consume(crashed);

    expect(await countLakeEvents(crashed.lake)).toEqual(await countLakeEvents(clean.lake));
    expect(await metricRows(crashed)).toEqual(await metricRows(clean));
    const streamWindows = await streamWindowsOf(crashed);
    expect(streamWindows.length).toBeGreaterThan(0);
    expect(streamWindows).toEqual(await streamWindowsOf(clean));
  }, 240_000);
});

/** The lake's window metric rows, sorted, without the arrival delays (arrival times differ between runs). */
async function metricRows(config: AdstreamConfig): Promise<string[]> {
  const lake = await LakeQuery.open(config.lake);
  try {
    const rows = await lake.query(`SELECT epoch_ms(window_start) AS w, key, metric, value FROM metrics WHERE metric NOT LIKE 'arrival_delay%' ORDER BY ALL`);
    return rows.map((row) => `${row.w}|${row.key}|${row.metric}|${row.value}`);
  } finally {
    lake.close();
  }
}

/** The stream-wide windows on the metrics stream, once each (delivery is at least once), sorted. */
async function streamWindowsOf(config: AdstreamConfig): Promise<string[]> {
  const events = await readMetricsStream(config, config.metricsStream!);
  const windows = events
    .filter((event) => String(event.key).startsWith('scope=stream'))
    .map((event) => JSON.stringify([event.windowStart, event.key, Object.entries(event.values).filter(([name]) => !name.startsWith('arrival_delay'))]));
  return [...new Set(windows)].sort();
}
