import { describe, expect, it } from 'vitest';
import { EventTimeWindows } from '../../../stream/pipeline/eventTimeWindows.ts';
import type { AdEvent } from '../../../stream/events/types.ts';
import type { MetricEvent } from '../../../detectors/types.ts';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);

function impression(id: string, time: number, publisher: string, country: string): AdEvent {
  return {
    type: 'impression',
    body: {
      event_id: id, event_time: time, campaign_id: 'c1', ad_id: 'a', publisher_id: publisher, site_id: 's',
      placement: 'top', country, device_type: 'mobile', user_id: 'u', auction_id: null, cost_micros: 10,
    },
  };
}

describe('hopping windows keyed by configured dimensions', () => {
  const config = {
    sizeMs: 2 * MINUTE,
    slideMs: MINUTE,
    maxOutOfOrdernessMs: 0,
    allowedLatenessMs: 0,
    groupings: [['publisher', 'type'], ['country']] as const,
  };

  it('puts each event in size/slide windows and keys by the chosen dimensions (hand-computed)', () => {
    const w = new EventTimeWindows({ ...config, groupings: config.groupings.map((g) => [...g]) }, 's0');
    // Events at minute 0.5 (p1, US), 1.5 (p1, FR), 2.5 (p2, US).
    w.addEvent(impression('a', T0 + 30_000, 'p1', 'US'));
    w.addEvent(impression('b', T0 + 90_000, 'p1', 'FR'));
    w.addEvent(impression('c', T0 + 150_000, 'p2', 'US'));
    const metrics = w.close(true);
    const count = (start: number, key: string) =>
      metrics.find((m) => m.windowStart === start && m.key === key)?.values.count;
    // Window [-1, 1) holds a; [0, 2) holds a, b; [1, 3) holds b, c; [2, 4) holds c.
    expect(count(T0 - MINUTE, 'publisher=p1|type=impression')).toBe(1);
    expect(count(T0, 'publisher=p1|type=impression')).toBe(2);
    expect(count(T0 + MINUTE, 'publisher=p1|type=impression')).toBe(1);
    expect(count(T0 + MINUTE, 'publisher=p2|type=impression')).toBe(1);
    expect(count(T0 + 2 * MINUTE, 'publisher=p2|type=impression')).toBe(1);
    // Country keys carry the funnel: impressions per country per window.
    const us = metrics.find((m) => m.windowStart === T0 && m.key === 'country=US')!;
    expect(us.dimensions).toEqual({ country: 'US' });
    expect(us.values.impressions).toBe(1);
    expect(metrics.every((m) => m.windowEnd - m.windowStart === 2 * MINUTE)).toBe(true);
  });

  it('a late event still lands in its open windows, and is counted late in each window holding the frontier it arrived at', () => {
    const w = new EventTimeWindows({ ...config, groupings: [['publisher']] }, 's0');
    w.addEvent(impression('a', T0 + 30_000, 'p1', 'US'));
    w.addEvent(impression('b', T0 + 2 * MINUTE + 1, 'p1', 'US')); // watermark T0+2m+1: [T0-1m, T0+1m) fires
    const first = w.close();
    expect(first.map((m) => m.windowStart)).toContain(T0 - MINUTE);
    // At T0+50s: its windows are [T0-1m, T0+1m) (fired) and [T0, T0+2m) (open... until watermark ≥ T0+2m: fired too).
    expect(w.addEvent(impression('late', T0 + 50_000, 'p1', 'US'))).toBe(false);
    // At T0+1m+10s: windows [T0, T0+2m) (fired) and [T0+1m, T0+3m) (open): late, but aggregated into the open one.
    expect(w.addEvent(impression('half', T0 + 70_000, 'p1', 'US'))).toBe(false);
    const rest = w.close(true);
    const all = [...first, ...rest];
    const win = (start: number) => all.find((m) => m.windowStart === start && m.key === 'publisher=p1')!.values.impressions;
    expect(win(T0 + MINUTE)).toBe(2); // b and half
    // Quality goes to the two windows holding the frontier when a record arrives: a (frontier
    // T0+30s) to [T0-1m, T0+1m) and [T0, T0+2m); b, late and half (frontier T0+2m+1) to
    // [T0+1m, T0+3m) and [T0+2m, T0+4m). So each window's quality covers its whole length.
    const quality = (start: number) => all.find((m) => m.windowStart === start && m.key.startsWith('quality='))?.values;
    expect([T0 - MINUTE, T0, T0 + MINUTE, T0 + 2 * MINUTE].map((start) => [quality(start)?.valid, quality(start)?.late])).toEqual([
      [1, 0],
      [1, 0],
      [1, 2],
      [1, 2],
    ]);
  });

  it('a window\'s quality counts every record that arrived while the frontier was in it, as its event counts do', () => {
    // Five-minute windows every minute, one impression a second: each window holds 300 events,
    // and its quality says 300 valid records arrived in it (an adversarial review: it said 60).
    const w = new EventTimeWindows({ sizeMs: 5 * MINUTE, slideMs: MINUTE, maxOutOfOrdernessMs: 0, allowedLatenessMs: 0, groupings: [['publisher']] }, 's0');
    const metrics: MetricEvent[] = [];
    for (let i = 0; i < 20 * 60; i++) {
      w.addEvent(impression(`e${i}`, T0 + i * 1_000, 'p1', 'US'));
      metrics.push(...w.close());
    }
    const at = (start: number, key: string) => metrics.find((m) => m.windowStart === start && m.key === key)?.values;
    for (let start = T0 + 5 * MINUTE; start <= T0 + 10 * MINUTE; start += MINUTE) {
      expect(at(start, 'publisher=p1')?.impressions).toBe(300);
      expect(at(start, 'quality=stream|shard=s0')?.valid).toBe(300);
    }
  });

  it('rejects a slide larger than the size', () => {
    expect(() => new EventTimeWindows({ sizeMs: MINUTE, slideMs: 2 * MINUTE, maxOutOfOrdernessMs: 0, allowedLatenessMs: 0 }, 's')).toThrow(/slide/);
  });
});
