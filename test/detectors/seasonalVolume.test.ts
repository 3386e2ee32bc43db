/**
 * Seasonal count baselines on a series whose traffic doubles abruptly at 09:00 UTC and halves
 * at 18:00 every day (15-minute windows, Poisson-like noise from a seeded generator). The
 * plain trend-following level pages on both steps every day; the seasonal one learns them in
 * three days and still catches drops at hours they never happen.
 */
import { describe, expect, it } from 'vitest';
import { defaultDetectorConfig } from '../../detectors/defaultConfig.ts';
import { withSeasonality } from '../../detectors/seasonalConfig.ts';
import { zScoreDetectorConfig } from '../../detectors/zScoreConfig.ts';
import type { AlertEvent, MetricEvent } from '../../detectors/types.ts';
import { VolumeDetector, volumeDetectorFactory, type DetectorConfig } from '../../detectors/volumeDetector.ts';
import { seededUniform as seeded } from '../support/seededRandom.ts';

const W = 15 * 60_000;
const PER_DAY = 96;
const T0 = Date.UTC(2024, 0, 1); // a Monday, 00:00 UTC
const KEY = 'campaign=c1|type=impression';
const at = (day: number, hour: number, minute = 0): number => day * PER_DAY + hour * 4 + minute / 15;
const startOf = (i: number): number => T0 + i * W;


/** 200 a window at night, 400 from 09:00 to 18:00 UTC, times `factor(i)`; noise ≈ √mean. */
function dailySteps(days: number, seed: number, factor: (i: number) => number = () => 1): number[] {
  const random = seeded(seed);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return Array.from({ length: days * PER_DAY }, (_, i) => {
    const hour = Math.floor((i % PER_DAY) / 4);
    const mean = (hour >= 9 && hour < 18 ? 400 : 200) * factor(i);
    return Math.max(0, Math.round(mean + Math.sqrt(mean) * gauss()));
  });
}

const metric = (i: number, count: number): MetricEvent => ({
  windowStart: startOf(i),
  windowEnd: startOf(i + 1),
  key: KEY,
  dimensions: { campaign: 'c1', type: 'impression' },
  values: { count },
  watermark: startOf(i + 1),
});

function feed(detector: VolumeDetector, counts: readonly number[], from = 0, to = counts.length): AlertEvent[] {
  const alerts: AlertEvent[] = [];
  for (let i = from; i < to; i++) alerts.push(...detector.observe([metric(i, counts[i])]));
  return alerts;
}

const plain: DetectorConfig = {
  ...defaultDetectorConfig,
  watches: [{ name: 'event_volume', value: 'count', test: 'count', direction: 'both', threshold: 0 }],
};
const seasonal = withSeasonality(plain, { period: 'day' }, ['event_volume']);
/** Incidents opened: the first notification of each (escalations and reminders left out). */
const firing = (alerts: AlertEvent[]): AlertEvent[] => alerts.filter((a) => a.notification === 'firing');
const firingFrom = (alerts: AlertEvent[], day: number): AlertEvent[] => firing(alerts).filter((a) => a.windowStart >= startOf(at(day, 0)));

describe('seasonal count baseline (hour of day)', () => {
  const days = 7;
  const counts = dailySteps(days, 42);

  it('resolves a night surge once it stops, though the day level it meets is above the surge (an adversarial review, 2026-12-05)', () => {
    // +70 a window from 05:00 to 09:00 on day 5: the run breaks at 09:00, where the day's 400 is
    // above the surge's 270; the calm windows, compared with the surge's level, never looked over.
    const from = at(5, 5);
    const to = at(5, 9);
    const surged = dailySteps(12, 42).map((c, i) => (i >= from && i < to ? c + 70 : c));
    const alerts = feed(new VolumeDetector(seasonal), surged).filter((a) => a.windowStart >= startOf(at(5, 0)));
    expect(firing(alerts)).toHaveLength(1);
    const resolved = alerts.find((a) => a.status === 'resolved');
    expect(resolved?.windowStart).toBeLessThan(startOf(at(5, 11)));
  });

  it('stops paging on the recurring 09:00 step once three days are learned; the plain level pages every day', () => {
    const plainAlerts = feed(new VolumeDetector(plain), counts);
    const seasonalAlerts = feed(new VolumeDetector(seasonal), counts);
    // the plain watch opens an incident at 09:00 every day, the step up
    expect(firing(plainAlerts).map((a) => a.since)).toEqual(Array.from({ length: days }, (_, d) => startOf(at(d, 9))));
    // the seasonal one only while warming up (days 0–2)
    expect(firingFrom(seasonalAlerts, 3)).toEqual([]);
    expect(firingFrom(plainAlerts, 3).length).toBeGreaterThanOrEqual(4);
  });

  it('still catches a drop at an hour it never happens within 2 windows, and one to the night level in the busy hours', () => {
    // day 5, 03:00–05:00: 40 % of the usual night; day 6, 13:00–15:00: half of the day's traffic
    const drop03 = at(5, 3);
    const drop13 = at(6, 13);
    const incident = (i: number): number => (i >= drop03 && i < drop03 + 8 ? 0.4 : i >= drop13 && i < drop13 + 8 ? 0.5 : 1);
    const withDrops = dailySteps(days, 42, incident);
    const alerts = firingFrom(feed(new VolumeDetector(seasonal), withDrops), 3);
    expect(alerts.map((a) => a.since)).toEqual([startOf(drop03), startOf(drop13)]);
    // first notification within 2 windows of the start
    expect(alerts[0].windowStart).toBeLessThanOrEqual(startOf(drop03 + 1));
    expect(alerts[1].windowStart).toBeLessThanOrEqual(startOf(drop13 + 1));
    expect(alerts[1].observed).toBeLessThan(0.6 * alerts[1].expected);
    // the plain level, expecting night traffic, sees the 13:00 drop as the end of its own false alarm
    const plainDrops = firingFrom(feed(new VolumeDetector(plain), withDrops), 6).filter((a) => a.since === startOf(drop13));
    expect(plainDrops).toEqual([]);
  });

  it('behaves exactly like the plain watch until enough periods are seen', () => {
    const warmup = at(3, 0); // minPeriods 3: days 0, 1 and 2
    expect(feed(new VolumeDetector(seasonal), counts, 0, warmup)).toEqual(feed(new VolumeDetector(plain), counts, 0, warmup));
    // a profile that never warms up never changes a thing
    const never = withSeasonality(plain, { period: 'day', minPeriods: 1000 }, ['event_volume']);
    expect(feed(new VolumeDetector(never), counts)).toEqual(feed(new VolumeDetector(plain), counts));
  });

  it('snapshot → JSON → restore mid-period and mid-incident gives the same alerts and state', () => {
    const drop = at(5, 3);
    const withDrop = dailySteps(days, 7, (i) => (i >= drop && i < drop + 8 ? 0.4 : 1));
    const uninterrupted = new VolumeDetector(seasonal);
    const expected = feed(uninterrupted, withDrop);
    expect(firingFrom(expected, 3).map((a) => a.since)).toEqual([startOf(drop)]);

    const factory = volumeDetectorFactory(seasonal);
    const cut = drop + 2; // inside the incident, 03:30 on day 5
    const before = factory();
    const head = feed(before, withDrop, 0, cut);
    const json = JSON.parse(JSON.stringify(before.snapshot()));
    expect(json.series[`event_volume@${KEY}`].profile.factors).toHaveLength(24);
    const restored = factory(json);
    const tail = feed(restored, withDrop, cut);
    expect([...head, ...tail]).toEqual(expected);
    expect(restored.snapshot()).toEqual(uninterrupted.snapshot());
  });

  it('restores a snapshot taken without seasonality and warms up from there', () => {
    const half = at(2, 0);
    const old = new VolumeDetector(plain);
    feed(old, counts, 0, half);
    const snapshot = JSON.parse(JSON.stringify(old.snapshot()));
    expect(snapshot.series[`event_volume@${KEY}`].profile).toBeUndefined();
    const upgraded = VolumeDetector.restore(seasonal, snapshot);
    const continued = VolumeDetector.restore(plain, snapshot);
    // identical while the profile learns (days 2–4), then quiet on the recurring steps
    expect(feed(upgraded, counts, half, at(5, 0))).toEqual(feed(continued, counts, half, at(5, 0)));
    expect(firing(feed(upgraded, counts, at(5, 0)))).toEqual([]);
  });

  it('works the same way for a robust z-score watch', () => {
    const zPlain: DetectorConfig = { ...zScoreDetectorConfig, watches: [{ name: 'event_count', value: 'count', direction: 'both', threshold: 4 }] };
    const zSeasonal = withSeasonality(zPlain, { period: 'day' }, ['event_count']);
    expect(firingFrom(feed(new VolumeDetector(zPlain), counts), 3).length).toBeGreaterThanOrEqual(4);
    expect(firingFrom(feed(new VolumeDetector(zSeasonal), counts), 3)).toEqual([]);
    const drop = at(5, 3);
    const withDrop = dailySteps(days, 42, (i) => (i >= drop && i < drop + 8 ? 0.4 : 1));
    const alerts = firingFrom(feed(new VolumeDetector(zSeasonal), withDrop), 3);
    expect(alerts.map((a) => a.since)).toEqual([startOf(drop)]);
    expect(alerts[0].windowStart).toBeLessThanOrEqual(startOf(drop + 1));
  });

  it('refuses seasonality on a rate test', () => {
    const rates: DetectorConfig = {
      ...plain,
      watches: [{ name: 'ctr', value: 'clicks', trials: { value: 'impressions', min: 1 }, test: 'binomial', direction: 'both', threshold: 0, seasonality: { period: 'day' } }],
    };
    expect(() => new VolumeDetector(rates)).toThrow(/seasonality applies to count and robust_z/);
  });
});
