/**
 * Malformed records, one class per rejection reason a producer can cause, each built so that the
 * pipeline's decoder (stream/events/wire.ts) rejects it with exactly that reason code.
 * Validation checks fields in schema order and the first failure wins, so every other field is
 * left valid.
 */
import { encodeEvent } from '../events/wire.ts';
import { encodeSingleObject } from '../events/codecs/avro.ts';
import { defaultRegistry } from '../events/registry.ts';
import { avroTypes } from '../events/schemas.ts';
import type { BidRequest, Click, Impression } from '../events/types.ts';
import type { Rng } from './rng.ts';

export const MALFORMED_REASONS = [
  'json_syntax',
  'csv_column_count',
  'avro_unknown_fingerprint',
  'missing_field:campaign_id',
  'wrong_type:cost_micros',
  'negative_money:cost_micros',
  'event_time_in_future',
] as const;
export type MalformedReason = (typeof MALFORMED_REASONS)[number];

/** The dimensions every event carries; a malformed record borrows them from a real one. */
export type CommonFields = Omit<Impression, 'auction_id' | 'cost_micros'>;

const YEAR_MS = 365 * 24 * 3_600_000;

export interface MalformedRecord {
  data: Buffer;
  /** The campaign it would have had, or `malformed` when the record carries none. */
  partitionKey: string;
  reason: MalformedReason;
}

export function makeMalformed(reason: MalformedReason, base: CommonFields, rng: Rng): MalformedRecord {
  const key = base.campaign_id;
  const impression: Impression = { ...base, auction_id: `auc-${rng.hex(10)}`, cost_micros: rng.int(500, 5000) };
  switch (reason) {
    case 'json_syntax': {
      // A producer cut off mid-write: keep between a quarter and three quarters of the object.
      const text = JSON.stringify(impression);
      return { data: Buffer.from(text.slice(0, rng.int(text.length >> 2, (3 * text.length) >> 2)), 'utf8'), partitionKey: key, reason };
    }
    case 'csv_column_count': {
      const click: Click = { ...base, impression_id: `imp-${rng.hex(10)}`, cost_micros: 0 };
      // Our ids and dimensions hold no commas or quotes, so the line splits on every comma.
      const cells = encodeEvent({ type: 'click', body: click }).toString('utf8').split(',');
      cells.splice(rng.int(1, cells.length - 1), 1);
      return { data: Buffer.from(cells.join(','), 'utf8'), partitionKey: key, reason };
    }
    case 'avro_unknown_fingerprint': {
      const bid: BidRequest = {
        ...base,
        auction_id: `auc-${rng.hex(10)}`,
        bid_id: `bid-${rng.hex(10)}`,
        floor_micros: 800,
        bid_price_micros: 1500,
        clearing_price_micros: 0,
        won: false,
        bidder_latency_ms: 60,
      };
      let fingerprint: bigint;
      do fingerprint = rng.bytes(8).readBigUInt64LE(0);
      while (defaultRegistry.lookup(fingerprint));
      return { data: encodeSingleObject(avroTypes.bid_request, bid, fingerprint), partitionKey: key, reason };
    }
    case 'missing_field:campaign_id': {
      const { campaign_id: _dropped, ...rest } = impression;
      return { data: Buffer.from(JSON.stringify(rest), 'utf8'), partitionKey: 'malformed', reason };
    }
    case 'wrong_type:cost_micros':
      return { data: Buffer.from(JSON.stringify({ ...impression, cost_micros: 'abc' }), 'utf8'), partitionKey: key, reason };
    case 'negative_money:cost_micros':
      return { data: encodeEvent({ type: 'impression', body: { ...impression, cost_micros: -impression.cost_micros } }), partitionKey: key, reason };
    case 'event_time_in_future':
      // A producer with a clock a year ahead: far beyond any arrival time plus allowed skew.
      return { data: encodeEvent({ type: 'impression', body: { ...impression, event_time: base.event_time + YEAR_MS } }), partitionKey: key, reason };
  }
}
