/**
 * Shard discovery: lists the stream's shards (paginated) and makes sure every shard has a lease,
 * with its parents, its hash-key range, and its children recorded on the parents. Runs at start
 * and every few seconds, so shards created by a split or merge are picked up while running.
 */
import { ListShardsCommand, type KinesisClient, type Shard } from '@aws-sdk/client-kinesis';
import { TRIM_HORIZON, type Lease } from './lease.ts';
import type { LeaseTable } from './leaseTable.ts';

export async function listShards(kinesis: KinesisClient, streamName: string): Promise<Shard[]> {
  const shards: Shard[] = [];
  let nextToken: string | undefined;
  do {
    const page = await kinesis.send(nextToken ? new ListShardsCommand({ NextToken: nextToken }) : new ListShardsCommand({ StreamName: streamName }));
    shards.push(...(page.Shards ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return shards;
}

export const parentsOf = (shard: Shard): string[] =>
  [shard.ParentShardId, shard.AdjacentParentShardId].filter((id): id is string => Boolean(id));

export function newLease(shard: Shard): Lease {
  return {
    leaseKey: shard.ShardId!,
    leaseCounter: 0,
    checkpoint: TRIM_HORIZON,
    checkpointSubSequenceNumber: 0,
    ownerSwitchesSinceCheckpoint: 0,
    parentShardIds: parentsOf(shard),
    childShardIds: [],
    startingHashKey: shard.HashKeyRange?.StartingHashKey,
    endingHashKey: shard.HashKeyRange?.EndingHashKey,
  };
}

/** Creates the leases that are missing; returns the ids of shards that got a new lease. */
export async function syncShards(kinesis: KinesisClient, streamName: string, table: LeaseTable, known: ReadonlySet<string>): Promise<string[]> {
  const shards = await listShards(kinesis, streamName);
  const created: string[] = [];
  for (const shard of shards) {
    if (known.has(shard.ShardId!)) continue;
    if (await table.createIfMissing(newLease(shard))) created.push(shard.ShardId!);
    for (const parent of parentsOf(shard)) await table.addChildren(parent, [shard.ShardId!]);
  }
  return created;
}
