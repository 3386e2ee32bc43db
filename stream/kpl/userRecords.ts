/**
 * A shard's records as the pipeline takes them: KPL aggregates opened into their user records
 * (each with its sub-sequence number), plain records passed through. The live worker and replay
 * both read through this, so a recording of a stream with aggregates replays to what the worker
 * wrote from it.
 *
 * Nothing an aggregate held is dropped without a trace: a sub-record outside the shard's hash
 * range (`range`; see deaggregate.ts) and an aggregate that fails its checksum or does not parse
 * come out carrying their rejection, and the pipeline sends them to the DLQ with it. The KCL drops
 * the first silently and logs the second; an aggregator that does not re-put misrouted records
 * then loses them (awslabs/kinesis-aggregation warns "DATA LOSS CAN OCCUR"). From the DLQ,
 * `adstream dlq replay` puts each back with its own partition key and explicit hash key, which
 * route it to its shard; a copy the KPL re-put there already is a duplicate by event id.
 */
import type { SourceRecord } from '../pipeline/batch.ts';
import type { Rejection } from '../events/types.ts';
import { deaggregateUpTo, type DeaggregatedRecord } from './deaggregate.ts';
import type { HashRange } from './hashKey.ts';
import { hasKplMagic } from './aggregatedRecordFormat.ts';

function rejectionOf(record: DeaggregatedRecord, shardId: string): Rejection | undefined {
  switch (record.kplError) {
    case 'kpl_checksum_mismatch':
      return { reason: 'kpl_checksum_mismatch', detail: `a KPL aggregate of ${record.data.length} bytes whose MD5 does not match its body` };
    case 'kpl_malformed':
      return { reason: 'kpl_malformed', detail: `a KPL aggregate of ${record.data.length} bytes that does not parse, has a table index out of range, or holds no records` };
  }
  if (record.outsideShard) {
    return {
      reason: 'kpl_outside_shard',
      detail: `sub-record ${record.subSequenceNumber} of a KPL aggregate, whose ${record.explicitHashKey === undefined ? `partition key ${JSON.stringify(record.partitionKey.slice(0, 60))}` : `explicit hash key ${record.explicitHashKey}`} hashes outside ${shardId}'s range (a producer that does not re-put misrouted records, or a put before a reshard)`,
    };
  }
  return undefined;
}

/**
 * The most user records one part of the pipeline takes at once: a GetRecords result's worth of
 * plain records (it returns at most 10,000). A read of aggregates holds many more, and a
 * producer's empty sub-records about 170,000 in each 1 MiB record: a worker that processed a
 * read of twenty such aggregates whole (3.4 million records at once) grew to 3.6 GB.
 */
export const PART_RECORDS = 10_000;

export function userRecordsOf(shardId: string, raw: SourceRecord[], range: HashRange | undefined): SourceRecord[] {
  return userRecordsUpTo(shardId, raw, range, Infinity).records;
}

/**
 * The user records of `raw` from index `from` on that fit in `maxRecords` (at least one Kinesis
 * record, never part of an aggregate), and how many of `raw` they came from (`taken`).
 */
export function userRecordsUpTo(shardId: string, raw: SourceRecord[], range: HashRange | undefined, maxRecords: number, from = 0): { records: SourceRecord[]; taken: number } {
  if (!raw.some((record) => hasKplMagic(record.data))) {
    const taken = Math.min(raw.length - from, Math.max(1, maxRecords));
    return { records: from === 0 && taken === raw.length ? raw : raw.slice(from, from + taken), taken };
  }
  const { records, taken } = deaggregateUpTo(raw, range, maxRecords, from);
  return {
    taken,
    records: records.map((record) => ({
      shardId,
      sequenceNumber: record.sequenceNumber,
      // Only a sub-record of an aggregate has one: a plain record read beside an aggregate has
      // none, as it has when read alone, so the DLQ says the same however reads were cut.
      subSequenceNumber: record.aggregated ? record.subSequenceNumber : undefined,
      partitionKey: record.partitionKey,
      explicitHashKey: record.explicitHashKey,
      arrivalTime: record.arrivalTime,
      data: record.data,
      rejection: rejectionOf(record, shardId),
    })),
  };
}

/**
 * `raw`'s user records in parts of at most `maxRecords` each, an aggregate that holds more split
 * between parts (where a part ends does not change what it gives, as dedupe and lateness are
 * decided per record).
 */
export function* userRecordParts(shardId: string, raw: SourceRecord[], range: HashRange | undefined, maxRecords = PART_RECORDS): Generator<SourceRecord[]> {
  // Plain records are looked over for the KPL magic once, not again for every part.
  if (!raw.some((record) => hasKplMagic(record.data))) {
    for (let at = 0; at < raw.length; at += maxRecords) yield at === 0 && raw.length <= maxRecords ? raw : raw.slice(at, at + maxRecords);
    return;
  }
  for (let from = 0; from < raw.length; ) {
    const { records, taken } = userRecordsUpTo(shardId, raw, range, maxRecords, from);
    from += taken;
    if (records.length <= maxRecords) yield records;
    else for (let at = 0; at < records.length; at += maxRecords) yield records.slice(at, at + maxRecords);
  }
}
