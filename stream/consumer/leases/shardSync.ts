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

/**
 * Creates the leases that are missing; returns the ids of shards that got a new lease, and the
 * shards listed. A shard one
 * of whose descendants has a lease gets none: its lease was deleted once its children had state of
 * their own (parentCleanup.ts), and Kinesis lists a closed shard for the whole retention period.
 * Created again at TRIM_HORIZON, with no parent lease left to wait for, it was read a second time,
 * every record of it written to the lake twice. The table is read here rather than trusting
 * `known`, the last scan, which is empty at a worker's first sync (a restart).
 */
export async function syncShards(kinesis: KinesisClient, streamName: string, table: LeaseTable, known: ReadonlySet<string>): Promise<{ created: string[]; shards: Shard[] }> {
  const shards = await listShards(kinesis, streamName);
  const leases = await table.list();
  const leased = new Set([...known, ...leases.map((lease) => lease.leaseKey)]);
  const childrenOf = new Map(leases.map((lease) => [lease.leaseKey, lease.childShardIds]));
  const superseded = supersededShards(shards, leased);
  const created: string[] = [];
  for (const shard of shards) {
    const shardId = shard.ShardId!;
    if (superseded.has(shardId)) continue;
    if (!leased.has(shardId) && (await table.createIfMissing(newLease(shard)))) created.push(shardId);
    // Also for a child whose lease exists: a worker killed between creating it and naming it in its
    // parent's lease left the parent without it, which the next sync puts right.
    // (A parent with no lease, cleaned up or not yet made by another worker, is left alone: the
    // update would only fail its condition, at every sync.)
    for (const parent of parentsOf(shard)) {
      const named = childrenOf.get(parent);
      if ((named !== undefined && !named.includes(shardId)) || created.includes(parent)) await table.addChildren(parent, [shardId]);
    }
  }
  return { created, shards };
}

/** The shards, of those listed, with a descendant (a child, a child's child...) among `leased`. */
export function supersededShards(shards: readonly Shard[], leased: ReadonlySet<string>): Set<string> {
  const children = new Map<string, string[]>();
  for (const shard of shards) for (const parent of parentsOf(shard)) children.set(parent, [...(children.get(parent) ?? []), shard.ShardId!]);
  const memo = new Map<string, boolean>();
  const hasLeasedDescendant = (shardId: string): boolean => {
    const known = memo.get(shardId);
    if (known !== undefined) return known;
    memo.set(shardId, false);
    const found = (children.get(shardId) ?? []).some((child) => leased.has(child) || hasLeasedDescendant(child));
    memo.set(shardId, found);
    return found;
  };
  return new Set(shards.map((shard) => shard.ShardId!).filter(hasLeasedDescendant));
}
