/**
 * Bounded runs (`run --until-caught-up`) as operators schedule them: several at once to backfill
 * faster, and one after another with a reshard in between. Each must end, and every record must
 * be processed once.
 */
import { SplitShardCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoDbClient, kinesisClient } from '../../stream/aws/clients.ts';
import { listShards, newLease } from '../../stream/consumer/leases/shardSync.ts';
import { LeaseTable } from '../../stream/consumer/leases/leaseTable.ts';
import { SHARD_END } from '../../stream/consumer/leases/lease.ts';
import { generateTraffic, tallyTruth } from '../../stream/generator/index.ts';
import type { WorkerStats } from '../../stream/consumer/workerStats.ts';
import { countLakeEvents } from '../support/lakeEvents.ts';
import { startLocalPipeline, type LocalPipeline } from '../support/localPipeline.ts';

let pipeline: LocalPipeline;
beforeAll(async () => {
  pipeline = await startLocalPipeline();
});
afterAll(async () => {
  await pipeline?.stop();
});

/** Rejects if `run` has not ended within `ms`: a bounded run that waits for ever fails the test instead of timing it out. */
function within<T>(ms: number, what: string, run: Promise<T>): Promise<T> {
  return Promise.race([run, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} did not end within ${ms / 1000} s`)), ms))]);
}

const total = (stats: WorkerStats[], key: 'recordsIn' | 'written' | 'rejected' | 'duplicates'): number => stats.reduce((sum, s) => sum + s[key], 0);

describe('bounded runs', () => {
  it('two bounded workers on one stream both end, each record processed once between them', async () => {
    const base = pipeline.configFor('bounded-pair', { failoverTimeMs: 3_000, shardSyncIntervalMs: 500 });
    const records = [...generateTraffic({ seed: 8, durationMs: 3_600_000, impressionsPerMinute: 40 }).records];
    const truth = tallyTruth(records);
    await pipeline.produce(base, records, 2);

    // Input is complete once each worker holds one of the two shards: each then finishes its own
    // and must not wait for the other's.
    const table = new LeaseTable(dynamoDbClient(base), base.leaseTable);
    let split = false;
    const running = Promise.all(['b1', 'b2'].map((id) => pipeline.consume({ ...base, workerId: id }, { inputComplete: () => split })));
    for (let i = 0; i < 200 && !split; i++) {
      const owners = new Set((await table.list().catch(() => [])).map((lease) => lease.leaseOwner).filter((owner) => owner !== undefined));
      split = owners.size === 2;
      if (!split) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(split).toBe(true);
    const stats = await within(45_000, 'two bounded workers', running);
    expect(total(stats, 'recordsIn')).toBe(records.length);
    expect(total(stats, 'written')).toBe(truth.valid);
    expect(total(stats, 'written') + total(stats, 'rejected') + total(stats, 'duplicates')).toBe(records.length);
    expect(await countLakeEvents(base.lake)).toEqual({ n: truth.valid, d: truth.valid });
  }, 60_000);

  it('a bounded run after a split reads the closed parent to its end, then its children, and ends', async () => {
    const config = pipeline.configFor('bounded-split', { failoverTimeMs: 3_000, shardSyncIntervalMs: 500 });
    const records = [...generateTraffic({ seed: 9, durationMs: 3_600_000, impressionsPerMinute: 40 }).records];
    const truth = tallyTruth(records);
    const half = Math.floor(records.length / 2);
    await pipeline.produce(config, records.slice(0, half), 2);
    const first = await within(30_000, 'the first bounded run', pipeline.consume(config));

    const kinesis = kinesisClient(config);
    const [parent] = await listShards(kinesis, config.stream);
    const start = BigInt(parent.HashKeyRange!.StartingHashKey!);
    const end = BigInt(parent.HashKeyRange!.EndingHashKey!);
    await kinesis.send(new SplitShardCommand({ StreamName: config.stream, ShardToSplit: parent.ShardId, NewStartingHashKey: String((start + end) / 2n) }));
    kinesis.destroy();
    await pipeline.produce(config, records.slice(half), 2);
    // The parent's checkpoint sits at its last record: caught up there, it is not yet ended.
    const second = await within(30_000, 'the bounded run after the split', pipeline.consume(config));

    expect(first.recordsIn + second.recordsIn).toBe(records.length);
    expect(Object.keys(second.shards).sort()).toEqual(['shardId-000000000000', 'shardId-000000000001', 'shardId-000000000002', 'shardId-000000000003']);
    const leases = await new LeaseTable(dynamoDbClient(config), config.leaseTable).list();
    expect(leases.find((lease) => lease.leaseKey === parent.ShardId)?.checkpoint).toBe(SHARD_END);
    expect(await countLakeEvents(config.lake)).toEqual({ n: truth.valid, d: truth.valid });
  }, 60_000);

  it('a bounded run after a worker died holding a shard waits out its lease and reads the shard', async () => {
    const config = pipeline.configFor('bounded-after-crash', { failoverTimeMs: 3_000, shardSyncIntervalMs: 500 });
    const records = [...generateTraffic({ seed: 3, durationMs: 600_000, impressionsPerMinute: 40, anomalies: [] }).records];
    await pipeline.produce(config, records, 1);
    // A worker killed long ago (kill -9, out of memory): its name is still on the lease, nobody renews it.
    const table = new LeaseTable(dynamoDbClient(config), config.leaseTable);
    await table.ensureTable();
    const kinesis = kinesisClient(config);
    const [shard] = await listShards(kinesis, config.stream);
    kinesis.destroy();
    await table.createIfMissing(newLease(shard));
    await table.take((await table.get(shard.ShardId!))!, 'crashed-worker');

    const stats = await within(30_000, 'the bounded run after a crash', pipeline.consume(config));
    expect(stats.recordsIn).toBe(records.length);
  }, 60_000);
});
