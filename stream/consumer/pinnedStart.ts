/**
 * Where a shard's reading starts when its lease holds no checkpoint. LATEST means the tip when
 * the shard was first started, pinned in its lease as a time that this owner and every later one
 * reads from (AT_TIMESTAMP) until the first checkpoint: a fresh LATEST for each owner skipped
 * every record put between the first owner's start and its first checkpoint (a kill -9 before the
 * first commit, a steal by a worker joining, a restart after a quiet spell), and those records
 * reached neither the lake, the DLQ nor any count. Every owner starts at the same place, so one
 * that redoes a pending unit reads the records it was cut from.
 */
import type { HeldLease } from './leases/heldLease.ts';
import { checkpointSequence } from './leases/lease.ts';
import type { StartingPosition } from './shardReader.ts';

/** Kinesis refuses an AT_TIMESTAMP later than its own clock: a worker's clock a little ahead must not make the pin one. */
const CLOCK_MARGIN_MS = 1_000;

export async function startingPositionFor(held: HeldLease, configured: StartingPosition | undefined, now: () => number): Promise<StartingPosition | undefined> {
  const lease = held.lease;
  // A child shard starts at its beginning: its parents' records came first and are done.
  if (lease.parentShardIds.length > 0) return 'TRIM_HORIZON';
  if (configured !== 'LATEST' || checkpointSequence(lease) !== undefined) return configured;
  if (lease.startingTimestamp === undefined) await held.pinStart(now() - CLOCK_MARGIN_MS);
  return { atTimestamp: held.lease.startingTimestamp! };
}
