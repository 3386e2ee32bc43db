/**
 * Arrival delay (arrival on the stream − event time) as the pipeline reports it and as the
 * default detectors judge it: when every producer falls behind alike, the events still arrive in
 * order, so the delay behind the shard's newest event stays small; only arrival − event time
 * shows the incident.
 */
import { describe, expect, it } from 'vitest';
import { shardDetectorFactory } from '../../../detectors/shardDetector.ts';
import type { AdEvent } from '../../../stream/events/types.ts';
import { encodeEvent } from '../../../stream/events/wire.ts';
import { processBatch } from '../../../stream/pipeline/processBatch.ts';
import { ShardState } from '../../../stream/pipeline/shardState.ts';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);
const impression = (id: string, time: number): AdEvent => ({
  type: 'impression',
  body: {
    event_id: id, event_time: time, campaign_id: 'c1', ad_id: 'a', publisher_id: 'p', site_id: 's',
    placement: 'top', country: 'US', device_type: 'mobile', user_id: 'u', auction_id: null, cost_micros: 1000,
  },
});

function runMinutes(minutes: number, delayAt: (minute: number) => number) {
  const state = ShardState.create(
    { windows: { sizeMs: MINUTE, maxOutOfOrdernessMs: 5_000, allowedLatenessMs: 0 }, dedupeHorizonMs: 3_600_000, createDetector: shardDetectorFactory() },
    'shard-0',
  );
  const outputs = [];
  let sequence = 0;
  for (let m = 0; m < minutes; m++) {
    // 30 events a minute, every 2 s, in event-time order; each arrives `delayAt(m)` after it happened.
    const records = Array.from({ length: 30 }, (_, i) => {
      const time = T0 + m * MINUTE + i * 2_000;
      return { shardId: 'shard-0', sequenceNumber: String(++sequence), partitionKey: 'c1', arrivalTime: time + delayAt(m), data: encodeEvent(impression(`i${m}-${i}`, time)) };
    });
    outputs.push(processBatch({ stream: 's', shardId: 'shard-0', records, millisBehindLatest: 0 }, state, { maxFutureSkewMs: 300_000 }));
  }
  return outputs;
}

describe('arrival delay', () => {
  it('reports the p99 of arrival − event time per window next to the delay behind the newest event', () => {
    const quality = runMinutes(3, () => 4_000)
      .flatMap((o) => o.metrics)
      .find((m) => m.key === 'quality=stream|shard=shard-0');
    // Every event arrived 4 s after it happened (DDSketch: 1 % relative accuracy); all in order.
    expect(quality?.values.arrival_delay_p99_ms).toBeGreaterThanOrEqual(3_960);
    expect(quality?.values.arrival_delay_p99_ms).toBeLessThanOrEqual(4_040);
    expect(quality?.values.ingestion_delay_p99_ms).toBe(0);
  });

  it('pages when every producer falls 10 minutes behind, which the delay behind the newest event cannot see', () => {
    const outputs = runMinutes(40, (m) => (m < 30 ? 2_000 : 10 * MINUTE));
    const alerts = outputs.flatMap((o) => o.alerts).flatMap((a) => [a, ...(a.related ?? [])]);
    const raised = alerts.filter((a) => a.status !== 'resolved');
    expect(raised.map((a) => a.detector)).toContain('arrival_delay');
    expect(raised.map((a) => a.detector)).not.toContain('ingestion_delay');
    // Before the incident (30 normal minutes, 10 of them warm-up) nothing pages.
    expect(raised.every((a) => a.windowStart >= T0 + 30 * MINUTE)).toBe(true);
  });
});
