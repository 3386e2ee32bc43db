/**
 * End to end on kinesalite: records aggregated by aws-kinesis-agg (routed per shard, as the KPL
 * does) and plain records, put with PutRecord and PutRecords through the real SDK client, read
 * back with GetRecords, deaggregated with each shard's hash range.
 */
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  PutRecordCommand,
  PutRecordsCommand,
  type KinesisClient,
  type Shard,
  type ShardIteratorType,
} from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kinesisClient } from '../../../stream/aws/clients.ts';
import { ensureStream } from '../../../stream/aws/streamAdmin.ts';
import { deaggregateAll, hashKeyOf, type DeaggregatedRecord, type KinesisRecordLike } from '../../../stream/kpl/deaggregate.ts';
import { hashRangeOf, inHashRange, type HashRange } from '../../../stream/kpl/hashKey.ts';
import { isAfter, positionOf } from '../../../stream/kpl/position.ts';
import { startLocalServices, type LocalServices } from '../../../stream/local/embeddedServices.ts';
import { aggregateOne, referenceDeaggregate, type UserRecordIn } from './awsKinesisAgg.ts';

const STREAM = 'kpl-end-to-end';
const utf8 = (text: string) => new TextEncoder().encode(text);
const idOf = (r: { data: Uint8Array }) => (JSON.parse(Buffer.from(r.data).toString()) as { event_id: string }).event_id;

// 120 user records for aggregation (every 5th with an explicit hash key), 30 plain ones.
const USER: UserRecordIn[] = Array.from({ length: 120 }, (_, i) => ({
  partitionKey: `campaign-${i % 9}`,
  ...(i % 5 === 0 ? { explicitHashKey: String(BigInt(i) << 120n) } : {}),
  data: utf8(JSON.stringify({ event_id: `u${i}` })),
}));
const PLAIN = Array.from({ length: 30 }, (_, i) => ({ partitionKey: `plain-${i % 5}`, data: utf8(JSON.stringify({ event_id: `p${i}` })) }));

let services: LocalServices;
let kinesis: KinesisClient;
let shards: { id: string; range: HashRange; raw: KinesisRecordLike[] }[];
/** Event ids in the order they were put, per shard. */
const putOrder = new Map<string, string[]>();

async function readShard(shardId: string, type: ShardIteratorType = 'TRIM_HORIZON', at?: string): Promise<KinesisRecordLike[]> {
  let { ShardIterator: iterator } = await kinesis.send(
    new GetShardIteratorCommand({ StreamName: STREAM, ShardId: shardId, ShardIteratorType: type, StartingSequenceNumber: at }),
  );
  const out: KinesisRecordLike[] = [];
  while (iterator) {
    const result = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator }));
    const records = result.Records ?? [];
    if (records.length === 0) break;
    for (const r of records) {
      out.push({ data: r.Data!, partitionKey: r.PartitionKey!, sequenceNumber: r.SequenceNumber!, arrivalTime: r.ApproximateArrivalTimestamp!.getTime() });
    }
    iterator = result.NextShardIterator;
  }
  return out;
}

const shardFor = (ranges: { id: string; range: HashRange }[], record: UserRecordIn) =>
  ranges.find(({ range }) => inHashRange(hashKeyOf(record.partitionKey, record.explicitHashKey), range))!.id;

beforeAll(async () => {
  services = await startLocalServices();
  kinesis = kinesisClient({ region: 'us-east-1', kinesisEndpoint: services.endpoints.kinesisEndpoint });
  await ensureStream(kinesis, STREAM, 2);
  const listed: Shard[] = (await kinesis.send(new ListShardsCommand({ StreamName: STREAM }))).Shards ?? [];
  const ranges = listed.map((s) => ({ id: s.ShardId!, start: s.HashKeyRange!.StartingHashKey!, range: hashRangeOf(s.HashKeyRange!.StartingHashKey!, s.HashKeyRange!.EndingHashKey!) }));

  // Like the KPL: group user records by the shard they belong to, aggregate up to 10 at a time,
  // and pin each aggregate to its shard with an explicit hash key.
  const aggregates: { start: string; shardId: string; records: UserRecordIn[] }[] = [];
  for (const { id, start } of ranges) {
    const mine = USER.filter((u) => shardFor(ranges, u) === id);
    for (let i = 0; i < mine.length; i += 10) aggregates.push({ start, shardId: id, records: mine.slice(i, i + 10) });
  }
  const note = (shardId: string, ids: string[]) => putOrder.set(shardId, [...(putOrder.get(shardId) ?? []), ...ids]);

  // Alternate: an aggregate by PutRecord, then plain records and an aggregate together by PutRecords.
  let plainAt = 0;
  for (const [i, aggregate] of aggregates.entries()) {
    const encoded = aggregateOne(aggregate.records);
    const ids = aggregate.records.map(idOf);
    if (i % 2 === 0) {
      await kinesis.send(new PutRecordCommand({ StreamName: STREAM, PartitionKey: encoded.partitionKey, ExplicitHashKey: aggregate.start, Data: encoded.data }));
      note(aggregate.shardId, ids);
    } else {
      const plain = PLAIN.slice(plainAt, plainAt + 4);
      plainAt += plain.length;
      const entries = [
        ...plain.map((p) => ({ PartitionKey: p.partitionKey, Data: p.data })),
        { PartitionKey: encoded.partitionKey, ExplicitHashKey: aggregate.start, Data: encoded.data },
      ];
      const result = await kinesis.send(new PutRecordsCommand({ StreamName: STREAM, Records: entries }));
      expect(result.FailedRecordCount ?? 0).toBe(0);
      result.Records!.forEach((r, j) => note(r.ShardId!, j < plain.length ? [idOf(plain[j])] : ids));
    }
  }
  for (const p of PLAIN.slice(plainAt)) {
    const { ShardId } = await kinesis.send(new PutRecordCommand({ StreamName: STREAM, PartitionKey: p.partitionKey, Data: p.data }));
    note(ShardId!, [idOf(p)]);
  }
  shards = await Promise.all(ranges.map(async ({ id, range }) => ({ id, range, raw: await readShard(id) })));
}, 60_000);

afterAll(async () => {
  kinesis?.destroy();
  await services?.stop();
});

const deaggregated = (shard: (typeof shards)[number]): DeaggregatedRecord[] => deaggregateAll(shard.raw, shard.range);

describe('KPL-aggregated and plain records on one kinesalite stream', () => {
  it('delivers every record exactly once, in put order per shard', () => {
    const all = shards.flatMap((s) => deaggregated(s).map(idOf));
    expect([...all].sort()).toEqual([...USER, ...PLAIN].map(idOf).sort());
    for (const shard of shards) expect(deaggregated(shard).map(idOf)).toEqual(putOrder.get(shard.id));
  });

  it('gives aggregated records sub-sequence numbers 0..n-1 under their Kinesis sequence number, plain ones 0', () => {
    for (const shard of shards) {
      const out = deaggregated(shard);
      for (const raw of shard.raw) {
        const mine = out.filter((r) => r.sequenceNumber === raw.sequenceNumber);
        const isPlain = idOf(mine[0]).startsWith('p');
        expect(mine.map((r) => [r.subSequenceNumber, r.aggregated])).toEqual(mine.map((_, i) => [i, !isPlain]));
        if (isPlain) expect(mine).toHaveLength(1);
      }
    }
  });

  it('matches aws-kinesis-agg deaggregateSync record by record', () => {
    for (const shard of shards) {
      const ours = deaggregated(shard).map((r) => [r.sequenceNumber, r.subSequenceNumber ?? 0, r.partitionKey, idOf(r)]);
      const theirs = shard.raw.flatMap((raw) => referenceDeaggregate(raw).map((r) => [r.sequenceNumber, r.subSequenceNumber ?? 0, r.partitionKey, idOf(r)]));
      expect(ours).toEqual(theirs);
    }
  });

  it('hashes partition keys where kinesalite routed the plain records', () => {
    for (const shard of shards) {
      const plain = deaggregated(shard).filter((r) => !r.aggregated);
      expect(plain.length).toBeGreaterThan(0);
      for (const r of plain) expect(inHashRange(hashKeyOf(r.partitionKey), shard.range)).toBe(true);
    }
  });

  it('resumes from a checkpoint inside an aggregate without redelivering or skipping a sub-record', async () => {
    const shard = shards[0];
    const full = deaggregated(shard);
    const checkpointAt = full.findIndex((r) => r.aggregated && r.subSequenceNumber === 2);
    const checkpoint = positionOf(full[checkpointAt]);
    const reread = deaggregateAll(await readShard(shard.id, 'AT_SEQUENCE_NUMBER', checkpoint.sequenceNumber), shard.range);
    const resumed = reread.filter((r) => isAfter(positionOf(r), checkpoint));
    expect(resumed.map(idOf)).toEqual(full.slice(checkpointAt + 1).map(idOf));
  });
});
