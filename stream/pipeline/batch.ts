import type { Rejection } from '../events/types.ts';

/**
 * Records move through the pipeline as batches: one emission per GetRecords result (or per
 * replayed chunk). A batch carries its shard and sequence range so acks can move the checkpoint.
 */
export interface SourceRecord {
  shardId: string;
  sequenceNumber: string;
  partitionKey: string;
  /** ApproximateArrivalTimestamp, epoch ms. */
  arrivalTime: number;
  data: Uint8Array;
  /** Index within a KPL aggregate (0 for a plain record). */
  subSequenceNumber?: number;
  /** A KPL sub-record's own explicit hash key: it, not the partition key, says which shard the record belongs to. */
  explicitHashKey?: string;
  /** Known bad before decoding (a broken KPL aggregate, a sub-record of another shard): rejected with this. */
  rejection?: Rejection;
}

export interface RecordBatch {
  stream: string;
  shardId: string;
  records: SourceRecord[];
  /** MillisBehindLatest reported with this batch (0 when caught up). */
  millisBehindLatest: number;
}
