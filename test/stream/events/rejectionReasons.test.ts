/**
 * The closed set of reason classes must cover every rejection the decoder can produce (else a DLQ
 * partition would be missing from Athena's enum projection), and hold nothing it cannot produce.
 * The types already bind `Rejection.reason` to the list; these tests check it at run time: one
 * hand-built record per class, the generator's malformed records, and random corruptions of valid
 * records in all three wire formats.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodeSingleObject } from '../../../stream/events/codecs/avro.ts';
import { REJECTION_REASON_CLASSES, reasonClass } from '../../../stream/events/rejectionReasons.ts';
import type { SchemaRegistry } from '../../../stream/events/registry.ts';
import { avroTypes } from '../../../stream/events/schemas.ts';
import type { AdEvent, Impression } from '../../../stream/events/types.ts';
import { decodeRecord, encodeEvent } from '../../../stream/events/wire.ts';
import { MALFORMED_REASONS, makeMalformed } from '../../../stream/generator/malformed.ts';
import { Rng } from '../../../stream/generator/rng.ts';
import { KPL_MAGIC } from '../../../stream/kpl/aggregatedRecordFormat.ts';
import type { HashRange } from '../../../stream/kpl/hashKey.ts';
import { userRecordsOf } from '../../../stream/kpl/userRecords.ts';
import { aggregateOne } from '../kpl/awsKinesisAgg.ts';

const T0 = Date.UTC(2026, 10, 1, 12);
const ctx = { arrivalTime: T0 };
const common = {
  event_id: 'e-1', event_time: T0 - 1000, campaign_id: 'c-7', ad_id: 'ad-3', publisher_id: 'pub-2',
  site_id: 'site-9', placement: 'banner_top', country: 'US', device_type: 'mobile', user_id: 'u-42',
};
const impression: Impression = { ...common, auction_id: 'au-1', cost_micros: 1500 };
const valid: AdEvent[] = [
  { type: 'impression', body: impression },
  { type: 'click', body: { ...common, impression_id: 'imp-1', cost_micros: 25 } },
  { type: 'conversion', body: { ...common, click_id: 'clk-1', impression_id: 'imp-1', conversion_type: 'purchase', revenue_micros: 1999 } },
  {
    type: 'bid_request',
    body: { ...common, auction_id: 'au-1', bid_id: 'b-1', floor_micros: 5, bid_price_micros: 12, clearing_price_micros: 8, won: true, bidder_latency_ms: 37 },
  },
];
const json = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');
const csvClick = encodeEvent(valid[1]).toString('utf8');

/** One record per class, each rejected with a code of exactly that class. */
const oneOfEach: Record<string, Buffer> = {
  empty_record: Buffer.from(' \n'),
  json_syntax: Buffer.from('{"event_id":'),
  json_not_object: Buffer.from('[1]'),
  json_not_impression: json({ ...impression, type: 'click' }),
  csv_syntax: Buffer.from('click,"e-1'),
  csv_unknown_type: Buffer.from(csvClick.replace(/^click/, 'view')),
  csv_column_count: Buffer.from(`${csvClick},extra`),
  avro_decode: Buffer.from([0xc3, 0x01, 1, 2]),
  avro_unknown_fingerprint: encodeSingleObject(avroTypes.bid_request, valid[3].body, 42n),
  missing_field: json({ ...impression, campaign_id: undefined }),
  wrong_type: json({ ...impression, cost_micros: 'abc' }),
  negative_money: json({ ...impression, cost_micros: -1 }),
  event_time_in_future: json({ ...impression, event_time: T0 + 3_600_000 }),
  event_time_too_old: json({ ...impression, event_time: 1_764_547_200 }), // epoch seconds
  field_too_long: json({ ...impression, campaign_id: `https://example.com/landing?${'x'.repeat(300)}` }),
  invalid_utf8: Buffer.concat([Buffer.from('{"event_id":"imp-'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]),
  compressed_record: gzipSync(json(impression)),
  // A schema registry that fails stands for any decoder failure: the record is rejected, not the batch.
  undecodable: encodeSingleObject(avroTypes.bid_request, valid[3].body, 7n),
};

const failingRegistry = {
  lookup(): never {
    throw new TypeError('registry unavailable');
  },
} as unknown as SchemaRegistry;

function rejectionOf(data: Uint8Array): string {
  const decoded = decodeRecord(data, data === oneOfEach.undecodable ? { ...ctx, registry: failingRegistry } : ctx);
  return decoded.ok ? 'ok' : decoded.rejection.reason;
}

/** KPL records, rejected before decoding: one each, through userRecordsOf as the worker reads them. */
const goodAggregate = aggregateOne([
  { partitionKey: 'cmp-1', data: json(impression) },
  { partitionKey: 'cmp-1', explicitHashKey: (2n ** 127n + 5n).toString(), data: json({ ...impression, event_id: 'e-2' }) },
]).data;
const corrupted = Buffer.from(goodAggregate);
corrupted[corrupted.length - 1] ^= 0xff;
const LOWER_HALF: HashRange = { start: 0n, end: 2n ** 127n - 1n };
const oneOfEachKpl: Record<string, { data: Buffer; at: number }> = {
  kpl_checksum_mismatch: { data: corrupted, at: 0 },
  // A valid protobuf (a one-key partition key table) holding no records.
  kpl_malformed: { data: Buffer.concat([KPL_MAGIC, Buffer.from('0a0161', 'hex'), createHash('md5').update(Buffer.from('0a0161', 'hex')).digest()]), at: 0 },
  kpl_outside_shard: { data: goodAggregate, at: 1 },
};

function kplRejectionOf({ data, at }: { data: Buffer; at: number }): string {
  const records = userRecordsOf('shardId-0', [{ shardId: 'shardId-0', sequenceNumber: '1', partitionKey: 'cmp-1', arrivalTime: T0, data }], LOWER_HALF);
  return records[at].rejection?.reason ?? 'ok';
}

describe('REJECTION_REASON_CLASSES', () => {
  it('is exactly the classes the decoder and the KPL reader produce, one hand-built record each', () => {
    expect([...Object.keys(oneOfEach), ...Object.keys(oneOfEachKpl)].sort()).toEqual([...REJECTION_REASON_CLASSES].sort());
    for (const [cls, data] of Object.entries(oneOfEach)) expect(reasonClass(rejectionOf(data)), cls).toBe(cls);
    for (const [cls, record] of Object.entries(oneOfEachKpl)) expect(reasonClass(kplRejectionOf(record)), cls).toBe(cls);
  });

  it('keeps the field name out of the class and nothing else', () => {
    expect(reasonClass('missing_field:campaign_id')).toBe('missing_field');
    expect(reasonClass('json_syntax')).toBe('json_syntax');
    expect(() => reasonClass('bogus')).toThrow(RangeError);
    expect(() => reasonClass('')).toThrow(RangeError);
  });

  it('covers every malformed record the generator makes', () => {
    const rng = Rng.seeded(7);
    for (const reason of MALFORMED_REASONS) {
      const bad = makeMalformed(reason, common, rng);
      expect(rejectionOf(bad.data)).toBe(reason);
      expect(REJECTION_REASON_CLASSES).toContain(reasonClass(reason));
    }
  });

  it('covers whatever random corruption of valid JSON, CSV and Avro records is rejected for', () => {
    const rng = Rng.seeded(11);
    const seen = new Set<string>();
    for (let i = 0; i < 4000; i++) {
      const data = Buffer.from(encodeEvent(valid[i % valid.length]));
      const edits = rng.int(1, 4);
      for (let e = 0; e < edits; e++) {
        const at = rng.int(0, data.length - 1);
        // Mostly printable bytes, so CSV and JSON get past their first byte often enough.
        data[at] = rng.int(0, 3) === 0 ? rng.int(0, 255) : rng.int(0x20, 0x7e);
      }
      const cut = rng.int(0, 5) === 0 ? data.subarray(0, rng.int(0, data.length)) : data;
      const reason = rejectionOf(cut);
      if (reason !== 'ok') seen.add(reasonClass(reason));
    }
    // The corruption reaches most classes, so the check above is not vacuous.
    expect(seen.size).toBeGreaterThanOrEqual(8);
  });
});
