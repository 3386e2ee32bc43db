/**
 * Funnel discrepancies through the real pipeline (wire bytes → processBatch → metric events):
 * clicks whose impression was never seen and conversions whose click was never seen, counted
 * when the window closes, and only then, so a click that arrives before its impression (within
 * the out-of-orderness bound) is not an orphan.
 */
import { describe, expect, it } from 'vitest';
import type { AdEvent } from '../../../stream/events/types.ts';
import { encodeEvent } from '../../../stream/events/wire.ts';
import type { SourceRecord } from '../../../stream/pipeline/batch.ts';
import { processBatch } from '../../../stream/pipeline/processBatch.ts';
import { ShardState, type ShardStateSnapshot } from '../../../stream/pipeline/shardState.ts';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);
const common = (id: string, time: number) => ({
  event_id: id, event_time: time, campaign_id: 'c1', ad_id: 'a', publisher_id: 'p', site_id: 's',
  placement: 'top', country: 'US', device_type: 'mobile', user_id: `u-${id}`,
});
const impression = (id: string, time: number): AdEvent => ({ type: 'impression', body: { ...common(id, time), auction_id: null, cost_micros: 1000 } });
const click = (id: string, time: number, impressionId: string): AdEvent => ({ type: 'click', body: { ...common(id, time), impression_id: impressionId, cost_micros: 50 } });
const conversion = (id: string, time: number, clickId: string): AdEvent => ({
  type: 'conversion',
  body: { ...common(id, time), click_id: clickId, impression_id: 'unused', conversion_type: 'signup', revenue_micros: 0 },
});

const stateConfig = {
  windows: { sizeMs: MINUTE, maxOutOfOrdernessMs: 10_000, allowedLatenessMs: 0 },
  dedupeHorizonMs: 3_600_000,
  createDetector: () => ({ observe: () => [], snapshot: () => null }),
};

let sequence = 0;
function run(state: ShardState, events: AdEvent[], final = false) {
  const records: SourceRecord[] = events.map((event) => ({
    shardId: 'shard-0', sequenceNumber: String(++sequence), partitionKey: 'c1', arrivalTime: event.body.event_time, data: encodeEvent(event),
  }));
  return processBatch({ stream: 's', shardId: 'shard-0', records, millisBehindLatest: 0 }, state, { maxFutureSkewMs: 300_000, final });
}

const funnel = (metrics: ReturnType<typeof run>['metrics'], windowStart: number) => metrics.find((m) => m.key === 'campaign=c1' && m.windowStart === windowStart)?.values;

describe('funnel attribution', () => {
  it('counts clicks without a seen impression and conversions without a seen click, per window', () => {
    const state = ShardState.create(stateConfig, 'shard-0');
    const out = run(state, [
      impression('i1', T0 + 1_000),
      click('k1', T0 + 5_000, 'i1'), // its impression was seen
      click('k2', T0 + 6_000, 'i-never'), // orphan click
      conversion('v1', T0 + 20_000, 'k2'), // its click was seen (even though that click is an orphan)
      conversion('v2', T0 + 30_000, 'k-never'), // orphan conversion
      impression('i2', T0 + 80_000), // moves the watermark past the first window's end
    ]);
    expect(funnel(out.metrics, T0)).toMatchObject({ clicks: 2, conversions: 2, orphan_clicks: 1, orphan_conversions: 1 });
  });

  it('does not count a click whose impression arrives after it but before the window closes', () => {
    const state = ShardState.create(stateConfig, 'shard-0');
    const first = run(state, [click('k1', T0 + 50_000, 'i1')]);
    expect(first.metrics).toEqual([]);
    // The impression is older than the click and arrives later, inside the out-of-orderness bound.
    const second = run(state, [impression('i1', T0 + 45_000), impression('i3', T0 + 75_000)]);
    expect(funnel(second.metrics, T0)).toMatchObject({ clicks: 1, orphan_clicks: 0 });
  });

  it('looks a click up when the watermark passes its window, so an impression arriving after that is not seen, however the records are batched', () => {
    // k1's impression i1 arrives after i3 moved the watermark (75 s − 10 s) past the window's end
    // (60 s): i1 is late, and k1 an orphan. Cut anywhere, the lookup happens between i3 and i1.
    const records = () => [click('k1', T0 + 50_000, 'i1'), impression('i3', T0 + 75_000), impression('i1', T0 + 45_000)];
    for (const cuts of [[3], [1, 2], [2, 1], [1, 1, 1]]) {
      const state = ShardState.create(stateConfig, 'shard-0');
      const events = records();
      const metrics = cuts.flatMap((size) => run(state, events.splice(0, size)).metrics);
      expect(funnel(metrics, T0), `batches of ${cuts.join(', ')}`).toMatchObject({ clicks: 1, orphan_clicks: 1 });
      expect(metrics.find((m) => m.windowStart === T0)?.watermark).toBe(T0 + 65_000);
    }
  });

  it('keeps unresolved references across a snapshot and restore', () => {
    const state = ShardState.create(stateConfig, 'shard-0');
    run(state, [impression('i1', T0 + 1_000), click('k1', T0 + 2_000, 'i1'), click('k2', T0 + 3_000, 'i-never')]);
    const snapshot = JSON.parse(JSON.stringify(state.snapshot())) as ShardStateSnapshot;
    const restored = ShardState.create(stateConfig, 'shard-0', snapshot);
    const out = run(restored, [impression('i9', T0 + 2 * MINUTE)]);
    expect(funnel(out.metrics, T0)).toMatchObject({ clicks: 2, orphan_clicks: 1 });
  });
});
