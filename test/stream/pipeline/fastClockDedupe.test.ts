/**
 * One producer whose clock runs minutes fast (within maxFutureSkewMs, so its events are valid)
 * must not shorten the dedupe horizon of the shard's other events: the horizon runs from the
 * newest event time, each event's taken at most at its arrival, as the watermark takes it. Before,
 * the dedupe took the fast event's time as is, expired every id more than a horizon behind it,
 * and retries of events seconds old by their arrival were written twice.
 */
import { describe, expect, it } from 'vitest';
import { encodeEvent } from '../../../stream/events/wire.ts';
import type { SourceRecord } from '../../../stream/pipeline/batch.ts';
import { processBatch } from '../../../stream/pipeline/processBatch.ts';
import { ShardState } from '../../../stream/pipeline/shardState.ts';
import { benchStateConfig } from '../../bench/pipeline.ts';

const SECOND = 1_000;
const T0 = Date.UTC(2026, 10, 1);

const impression = (eventId: string, eventTime: number) =>
  encodeEvent({
    type: 'impression',
    body: { event_id: eventId, event_time: eventTime, campaign_id: 'c-1', ad_id: 'a-1', publisher_id: 'p-1', site_id: 's-1', placement: 'top', country: 'US', device_type: 'mobile', user_id: 'u-1', auction_id: null, cost_micros: 100 },
  });

describe('dedupe beside a producer with a fast clock', () => {
  it('still catches retries within the horizon of arrival', () => {
    // A one-minute horizon; `fast` is stamped 189 s ahead of its arrival (the skew allows 300 s).
    // By arrival, the retries of `a` and `b` come 12 s and 3 s after their originals: both are
    // duplicates, so 3 events are written, not 5.
    const sent: [string, number, number][] = [
      ['a', 100, 100],
      ['b', 110, 110],
      ['fast', 300, 111],
      ['a', 100, 112],
      ['b', 110, 113],
    ];
    const records: SourceRecord[] = sent.map(([id, eventAt, arrivedAt], i) => ({
      shardId: 'shardId-0', sequenceNumber: String(i + 1), partitionKey: 'c-1', arrivalTime: T0 + arrivedAt * SECOND, data: impression(id, T0 + eventAt * SECOND),
    }));
    const config = { ...benchStateConfig, dedupeHorizonMs: 60 * SECOND };
    const processed = processBatch({ stream: 's', shardId: 'shardId-0', records, millisBehindLatest: 0 }, ShardState.create(config, 'shardId-0'), { maxFutureSkewMs: 300_000 });
    expect(processed.events.map((e) => e.body.event_id)).toEqual(['a', 'b', 'fast']);
    expect(processed.duplicates).toBe(2);
  });
});
