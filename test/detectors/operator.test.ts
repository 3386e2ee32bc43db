import { from, lastValueFrom, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { detectAnomalies } from '../../detectors/operator.ts';
import { zScoreDetectorConfig as defaultDetectorConfig } from '../../detectors/zScoreConfig.ts';
import type { MetricEvent } from '../../detectors/types.ts';
import { VolumeDetector, type DetectorConfig } from '../../detectors/volumeDetector.ts';

const T0 = Date.UTC(2024, 0, 1, 10, 0);
const W = 60_000;
const KEY = 'campaign=c1|type=click';
const OTHER = 'campaign=c2|type=click';

const metric = (i: number, key: string, count: number): MetricEvent => ({
  windowStart: T0 + i * W,
  windowEnd: T0 + (i + 1) * W,
  key,
  dimensions: { campaign: key.slice(9, 11), type: 'click' },
  values: { count },
  watermark: T0 + (i + 1) * W,
});

/** Warm-up 3 so a marble diagram stays short; one count watch, Poisson floor. */
const small: DetectorConfig = {
  ...defaultDetectorConfig,
  historyWindows: 5,
  warmupWindows: 3,
  watches: [{ name: 'event_count', value: 'count', direction: 'both', threshold: 4 }],
};

describe('detectAnomalies operator', () => {
  it('plain array: a flat series then a collapse gives one critical alert dated at the collapse', async () => {
    const metrics = [...Array.from({ length: 12 }, (_, i) => metric(i, KEY, 400)), metric(12, KEY, 20), metric(13, KEY, 20)];
    const alerts = await lastValueFrom(from(metrics).pipe(detectAnomalies(defaultDetectorConfig), toArray()));
    // flat 400: MAD 0, scale √400 = 20; (20 − 400) / 20 = −19 → critical at once
    expect(alerts.map((a) => [a.alertId, a.severity, a.observed, a.expected])).toEqual([
      [`event_count:${KEY}@${new Date(T0 + 12 * W).toISOString()}`, 'critical', 20, 400],
    ]);
  });

  it('marbles: a key that goes silent alerts when its window is finished (here: at completion)', () => {
    const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-d-e-|', {
        a: metric(0, KEY, 100),
        b: metric(1, KEY, 100),
        c: metric(2, KEY, 100),
        d: metric(3, KEY, 100),
        e: metric(4, OTHER, 5), // window 4 has no KEY: it counts as 0 once window 4 is finished
      });
      const alertIds = source.pipe(detectAnomalies(small));
      expectObservable(alertIds).toBe('-----------(x|)', {
        x: expect.objectContaining({ key: KEY, observed: 0, expected: 100, windowStart: T0 + 4 * W, severity: 'critical' }),
      });
      expectSubscriptions(source.subscriptions).toBe('^----------!');
    });
  });

  it('marbles: unsubscribing tears down the source subscription', () => {
    const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-d-e-|', { a: metric(0, KEY, 1), b: metric(1, KEY, 1), c: metric(2, KEY, 1), d: metric(3, KEY, 1), e: metric(4, KEY, 1) });
      expectObservable(source.pipe(detectAnomalies(small)), '^----!').toBe('------');
      expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });

  it('the detector passed in can be snapshotted mid-stream and resumed in a new stream', async () => {
    const metrics = [...Array.from({ length: 12 }, (_, i) => metric(i, KEY, 400)), metric(12, KEY, 20), metric(13, KEY, 20)];
    const detector = new VolumeDetector(defaultDetectorConfig);
    await lastValueFrom(from(metrics.slice(0, 12)).pipe(detectAnomalies(defaultDetectorConfig, detector), toArray()));
    const resumed = VolumeDetector.restore(defaultDetectorConfig, JSON.parse(JSON.stringify(detector.snapshot())));
    const alerts = await lastValueFrom(from(metrics.slice(12)).pipe(detectAnomalies(defaultDetectorConfig, resumed), toArray()));
    expect(alerts.map((a) => [a.windowStart, a.severity])).toEqual([[T0 + 12 * W, 'critical']]);
  });
});
