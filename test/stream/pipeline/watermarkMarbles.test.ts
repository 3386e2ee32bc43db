/**
 * Marble tests: virtual time is the TestScheduler's frames (1 frame = 1 ms). Event times in the
 * values are in the same milliseconds, so "watermark 10" means event time 10.
 */
import { map, mergeMap, from } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { buildAlert } from '../../../detectors/alertLifecycle.ts';
import type { AdEvent } from '../../../stream/events/types.ts';
import { EventTimeWindows } from '../../../stream/pipeline/eventTimeWindows.ts';
import { mergeShardWindows, type ShardProgress } from '../../../stream/pipeline/mergedWindows.ts';
import { WindowAccumulator } from '../../../stream/pipeline/windowAccumulator.ts';
import { WindowMerger } from '../../../stream/pipeline/windowMerger.ts';

const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

function impression(id: string, time: number, campaign = 'c1'): AdEvent {
  return {
    type: 'impression',
    body: {
      event_id: id, event_time: time, campaign_id: campaign, ad_id: 'a', publisher_id: 'p', site_id: 's',
      placement: 'top', country: 'US', device_type: 'mobile', user_id: 'u', auction_id: null, cost_micros: 1,
    },
  };
}

/** A shard's partial for window [start, start+size) holding `n` impressions of c1. */
function partial(start: number, n: number, watermark: number, size = 10) {
  const window = new WindowAccumulator(start, start + size);
  for (let i = 0; i < n; i++) window.addEvent(impression(`e${start}-${i}`, start + i), [['campaign']]);
  return { window, watermark };
}

const summary = (merged: { window: WindowAccumulator; watermark: number }) => ({
  start: merged.window.start,
  impressions: merged.window.metrics(merged.watermark).find((m) => m.key === 'campaign=c1')?.values.impressions ?? 0,
});

describe('per-shard watermark, window firing and lateness (marbles)', () => {
  it('fires a window once, when max event time − out-of-orderness passes its end; a later event for it is late', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      // maxOutOfOrderness 5, size 10: window [0,10) fires when an event at ≥ 15 arrives.
      const windows = new EventTimeWindows({ sizeMs: 10, maxOutOfOrdernessMs: 5, allowedLatenessMs: 0, groupings: [['campaign']] }, 's0');
      const events = cold('a-b-c-d-e|', {
        a: impression('a', 1),
        b: impression('b', 12), // watermark 7
        c: impression('c', 3), // out of order but within bounds: counts in [0,10)
        d: impression('d', 15), // watermark 10: [0,10) fires with a and c
        e: impression('e', 4), // late: [0,10) already fired
      });
      const fired = events.pipe(
        map((event) => ({ late: !windows.addEvent(event), metrics: windows.close() })),
        mergeMap(({ late, metrics }) =>
          from([
            ...(late ? ['late'] : []),
            ...metrics.filter((m) => m.key === 'campaign=c1').map((m) => `[${m.windowStart},${m.windowEnd}) ${m.values.impressions}`),
          ]),
        ),
      );
      expectObservable(fired).toBe('------x-l|', { x: '[0,10) 2', l: 'late' });
    });
  });

  it('allowed lateness keeps the window open longer, and an event inside it is not late', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const windows = new EventTimeWindows({ sizeMs: 10, maxOutOfOrdernessMs: 0, allowedLatenessMs: 5, groupings: [['campaign']] }, 's0');
      const events = cold('a-b-c-d|', { a: impression('a', 1), b: impression('b', 12), c: impression('c', 2), d: impression('d', 15) });
      const fired = events.pipe(
        mergeMap((event) => {
          const late = !windows.addEvent(event);
          return from([...(late ? ['late'] : []), ...windows.close().filter((m) => m.key === 'campaign=c1').map((m) => `${m.windowStart}:${m.values.impressions}`)]);
        }),
      );
      // Watermark 12 < 10 + 5: c (time 2) still counts; at 15 the window fires with a and c.
      expectObservable(fired).toBe('------x|', { x: '0:2' });
    });
  });
});

describe('pipeline watermark across shards (marbles)', () => {
  it('merges the partials of every shard and fires when the slowest shard passes the window end', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const progress = cold<ShardProgress>('a-b-c----|', {
        a: { shardId: 'A', watermark: 12, windows: [partial(0, 2, 12)] },
        b: { shardId: 'B', watermark: 4 },
        c: { shardId: 'B', watermark: 11, windows: [partial(0, 3, 11)] },
      });
      const merged = progress.pipe(mergeShardWindows({ shards: ['A', 'B'], idleTimeoutMs: 100, allowedLatenessMs: 0, checkEveryMs: 1 }), map(summary));
      // Not at frame 0 (B, known but silent, holds the pipeline back); not at frame 2 (B at 4 holds the pipeline at 4); at frame 4 B passes 10: 2 + 3.
      expectObservable(merged).toBe('----x----|', { x: { start: 0, impressions: 5 } });
    });
  });

  it('an idle shard stops holding the watermark back after the idleness timeout', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const progress = cold<ShardProgress>('a b 40ms -|', {
        a: { shardId: 'A', watermark: 0 },
        b: { shardId: 'B', watermark: 15, windows: [partial(0, 4, 15)] },
      });
      const merged = progress.pipe(mergeShardWindows({ idleTimeoutMs: 20, allowedLatenessMs: 0, checkEveryMs: 5 }), map(summary));
      // A's last activity is frame 0; it is idle from frame 20, found by the tick at frame 20.
      expectObservable(merged).toBe('20ms x 22ms |', { x: { start: 0, impressions: 4 } });
    });
  });

  it('without idleness handling a quiet shard would stall: with a long timeout nothing fires until the end of input', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const progress = cold<ShardProgress>('a b 40ms -|', {
        a: { shardId: 'A', watermark: 0 },
        b: { shardId: 'B', watermark: 15, windows: [partial(0, 4, 15)] },
      });
      const merged = progress.pipe(mergeShardWindows({ idleTimeoutMs: 1_000, allowedLatenessMs: 0, checkEveryMs: 5 }), map(summary));
      expectObservable(merged).toBe('43ms (x|)', { x: { start: 0, impressions: 4 } });
    });
  });

  it('when every shard has gone quiet, the watermark moves to the furthest shard: windows ending by its watermark fire without new traffic', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      // Minute windows; event times in ms. A is at 50 s; B at 130 s has fired [0, 60 s) and [60 s, 120 s).
      const progress = cold<ShardProgress>('(ab) 40ms |', {
        a: { shardId: 'A', watermark: 50_000 },
        b: { shardId: 'B', watermark: 130_000, windows: [partial(0, 3, 130_000, 60_000), partial(60_000, 2, 130_000, 60_000)] },
      });
      const merged = progress.pipe(mergeShardWindows({ idleTimeoutMs: 20, allowedLatenessMs: 0, checkEveryMs: 5 }), map(summary));
      // Until frame 20 A holds the watermark at 50 s. Both were last active at frame 0, so both
      // are idle from frame 20: the watermark goes to 130 s and the two windows fire, oldest first.
      expectObservable(merged).toBe('20ms (xy) 20ms |', { x: { start: 0, impressions: 3 }, y: { start: 60_000, impressions: 2 } });
    });
  });

  it('an ended shard releases the watermark at once', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const progress = cold<ShardProgress>('a b c 10ms |', {
        a: { shardId: 'A', watermark: 0 },
        b: { shardId: 'B', watermark: 15, windows: [partial(0, 1, 15)] },
        c: { shardId: 'A', watermark: 0, ended: true },
      });
      const merged = progress.pipe(mergeShardWindows({ idleTimeoutMs: 1_000, allowedLatenessMs: 0 }), map(summary));
      // (Spaces in marbles are only for alignment: c is at frame 2.)
      expectObservable(merged).toBe('--x 10ms |', { x: { start: 0, impressions: 1 } });
    });
  });
});

describe('late partials', () => {
  it('a partial arriving after its window was emitted is counted, not merged into the published result', () => {
    const merger = new WindowMerger(0);
    merger.add([partial(0, 2, 12)]);
    expect(merger.fire(12).map(summary)).toEqual([{ start: 0, impressions: 2 }]);
    merger.add([partial(0, 1, 30)]);
    expect(merger.latePartials).toBe(1);
    expect(merger.fire(40, true)).toEqual([]);
  });
});

describe('stream-wide firing at the edge', () => {
  it('fires a merged window as soon as the pipeline watermark reaches its end plus the allowed lateness, with the shards\' alerts of it', () => {
    // Window [0, 10), allowed lateness 5: it fires at pipeline watermark 15, not 14, and a shard's
    // quality alert of that window goes out with it, not one window later.
    const merger = new WindowMerger(5);
    const alert = buildAlert(
      { detector: 'quality', key: 'quality=stream|shard=A', dimensions: { quality: 'stream', shard: 'A' }, metric: 'rejected', observed: 9, expected: 1, strength: { p: 1e-6 }, score: 6, since: 0, windowStart: 0, windowEnd: 10, severity: 'warning' },
      'firing',
    );
    merger.add([partial(0, 2, 15)], [alert]);
    expect(merger.fire(14)).toEqual([]);
    const fired = merger.fireMetrics(15);
    expect(fired.events.find((event) => event.key === 'scope=stream|campaign=c1')?.values.impressions).toBe(2);
    expect(fired.alerts).toEqual([alert]);
  });
});
