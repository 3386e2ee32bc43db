import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deaggregate, deaggregateAll, hashKeyOf, type DeaggregatedRecord } from '../../../stream/kpl/deaggregate.ts';
import { hashRangeOf } from '../../../stream/kpl/hashKey.ts';
import { userRecordsOf } from '../../../stream/kpl/userRecords.ts';
import { aggregateOne, aggregateRecords, referenceDeaggregate, type UserRecordIn } from './awsKinesisAgg.ts';

// A real Kinesis sequence number: 56 digits, far beyond 2^64.
const SEQ = '49590338271490256608559692538361571095921575989136588898';
const MAX = '340282366920938463463374607431768211455'; // 2^128 - 1
const utf8 = (text: string) => new TextEncoder().encode(text);
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const MAGIC = Buffer.from('f3899ac2', 'hex');
const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest();
/** An aggregated record around any protobuf body, with a correct checksum. */
const frame = (body: Uint8Array) => Buffer.concat([MAGIC, body, md5(body)]);

const USER_RECORDS: UserRecordIn[] = [
  { partitionKey: 'campaign-1', data: utf8('{"event_id":"e1"}') },
  { partitionKey: 'campaign-2', explicitHashKey: '0', data: utf8('click,e2,campaign-2') },
  { partitionKey: 'ключ-🎯', data: utf8('{"event_id":"e3"}') },
  { partitionKey: 'campaign-1', explicitHashKey: MAX, data: Uint8Array.from({ length: 256 }, (_, i) => i) },
  { partitionKey: 'campaign-3', data: new Uint8Array(0) },
  { partitionKey: 'campaign-2', explicitHashKey: '170141183460469231731687303715884105728', data: utf8('{"event_id":"e6"}') },
  { partitionKey: 'campaign-4', data: utf8('{"event_id":"e7"}') },
];

const view = (r: DeaggregatedRecord) => ({
  partitionKey: r.partitionKey,
  explicitHashKey: r.explicitHashKey,
  data: hex(r.data),
  sequenceNumber: r.sequenceNumber,
  subSequenceNumber: r.subSequenceNumber,
  aggregated: r.aggregated,
  arrivalTime: r.arrivalTime,
});

describe('deaggregating records aggregated by aws-kinesis-agg', () => {
  const encoded = aggregateOne(USER_RECORDS);
  const kinesisRecord = { data: encoded.data, partitionKey: encoded.partitionKey, sequenceNumber: SEQ, arrivalTime: 1_700_000_000_000 };

  it('gives back every user record in order, with its keys, bytes and index as sub-sequence number', () => {
    expect(deaggregate(kinesisRecord).map(view)).toEqual(
      USER_RECORDS.map((user, index) => ({
        partitionKey: user.partitionKey,
        explicitHashKey: user.explicitHashKey,
        data: hex(user.data),
        sequenceNumber: SEQ,
        subSequenceNumber: index,
        aggregated: true,
        arrivalTime: 1_700_000_000_000,
      })),
    );
  });

  it('agrees with aws-kinesis-agg deaggregateSync on the same bytes', () => {
    const ours = deaggregate(kinesisRecord);
    const theirs = referenceDeaggregate(kinesisRecord);
    expect(ours.map((r) => [r.partitionKey, hex(r.data), r.sequenceNumber, r.subSequenceNumber])).toEqual(
      theirs.map((r) => [r.partitionKey, hex(r.data), r.sequenceNumber, r.subSequenceNumber]),
    );
    // aws-kinesis-agg gives sub-records without an explicit hash key the table's first one
    // (it reads the protobuf default index 0); compare only where the producer set one.
    const withKey = ours.flatMap((r, i) => (r.explicitHashKey === undefined ? [] : [[r.explicitHashKey, theirs[i].explicitPartitionKey]]));
    expect(withKey).toEqual([['0', '0'], [MAX, MAX], ['170141183460469231731687303715884105728', '170141183460469231731687303715884105728']]);
  });

  it('splits more than 1 MB into several aggregates, each deaggregated with sub-sequence numbers from 0', async () => {
    const many = Array.from({ length: 250 }, (_, i) => ({ partitionKey: `pk-${i % 17}`, data: Buffer.alloc(10_000, i % 251) }));
    const aggregates = await aggregateRecords(many);
    expect(aggregates.length).toBeGreaterThanOrEqual(3);
    for (const { data } of aggregates) expect(data.length).toBeLessThanOrEqual(1024 * 1024);
    const out = deaggregateAll(aggregates.map((a, i) => ({ data: a.data, partitionKey: a.partitionKey, sequenceNumber: String(1000 + i), arrivalTime: 0 })));
    expect(out.map((r) => [r.partitionKey, hex(r.data)])).toEqual(many.map((u) => [u.partitionKey, hex(u.data)]));
    for (const [i, a] of aggregates.entries()) {
      const subs = out.filter((r) => r.sequenceNumber === String(1000 + i)).map((r) => r.subSequenceNumber);
      expect(subs).toEqual(referenceDeaggregate({ ...a, sequenceNumber: String(1000 + i) }).map((r) => r.subSequenceNumber));
    }
  });

  it('decodes a hand-encoded AggregatedRecord exactly as the KPL format describes it', () => {
    // partition_key_table ["a"], explicit_hash_key_table ["42"],
    // records [{ partition_key_index 0, explicit_hash_key_index 0, data "x" }, { partition_key_index 0, data "yz" }]
    const body = Buffer.from('0a0161' + '12023432' + '1a07080010001a0178' + '1a0608001a02797a', 'hex');
    const out = deaggregate({ data: frame(body), partitionKey: 'outer', sequenceNumber: '7', arrivalTime: 0 });
    expect(out.map(view)).toEqual([
      { partitionKey: 'a', explicitHashKey: '42', data: hex(utf8('x')), sequenceNumber: '7', subSequenceNumber: 0, aggregated: true, arrivalTime: 0 },
      { partitionKey: 'a', explicitHashKey: undefined, data: hex(utf8('yz')), sequenceNumber: '7', subSequenceNumber: 1, aggregated: true, arrivalTime: 0 },
    ]);
  });
});

describe('plain records, and aggregated ones that do not check out', () => {
  const plain = (data: Uint8Array, sequenceNumber = '5') => ({ data, partitionKey: 'pk', sequenceNumber, arrivalTime: 9 });

  it('passes a plain record through as sub-record 0, not aggregated', () => {
    const data = utf8('{"event_id":"p1"}');
    expect(deaggregate(plain(data)).map(view)).toEqual([
      { partitionKey: 'pk', explicitHashKey: undefined, data: hex(data), sequenceNumber: '5', subSequenceNumber: 0, aggregated: false, arrivalTime: 9 },
    ]);
  });

  it('keeps plain and aggregated records of one GetRecords result in stream order', () => {
    const a = aggregateOne([{ partitionKey: 'x', data: utf8('a0') }, { partitionKey: 'y', data: utf8('a1') }, { partitionKey: 'z', data: utf8('a2') }]);
    const b = aggregateOne([{ partitionKey: 'x', data: utf8('b0') }, { partitionKey: 'x', data: utf8('b1') }]);
    const batch = [plain(utf8('p1'), '1'), plain(a.data, '2'), plain(utf8('p3'), '3'), plain(b.data, '4'), plain(utf8('p5'), '5')];
    expect(deaggregateAll(batch).map((r) => [Buffer.from(r.data).toString(), r.sequenceNumber, r.subSequenceNumber, r.aggregated])).toEqual([
      ['p1', '1', 0, false],
      ['a0', '2', 0, true],
      ['a1', '2', 1, true],
      ['a2', '2', 2, true],
      ['p3', '3', 0, false],
      ['b0', '4', 0, true],
      ['b1', '4', 1, true],
      ['p5', '5', 0, false],
    ]);
  });

  it('gives a plain record read beside an aggregate no sub-sequence number, as when it is read alone', () => {
    // The DLQ stores it: 0 beside an aggregate and NULL alone made a replay's rows depend on how reads were cut.
    const a = aggregateOne([{ partitionKey: 'x', data: utf8('a0') }, { partitionKey: 'y', data: utf8('a1') }]);
    const onShard = (record: ReturnType<typeof plain>) => ({ ...record, shardId: 'shardId-0' });
    const together = userRecordsOf('shardId-0', [onShard(plain(utf8('p1'), '1')), onShard(plain(a.data, '2'))], undefined);
    const alone = userRecordsOf('shardId-0', [onShard(plain(utf8('p1'), '1'))], undefined);
    expect(together.map((r) => r.subSequenceNumber)).toEqual([undefined, 0, 1]);
    expect(alone.map((r) => r.subSequenceNumber)).toEqual([undefined]);
  });

  it('treats the magic with nothing after it but a checksum-sized tail as a plain record', () => {
    const data = Buffer.concat([MAGIC, Buffer.alloc(16)]);
    expect(deaggregate(plain(data))).toEqual([{ ...plain(data), subSequenceNumber: 0, aggregated: false, outsideShard: false }]);
  });

  it('delivers an aggregate with a wrong MD5 as one plain record with its bytes intact (as the KCL does)', () => {
    const good = aggregateOne(USER_RECORDS).data;
    for (const at of [good.length - 1, 10]) {
      const bad = Buffer.from(good);
      bad[at] ^= 0x01;
      const out = deaggregate(plain(bad));
      expect(out.map((r) => [hex(r.data), r.subSequenceNumber, r.aggregated, r.kplError])).toEqual([[hex(bad), 0, false, 'kpl_checksum_mismatch']]);
    }
  });

  it('delivers an aggregate whose body is not a valid AggregatedRecord as a plain record', () => {
    const missingData = Buffer.from('1a020800', 'hex'); // a record without its required data field
    const truncated = Buffer.from('0a0561', 'hex'); // a 5-byte string with 1 byte left
    for (const body of [missingData, truncated]) {
      expect(deaggregate(plain(frame(body))).map((r) => [r.aggregated, r.kplError])).toEqual([[false, 'kpl_malformed']]);
    }
  });

  it('delivers an aggregate with a table index out of range or a bad explicit hash key as a plain record', () => {
    const badIndex = Buffer.from('0a0161' + '1a05' + '0803' + '1a0178', 'hex'); // partition_key_index 3, table of 1
    const badHashKey = Buffer.from('0a0161' + '12036b6579' + '1a07080010001a0178', 'hex'); // explicit hash key "key"
    for (const body of [badIndex, badHashKey]) {
      const data = frame(body);
      expect(deaggregate(plain(data)).map((r) => [hex(r.data), r.aggregated, r.kplError])).toEqual([[hex(data), false, 'kpl_malformed']]);
    }
  });

  it('delivers a valid aggregate with no records as one plain record marked malformed: it was put, so it is accounted for', () => {
    const data = frame(Buffer.from('0a0161', 'hex'));
    expect(deaggregate(plain(data)).map((r) => [hex(r.data), r.aggregated, r.kplError])).toEqual([[hex(data), false, 'kpl_malformed']]);
  });
});

describe('hash keys and shard ranges', () => {
  // MD5s from coreutils md5sum: a → 0cc175b9…, b → 92eb5ffe…, c → 4a8a08f0…, d → 8277e091…
  const HALF = 1n << 127n;
  const lower = { start: 0n, end: HALF - 1n };
  const upper = { start: HALF, end: (1n << 128n) - 1n };

  it('hashes a partition key as the MD5 of its UTF-8 bytes, and prefers an explicit hash key', () => {
    expect(hashKeyOf('a')).toBe(0x0cc175b9c0f1b6a831c399e269772661n);
    expect(hashKeyOf('b')).toBe(0x92eb5ffee6ae2fec3ad71c777531578fn);
    expect(hashKeyOf('a', '42')).toBe(42n);
    expect(hashKeyOf('a', MAX)).toBe((1n << 128n) - 1n);
    expect(() => hashKeyOf('a', '340282366920938463463374607431768211456')).toThrow(/\[0, 2\^128\)/);
    expect(() => hashKeyOf('a', '-1')).toThrow(RangeError);
  });

  // After a split at 2^127, each child shard keeps only the sub-records it owns.
  const SPLIT_INPUT: UserRecordIn[] = [
    { partitionKey: 'a', data: utf8('0') }, // lower
    { partitionKey: 'b', data: utf8('1') }, // upper
    { partitionKey: 'c', data: utf8('2') }, // lower
    { partitionKey: 'd', data: utf8('3') }, // upper
    { partitionKey: 'b', explicitHashKey: '5', data: utf8('4') }, // lower: the explicit key wins
    { partitionKey: 'a', explicitHashKey: String(HALF), data: utf8('5') }, // upper, first key
    { partitionKey: 'b', explicitHashKey: String(HALF - 1n), data: utf8('6') }, // lower, last key
  ];
  const record = { data: aggregateOne(SPLIT_INPUT).data, partitionKey: 'a', sequenceNumber: SEQ, arrivalTime: 0 };
  const kept = (range: typeof lower) => {
    const out = deaggregate(record, range);
    return {
      kept: out.filter((r) => !r.outsideShard).map((r) => [Buffer.from(r.data).toString(), r.subSequenceNumber]),
      dropped: out.filter((r) => r.outsideShard).map((r) => Buffer.from(r.data).toString()),
    };
  };

  it('drops the sub-records outside the shard range, keeping the others with their original sub-sequence numbers', () => {
    expect(kept(lower)).toEqual({ kept: [['0', 0], ['2', 2], ['4', 4], ['6', 6]], dropped: ['1', '3', '5'] });
    expect(kept(upper)).toEqual({ kept: [['1', 1], ['3', 3], ['5', 5]], dropped: ['0', '2', '4', '6'] });
  });

  it('keeps everything when the range is the whole key space or absent', () => {
    expect(deaggregate(record, { start: 0n, end: (1n << 128n) - 1n }).filter((r) => !r.outsideShard)).toHaveLength(7);
    expect(deaggregate(record).filter((r) => !r.outsideShard)).toHaveLength(7);
  });

  it('does not confuse a partition key with an explicit hash key of the same text across a batch', () => {
    // MD5("42") = a1d0c6e8… (md5sum): the upper half; the explicit hash key 42: the lower half.
    const first = aggregateOne([{ partitionKey: '42', data: utf8('pk') }, { partitionKey: 'a', explicitHashKey: '42', data: utf8('ehk') }]);
    // '42' goes first in each: aws-kinesis-agg builds its key table with Object.keys, which moves
    // integer-like keys to the front and so mislabels records when one comes later.
    const second = aggregateOne([{ partitionKey: '42', data: utf8('pk2') }, { partitionKey: 'c', explicitHashKey: '42', data: utf8('ehk2') }]);
    const batch = [first, second].map((a, i) => ({ data: a.data, partitionKey: a.partitionKey, sequenceNumber: String(i), arrivalTime: 0 }));
    const inside = (range: typeof lower) => deaggregateAll(batch, range).filter((r) => !r.outsideShard).map((r) => Buffer.from(r.data).toString());
    expect(inside(lower)).toEqual(['ehk', 'ehk2']);
    expect(inside(upper)).toEqual(['pk', 'pk2']);
  });

  it('reads a shard range from ListShards strings and refuses an inverted or out-of-space one', () => {
    expect(hashRangeOf('0', '170141183460469231731687303715884105727')).toEqual(lower);
    expect(() => hashRangeOf('10', '9')).toThrow('starting hash key 10 is above ending hash key 9');
    expect(() => hashRangeOf('0', '340282366920938463463374607431768211456')).toThrow(RangeError);
  });

  it('never filters a plain record: Kinesis routed it', () => {
    expect(deaggregate({ data: utf8('plain'), partitionKey: 'b', sequenceNumber: '1', arrivalTime: 0 }, lower)).toHaveLength(1);
  });
});
