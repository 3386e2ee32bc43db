/**
 * KPL-aggregated records (made by awslabs' aws-kinesis-agg, routed per shard as the KPL does)
 * mixed with plain records on one stream, consumed by the worker: every user record processed
 * once, and the checkpoint carries the sub-sequence number of the last user record.
 */
import { PutRecordCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoDbClient, kinesisClient } from '../../stream/aws/clients.ts';
import { ensureStream } from '../../stream/aws/streamAdmin.ts';
import { LeaseTable } from '../../stream/consumer/leases/leaseTable.ts';
import { listShards } from '../../stream/consumer/leases/shardSync.ts';
import { generateTraffic, tallyTruth, type GeneratedRecord } from '../../stream/generator/index.ts';
import { hashKeyOf, hashRangeOf, inHashRange } from '../../stream/kpl/index.ts';
import { countLakeEvents } from '../support/lakeEvents.ts';
import { aggregateOne } from '../stream/kpl/awsKinesisAgg.ts';
import { startLocalPipeline, type LocalPipeline } from '../support/localPipeline.ts';
import { emptySubRecords } from '../support/kplAggregate.ts';
import { LakeQuery } from '../../sinks/query/lakeQuery.ts';

let pipeline: LocalPipeline;
beforeAll(async () => {
  pipeline = await startLocalPipeline();
});
afterAll(async () => {
  await pipeline?.stop();
});

const LAST_AGGREGATE_SIZE = 7;

describe('KPL aggregated records', () => {
  it('are deaggregated, processed once among plain records, and checkpointed with sub-sequence numbers', async () => {
    const config = pipeline.configFor('kpl', { failoverTimeMs: 1_500 });
    const records = [...generateTraffic({ seed: 8, durationMs: 3_600_000, impressionsPerMinute: 30 }).records];
    const truth = tallyTruth(records);
    const kinesis = kinesisClient(config);
    await ensureStream(kinesis, config.stream, 2);
    const shards = (await listShards(kinesis, config.stream)).map((shard) => ({
      id: shard.ShardId!,
      start: shard.HashKeyRange!.StartingHashKey!,
      range: hashRangeOf(shard.HashKeyRange!.StartingHashKey!, shard.HashKeyRange!.EndingHashKey!),
      records: [] as GeneratedRecord[],
    }));
    for (const record of records) shards.find((shard) => inHashRange(hashKeyOf(record.partitionKey), shard.range))!.records.push(record);

    for (const shard of shards) {
      // Alternate: 40 records aggregated, 40 plain; each shard ends with an aggregate.
      const entries: { Data: Uint8Array; PartitionKey: string; ExplicitHashKey?: string }[] = [];
      const body = shard.records.slice(0, -LAST_AGGREGATE_SIZE);
      for (let i = 0; i < body.length; i += 80) {
        const aggregate = aggregateOne(body.slice(i, i + 40).map(({ data, partitionKey }) => ({ data, partitionKey })));
        entries.push({ Data: aggregate.data, PartitionKey: aggregate.partitionKey, ExplicitHashKey: shard.start });
        for (const plain of body.slice(i + 40, i + 80)) entries.push({ Data: plain.data, PartitionKey: plain.partitionKey });
      }
      const last = aggregateOne(shard.records.slice(-LAST_AGGREGATE_SIZE).map(({ data, partitionKey }) => ({ data, partitionKey })));
      entries.push({ Data: last.data, PartitionKey: last.partitionKey, ExplicitHashKey: shard.start });
      for (let i = 0; i < entries.length; i += 500) {
        const response = await kinesis.send(new PutRecordsCommand({ StreamName: config.stream, Records: entries.slice(i, i + 500) }));
        expect(response.FailedRecordCount).toBe(0);
      }
    }
    kinesis.destroy();

    const stats = await pipeline.consume(config);
    expect(stats.recordsIn).toBe(records.length);
    expect(stats.rejectedByReason.kpl_outside_shard).toBeUndefined();
    expect(stats.written + stats.rejected + stats.duplicates).toBe(records.length);
    expect(stats.written).toBe(truth.valid);

    expect(await countLakeEvents(config.lake)).toEqual({ n: truth.valid, d: truth.valid });
    const leases = await new LeaseTable(dynamoDbClient(config), config.leaseTable).list();
    expect(leases.map((lease) => lease.checkpointSubSequenceNumber)).toEqual([LAST_AGGREGATE_SIZE - 1, LAST_AGGREGATE_SIZE - 1]);
  });
  it('takes a read of aggregates of empty sub-records in parts of at most 10,000, spills their rows, and sends each to the DLQ', async () => {
    // A worker read twenty 1 MiB aggregates of empty sub-records (3.4 million) as one part, and
    // their rows (no record bytes) never spilled: 3.6 GB. Here three of 40,000 in one read.
    const config = pipeline.configFor('kpl-empty', { lakeSpillMemoryBytes: 1024 * 1024 });
    const kinesis = kinesisClient(config);
    await ensureStream(kinesis, config.stream, 1);
    const aggregate = emptySubRecords(40_000);
    for (let i = 0; i < 3; i++) await kinesis.send(new PutRecordCommand({ StreamName: config.stream, PartitionKey: 'k', Data: aggregate }));
    kinesis.destroy();

    const parts: number[] = [];
    let seen = 0;
    const stats = await pipeline.consume(config, {
      onProgress: ({ recordsRead }) => {
        if (recordsRead > seen) parts.push(recordsRead - seen);
        seen = recordsRead;
      },
    });
    expect(stats).toMatchObject({ recordsIn: 120_000, rejected: 120_000, written: 0, duplicates: 0 });
    expect(stats.rejectedByReason).toEqual({ empty_record: 120_000 });
    expect(Math.max(...parts)).toBeLessThanOrEqual(10_000);
    // 40,000 rows of 128 bytes each pass a 1 MiB budget.
    expect(stats.spills).toBeGreaterThan(0);
    const lake = await LakeQuery.open(config.lake);
    try {
      expect(await lake.query('SELECT count(*) AS n, count(DISTINCT (sequence_number, sub_sequence_number)) AS positions FROM rejected')).toEqual([{ n: 120_000, positions: 120_000 }]);
    } finally {
      lake.close();
    }
  });
});
