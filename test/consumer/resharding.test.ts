/**
 * Resharding while producing, on kinesalite: one shard split, two merged. Every record is
 * processed once, and a child shard is read only after its parents were read to their end, so
 * per partition key the parent's records come before the child's.
 */
import { MergeShardsCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kinesisClient } from '../../stream/aws/clients.ts';
import type { ConsumerEvent } from '../../stream/consumer/leases/leaseCoordinator.ts';
import { listShards } from '../../stream/consumer/leases/shardSync.ts';
import { generateTraffic, tallyTruth } from '../../stream/generator/index.ts';
import { countLakeEvents } from '../support/lakeEvents.ts';
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
});
