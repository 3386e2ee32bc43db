/**
 * Keeps this worker's share of the leases: every `failoverTimeMs / 3` it renews what it holds,
 * scans the table, and takes (or steals) what the balancing rule says; every
 * `shardSyncIntervalMs` it also discovers new shards. It reports leases acquired and lost; the
 * worker starts and stops shard processing accordingly.
 */
import type { KinesisClient, Shard } from '@aws-sdk/client-kinesis';
import { ConfigError } from '../../config/load.ts';
import { HeldLease } from './heldLease.ts';
import type { Lease } from './lease.ts';
import { LeaseLostError, type LeaseTable } from './leaseTable.ts';
import { LeaseObserver, decideTakes } from './leaseTaker.ts';
import { syncShards } from './shardSync.ts';

export type ConsumerEventName =
  | 'consumer.lease_taken'
  | 'consumer.lease_stolen'
  | 'consumer.lease_lost'
  /** A lease was found lost while its shard's unit was being committed: the rest of that commit is left to the new owner. */
  | 'consumer.commit_abandoned'
  | 'consumer.lease_released'
  /** Leases in this worker's name it does not hold (its previous life's, most likely), first seen: taken back once unrenewed. */
  | 'consumer.own_leases_waiting'
  | 'consumer.shard_started'
  | 'consumer.shard_ended'
  | 'consumer.shards_discovered'
  /** A reshard's parent whose children have state of their own: its state objects and lease deleted (parentCleanup.ts). */
  | 'consumer.parent_cleaned_up'
  | 'consumer.renew_failed'
  | 'consumer.read_failed'
  | 'consumer.stream_windows_failed'
  | 'consumer.state_cleanup_failed';

export interface ConsumerEvent {
  name: ConsumerEventName;
  workerId: string;
  shardId?: string;
  detail?: string;
}

export interface CoordinatorOptions {
  table: LeaseTable;
  kinesis: KinesisClient;
  streamName: string;
  workerId: string;
  failoverTimeMs: number;
  shardSyncIntervalMs: number;
  /** Monotonic milliseconds. */
  now: () => number;
  onAcquired: (held: HeldLease) => void;
  onLost: (held: HeldLease) => void;
  onEvent: (event: ConsumerEvent) => void;
}

/**
 * Another live process uses this worker's id: each would keep taking the other's leases. A
 * configuration mistake found at run time, so a usage error (exit 2) like any other.
 */
export class WorkerIdClashError extends ConfigError {
  constructor(workerId: string, leaseKey: string) {
    super(
      `another worker is running with worker id "${workerId}" (it renewed the lease of ${leaseKey}, which this one does not hold): give each worker its own ADSTREAM_WORKER_ID (or --worker-id), or leave it unset for <host>-<pid>.`,
    );
  }
}

/**
 * Why a worker restarted under its old id after a crash reads nothing for a while: it waits to
 * see that nobody renews the leases in its name (see checkWorkerIdIsOurs). Said, so an operator
 * does not take the quiet for a hang.
 */
export function ownLeasesWaiting(leaseKeys: string[], workerId: string, waitMs: number): string {
  const named = leaseKeys.length > 3 ? `${leaseKeys.slice(0, 3).join(', ')} and ${leaseKeys.length - 3} more` : leaseKeys.join(', ');
  const leases = leaseKeys.length === 1 ? 'a lease' : `${leaseKeys.length} leases`;
  return `${leases} in worker id "${workerId}"'s name that this process does not hold (${named}): left by an earlier run under this id, most likely (killed before it released them); taken back once nobody has renewed them for ${(waitMs / 1000).toFixed(1)} s.`;
}

export class LeaseCoordinator {
  readonly held = new Map<string, HeldLease>();
  private readonly observer = new LeaseObserver();
  /**
   * Leases in our name we did not hold at the last scan: their counter, in how many scans in a
   * row it had moved, and since when (this process's clock) it has not.
   */
  private unheldOwn = new Map<string, { counter: number; moves: number; still: number }>();
  private lastSync = Number.NEGATIVE_INFINITY;
  private taking = true;
  /** The last scan of the table, for readiness reports and bounded runs. */
  leases: Lease[] = [];
  /** The stream's shards at the last shard discovery; undefined before the first. */
  shards: Shard[] | undefined;
  private scannedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: CoordinatorOptions) {}

  get intervalMs(): number {
    return Math.max(50, Math.floor(this.options.failoverTimeMs / 3));
  }

  stopTaking(): void {
    this.taking = false;
  }

  async tick(): Promise<void> {
    const { table, workerId, now } = this.options;
    await this.renewAll();
    if (this.taking && now() - this.lastSync >= this.options.shardSyncIntervalMs) {
      this.lastSync = now();
      const { created, shards } = await syncShards(this.options.kinesis, this.options.streamName, table, new Set(this.leases.map((l) => l.leaseKey)));
      this.shards = shards;
      if (created.length) this.emit('consumer.shards_discovered', undefined, created.join(','));
    }
    this.leases = await table.list();
    const scannedAt = now();
    this.scannedAt = scannedAt;
    this.observer.observe(this.leases, scannedAt);
    this.checkWorkerIdIsOurs(scannedAt);
    if (!this.taking) return;
    // Leases we hold but the table says someone else owns: lost (our next write would fail anyway).
    for (const lease of this.leases) {
      const held = this.held.get(lease.leaseKey);
      if (held && lease.leaseOwner !== workerId) await this.renewOne(held);
    }
    // A lease in our name that we do not hold is from this worker's previous life (same worker
    // id, restarted), free to take back once its counter has stood still for two renewal
    // intervals: nobody renews it. Until then it may be another live process's with our id
    // (checkWorkerIdIsOurs), and taking it would only make that one take it back in turn.
    // While it waits, such a lease counts as this worker's for balancing (it most likely is, from
    // its previous life): counted as another worker's, it made a restarted worker steal from a
    // healthy one and leave one of its own unread. Once seen renewed, it is a twin's.
    const twin = `${workerId} (another process)`;
    const visible = this.leases.map((lease) => {
      if (this.held.has(lease.leaseKey)) return { ...lease, leaseOwner: workerId };
      if (lease.leaseOwner !== workerId) return lease;
      const own = this.unheldOwn.get(lease.leaseKey);
      if (own !== undefined && own.moves > 0) return { ...lease, leaseOwner: twin };
      const abandoned = own !== undefined && scannedAt - own.still >= 2 * this.intervalMs;
      return abandoned ? { ...lease, leaseOwner: undefined } : { ...lease, leaseOwner: workerId };
    });
    const decision = decideTakes(visible, workerId, (lease) => lease.leaseOwner !== workerId && this.observer.isExpired(lease, scannedAt, this.options.failoverTimeMs));
    const stored = new Map(this.leases.map((lease) => [lease.leaseKey, lease]));
    for (const lease of decision.take) await this.take(stored.get(lease.leaseKey)!, 'consumer.lease_taken');
    // Never steal from a process that may be our twin: stolen back at once, the lease never
    // showed the twin renewing it on two scans in a row, and the two traded every lease for
    // ever, committing nothing. Left alone, the twin's renewals stop this worker.
    if (decision.steal && decision.steal.leaseOwner !== twin) await this.take(stored.get(decision.steal.leaseKey)!, 'consumer.lease_stolen');
  }

  /**
   * A lease in our name that we do not hold is normally our previous life's, taken back at once
   * (below); nobody renews it. One renewed between scans, twice in a row, is held by another live
   * process with our worker id. Taking it back would make that one lose it and take it back in
   * turn, forever, each re-reading the shard's records and committing almost none, so this stops
   * the worker with one clear sentence instead. Twice: one move can be our own, a take whose
   * first attempt succeeded but was reported lost (the SDK retried it).
   */
  private checkWorkerIdIsOurs(scannedAt: number): void {
    const { workerId } = this.options;
    const unheld = new Map<string, { counter: number; moves: number; still: number }>();
    const firstSeen: string[] = [];
    for (const lease of this.leases) {
      if (lease.leaseOwner !== workerId || this.held.has(lease.leaseKey)) continue;
      const before = this.unheldOwn.get(lease.leaseKey);
      if (before === undefined) firstSeen.push(lease.leaseKey);
      // A lease just lost (counter unknown, NaN) keeps its one move until a later scan shows whether it moves on.
      const lost = before !== undefined && Number.isNaN(before.counter);
      const moved = before !== undefined && !lost && before.counter !== lease.leaseCounter;
      const still = before === undefined || lost || moved ? scannedAt : before.still;
      // Moves in a row: a scan soon after the last (a tick on a lost lease) shows no move yet, so
      // only a counter still for two renewal intervals starts the count again.
      const quiet = scannedAt - still >= 2 * this.intervalMs;
      const moves = before === undefined ? 0 : lost ? before.moves : moved ? before.moves + 1 : quiet ? 0 : before.moves;
      if (moves >= 2) throw new WorkerIdClashError(workerId, lease.leaseKey);
      unheld.set(lease.leaseKey, { counter: lease.leaseCounter, moves, still });
    }
    this.unheldOwn = unheld;
    if (firstSeen.length) this.emit('consumer.own_leases_waiting', undefined, ownLeasesWaiting(firstSeen, workerId, 2 * this.intervalMs));
  }

  /**
   * Whether, at the last scan, another worker held `lease` and had been seen renewing it. A name
   * on a lease is not enough: a worker killed long ago leaves its name there, and a bounded run
   * that took that for a live owner ended at once, reading nothing.
   */
  heldByAnother(lease: Lease): boolean {
    const { workerId, failoverTimeMs } = this.options;
    return lease.leaseOwner !== workerId && this.observer.isRenewedByOwner(lease, this.scannedAt, failoverTimeMs);
  }

  /** Forgets a lease whose shard is done (ended and checkpointed, or released). */
  drop(shardId: string): void {
    this.held.delete(shardId);
  }

  async releaseAll(): Promise<void> {
    await Promise.all(
      [...this.held.values()].map(async (held) => {
        try {
          await held.release();
          this.emit('consumer.lease_released', held.shardId);
        } catch {
          // Lost already: nothing of ours to release.
        }
        this.held.delete(held.shardId);
      }),
    );
  }

  private async take(lease: Lease, event: 'consumer.lease_taken' | 'consumer.lease_stolen'): Promise<void> {
    try {
      const { now, failoverTimeMs } = this.options;
      const takenAt = now();
      const taken = await this.options.table.take(lease, this.options.workerId);
      const held = new HeldLease(this.options.table, taken, this.options.workerId, { now, failoverTimeMs, takenAt });
      this.held.set(lease.leaseKey, held);
      this.emit(event, lease.leaseKey, lease.leaseOwner ? `from ${lease.leaseOwner}` : undefined);
      this.options.onAcquired(held);
    } catch (error) {
      // Someone else moved first: try again at the next scan.
      if (!(error instanceof LeaseLostError)) throw error;
    }
  }

  private async renewAll(): Promise<void> {
    await Promise.all([...this.held.values()].map((held) => this.renewOne(held)));
  }

  private async renewOne(held: HeldLease): Promise<void> {
    try {
      await held.renew();
    } catch (error) {
      if (error instanceof LeaseLostError) {
        this.held.delete(held.shardId);
        // Someone moved its counter: if it is still in our name, watch it before taking it back.
        this.unheldOwn.set(held.shardId, { counter: Number.NaN, moves: 1, still: this.options.now() });
        this.emit('consumer.lease_lost', held.shardId);
        this.options.onLost(held);
      } else {
        // A network blip: keep the lease and retry at the next tick; if it persists, the lease
        // expires for others and the fence stops us from writing over the new owner.
        this.emit('consumer.renew_failed', held.shardId, (error as Error).message);
      }
    }
  }

  private emit(name: ConsumerEventName, shardId?: string, detail?: string): void {
    this.options.onEvent({ name, workerId: this.options.workerId, shardId, detail });
  }
}
