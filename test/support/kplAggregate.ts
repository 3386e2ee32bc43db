/**
 * A KPL aggregate built by hand from its message (magic, protobuf body, MD5 of the body): for
 * aggregates that no well-behaved KPL writes (keys past 256 characters, empty sub-records, tables
 * of any shape), which tests put on streams and in recordings. Well-formed ones come from
 * awslabs' aws-kinesis-agg instead (test/stream/kpl/awsKinesisAgg.ts).
 */
import { createHash } from 'node:crypto';
import { AggregatedRecord, KPL_MAGIC } from '../../stream/kpl/aggregatedRecordFormat.ts';

export interface HandMadeAggregate {
  keys: string[];
  hashKeys?: string[];
  records: { partition_key_index: number; explicit_hash_key_index?: number; data: Uint8Array }[];
}

export function handMadeAggregate({ keys, hashKeys = [], records }: HandMadeAggregate): Buffer {
  const body = AggregatedRecord.encode(AggregatedRecord.create({ partition_key_table: keys, explicit_hash_key_table: hashKeys, records })).finish();
  return Buffer.concat([KPL_MAGIC, body, createHash('md5').update(body).digest()]);
}

/** An aggregate of `count` sub-records of no bytes under one key: each is a record, and a rejected one. */
export const emptySubRecords = (count: number): Buffer => handMadeAggregate({ keys: ['k'], records: Array.from({ length: count }, () => ({ partition_key_index: 0, data: new Uint8Array(0) })) });
