/**
 * A shard's records as the pipeline takes them: KPL aggregates opened into their user records
 * (each with its sub-sequence number), plain records passed through. The live worker and replay
 * both read through this, so a recording of a stream with aggregates replays to what the worker
 * wrote from it.
 */
import type { SourceRecord } from '../pipeline/batch.ts';
import { deaggregateAll } from './deaggregate.ts';
import type { HashRange } from './hashKey.ts';
import { hasKplMagic } from './aggregatedRecordFormat.ts';

/**
 * `range` is the shard's hash key range: a sub-record whose explicit hash key falls outside it
 * was left there by a reshard and belongs to another shard, so it is dropped and reported to
 * `onDropped`, as the KCL does. Without a range nothing is dropped.
 */
export function userRecordsOf(shardId: string, raw: SourceRecord[], range: HashRange | undefined, onDropped: () => void): SourceRecord[] {
  if (!raw.some((record) => hasKplMagic(record.data))) return raw;
  return deaggregateAll(raw, range, { onDropped }).map((record) => ({
    shardId,
    sequenceNumber: record.sequenceNumber,
    subSequenceNumber: record.subSequenceNumber,
    partitionKey: record.partitionKey,
    arrivalTime: record.arrivalTime,
    data: record.data,
  }));
}
