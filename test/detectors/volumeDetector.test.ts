import { describe, expect, it } from 'vitest';
import { zScoreDetectorConfig as defaultDetectorConfig } from '../../detectors/zScoreConfig.ts';
import { defaultDetectorConfig as adstreamDefaults } from '../../detectors/defaultConfig.ts';
import type { AlertEvent, MetricEvent } from '../../detectors/types.ts';
import { VolumeDetector, volumeDetectorFactory, type DetectorConfig } from '../../detectors/volumeDetector.ts';

const T0 = Date.UTC(2024, 0, 1, 10, 0);
const W = 60_000;
const at = (i: number): number => T0 + i * W;
const iso = (i: number): string => new Date(at(i)).toISOString();

/** One window's metrics: key → values (a number is shorthand for `{ count }`). */
type WindowSpec = Record<string, number | Record<string, number>>;

function windowMetrics(i: number, spec: WindowSpec): MetricEvent[] {
  return Object.entries(spec).map(([key, v]) => ({
    windowStart: at(i),
    windowEnd: at(i + 1),
    key,
    dimensions: Object.fromEntries(key.split('|').map((p) => p.split('=') as [string, string])),
    values: typeof v === 'number' ? { count: v } : v,
    watermark: at(i + 1),
  }));
}

/** Feeds windows start..; a `null` window is skipped entirely (nothing emitted at all). */
function feed(detector: VolumeDetector, windows: (WindowSpec | null)[], start = 0): AlertEvent[] {
  const alerts: AlertEvent[] = [];
  windows.forEach((spec, n) => {
    if (spec) alerts.push(...detector.observe(windowMetrics(start + n, spec)));
  });
  return alerts;
}

// Sorted: 96 97 98 99 100 100 101 102 103 104 → median 100; |x − 100| sorted 0 0 1 1 2 2 3 3 4 4
// → MAD 2, 1.4826·MAD ≈ 2.97 < √100 = 10, so the scale is the Poisson floor: 10.
const NOISE = [100, 104, 97, 101, 99, 103, 96, 102, 98, 100];
const C1 = 'campaign=c1|type=impression';
const C2 = 'campaign=c2|type=impression';
const steady = (n: number, extra: WindowSpec = {}): WindowSpec[] =>
  Array.from({ length: n }, (_, i) => ({ [C1]: NOISE[i % NOISE.length], ...extra }));

describe('VolumeDetector with the default config', () => {
  const config = defaultDetectorConfig;

  it('a moderate drop (z = −4.5) alerts as a warning in the 2nd window, dated from the 1st', () => {
    const detector = new VolumeDetector(config);
    expect(feed(detector, steady(20))).toEqual([]);
    // (55 − 100) / 10 = −4.5: anomalous, score 1/(1+e^−0.5) ≈ 0.62 → warning, needs 2 windows
    expect(feed(detector, [{ [C1]: 55 }], 20)).toEqual([]);
    const alerts = feed(detector, [{ [C1]: 55 }], 21);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      alertId: `event_count:${C1}@${iso(20)}`,
      detector: 'event_count',
      severity: 'warning',
      metric: 'count',
      observed: 55,
      expected: 100,
      windowStart: at(21),
      windowEnd: at(22),
      dimensions: { campaign: 'c1', type: 'impression' },
    });
    expect(alerts[0].score).toBeCloseTo(1 / (1 + Math.exp(-0.5)), 6);
    expect(alerts[0].summary).toContain('count dropped for campaign c1, type impression: observed 55 vs expected 100');
    expect(alerts[0].summary).toContain(`since ${iso(20)}`);
  });

  it('a severe drop (z = −9, score 0.993) is critical in its first window', () => {
    const detector = new VolumeDetector(config);
    feed(detector, steady(20));
    const alerts = feed(detector, [{ [C1]: 10 }], 20);
    expect(alerts.map((a) => [a.alertId, a.severity, a.windowStart])).toEqual([[`event_count:${C1}@${iso(20)}`, 'critical', at(20)]]);
  });

  it('a series that has not warmed up (10 windows) never alerts', () => {
    const detector = new VolumeDetector(config);
    expect(feed(detector, [...steady(5), { [C1]: 0 }, { [C1]: 0 }, { [C1]: 0 }, { [C1]: 500 }])).toEqual([]);
  });

  it('a small campaign moving by ±1 stays quiet thanks to the Poisson floor', () => {
    const small = 'campaign=c9|type=click';
    const series = [2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 1, 3, 1, 2, 3, 1, 3];
    const windows = series.map((v) => ({ [small]: v }));
    // MAD is 0, so the scale is √2 ≈ 1.41: |±1| / 1.41 ≈ 0.71, far below 4
    expect(feed(new VolumeDetector(config), windows)).toEqual([]);
    // Without the floor (scale 0.1) the same ±1 would read as z = 10 and alarm
    const noFloor: DetectorConfig = {
      ...config,
      watches: [{ name: 'event_count', value: 'count', direction: 'both', threshold: 4, floor: 'none', minScale: 0.1 }],
    };
    expect(feed(new VolumeDetector(noFloor), windows).length).toBeGreaterThan(0);
  });

  it('a key that stops being emitted is read as zero in that window', () => {
    const detector = new VolumeDetector(config);
    feed(detector, steady(20, { [C2]: 50 }));
    const alerts = feed(detector, [{ [C2]: 50 }], 20);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ key: C1, observed: 0, expected: 100, severity: 'critical', windowStart: at(20) });
  });

  it('windows with no metrics at all are filled with zeros', () => {
    const detector = new VolumeDetector(config);
    feed(detector, steady(20));
    // windows 20 and 21 emit nothing; the alert is dated from window 20 when window 22 arrives
    const alerts = feed(detector, [null, null, { [C1]: 100 }], 20);
    expect(alerts.map((a) => [a.alertId, a.observed, a.windowStart])).toEqual([[`event_count:${C1}@${iso(20)}`, 0, at(20)]]);
  });

  it('hopping windows (5 minutes, every minute): only the windows a window length apart are scored, as tumbling ones', () => {
    const detector = new VolumeDetector({ ...config, scoredWindowStartsEveryMs: 5 * W });
    const hopping = (i: number, spec: WindowSpec): MetricEvent[] => windowMetrics(i, spec).map((m) => ({ ...m, windowEnd: at(i + 5), watermark: at(i + 5) }));
    // The windows between are nonsense (0): not scored, they raise nothing.
    const alerts: AlertEvent[] = [];
    for (let i = 0; i < 150; i++) alerts.push(...detector.observe(hopping(i, { [C1]: i % 5 === 0 ? NOISE[(i / 5) % NOISE.length] : 0 })));
    expect(alerts).toEqual([]);
    // The scored windows at minutes 150 and 155 emit nothing: filled as zeros when 160's comes.
    for (let i = 151; i < 160; i++) if (i % 5 !== 0) detector.observe(hopping(i, { [C1]: 100 }));
    const drop = detector.observe(hopping(160, { [C1]: 100 }));
    expect(drop.map((a) => [a.alertId, a.observed, a.windowStart, a.windowEnd])).toEqual([[`event_count:${C1}@${iso(150)}`, 0, at(150), at(155)]]);
  });

  it('a long incident does not become the baseline: one alert, resolved only after recovery', () => {
    const detector = new VolumeDetector(config);
    feed(detector, steady(20));
    const transitions = [];
    for (let i = 20; i < 70; i++) transitions.push(...detector.observeTransitions(windowMetrics(i, { [C1]: 10 })));
    expect(transitions.map((t) => [t.event, t.alert.windowStart])).toEqual([['firing', at(20)]]);
    for (let i = 70; i < 75; i++) transitions.push(...detector.observeTransitions(windowMetrics(i, { [C1]: 100 })));
    // resolved after 3 normal windows: 70, 71, 72; still judged against the pre-incident 100
    expect(transitions.slice(1).map((t) => [t.event, t.alert.windowStart, t.alert.expected, t.alert.alertId])).toEqual([
      ['resolved', at(72), 100, `event_count:${C1}@${iso(20)}`],
    ]);
  });

  it('win rate is judged only with enough bids', () => {
    const key = 'campaign=c3';
    const detector = new VolumeDetector(config);
    feed(detector, Array.from({ length: 15 }, () => ({ [key]: { bids: 500, win_rate: 0.3 } })));
    // 50 bids < 100: a collapse to 0.02 is not scored at all
    expect(feed(detector, [{ [key]: { bids: 50, win_rate: 0.02 } }, { [key]: { bids: 50, win_rate: 0.02 } }], 15)).toEqual([]);
    // 500 bids: binomial sd √(0.3·0.7/500) ≈ 0.0205, z ≈ −13 → critical at once
    const alerts = feed(detector, [{ [key]: { bids: 500, win_rate: 0.03 } }], 17);
    expect(alerts.map((a) => [a.detector, a.severity, a.observed, a.expected])).toEqual([['win_rate_drop', 'critical', 0.03, 0.3]]);
  });

  it('stream quality spikes are caught on the shard quality key', () => {
    const key = 'quality=stream|shard=shardId-000000000000';
    const normal = (i: number) => ({ valid: 1000, rejected: [3, 5, 4, 6, 2][i % 5], duplicates: 1, late: 0, ingestion_delay_p99_ms: 2000 });
    const detector = new VolumeDetector(config);
    feed(detector, Array.from({ length: 15 }, (_, i) => ({ [key]: normal(i) })));
    const alerts = feed(detector, [{ [key]: { ...normal(0), rejected: 200 } }], 15);
    expect(alerts.map((a) => [a.detector, a.metric, a.observed, a.expected])).toEqual([['rejected_spike', 'rejected', 200, 4]]);
  });

  it('alert ids are deterministic across runs and independent of other keys', () => {
    const scenario = [...steady(20, { [C2]: 50 }), { [C1]: 10, [C2]: 50 }, { [C1]: 10, [C2]: 500 }];
    const first = feed(new VolumeDetector(config), scenario).map((a) => a.alertId);
    const second = feed(new VolumeDetector(config), scenario).map((a) => a.alertId);
    expect(first).toEqual([`event_count:${C1}@${iso(20)}`, `event_count:${C2}@${iso(21)}`]);
    expect(second).toEqual(first);
  });

  it('snapshot → JSON → restore continues with exactly the same output', () => {
    const scenario: WindowSpec[] = [
      ...steady(20, { [C2]: 50 }),
      { [C1]: 55, [C2]: 50 },
      { [C2]: 50 },
      { [C1]: 55, [C2]: 500 },
      { [C1]: 100, [C2]: 500 },
      ...steady(6, { [C2]: 50 }),
    ];
    const uninterrupted = new VolumeDetector(config);
    const expected = feed(uninterrupted, scenario);
    expect(expected.length).toBeGreaterThanOrEqual(2);

    const factory = volumeDetectorFactory(config);
    const before = factory();
    const cut = 21; // inside the C1 incident: pending state must survive the restart
    const head = feed(before, scenario.slice(0, cut));
    const restored = factory(JSON.parse(JSON.stringify(before.snapshot())));
    const tail = feed(restored, scenario.slice(cut), cut);
    expect([...head, ...tail]).toEqual(expected);
    expect(restored.snapshot()).toEqual(uninterrupted.snapshot());
  });

  it('a series missing for forgetAfterMissing windows is forgotten, resolving its alert', () => {
    const detector = new VolumeDetector({ ...config, forgetAfterMissing: 5 });
    feed(detector, steady(20, { [C2]: 50 }));
    const transitions = [];
    for (let i = 20; i < 26; i++) transitions.push(...detector.observeTransitions(windowMetrics(i, { [C2]: 50 })));
    expect(transitions.map((t) => [t.event, t.alert.windowStart])).toEqual([['firing', at(20)], ['resolved', at(24)]]);
    // The campaign is still at zero: the closing says so, not "back to normal".
    expect(transitions[1].alert.summary).toMatch(/^\[\w+\] count alert closed for campaign c1, type impression, not back to normal: no data for 5 windows; anomalous since /);
    expect(Object.keys(detector.snapshot().series)).toEqual([`event_count@${C2}`]);
  });

  it('restored for a child shard, a key gone to the sibling is not a drop, while one that comes and then stops is', () => {
    const parent = new VolumeDetector(config);
    feed(parent, steady(20, { [C2]: 50 }));
    const child = VolumeDetector.restore(config, parent.snapshot());
    child.inherit('shardId-000000000002');
    // C2 went to the sibling: this child never sees it, and says nothing about it.
    expect(feed(child, steady(5), 20)).toEqual([]);
    // C1 came here, so its baseline holds: a drop to 10 is still caught at once.
    expect(feed(child, [{ [C1]: 10 }], 25).map((a) => [a.key, a.observed])).toEqual([[C1, 10]]);
  });

  it('restored for a child shard, the parent shard’s own quality alert resolves at the next window', () => {
    const key = 'quality=stream|shard=shardId-000000000000';
    const normal = (i: number) => ({ valid: 1000, rejected: [3, 5, 4, 6, 2][i % 5], duplicates: 1, late: 0, ingestion_delay_p99_ms: 2000 });
    const parent = new VolumeDetector(config);
    feed(parent, Array.from({ length: 15 }, (_, i) => ({ [key]: normal(i) })));
    expect(feed(parent, [{ [key]: { ...normal(0), rejected: 200 } }], 15)).toHaveLength(1);
    const child = VolumeDetector.restore(config, parent.snapshot());
    child.inherit('shardId-000000000001');
    const childKey = 'quality=stream|shard=shardId-000000000001';
    const transitions = child.observeTransitions(windowMetrics(16, { [childKey]: normal(1) }));
    expect(transitions.map((t) => [t.event, t.alert.key])).toEqual([['resolved', key]]);
    expect(transitions[0].alert.summary).toContain('not back to normal: shard shardId-000000000000 was resharded and has ended');
    expect(Object.keys(child.snapshot().series).some((id) => id.endsWith(key))).toBe(false);
  });

  it('restored for the child of a merge, the other parent’s quality alert resolves too, and its campaigns wait for their keys', () => {
    const keyOf = (shard: string) => `quality=stream|shard=${shard}`;
    const normal = (i: number) => ({ valid: 1000, rejected: [3, 5, 4, 6, 2][i % 5], duplicates: 1, late: 0, ingestion_delay_p99_ms: 2000 });
    const [first, second] = ['shardId-000000000000', 'shardId-000000000001'].map((shard) => {
      const parent = new VolumeDetector(config);
      feed(parent, Array.from({ length: 15 }, (_, i) => ({ [keyOf(shard)]: normal(i), ...(shard.endsWith('1') ? { [C2]: NOISE[i % NOISE.length] } : {}) })));
      return parent;
    });
    expect(feed(second, [{ [keyOf('shardId-000000000001')]: { ...normal(0), rejected: 200 }, [C2]: 100 }], 15)).toHaveLength(1);
    const child = VolumeDetector.restore(config, first.snapshot());
    child.inherit('shardId-000000000002', [second.snapshot()]);
    const transitions = child.observeTransitions(windowMetrics(16, { [keyOf('shardId-000000000002')]: normal(1) }));
    // Both parents' own series go; only the second had an alert open.
    expect(transitions.map((t) => [t.event, t.alert.key])).toEqual([['resolved', keyOf('shardId-000000000001')]]);
    expect(Object.keys(child.snapshot().series).filter((id) => id.includes('quality=stream|shard=shardId-00000000000') && !id.endsWith('2'))).toEqual([]);
    // The second parent's campaign came along: when its key arrives, a drop is still caught.
    expect(feed(child, [{ [C2]: 10 }], 17).map((a) => [a.key, a.observed])).toEqual([[C2, 10]]);
  });

  it('restored under a config without one of its watches, that watch’s open alert resolves and its series go', () => {
    const before = new VolumeDetector(config);
    feed(before, steady(20, { [C2]: 50 }));
    expect(feed(before, [{ [C1]: 10, [C2]: 50 }], 20).map((a) => a.key)).toEqual([C1]);
    const renamed = { ...config, watches: config.watches.map((w) => (w.name === 'event_count' ? { ...w, name: 'event_count_v2' } : w)) };
    const after = VolumeDetector.restore(renamed, before.snapshot());
    const alerts = feed(after, [{ [C1]: 100, [C2]: 50 }], 21);
    expect(alerts.filter((a) => a.detector === 'event_count').map((a) => [a.status, a.key])).toEqual([['resolved', C1]]);
    expect(Object.keys(after.snapshot().series).some((id) => id.startsWith('event_count@'))).toBe(false);
  });

  it('metrics for a window already finished are ignored (replays do not double count)', () => {
    const detector = new VolumeDetector(config);
    feed(detector, steady(20));
    expect(feed(detector, [{ [C1]: 10 }], 5)).toEqual([]);
    expect(detector.snapshot().finishedThrough).toBe(at(20));
  });
});

describe('VolumeDetector warm-up boundary (warmupWindows 10)', () => {
  // A spike to 1,000 where every window so far held about 100: far past any threshold, so
  // whether it alerts says only whether the series was scored at all.
  const spike: WindowSpec = { [C1]: 1_000 };

  it.each([
    ['robust z-scores', defaultDetectorConfig],
    ['the count test', adstreamDefaults],
  ])('with %s, a spike after 9 steady windows is not scored; after 10 it alerts at once', (_name, config) => {
    expect(config.warmupWindows).toBe(10);
    expect(feed(new VolumeDetector(config), [...steady(9), spike])).toEqual([]);
    const alerts = feed(new VolumeDetector(config), [...steady(10), spike]);
    // Scored against the 10 steady windows: critical in its first window.
    expect(alerts.map((a) => [a.key, a.status, a.severity, a.observed, a.windowStart])).toEqual([[C1, 'firing', 'critical', 1_000, at(10)]]);
  });
});

describe('VolumeDetector rate tests on a sparse series', () => {
  const KEY = 'campaign=c1';
  // Clicks among 10 events a window, two clicks in every 50th window: a true rate of 1 in 250.
  // adstream's default thresholds and lifecycle, with one rate watch on the campaign's clicks per event.
  const config: DetectorConfig = {
    ...adstreamDefaults,
    watches: [{ name: 'click_rate', match: (_k, d) => 'campaign' in d, value: 'clicks', trials: { value: 'events', min: 1 }, test: 'poisson_rate', direction: 'up', threshold: 0, zeroWhenMissing: false, historyWindows: 360 }],
  };
  const sparse = (n: number): WindowSpec[] => Array.from({ length: n }, (_, i) => ({ [KEY]: { clicks: i % 50 === 49 ? 2 : 0, events: 10 } }));

  it('learns the windows of a run that ends without an alert, so its rate is not starved and its clicks stay ordinary', () => {
    const detector = new VolumeDetector(config);
    // Two clicks on 10 events at a rate of 1/250 have p ≈ 1e-3 even at the true rate: each
    // starts a run, which the next window (no click) ends. Left out of the history, every click
    // window would be, and the learned rate would sink to the prior's half click over thousands
    // of events, against which the next two clicks are an incident.
    expect(feed(detector, sparse(2000))).toEqual([]);
    const series = detector.snapshot().series['click_rate@campaign=c1'];
    expect(series.history).toHaveLength(360);
    const learned = series.history.reduce((a, b) => a + b, 0) / (series.trialsHistory ?? []).reduce((a, b) => a + b, 0);
    expect(learned).toBeCloseTo(1 / 250, 3);
  });

  it('still keeps a run that fires out of the history: a flood of 2 clicks a window alerts, and is not learned', () => {
    const detector = new VolumeDetector(config);
    feed(detector, sparse(500));
    const flood = Array.from({ length: 10 }, () => ({ [KEY]: { clicks: 2, events: 10 } }));
    const alerts = feed(detector, flood, 500);
    // One incident: it fires, then escalates to critical under the same id.
    expect(alerts.map((a) => [a.status, a.severity])).toEqual([['firing', 'warning'], ['firing', 'critical']]);
    expect(new Set(alerts.map((a) => a.alertId)).size).toBe(1);
    // 2 clicks where 0.04 are usual: p ≈ 1e-3 a window, below 1e-6 within a few windows.
    expect(alerts[0].windowEnd).toBeLessThanOrEqual(at(505));
    const series = detector.snapshot().series['click_rate@campaign=c1'];
    expect(series.history.slice(-10)).not.toContain(2);
  });

  it('a flood of about one click a window with empty minutes in it is one alert, resolved once the clicks stop', () => {
    const detector = new VolumeDetector(config);
    // 490 windows: the base's next two-click window (the 500th) would otherwise join the flood's run.
    feed(detector, sparse(490));
    // Six windows of one click (the run fires), then the flood goes on at about one click a window
    // with empty minutes, three of which once resolved it mid-flood: pooled they are still likely
    // at the incident's level (4 clicks in 9 windows where it ran at 1: P(X ≤ 4 | 9) ≈ 0.055).
    const clicks = [1, 1, 1, 1, 1, 1, 0, 1, 0, 0, 1, 0, 1, 1, 0];
    const flood = clicks.map((c) => ({ [KEY]: { clicks: c, events: 10 } }));
    const during = feed(detector, flood, 490);
    expect(during.map((a) => a.status)).toEqual(during.map(() => 'firing'));
    expect(new Set(during.map((a) => a.alertId)).size).toBe(1);
    // The clicks stop: 4 in 10 windows is below the incident's level (P(X ≤ 4 | 10) ≈ 0.029), so
    // that window and the next two are normal, and the third resolves the alert.
    const after = feed(detector, Array.from({ length: 10 }, () => ({ [KEY]: { clicks: 0, events: 10 } })), 490 + clicks.length);
    expect(after.map((a) => [a.status, a.alertId])).toEqual([['resolved', during[0].alertId]]);
    expect(after[0].windowStart).toBe(at(490 + clicks.length + 2));
  });
  it('with reminders, a flood held open through its empty minutes is reminded of from its clicks, never described as a drop', () => {
    const detector = new VolumeDetector({ ...config, renotifyWindows: 3 });
    feed(detector, sparse(490));
    // The flood of the test above, then its end. Fires at flood window 5; reminders are due 3
    // windows after each notice, at the next window with a click (windows 8 and 9 are empty,
    // held open by the flood's level), so at 10, then at 13 (11 empty, 12 one window too early).
    const clicks = [1, 1, 1, 1, 1, 1, 0, 1, 0, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0];
    const alerts = feed(detector, clicks.map((c) => ({ [KEY]: { clicks: c, events: 10 } })), 490);
    const steps = alerts.map((a) => [a.notification, (a.windowStart - at(490)) / W]);
    expect(steps).toEqual([['firing', 5], ['renotified', 10], ['renotified', 13], ['resolved', 17]]);
    // Each reminder is about a window with the flood's click (1 in 10 events), said as a spike.
    for (const reminder of alerts.filter((a) => a.notification === 'renotified')) {
      expect(reminder.observed).toBe(0.1);
      expect(reminder.summary).toMatch(/^\[warning\] clicks spiked for campaign c1: observed 10 % /);
    }
  });
});

describe('VolumeDetector with a limit on campaigns (maxCampaigns)', () => {
  const config: DetectorConfig = { ...defaultDetectorConfig, maxCampaigns: 2, forgetAfterMissing: 3 };
  const A = 'campaign=a|type=impression';
  const B = 'campaign=b|type=impression';
  const C = 'campaign=c|type=impression';
  const D = 'campaign=d|type=impression';
  const campaignsOf = (detector: VolumeDetector) => [...new Set(Object.values(detector.snapshot().series).map((s) => s.dimensions.campaign))].sort();

  it('watches the first campaigns up to the limit, says how many metric events of others went unwatched, and resolves when none do', () => {
    const detector = new VolumeDetector(config);
    expect(feed(detector, [{ [A]: 10, [B]: 10 }])).toEqual([]);
    // c and d come while a and b fill the two places: 2 metric events unwatched in window 1.
    const firing = feed(detector, [{ [A]: 10, [B]: 10, [C]: 10, [D]: 10 }], 1);
    expect(firing).toHaveLength(1);
    expect(firing[0]).toMatchObject({ alertId: `detector_capacity:detector=campaigns@${iso(1)}`, detector: 'detector_capacity', status: 'firing', observed: 2, windowStart: at(1), since: at(1) });
    expect(firing[0].summary).toContain('at most 2 campaigns');
    expect(campaignsOf(detector)).toEqual(['a', 'b']);
    // Still unwatched in window 2 (c again): no second page while the alert is open.
    expect(feed(detector, [{ [A]: 10, [B]: 10, [C]: 10 }], 2)).toEqual([]);
    // A window with only the watched campaigns resolves it, under the same id.
    const resolved = feed(detector, [{ [A]: 10, [B]: 10 }], 3);
    expect(resolved.map((a) => [a.status, a.alertId])).toEqual([['resolved', firing[0].alertId]]);
  });

  it('a campaign forgotten after forgetAfterMissing windows makes room for another, also after a snapshot is restored', () => {
    const detector = new VolumeDetector(config);
    feed(detector, [{ [A]: 10, [B]: 10 }]);
    // b stops: missing in windows 1, 2 and 3, it is forgotten at the third (forgetAfterMissing 3).
    const restored = VolumeDetector.restore(config, JSON.parse(JSON.stringify(detector.snapshot())));
    feed(restored, [{ [A]: 10 }, { [A]: 10 }], 1);
    expect(feed(restored, [{ [A]: 10, [C]: 10 }], 3).map((a) => a.detector)).toEqual(['detector_capacity']);
    expect(campaignsOf(restored)).toEqual(['a']);
    expect(feed(restored, [{ [A]: 10, [C]: 10 }], 4).map((a) => [a.detector, a.status])).toEqual([['detector_capacity', 'resolved']]);
    expect(campaignsOf(restored)).toEqual(['a', 'c']);
  });
});

describe('the detector_capacity alert names its shard', () => {
  const config: DetectorConfig = { ...defaultDetectorConfig, maxCampaigns: 1, forgetAfterMissing: 3 };
  const A = 'campaign=a|type=impression';
  const B = 'campaign=b|type=impression';
  const X = 'campaign=x|type=impression';
  const Y = 'campaign=y|type=impression';

  it("two shards' alerts are two alerts: one shard back under its limit does not resolve the other's", () => {
    const zero = new VolumeDetector(config);
    zero.forShard('shardId-000000000000');
    const one = new VolumeDetector(config);
    one.forShard('shardId-000000000001');
    // Window 0: both shards see two campaigns, one past the limit of 1 each.
    const fired = [...feed(zero, [{ [A]: 10, [B]: 10 }]), ...feed(one, [{ [X]: 10, [Y]: 10 }])];
    expect(fired.map((a) => [a.status, a.alertId, a.dimensions.shard])).toEqual([
      ['firing', `detector_capacity:detector=campaigns|shard=shardId-000000000000@${iso(0)}`, 'shardId-000000000000'],
      ['firing', `detector_capacity:detector=campaigns|shard=shardId-000000000001@${iso(0)}`, 'shardId-000000000001'],
    ]);
    // Window 1: shard 0 sees only a; shard 1 still sees y. Only shard 0's alert resolves.
    expect(feed(zero, [{ [A]: 10 }], 1).map((a) => [a.status, a.alertId])).toEqual([['resolved', fired[0].alertId]]);
    expect(feed(one, [{ [X]: 10, [Y]: 10 }], 1)).toEqual([]);
    expect(fired[1].query).toContain("shard_id = 'shardId-000000000001'");
  });

  it("a child shard resolves its parents' open alerts at its first window and raises its own", () => {
    const parent = new VolumeDetector(config);
    parent.forShard('shardId-000000000000');
    expect(feed(parent, [{ [A]: 10, [B]: 10 }]).map((a) => a.status)).toEqual(['firing']);
    const other = new VolumeDetector(config);
    other.forShard('shardId-000000000001');
    expect(feed(other, [{ [X]: 10, [Y]: 10 }]).map((a) => a.status)).toEqual(['firing']);
    // A merge of the two into shard 2, from the first parent's state.
    const child = VolumeDetector.restore(config, JSON.parse(JSON.stringify(parent.snapshot())));
    child.forShard('shardId-000000000002');
    child.inherit('shardId-000000000002', [JSON.parse(JSON.stringify(other.snapshot()))]);
    // Window 1: the child watches a and x (both parents' series) and sees b past them.
    const first = feed(child, [{ [A]: 10, [X]: 10, [B]: 10 }], 1);
    expect(first.map((a) => [a.status, a.alertId])).toEqual([
      ['resolved', `detector_capacity:detector=campaigns|shard=shardId-000000000000@${iso(0)}`],
      ['resolved', `detector_capacity:detector=campaigns|shard=shardId-000000000001@${iso(0)}`],
      ['firing', `detector_capacity:detector=campaigns|shard=shardId-000000000002@${iso(1)}`],
    ]);
    // Its own resolves under its own id, after a restore.
    const restored = VolumeDetector.restore(config, JSON.parse(JSON.stringify(child.snapshot())));
    restored.forShard('shardId-000000000002');
    expect(feed(restored, [{ [A]: 10, [X]: 10 }], 2).map((a) => [a.status, a.alertId])).toEqual([['resolved', first[2].alertId]]);
  });
});

describe('the detector_capacity alert and eventless windows', () => {
  it('stays open through a window no event reached, which says nothing of campaigns', () => {
    const detector = new VolumeDetector({ ...defaultDetectorConfig, maxCampaigns: 1 });
    detector.forShard('shardId-000000000000');
    const A = 'campaign=a|type=impression';
    const B = 'campaign=b|type=impression';
    const fired = feed(detector, [{ [A]: 10, [B]: 10 }]);
    expect(fired.map((a) => a.status)).toEqual(['firing']);
    // Window 1 held no event (only records counted at arrival): its quality alone, eventless.
    const quality = { windowStart: at(1), windowEnd: at(2), key: 'quality=stream|shard=shardId-000000000000', dimensions: { quality: 'stream', shard: 'shardId-000000000000' }, values: { rejected: 1 }, watermark: at(2) };
    expect(detector.observe([quality], { eventless: true }).filter((a) => a.detector === 'detector_capacity')).toEqual([]);
    // Window 2: b still past the limit: the same alert goes on, no second page.
    expect(feed(detector, [{ [A]: 10, [B]: 10 }], 2)).toEqual([]);
    // Window 3: only a: resolved, under the first page's id.
    expect(feed(detector, [{ [A]: 10 }], 3).map((a) => [a.status, a.alertId])).toEqual([['resolved', fired[0].alertId]]);
  });
});
