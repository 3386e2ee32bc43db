/**
 * What a reshard leaves behind, on kinesalite: once every child of a split or a merge has committed
 * state of its own, the parents' snapshots, dedupe segments, SHARD_END leases and stream-window
 * merge entries are deleted, and a restarted worker's shard discovery neither creates their leases
 * again nor reads them again. A worker stopped between the cleanup's steps leaves a state the next
 * one reads as it should, and finishes.
 */
import { MergeShardsCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { dynamoDbClient, kinesisClient } from '../../stream/aws/clients.ts';
import { ensureStream } from '../../stream/aws/streamAdmin.ts';
import type { AdstreamConfig } from '../../stream/config/schema.ts';
import { SHARD_END } from '../../stream/consumer/leases/lease.ts';
import { LeaseTable } from '../../stream/consumer/leases/leaseTable.ts';
import { listShards, newLease, syncShards } from '../../stream/consumer/leases/shardSync.ts';
import { StateStore } from '../../stream/consumer/stateStore.ts';
import { streamWindowLeaseKey } from '../../stream/consumer/streamWindowMerge.ts';
import { generateTraffic, tallyTruth } from '../../stream/generator/index.ts';
import { LocalDirStore } from '../../sinks/objectStore/localDirStore.ts';
import { countLakeEvents } from '../support/lakeEvents.ts';
import { startLocalPipeline, type LocalPipeline } from '../support/localPipeline.ts';

let pipeline: LocalPipeline;
beforeAll(async () => {
  pipeline = await startLocalPipeline();
});
afterAll(async () => {
  await pipeline?.stop();
});

/** The state objects a shard's directory holds (snapshots and dedupe segments). */
const stateObjects = (config: AdstreamConfig, shardId: string): Promise<string[]> => new LocalDirStore(config.stateStore).list(`state/${config.stream}/${shardId}/`);

/** The shards the stream-window merge's saved state names (last key merged, ended, behind). */
async function mergeStateShards(config: AdstreamConfig, table: LeaseTable): Promise<string[]> {
  const lease = await table.get(streamWindowLeaseKey(config.stream));
  const body = await new LocalDirStore(config.stateStore).get(lease!.stateRef!);
  const saved = JSON.parse(Buffer.from(body!).toString('utf8')) as { consumed: Record<string, string>; ended: string[]; behind: string[] };
  return [...new Set([...Object.keys(saved.consumed), ...saved.ended, ...saved.behind])].sort();
}

const sorted = (ids: string[]): string[] => [...ids].sort();

describe('a reshard’s parents, cleaned up', () => {
  it('after a split and a merge: the parents’ leases, state objects and merge entries are gone once the children have state, and a restarted worker neither creates nor reads them again', async () => {
    // A ten-minute dedupe horizon: the children run 20 minutes of event time past each reshard, so
    // the parents' segments they inherited expire from their snapshots and can go too.
    const config = pipeline.configFor('cleanup-both', { failoverTimeMs: 1_500, shardSyncIntervalMs: 300, dedupeHorizonMs: 600_000 });
    const records = [...generateTraffic({ seed: 21, durationMs: 3_600_000, impressionsPerMinute: 30 }).records];
    const truth = tallyTruth(records);
    const third = Math.floor(records.length / 3);
    await pipeline.produce(config, records.slice(0, third), 3);
    const kinesis = kinesisClient(config);
    const [first, second, third_] = await listShards(kinesis, config.stream);
    const start = BigInt(first.HashKeyRange!.StartingHashKey!);
    const end = BigInt(first.HashKeyRange!.EndingHashKey!);
    await kinesis.send(new SplitShardCommand({ StreamName: config.stream, ShardToSplit: first.ShardId, NewStartingHashKey: String((start + end) / 2n) }));
    await ensureStream(kinesis, config.stream, 3);
    await pipeline.produce(config, records.slice(third, 2 * third), 3);
    await kinesis.send(new MergeShardsCommand({ StreamName: config.stream, ShardToMerge: second.ShardId, AdjacentShardToMerge: third_.ShardId }));
    await ensureStream(kinesis, config.stream, 3);
    await pipeline.produce(config, records.slice(2 * third), 3);
    const shards = await listShards(kinesis, config.stream);
    kinesis.destroy();
    expect(shards).toHaveLength(6);
    const parents = [first.ShardId!, second.ShardId!, third_.ShardId!];
    const children = sorted(shards.filter((shard) => shard.ParentShardId).map((shard) => shard.ShardId!));
    expect(children).toHaveLength(3);

    const table = new LeaseTable(dynamoDbClient(config), config.leaseTable);
    const before = await pipeline.consume(config);
    // Restarted: its first look for parents finds every child's last checkpoint.
    const again = await pipeline.consume(config);
    expect(before.recordsIn + again.recordsIn).toBe(records.length);
    expect(await countLakeEvents(config.lake)).toEqual({ n: truth.valid, d: truth.valid });

    expect(sorted((await table.list()).map((lease) => lease.leaseKey))).toEqual(children);
    for (const parent of parents) expect(await stateObjects(config, parent), parent).toEqual([]);
    for (const child of children) expect((await table.get(child))?.stateRef, child).toBeDefined();
    expect(await mergeStateShards(config, table)).toEqual(children);

    // Restarted again: shard discovery lists the parents (Kinesis keeps them for the retention
    // period) and creates no lease for them, so nothing is read a second time.
    const later = await pipeline.consume(config);
    expect(later.recordsIn).toBe(0);
    expect(sorted((await table.list()).map((lease) => lease.leaseKey))).toEqual(children);
    expect(await countLakeEvents(config.lake)).toEqual({ n: truth.valid, d: truth.valid });
  }, 240_000);

  it('stopped after the lease forgot its snapshot, then after the state objects went: each restart reads on from the children’s own state and finishes the cleanup', async () => {
    const config = pipeline.configFor('cleanup-kill', { failoverTimeMs: 1_500, shardSyncIntervalMs: 300, dedupeHorizonMs: 600_000 });
    const records = [...generateTraffic({ seed: 7, durationMs: 40 * 60_000, impressionsPerMinute: 60 }).records];
    const truth = tallyTruth(records);
    const half = Math.floor(records.length / 2);
    await pipeline.produce(config, records.slice(0, half), 2);
    const kinesis = kinesisClient(config);
    const [first] = await listShards(kinesis, config.stream);
    const start = BigInt(first.HashKeyRange!.StartingHashKey!);
    const end = BigInt(first.HashKeyRange!.EndingHashKey!);
    await kinesis.send(new SplitShardCommand({ StreamName: config.stream, ShardToSplit: first.ShardId, NewStartingHashKey: String((start + end) / 2n) }));
    await ensureStream(kinesis, config.stream, 2);
    kinesis.destroy();
    await pipeline.produce(config, records.slice(half), 2);
    const parent = first.ShardId!;
    const table = new LeaseTable(dynamoDbClient(config), config.leaseTable);

    // Stopped after the first step (the lease forgot its snapshot), before any state object went.
    const removeEndedShard = vi.spyOn(StateStore.prototype, 'removeEndedShard').mockRejectedValue(new Error('simulated stop'));
    let read = 0;
    try {
      read += (await pipeline.consume(config)).recordsIn;
      read += (await pipeline.consume(config)).recordsIn;
      expect(removeEndedShard).toHaveBeenCalled();
    } finally {
      vi.restoreAllMocks();
    }
    expect(read).toBe(records.length);
    const forgot = await table.get(parent);
    expect(forgot?.checkpoint).toBe(SHARD_END);
    expect(forgot?.stateRef).toBeUndefined();
    expect((await stateObjects(config, parent)).length).toBeGreaterThan(0);

    // Stopped after the second step (the state objects gone), before the lease went.
    const deleteEnded = vi.spyOn(LeaseTable.prototype, 'deleteEnded').mockRejectedValue(new Error('simulated stop'));
    try {
      read += (await pipeline.consume(config)).recordsIn;
      expect(deleteEnded).toHaveBeenCalled();
    } finally {
      vi.restoreAllMocks();
    }
    expect(await stateObjects(config, parent)).toEqual([]);
    expect((await table.get(parent))?.checkpoint).toBe(SHARD_END);

    // The next worker finishes it; each restart read nothing again.
    read += (await pipeline.consume(config)).recordsIn;
    expect(await table.get(parent)).toBeUndefined();
    read += (await pipeline.consume(config)).recordsIn;
    expect(await table.get(parent)).toBeUndefined();
    expect(read).toBe(records.length);
    expect(await countLakeEvents(config.lake)).toEqual({ n: truth.valid, d: truth.valid });
  }, 240_000);
  it('a parent’s dedupe segments its children still name stay, with its lease, until their buckets expire; its snapshot goes at once', async () => {
    // The default one-hour horizon: 30 minutes after the split the children still name the
    // parent's segments of the half hour before it; an hour more and those have expired.
    const config = pipeline.configFor('cleanup-shared', { failoverTimeMs: 1_500, shardSyncIntervalMs: 300 });
    const records = [...generateTraffic({ seed: 5, durationMs: 2 * 3_600_000, impressionsPerMinute: 20 }).records];
    const truth = tallyTruth(records);
    const quarter = Math.floor(records.length / 4);
    await pipeline.produce(config, records.slice(0, quarter), 1);
    const kinesis = kinesisClient(config);
    const [parentShard] = await listShards(kinesis, config.stream);
    const start = BigInt(parentShard.HashKeyRange!.StartingHashKey!);
    const end = BigInt(parentShard.HashKeyRange!.EndingHashKey!);
    await kinesis.send(new SplitShardCommand({ StreamName: config.stream, ShardToSplit: parentShard.ShardId, NewStartingHashKey: String((start + end) / 2n) }));
    await ensureStream(kinesis, config.stream, 1);
    kinesis.destroy();
    await pipeline.produce(config, records.slice(quarter, 2 * quarter), 1);
    const parent = parentShard.ShardId!;
    const table = new LeaseTable(dynamoDbClient(config), config.leaseTable);

    let read = (await pipeline.consume(config)).recordsIn;
    read += (await pipeline.consume(config)).recordsIn;
    const children = (await table.list()).filter((lease) => lease.parentShardIds.includes(parent));
    expect(children).toHaveLength(2);
    const named = new Set<string>();
    const store = new LocalDirStore(config.stateStore);
    for (const child of children) {
      const snapshot = JSON.parse(Buffer.from((await store.get(child.stateRef!))!).toString('utf8')) as { dedupe: { buckets: { segments: { saved?: string }[] }[] } };
      for (const bucket of snapshot.dedupe.buckets) for (const segment of bucket.segments) if (segment.saved) named.add(segment.saved);
    }
    const left = await stateObjects(config, parent);
    expect(left.length).toBeGreaterThan(0);
    expect(left.filter((key) => !named.has(key))).toEqual([]);
    const waiting = await table.get(parent);
    expect(waiting?.checkpoint).toBe(SHARD_END);
    expect(waiting?.stateRef).toBeUndefined();

    // An hour more of traffic: the children load those segments (a restart), and once their
    // buckets expire the rest of the parent goes.
    await pipeline.produce(config, records.slice(2 * quarter), 1);
    read += (await pipeline.consume(config)).recordsIn;
    read += (await pipeline.consume(config)).recordsIn;
    expect(read).toBe(records.length);
    expect(await stateObjects(config, parent)).toEqual([]);
    expect(await table.get(parent)).toBeUndefined();
    expect(await countLakeEvents(config.lake)).toEqual({ n: truth.valid, d: truth.valid });
  }, 240_000);
  it('a sync names a child in its parent’s lease when a worker stopped between creating the child’s lease and naming it there', async () => {
    // Since a sync skips shards that have a lease, nothing put that right any more.
    const config = pipeline.configFor('cleanup-children-named', { failoverTimeMs: 1_500 });
    const kinesis = kinesisClient(config);
    await ensureStream(kinesis, config.stream, 1);
    const [parent] = await listShards(kinesis, config.stream);
    const start = BigInt(parent.HashKeyRange!.StartingHashKey!);
    const end = BigInt(parent.HashKeyRange!.EndingHashKey!);
    await kinesis.send(new SplitShardCommand({ StreamName: config.stream, ShardToSplit: parent.ShardId, NewStartingHashKey: String((start + end) / 2n) }));
    await ensureStream(kinesis, config.stream, 2);
    const table = new LeaseTable(dynamoDbClient(config), config.leaseTable);
    await table.ensureTable();
    const shards = await listShards(kinesis, config.stream);
    for (const shard of shards) await table.createIfMissing(newLease(shard));
    const children = sorted(shards.filter((shard) => shard.ParentShardId === parent.ShardId).map((shard) => shard.ShardId!));
    expect(children).toHaveLength(2);
    expect((await table.get(parent.ShardId!))?.childShardIds).toEqual([]);
    const { created } = await syncShards(kinesis, config.stream, table, new Set());
    kinesis.destroy();
    expect(created).toEqual([]);
    expect(sorted((await table.get(parent.ShardId!))!.childShardIds)).toEqual(children);
  });
});
