/**
 * Hand-built records of one shard for tests that run `processBatch` over them: steady impression
 * traffic whose counts a test can say by heart, and malformed records at a given arrival time.
 */
import { shardDetectorFactory } from '../../../../detectors/shardDetector.ts';
import { encodeEvent } from '../../../../stream/events/wire.ts';
import type { RecordBatch, SourceRecord } from '../../../../stream/pipeline/batch.ts';
import type { ShardStateConfig } from '../../../../stream/pipeline/shardState.ts';

export const T0 = Date.UTC(2026, 10, 1, 0, 0, 0);
export const MINUTE = 60_000;
export const SHARD = 'shard-0';
/** One-minute windows, 30 s of out-of-orderness, the default detectors. */
export const shardConfig: ShardStateConfig = { windows: { sizeMs: MINUTE, maxOutOfOrdernessMs: 30_000, allowedLatenessMs: 0 }, dedupeHorizonMs: 3_600_000, createDetector: shardDetectorFactory() };
export const processOptions = { maxFutureSkewMs: 300_000 };
/** What each impression takes to reach the stream. */
export const ARRIVAL_DELAY_MS = 1_000;

let sequence = 0;

export function impression(campaign: string, time: number): SourceRecord {
  const id = `imp-${++sequence}`;
  const body = { event_id: id, event_time: time, campaign_id: campaign, ad_id: 'a', publisher_id: 'p', site_id: 's', placement: 'top', country: 'US', device_type: 'mobile', user_id: 'u', auction_id: null, cost_micros: 1 };
  return { shardId: SHARD, sequenceNumber: String(sequence), partitionKey: id, arrivalTime: time + ARRIVAL_DELAY_MS, data: encodeEvent({ type: 'impression', body }) };
}

/** A JSON record cut off in the middle: rejected. */
export const malformed = (arrivalTime: number): SourceRecord => ({ shardId: SHARD, sequenceNumber: String(++sequence), partitionKey: 'k', arrivalTime, data: Buffer.from('{"event_id": "x", "event_time": ') });

/** `minutes` minutes of steady traffic: 20 impressions a minute for each campaign, one every 3 s. */
export function steadyTraffic(campaigns: string[], fromMinute: number, minutes: number): SourceRecord[] {
  const records: SourceRecord[] = [];
  for (let m = fromMinute; m < fromMinute + minutes; m++) for (let i = 0; i < 20; i++) for (const c of campaigns) records.push(impression(c, T0 + m * MINUTE + i * 3_000));
  return records;
}

export const batch = (records: SourceRecord[]): RecordBatch => ({ stream: 's', shardId: SHARD, records, millisBehindLatest: 0 });
