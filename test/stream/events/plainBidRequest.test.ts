/**
 * The plain reading of current-schema bid requests (codecs/plainBidRequest.ts) against
 * avsc's: every record decodes to the same result, accepted or rejected with the same words, with
 * and without it, on hand-made edge cases and on seeded random corruptions of real records.
 */
import { describe, expect, it } from 'vitest';
import avro from 'avsc';
import { decodeRecord, encodeEvent } from '../../../stream/events/wire.ts';
import { createDefaultRegistry } from '../../../stream/events/registry.ts';
import { EXACT_LONG, encodeSingleObject } from '../../../stream/events/codecs/avro.ts';
import { readPlainBidRequest } from '../../../stream/events/codecs/plainBidRequest.ts';
import { schemaFingerprint } from '../../../stream/events/crc64avro.ts';
import { avroSchemas, avroTypes } from '../../../stream/events/schemas.ts';
import type { BidRequest } from '../../../stream/events/types.ts';
import { T0, bidRequest } from './eventFixtures.ts';
import { seededUniform } from '../../support/seededRandom.ts';
import { expectEqual } from '../../support/expectEqual.ts';

const plain = createDefaultRegistry();
const avscOnly = createDefaultRegistry();
avscOnly.currentBidRequest = undefined;

const decodeBoth = (record: Buffer) => {
  const ctx = { arrivalTime: T0 };
  return [decodeRecord(record, { ...ctx, registry: plain }), decodeRecord(record, { ...ctx, registry: avscOnly })];
};

const encode = (body: BidRequest): Buffer => encodeEvent({ type: 'bid_request', body });
// bidder_latency_ms written as a long (an int is the same varint on the wire), so a test can put any value there.
const exactWriter = avro.Type.forSchema(
  {
    ...(avroSchemas.bid_request as avro.schema.RecordType),
    fields: (avroSchemas.bid_request as avro.schema.RecordType).fields.map((f) => (f.name === 'bidder_latency_ms' ? { ...f, type: 'long' } : f)),
  },
  { registry: { long: EXACT_LONG } },
);
const withLongs = (body: BidRequest, longs: Partial<Record<'floor_micros' | 'bid_price_micros' | 'clearing_price_micros' | 'bidder_latency_ms', bigint>>): Buffer =>
  encodeSingleObject(
    exactWriter,
    {
      ...body,
      floor_micros: BigInt(body.floor_micros),
      bid_price_micros: BigInt(body.bid_price_micros),
      clearing_price_micros: BigInt(body.clearing_price_micros),
      bidder_latency_ms: BigInt(body.bidder_latency_ms),
      ...longs,
    },
    schemaFingerprint(avroTypes.bid_request),
  );

describe('bid requests read without avsc', () => {
  it('reads a plain record as avsc does, and only such records', () => {
    const record = encode(bidRequest());
    expect(readPlainBidRequest(record)).toEqual({ ...bidRequest() });
    const [fast, slow] = decodeBoth(record);
    expect(fast).toEqual(slow);
    expect(fast.ok).toBe(true);
  });

  const cases: [string, Buffer][] = [
    ['a string of 63 bytes (the longest one-byte length)', encode(bidRequest({ user_id: 'u'.repeat(63) }))],
    ['a string of 64 bytes (a two-byte length)', encode(bidRequest({ user_id: 'u'.repeat(64) }))],
    ['a string too long for validation', encode(bidRequest({ site_id: 's'.repeat(300) }))],
    ['a non-ASCII string', encode(bidRequest({ country: 'Ü' }))],
    ['a genuine U+FFFD', encode(bidRequest({ bid_id: 'b-\uFFFD' }))],
    ['an empty id', encode(bidRequest({ event_id: '' }))],
    ['control characters', encode(bidRequest({ placement: '\u0000\u007f\n' }))],
    ['negative money', encode(bidRequest({ floor_micros: -5 }))],
    ['an event time in the future', encode(bidRequest({ event_time: T0 + 10 * 60 * 1000 }))],
    ['an event time before 2000', encode(bidRequest({ event_time: 1000 }))],
    ['a long of 2^53 − 2', withLongs(bidRequest(), { floor_micros: 2n ** 53n - 2n })],
    ['a long of 2^53 − 1', withLongs(bidRequest(), { floor_micros: 2n ** 53n - 1n })],
    ['a long of −(2^53 − 1)', withLongs(bidRequest(), { bid_price_micros: -(2n ** 53n - 1n) })],
    ['a long of 2^62', withLongs(bidRequest(), { clearing_price_micros: 2n ** 62n })],
    ['a long of −2^63', withLongs(bidRequest(), { clearing_price_micros: -(2n ** 63n) })],
    ['a latency beyond 32 bits', withLongs(bidRequest(), { bidder_latency_ms: 2n ** 40n })],
    ['a latency of 2^28 (five bytes)', withLongs(bidRequest(), { bidder_latency_ms: 2n ** 28n })],
    ['only the header', encode(bidRequest()).subarray(0, 10)],
    ['the header cut short', encode(bidRequest()).subarray(0, 6)],
  ];
  for (const [name, record] of cases) {
    it(`decodes ${name} as avsc does`, () => {
      const [fast, slow] = decodeBoth(record);
      expect(fast).toEqual(slow);
    });
  }

  it('gives each short string its own value, however values recur and share a slot of the cache of short strings', () => {
    const random = seededUniform(7);
    // Short values from a small alphabet: the same ones recur, and more of them than the cache's 4,096 slots.
    const value = (length: number) => Array.from({ length }, () => 'ab0Z-_'[Math.floor(random() * 6)]).join('');
    for (let i = 0; i < 20_000; i++) {
      const body = bidRequest({ campaign_id: value(1 + (i % 12)), country: value(2), placement: value(1 + (i % 7)), site_id: value(8 + (i % 5)) });
      const record = encode(body);
      expectEqual(readPlainBidRequest(record), { ...body }, `record ${i}`);
      const [fast, slow] = decodeBoth(record);
      expectEqual(fast, slow, `record ${i}`);
    }
  });

  it('decodes corrupted records as avsc does: bytes changed, cut off, added, a won byte, a length made negative or long', () => {
    const random = seededUniform(20261207);
    const bodies = [
      bidRequest(),
      bidRequest({ won: false, clearing_price_micros: 0, bidder_latency_ms: 0 }),
      bidRequest({ event_id: 'br-cacc03-00000fl', user_id: 'u-6bf42c75830d', auction_id: 'auc-cacc03-00000fl', floor_micros: 2 ** 40, bid_price_micros: 2 ** 50 }),
    ];
    let accepted = 0;
    let refused = 0;
    for (let i = 0; i < 20_000; i++) {
      const record = Buffer.from(encode(bodies[i % bodies.length]));
      const at = 10 + Math.floor(random() * (record.length - 10));
      let corrupted: Buffer;
      switch (i % 6) {
        case 0:
          record[at] = Math.floor(random() * 256);
          corrupted = record;
          break;
        case 1:
          corrupted = record.subarray(0, at);
          break;
        case 2:
          corrupted = Buffer.concat([record, Buffer.from([Math.floor(random() * 256)])]);
          break;
        case 3:
          record[at] = [0x80, 0xff, 0x01, 0x7f, 0xc3][Math.floor(random() * 5)];
          corrupted = record;
          break;
        case 4:
          record[record.length - 2] = Math.floor(random() * 4);
          corrupted = record;
          break;
        default:
          // A byte with its high bit set: a varint that runs on, or a string byte that is not ASCII.
          record[at] |= 0x80;
          corrupted = record;
      }
      const [fast, slow] = decodeBoth(corrupted);
      expectEqual(fast, slow, `case ${i}: ${corrupted.toString('hex')}`);
      if (readPlainBidRequest(corrupted) === undefined) refused += 1;
      else accepted += 1;
    }
    // Both kinds were met: records read plainly and records left to avsc.
    expect(accepted).toBeGreaterThan(1000);
    expect(refused).toBeGreaterThan(1000);
  });
});
