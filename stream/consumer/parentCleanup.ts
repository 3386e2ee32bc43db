/**
 * What a reshard leaves behind: a parent shard's SHARD_END lease, its final snapshot and its dedupe
 * segments, which nothing deleted (a soak: up to a horizon of ids, 25 MB at 700 records/s, for
 * every reshard). A parent is cleaned up once every child has committed state of its own, as the
 * KCL deletes a completed shard's lease once its children are past their start and its own
 * parents' leases are gone (LeaseCleanupManager); here the state objects go first, in this order,
 * each step safe to be killed after and done again by any worker:
 *
 * 1. The lease forgets its snapshot (and any owner name: a worker killed between SHARD_END and its
 *    release left its name there). Fenced on the counter read. No child needs it any more: each
 *    loads its own snapshot (Worker.initialState reads the parents' only for a child without one).
 * 2. Every object in the parent's state directory that no descendant's committed snapshot names is
 *    deleted. A child's snapshots keep naming the parent's segments it inherited until their
 *    bucket expires (dedupe.ts), so those stay, and with them the lease, up to a horizon.
 * 3. With the directory empty, the lease goes, only as read (SHARD_END, counter unmoved, no
 *    snapshot named). Shard discovery does not create it again: a descendant has a lease
 *    (shardSync.ts).
 *
 * Parents before children: a shard is cleaned up only once its own parents' leases are gone, so the
 * descendants of a parent being cleaned up are always found through the table's childShardIds.
 */
import type { Shard } from '@aws-sdk/client-kinesis';
import { SHARD_END, type Lease } from './leases/lease.ts';
import { LeaseLostError, type LeaseTable } from './leases/leaseTable.ts';
import { parentsOf } from './leases/shardSync.ts';
import type { StateStore } from './stateStore.ts';

/**
 * Cleans up what it can of every ended parent in `leases` (a scan of the table), `shards` the
 * stream's shards as last listed; returns the shards whose lease it deleted. `goOn` is asked
 * before each parent: the worker renews its leases between passes, and a stream that doubled
 * its shards has as many parents to clean up at once.
 */
export async function cleanUpEndedParents(
  leases: readonly Lease[],
  shards: readonly Shard[],
  table: LeaseTable,
  stateStore: StateStore,
  stream: string,
  goOn: () => boolean = () => true,
): Promise<string[]> {
  const lineage = new Lineage(leases, shards);
  const deleted: string[] = [];
  for (const lease of leases) {
    if (!lineage.readyForCleanup(lease)) continue;
    if (!goOn()) break;
    let current = lease;
    if (current.stateRef || current.leaseOwner) {
      try {
        current = await table.update(current.leaseKey, current.leaseCounter, 'forgetState', { remove: ['stateRef', 'leaseOwner'] });
      } catch (error) {
        // Moved since the scan (another worker cleaning it up): looked at again at the next pass.
        if (error instanceof LeaseLostError) continue;
        throw error;
      }
    }
    const refs = lineage.descendantsOf(current.leaseKey).flatMap((descendant) => (descendant.stateRef ? [descendant.stateRef] : []));
    if (!(await stateStore.removeEndedShard(stream, current.leaseKey, refs))) continue;
    if (await table.deleteEnded(current)) deleted.push(current.leaseKey);
  }
  return deleted;
}

class Lineage {
  private readonly byKey: Map<string, Lease>;
  private readonly listed: Set<string>;
  /** Per shard, its children as the listing, the leases' parents and the parents' childShardIds record them. */
  private readonly children = new Map<string, Set<string>>();

  constructor(leases: readonly Lease[], shards: readonly Shard[]) {
    this.byKey = new Map(leases.map((lease) => [lease.leaseKey, lease]));
    this.listed = new Set(shards.map((shard) => shard.ShardId!));
    for (const shard of shards) for (const parent of parentsOf(shard)) this.addChild(parent, shard.ShardId!);
    for (const lease of leases) {
      for (const parent of lease.parentShardIds) this.addChild(parent, lease.leaseKey);
      for (const child of lease.childShardIds) this.addChild(lease.leaseKey, child);
    }
  }

  private addChild(parent: string, child: string): void {
    let children = this.children.get(parent);
    if (!children) this.children.set(parent, (children = new Set()));
    children.add(child);
  }

  /**
   * An ended shard with children, every one of which has a lease with committed state of its own
   * (or ended with none, having had no record: its children started without state), and no parent
   * lease left. Its children are taken from the listing too: a worker killed between creating a
   * split's first child's lease and the second's left the parent naming one child, and cleaned up
   * on that child's word alone, the second child would have started without its parent's state.
   * A listing older than the reshard shows none, and the parent waits for the next.
   */
  readyForCleanup(lease: Lease): boolean {
    if (lease.checkpoint !== SHARD_END) return false;
    if (lease.parentShardIds.some((parent) => this.byKey.has(parent))) return false;
    const children = [...(this.children.get(lease.leaseKey) ?? [])];
    const listedWithChildren = !this.listed.has(lease.leaseKey) || children.some((child) => this.listed.has(child));
    if (children.length === 0 || !listedWithChildren) return false;
    return children.every((child) => {
      const childLease = this.byKey.get(child);
      return childLease !== undefined && (childLease.stateRef !== undefined || childLease.checkpoint === SHARD_END);
    });
  }

  /** Every lease that descends from `shardId`. */
  descendantsOf(shardId: string): Lease[] {
    const found = new Map<string, Lease>();
    const next = [...(this.children.get(shardId) ?? [])];
    for (let child = next.pop(); child !== undefined; child = next.pop()) {
      const descendant = this.byKey.get(child);
      if (!descendant || found.has(child)) continue;
      found.set(child, descendant);
      next.push(...(this.children.get(child) ?? []));
    }
    return [...found.values()];
  }
}
