/** What a worker has done in this run: every input record lands in exactly one of the outcomes. */

export interface ShardProgress {
  lastSequenceNumber?: string;
  records: number;
  bytes: number;
  millisBehindLatest: number;
  caughtUp: boolean;
  finished: boolean;
}

export interface WorkerStats {
  /**
   * Records processed so far, committed or not: what a progress line shows while a commit unit
   * fills (units gather up to lakeFileTargetBytes, so `recordsIn` moves in steps). A unit dropped
   * on a lost lease counts here and is read again by its next owner.
   */
  recordsRead: number;
  /** Records in committed units; every one of them is written, rejected or a duplicate. */
  recordsIn: number;
  bytesIn: number;
  /** Valid first-seen events written to the lake (late ones included). */
  written: number;
  rejected: number;
  rejectedByReason: Record<string, number>;
  duplicates: number;
  /** Written, but after their window closed: counted here, excluded from window metrics. */
  late: number;
  filesWritten: number;
  bytesWritten: number;
  /** Times a commit unit's rows outgrew their memory budget and went to local disk. */
  spills: number;
  metricEvents: number;
  /**
   * How many notifications the worker's shards sent (the stream-wide merge's, the shards' quality
   * alerts among them, are in its own stats). A count, not the notifications: only their number was
   * ever read, and a live worker kept every one it had sent (about 2.5 KB each) for as long as it ran.
   */
  alerts: number;
  /** Processing-lag notifications (about the consumer, not the data: not in `alerts`). */
  lagAlerts: number;
  shards: Record<string, ShardProgress>;
  leasesTaken: number;
  leasesStolen: number;
  leasesLost: number;
}

export function emptyStats(): WorkerStats {
  return {
    recordsRead: 0,
    recordsIn: 0,
    bytesIn: 0,
    written: 0,
    rejected: 0,
    rejectedByReason: {},
    duplicates: 0,
    late: 0,
    filesWritten: 0,
    bytesWritten: 0,
    spills: 0,
    metricEvents: 0,
    alerts: 0,
    lagAlerts: 0,
    shards: {},
    leasesTaken: 0,
    leasesStolen: 0,
    leasesLost: 0,
  };
}
