/**
 * Event-time windows of one shard: when a window fires, what it holds, which events are late,
 * and where the shard's quality counts (valid, late, rejected, duplicates) go; the same windows
 * however the records are cut into batches or snapshotted.
 */
import { describe, expect, it } from 'vitest';
import { shardDetectorFactory } from '../../../detectors/shardDetector.ts';
import { encodeEvent } from '../../../stream/events/wire.ts';
import { EventTimeWindows } from '../../../stream/pipeline/eventTimeWindows.ts';
import { processBatch } from '../../../stream/pipeline/processBatch.ts';
import { ShardState } from '../../../stream/pipeline/shardState.ts';
import type { AdEvent } from '../../../stream/events/types.ts';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);

function impression(id: string, time: number, campaign = 'c1', cost = 1000): AdEvent {
  return {
    type: 'impression',
    body: {
      event_id: id, event_time: time, campaign_id: campaign, ad_id: 'a', publisher_id: 'p', site_id: 's',
      placement: 'top', country: 'US', device_type: 'mobile', user_id: 'u', auction_id: null, cost_micros: cost,
    },
  };
}

function click(id: string, time: number, user: string, campaign = 'c1'): AdEvent {
  return {
    type: 'click',
    body: {
      event_id: id, event_time: time, campaign_id: campaign, ad_id: 'a', publisher_id: 'p', site_id: 's',
      placement: 'top', country: 'US', device_type: 'mobile', user_id: user, impression_id: 'i', cost_micros: 50,
    },
  };
}

const config = { sizeMs: MINUTE, maxOutOfOrdernessMs: 10_000, allowedLatenessMs: 0 };

describe('event-time tumbling windows', () => {
  it('closes a window only when the watermark passes its end, with hand-computed totals', () => {
    const windows = new EventTimeWindows(config, 'shard-0');
    windows.addEvent(impression('e1', T0 + 1_000, 'c1', 1_000));
    windows.addEvent(impression('e2', T0 + 30_000, 'c1', 2_500));
    windows.addEvent(click('e3', T0 + 45_000, 'u1'));
    windows.addEvent(click('e4', T0 + 50_000, 'u1'));
    // Newest event T0+65s → watermark T0+55s: the first window [T0, T0+60s) is still open.
    windows.addEvent(impression('e5', T0 + 65_000));
    expect(windows.close()).toEqual([]);
    // Newest T0+70s → watermark T0+60s = the window's end: it closes.
    windows.addEvent(impression('e6', T0 + 70_000));
    const metrics = windows.close();
    const byKey = Object.fromEntries(metrics.map((m) => [m.key, m]));
    expect(byKey['campaign=c1|type=impression'].values).toEqual({ count: 2, spend_micros: 3_500, revenue_micros: 0 });
    expect(byKey['campaign=c1|type=click'].values.count).toBe(2);
    expect(byKey['campaign=c1'].values).toMatchObject({ impressions: 2, clicks: 2, ctr: 1, click_users: 1 });
    expect(metrics.every((m) => m.windowStart === T0 && m.windowEnd === T0 + MINUTE)).toBe(true);
  });

  it('counts an event at exactly a window boundary in the window it starts, not also in the one it ends', () => {
    // Windows are [start, end): T0+60s belongs to [T0+60s, T0+120s) only. Hand-computed: the
    // first window holds e1 (1 impression, 1,000 µ), the second e2 and e3 (2 impressions, 5,000 µ).
    const windows = new EventTimeWindows(config, 'shard-0');
    windows.addEvent(impression('e1', T0 + 1_000, 'c1', 1_000));
    expect(windows.addEvent(impression('e2', T0 + MINUTE, 'c1', 2_000))).toBe(true);
    windows.addEvent(impression('e3', T0 + MINUTE + 1_000, 'c1', 3_000));
    const byWindow = (metrics: ReturnType<EventTimeWindows['close']>, start: number) => metrics.find((m) => m.windowStart === start && m.key === 'campaign=c1|type=impression')?.values;
    const metrics = windows.close(true);
    expect(byWindow(metrics, T0)).toEqual({ count: 1, spend_micros: 1_000, revenue_micros: 0 });
    expect(byWindow(metrics, T0 + MINUTE)).toEqual({ count: 2, spend_micros: 5_000, revenue_micros: 0 });
  });

  it('reports a ratio only where its denominator was seen: clicks without impressions have no CTR, not a CTR of 0', () => {
    const windows = new EventTimeWindows(config, 'shard-0');
    windows.addEvent(click('e1', T0 + 1_000, 'u1'));
    windows.addEvent(click('e2', T0 + 2_000, 'u2'));
    windows.addEvent(impression('e3', T0 + 2 * MINUTE, 'c2')); // watermark T0+110s: the first window closes
    const campaign = windows.close().find((m) => m.key === 'campaign=c1')!;
    // 2 clicks, no impression, no bid: no ctr and no win_rate; 0 conversions of 2 clicks is a cvr of 0.
    expect(campaign.values).toMatchObject({ impressions: 0, clicks: 2, conversions: 0, bids: 0, cvr: 0 });
    expect(Object.keys(campaign.values)).not.toContain('ctr');
    expect(Object.keys(campaign.values)).not.toContain('win_rate');
  });

  it('counts an event for a closed window as late and leaves the closed window unchanged', () => {
    const windows = new EventTimeWindows(config, 'shard-0');
    windows.addEvent(impression('e1', T0 + 1_000));
    windows.addEvent(impression('e2', T0 + 2 * MINUTE)); // watermark T0+110s: first window closable
    const first = windows.close();
    expect(windows.addEvent(impression('late', T0 + 5_000))).toBe(false);
    const rest = windows.close(true);
    expect(first.find((m) => m.key === 'campaign=c1|type=impression')!.values.count).toBe(1);
    // The late event is counted in the quality metrics of the window where it arrived.
    const quality = [...first, ...rest].filter((m) => m.key.startsWith('quality='));
    expect(quality.reduce((sum, m) => sum + m.values.late, 0)).toBe(1);
    expect(quality.reduce((sum, m) => sum + m.values.valid, 0)).toBe(2);
  });

  it('a window closed by the end of input is closed for good: a later run\'s events for it count late, across a snapshot', () => {
    // A bounded run closes every open window at its end, ahead of the watermark; the next run
    // (restored from that run's snapshot) must not fire the same window a second time.
    const first = new EventTimeWindows(config, 'shard-0');
    first.addEvent(impression('e1', T0 + 10_000));
    first.addEvent(impression('e2', T0 + 20_000));
    const atEnd = first.close(true);
    expect(atEnd.find((m) => m.key === 'campaign=c1|type=impression')!.values.count).toBe(2);
    const next = EventTimeWindows.restore(config, 'shard-0', JSON.parse(JSON.stringify(first.snapshot())));
    // T0+30s is before the watermark would have closed [T0, T0+60s) (T0+20s − 10 s), so only the final close makes it late.
    expect(next.addEvent(impression('e3', T0 + 30_000))).toBe(false);
    next.countAtArrival('duplicates');
    next.addEvent(impression('e4', T0 + 75_000));
    const later = next.close(true);
    expect(later.filter((m) => m.windowStart === T0), 'the closed window fires once').toEqual([]);
    // The late event and the duplicate are counted where they arrived: the first window the end left open.
    const quality = later.filter((m) => m.key.startsWith('quality='));
    expect(quality.map((m) => [m.windowStart, m.values.late, m.values.duplicates, m.values.valid])).toEqual([[T0 + MINUTE, 1, 1, 1]]);
    expect(later.find((m) => m.key === 'campaign=c1|type=impression')).toMatchObject({ windowStart: T0 + MINUTE, values: { count: 1 } });
  });

  it('gives the same windows however the records are cut into batches, and across a snapshot', () => {
    const events = Array.from({ length: 200 }, (_, i) =>
      impression(`e${i}`, T0 + i * 1_700 - (i % 7 === 0 ? 40_000 : 0), i % 2 ? 'c1' : 'c2'),
    );
    const whole = new EventTimeWindows(config, 's');
    for (const e of events) whole.addEvent(e);
    const expected = [...whole.close(), ...whole.close(true)];

    let pieces = new EventTimeWindows(config, 's');
    const actual = [];
    for (let i = 0; i < events.length; i++) {
      pieces.addEvent(events[i]);
      if (i % 13 === 0) {
        actual.push(...pieces.close());
        pieces = EventTimeWindows.restore(config, 's', JSON.parse(JSON.stringify(pieces.snapshot())));
      }
    }
    actual.push(...pieces.close(), ...pieces.close(true));
    const strip = (ms: typeof expected) => ms.map(({ watermark: _w, ...rest }) => rest);
    expect(strip(actual)).toEqual(strip(expected));
  });
});

describe('a producer whose clock runs fast', () => {
  it('cannot push the watermark past the arrival of its records, so the on-time records after it are not late', () => {
    const windows = new EventTimeWindows(config, 'shard-0');
    const arrival = T0 + 5 * MINUTE;
    // 4 minutes ahead of its arrival: accepted (within maxFutureSkewMs) but not the shard's frontier.
    expect(windows.addEvent(impression('fast', arrival + 4 * MINUTE), arrival)).toBe(true);
    expect(windows.watermark).toBe(arrival - config.maxOutOfOrdernessMs);
    // Twenty on-time records, each a second before it arrived: none late.
    const onTime = Array.from({ length: 20 }, (_, i) => windows.addEvent(impression(`e${i}`, arrival + i * 1_000 - 1_000), arrival + i * 1_000));
    expect(onTime.every(Boolean)).toBe(true);
    // Without arrival times (hand-built tests, older callers) the event time alone moves it.
    const bare = new EventTimeWindows(config, 'shard-1');
    bare.addEvent(impression('fast', arrival + 4 * MINUTE));
    expect(bare.watermark).toBe(arrival + 4 * MINUTE - config.maxOutOfOrdernessMs);
  });
});

describe('records rejected before the shard\'s first valid event', () => {
  it('are counted in the quality row of the window that event opens: 2 malformed, then 1 valid → rejected 2, valid 1', () => {
    const state = ShardState.create({ windows: config, dedupeHorizonMs: 3_600_000, createDetector: shardDetectorFactory() }, 'shard-0');
    const arrival = T0 + 2_000;
    const record = (sequenceNumber: string, data: Uint8Array) => ({ shardId: 'shard-0', sequenceNumber, partitionKey: 'c1', arrivalTime: arrival, data });
    const records = [
      record('1', Buffer.from('{"event_id": "x", "event_time": ')), // cut off: json_syntax
      record('2', Buffer.from('[1,2,3]')), // json_not_object
      record('3', encodeEvent(impression('e1', T0 + 1_000))),
    ];
    const out = processBatch({ stream: 's', shardId: 'shard-0', records, millisBehindLatest: 0 }, state, { maxFutureSkewMs: 300_000, final: true });
    expect(out.rejected.map((r) => r.rejection.reason)).toEqual(['json_syntax', 'json_not_object']);
    const quality = out.metrics.filter((m) => m.key === 'quality=stream|shard=shard-0');
    expect(quality.map((m) => [m.windowStart, m.values.rejected, m.values.valid, m.values.duplicates, m.values.late])).toEqual([[T0, 2, 1, 0, 0]]);
  });
});
