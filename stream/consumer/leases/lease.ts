/**
 * A shard lease as stored in the lease table: one item per shard, with the KCL 2.x attribute
 * names so operators' KCL tooling can read it, plus adstream's own fields (the state snapshot
 * reference and the pending batch range).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/** KCL's checkpoint sentinels besides real sequence numbers. */
export const TRIM_HORIZON = 'TRIM_HORIZON';
export const LATEST = 'LATEST';
export const SHARD_END = 'SHARD_END';

export interface Lease {
  leaseKey: string;
  leaseOwner?: string;
  leaseCounter: number;
  /** A sequence number, or TRIM_HORIZON / LATEST / SHARD_END. */
  checkpoint: string;
  checkpointSubSequenceNumber: number;
  ownerSwitchesSinceCheckpoint: number;
  parentShardIds: string[];
  childShardIds: string[];
  startingHashKey?: string;
  endingHashKey?: string;
  /**
   * With startingPosition LATEST: when the shard was first started (epoch ms), where every owner
   * reads from until the first checkpoint (stream/consumer/pinnedStart.ts).
   */
  startingTimestamp?: number;
  /** Snapshot of the shard's operator state taken with this checkpoint. */
  stateRef?: string;
  /**
   * The batch being committed: re-cut with the same bounds after a crash. `final` when it was
   * committed as the shard's last (every open window closed with it): the redo must close them
   * too, or its files and window partials differ from the crashed attempt's under the same names.
   */
  pending?: { first: string; last: string; final?: boolean };
  /**
   * The stream-window merge's lease only: steps its holders have ended. Its counter also moves
   * within a long step (renewed between reads, so that it does not expire), so a worker waiting
   * for a step to end counts these (StreamWindowMerge.finishRun).
   */
  mergeSteps?: number;
}

const s = (value: string): AttributeValue => ({ S: value });
const n = (value: number): AttributeValue => ({ N: String(value) });

export function leaseToItem(lease: Lease): Record<string, AttributeValue> {
  const item: Record<string, AttributeValue> = {
    leaseKey: s(lease.leaseKey),
    leaseCounter: n(lease.leaseCounter),
    checkpoint: s(lease.checkpoint),
    checkpointSubSequenceNumber: n(lease.checkpointSubSequenceNumber),
    ownerSwitchesSinceCheckpoint: n(lease.ownerSwitchesSinceCheckpoint),
  };
  if (lease.leaseOwner) item.leaseOwner = s(lease.leaseOwner);
  // KCL stores parents as a string set under `parentShardId`; DynamoDB sets cannot be empty.
  if (lease.parentShardIds.length) item.parentShardId = { SS: lease.parentShardIds };
  if (lease.childShardIds.length) item.childShardIds = { SS: lease.childShardIds };
  if (lease.startingHashKey) item.startingHashKey = s(lease.startingHashKey);
  if (lease.endingHashKey) item.endingHashKey = s(lease.endingHashKey);
  if (lease.startingTimestamp !== undefined) item.startingTimestamp = n(lease.startingTimestamp);
  if (lease.stateRef) item.stateRef = s(lease.stateRef);
  if (lease.pending) {
    item.pendingFirst = s(lease.pending.first);
    item.pendingLast = s(lease.pending.last);
    if (lease.pending.final) item.pendingFinal = { BOOL: true };
  }
  if (lease.mergeSteps !== undefined) item.mergeSteps = n(lease.mergeSteps);
  return item;
}

export function leaseFromItem(item: Record<string, AttributeValue>): Lease {
  return {
    leaseKey: item.leaseKey.S!,
    leaseOwner: item.leaseOwner?.S,
    leaseCounter: Number(item.leaseCounter?.N ?? 0),
    checkpoint: item.checkpoint?.S ?? TRIM_HORIZON,
    checkpointSubSequenceNumber: Number(item.checkpointSubSequenceNumber?.N ?? 0),
    ownerSwitchesSinceCheckpoint: Number(item.ownerSwitchesSinceCheckpoint?.N ?? 0),
    parentShardIds: item.parentShardId?.SS ?? [],
    childShardIds: item.childShardIds?.SS ?? [],
    startingHashKey: item.startingHashKey?.S,
    endingHashKey: item.endingHashKey?.S,
    startingTimestamp: item.startingTimestamp?.N === undefined ? undefined : Number(item.startingTimestamp.N),
    stateRef: item.stateRef?.S,
    pending: item.pendingFirst?.S && item.pendingLast?.S ? { first: item.pendingFirst.S, last: item.pendingLast.S, final: item.pendingFinal?.BOOL === true } : undefined,
    mergeSteps: item.mergeSteps?.N === undefined ? undefined : Number(item.mergeSteps.N),
  };
}

/** The sequence number to resume after, if the checkpoint holds one. */
export const checkpointSequence = (lease: Lease): string | undefined => (/^\d+$/.test(lease.checkpoint) ? lease.checkpoint : undefined);
