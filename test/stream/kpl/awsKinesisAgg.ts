/**
 * awslabs' aws-kinesis-agg (npm), the KPL-compatible aggregator, wrapped for tests and the bench:
 * it is the independent implementation our deaggregation is checked against. Its bundled
 * declarations miss RecordAggregator and describe `aggregate` loosely, hence the narrow types here.
 *
 * Two faults of aws-kinesis-agg 4.2.8 that tests must step around (ours has neither):
 * - its aggregator builds the partition-key table with Object.keys, which puts integer-like keys
 *   ("42") first, so records are mislabelled when such a key is not the first one seen;
 * - its deaggregator gives sub-records without an explicit hash key the table's first one.
 */
import agg from 'aws-kinesis-agg';

export interface UserRecordIn {
  partitionKey: string;
  explicitHashKey?: string;
  data: Uint8Array;
}

/** What the aggregator hands to PutRecord: the aggregate's key and its bytes. */
export interface EncodedRecord {
  partitionKey: string;
  ExplicitHashKey?: string;
  data: Buffer;
}

export interface ReferenceUserRecord {
  partitionKey: string;
  explicitPartitionKey?: string;
  sequenceNumber: string;
  subSequenceNumber?: number;
  data: Buffer;
}

interface RecordAggregatorLike {
  addUserRecord(record: { partitionKey: string; explicitHashKey?: string; data: Buffer }): void;
  build(): EncodedRecord | undefined;
}

const RecordAggregator = (agg as unknown as { RecordAggregator: new () => RecordAggregatorLike }).RecordAggregator;

// aws-kinesis-agg turns string data into Buffers in place: hand it copies.
const toAgg = (record: UserRecordIn) => ({ ...record, data: Buffer.from(record.data) });

/** The package's documented entry point: splits into as many ≤ 1 MB aggregates as needed. */
export function aggregateRecords(records: readonly UserRecordIn[]): Promise<EncodedRecord[]> {
  return new Promise((resolve, reject) => {
    const encoded: EncodedRecord[] = [];
    agg.aggregate(
      records.map(toAgg),
      (record, done) => {
        encoded.push(record as EncodedRecord);
        done();
      },
      () => resolve(encoded),
      (error) => reject(error),
    );
  });
}

/** All records in one aggregate (they must fit in 1 MB), synchronously. */
export function aggregateOne(records: readonly UserRecordIn[]): EncodedRecord {
  const aggregator = new RecordAggregator();
  for (const record of records) aggregator.addUserRecord(toAgg(record));
  const encoded = aggregator.build();
  if (!encoded) throw new Error('aggregateOne needs at least one record');
  return encoded;
}

/** The package's own deaggregation (checksums verified), on the same bytes. */
export function referenceDeaggregate(record: { data: Uint8Array; partitionKey: string; sequenceNumber: string }): ReferenceUserRecord[] {
  let out: ReferenceUserRecord[] = [];
  agg.deaggregateSync(
    // Its Lambda-event shape: data as base64.
    { data: Buffer.from(record.data).toString('base64'), partitionKey: record.partitionKey, sequenceNumber: record.sequenceNumber } as never,
    true,
    (error, userRecords) => {
      if (error) throw error;
      out = (userRecords ?? []).map((user) => ({ ...user, data: Buffer.from(user.data, 'base64') }));
    },
  );
  return out;
}
