/**
 * A lease this worker holds. Its writes (renew, pending, checkpoint, release) go through one
 * queue so they never race each other on the counter (a renewal racing a checkpoint would fence
 * out its own worker). The first write that finds the counter moved marks the lease lost and
 * aborts `signal` (its reason that write's LeaseLostError), which stops the shard's processing
 * before it can write anything else.
 */
import { SHARD_END, type Lease } from './lease.ts';
import { LeaseLostError, type LeaseTable } from './leaseTable.ts';
import { SerialQueue } from '../../async/serialQueue.ts';

/** How long the lease is safely ours after a write was sent: other workers take it once its counter has stood still for failoverTimeMs of their clocks. */
export interface LeaseExpiry {
  /** Monotonic milliseconds. */
  now: () => number;
  failoverTimeMs: number;
  /** When the write that gave us the lease (the take) was sent. */
  takenAt: number;
}

export class HeldLease {
  private readonly lost = new AbortController();
  private readonly writes = new SerialQueue();
  /** When the last write that succeeded was sent: no other worker can have seen the counter it set before then. */
  private confirmedAt: number | undefined;

  constructor(
    private readonly table: LeaseTable,
    private current: Lease,
    readonly workerId: string,
    private readonly expiry?: LeaseExpiry,
  ) {
    this.confirmedAt = expiry?.takenAt;
  }

  get shardId(): string {
    return this.current.leaseKey;
  }

  get lease(): Lease {
    return this.current;
  }

  /** Aborted when the lease is found lost. */
  get signal(): AbortSignal {
    return this.lost.signal;
  }

  get isLost(): boolean {
    return this.lost.signal.aborted;
  }

  /**
   * Throws once the lease is known lost (a renewal or another write found its counter moved), or
   * may be (none of its writes has succeeded for failoverTimeMs: another worker may have taken
   * it, as KCL counts a lease its own only until then), before an effect of the unit in hand that
   * others would see twice: its new owner redoes the unit from the pending range and writes
   * every effect itself. In memory, no write. Without the second test a worker paused past its
   * lease's expiry (a long GC pause, a frozen VM) and then resumed wrote the unit's files,
   * alerts and partials until its checkpoint was refused, its renewal being no earlier in line.
   */
  ensureHeld(): void {
    if (!this.isLost && this.expiry && this.confirmedAt !== undefined) {
      const quiet = this.expiry.now() - this.confirmedAt;
      if (quiet >= this.expiry.failoverTimeMs) this.lost.abort(new LeaseLostError(this.shardId, 'ensureHeld', `not renewed for ${Math.round(quiet)} ms, past failoverTimeMs: another worker may hold it`));
    }
    if (this.isLost) throw this.lost.signal.reason as LeaseLostError;
  }

  renew(): Promise<void> {
    return this.write('renew', {});
  }

  /** Pins where a shard with no checkpoint starts, for every later owner (pinnedStart.ts). */
  pinStart(timestamp: number): Promise<void> {
    return this.write('pinStart', { set: { startingTimestamp: { N: String(timestamp) } } });
  }

  markPending(first: string, last: string, final = false): Promise<void> {
    return this.write('markPending', { set: { pendingFirst: { S: first }, pendingLast: { S: last }, pendingFinal: { BOOL: final } } });
  }

  /** Moves the checkpoint (a sequence number or SHARD_END) with its state snapshot; clears pending. */
  checkpoint(checkpoint: string, stateRef: string | undefined, subSequenceNumber = 0): Promise<void> {
    const set: Record<string, { S: string } | { N: string }> = {
      checkpoint: { S: checkpoint },
      checkpointSubSequenceNumber: { N: String(subSequenceNumber) },
      ownerSwitchesSinceCheckpoint: { N: '0' },
    };
    if (stateRef) set.stateRef = { S: stateRef };
    return this.write('checkpoint', { set, remove: ['pendingFirst', 'pendingLast', 'pendingFinal'] });
  }

  shardEnded(stateRef: string | undefined): Promise<void> {
    return this.checkpoint(SHARD_END, stateRef);
  }

  /** Gives the lease up so another worker can take it at once instead of after expiry. */
  release(): Promise<void> {
    return this.write('release', { remove: ['leaseOwner'] }).finally(() => this.lost.abort(new LeaseLostError(this.shardId, 'release', 'released')));
  }

  private write(operation: string, change: Parameters<LeaseTable['update']>[3]): Promise<void> {
    return this.writes.run(async () => {
      if (this.isLost) throw new LeaseLostError(this.shardId, operation);
      const sentAt = this.expiry?.now();
      try {
        this.current = await this.table.update(this.shardId, this.current.leaseCounter, operation, { ...change, owner: this.workerId });
        this.confirmedAt = sentAt;
      } catch (error) {
        if (error instanceof LeaseLostError) this.lost.abort(error);
        throw error;
      }
    });
  }
}
