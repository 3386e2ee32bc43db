/**
 * Which leases a worker should take, decided from a scan of the lease table. Pure: the caller
 * supplies the time (a monotonic clock) and keeps the observations between scans.
 *
 * Expiry is judged by watching counters, never by comparing clocks between machines: a lease is
 * expired when its counter has not moved for `failoverTimeMs` of this worker's monotonic time.
 * Balancing aims every worker at ceil(leases / workers): unowned and expired leases are taken
 * first; only when none is left does a worker below target steal, one lease per scan, from the
 * most loaded worker, and only if that worker is above target (so two workers never trade the
 * same lease back and forth).
 */
import { SHARD_END, type Lease } from './lease.ts';

interface Observation {
  counter: number;
  owner: string | undefined;
  /** Monotonic time when the counter was last seen to change. */
  since: number;
  /** Whether its owner has been seen to renew it: a lease seen once may be a dead worker's. */
  renewed: boolean;
}

export class LeaseObserver {
  private readonly seen = new Map<string, Observation>();

  observe(leases: readonly Lease[], now: number): void {
    const present = new Set<string>();
    for (const lease of leases) {
      present.add(lease.leaseKey);
      const previous = this.seen.get(lease.leaseKey);
      if (!previous || previous.counter !== lease.leaseCounter || previous.owner !== lease.leaseOwner) {
        const renewed = previous !== undefined && previous.owner === lease.leaseOwner;
        this.seen.set(lease.leaseKey, { counter: lease.leaseCounter, owner: lease.leaseOwner, since: now, renewed });
      }
    }
    for (const key of this.seen.keys()) if (!present.has(key)) this.seen.delete(key);
  }

  /** Whether its owner is alive: seen to renew it, and not since gone quiet for failoverTimeMs. */
  isRenewedByOwner(lease: Lease, now: number, failoverTimeMs: number): boolean {
    const observation = this.seen.get(lease.leaseKey);
    return lease.leaseOwner !== undefined && observation !== undefined && observation.renewed && !this.isExpired(lease, now, failoverTimeMs);
  }

  isExpired(lease: Lease, now: number, failoverTimeMs: number): boolean {
    if (!lease.leaseOwner) return false;
    const observation = this.seen.get(lease.leaseKey);
    return observation !== undefined && now - observation.since >= failoverTimeMs;
  }
}

export interface TakeDecision {
  /** Unowned or expired leases to take. */
  take: Lease[];
  /** A lease to steal from the most loaded worker, if balancing calls for it. */
  steal?: Lease;
  /** The share each worker aims at. */
  target: number;
}

/** A lease can be processed once its shard is open and every parent has been read to its end. */
export function isProcessable(lease: Lease, byKey: ReadonlyMap<string, Lease>): boolean {
  if (lease.checkpoint === SHARD_END) return false;
  return lease.parentShardIds.every((parent) => {
    const parentLease = byKey.get(parent);
    // A parent with no lease was trimmed (or never tracked): nothing of it is left to read first.
    return parentLease === undefined || parentLease.checkpoint === SHARD_END;
  });
}

export function decideTakes(
  leases: readonly Lease[],
  workerId: string,
  isExpired: (lease: Lease) => boolean,
): TakeDecision {
  const byKey = new Map(leases.map((lease) => [lease.leaseKey, lease]));
  const processable = leases.filter((lease) => isProcessable(lease, byKey));
  const liveOwner = (lease: Lease) => (lease.leaseOwner && !isExpired(lease) ? lease.leaseOwner : undefined);
  const loads = new Map<string, Lease[]>([[workerId, []]]);
  for (const lease of processable) {
    const owner = liveOwner(lease);
    if (owner) loads.set(owner, [...(loads.get(owner) ?? []), lease]);
  }
  const target = Math.ceil(processable.length / loads.size);
  const mine = loads.get(workerId)!.length;
  const needed = target - mine;
  if (needed <= 0) return { take: [], target };

  const free = processable.filter((lease) => liveOwner(lease) === undefined);
  // Unowned before expired: an unowned lease was released on purpose and is safe to take at once.
  free.sort((a, b) => Number(Boolean(a.leaseOwner)) - Number(Boolean(b.leaseOwner)) || a.leaseKey.localeCompare(b.leaseKey));
  if (free.length > 0) return { take: free.slice(0, needed), target };

  let busiest: Lease[] = [];
  for (const [owner, held] of loads) if (owner !== workerId && held.length > busiest.length) busiest = held;
  const overTarget = busiest.length > target || (busiest.length === target && needed > 1);
  if (!overTarget) return { take: [], target };
  return { take: [], steal: [...busiest].sort((a, b) => a.leaseKey.localeCompare(b.leaseKey))[busiest.length - 1], target };
}
