/**
 * The count baseline and the run of unlikely windows (detectors/countRun.ts) on hand-built
 * series: how far back a level reaches, and when a run goes on.
 */
import { describe, expect, it } from 'vitest';
import { countBaseline, stepCountRun, type CountTestConfig, type RunState } from '../../detectors/countRun.ts';
import { defaultDetectorConfig } from '../../detectors/defaultConfig.ts';
import { VolumeDetector } from '../../detectors/volumeDetector.ts';
import type { MetricEvent } from '../../detectors/types.ts';

const TESTS = defaultDetectorConfig.countTest as CountTestConfig;
/** 60 windows with one click in every 8th: 7 clicks, about an eighth of a click a minute. */
const SPARSE = Array.from({ length: 60 }, (_, i) => (i % 8 === 7 ? 1 : 0));

describe('count baseline', () => {
  it('a busy series takes its level from its last 20 windows only', () => {
    const history = [...Array(40).fill(10), ...Array(20).fill(20)];
    // (20 · 20 + half an event of prior) / 21 windows; below 20 a minute no trend line is fitted.
    expect(countBaseline(history).mean).toBeCloseTo(400.5 / 21, 12);
    expect(countBaseline(history).evidence).toBeCloseTo(400.5, 12);
  });

  it('a sparse series reaches back over its whole history for its level', () => {
    // 2 clicks in the last 20 windows would hardly know the rate at all; all 60 windows hold 7.
    const baseline = countBaseline(SPARSE);
    // The prior stays half an event per 21 windows: 0.5 · 61 / 21 over the 61 windows.
    expect(baseline.mean).toBeCloseTo((7 + (0.5 * 61) / 21) / 61, 12);
    expect(baseline.evidence).toBeCloseTo(7.5, 12);
  });

  it('a silent series expects as little as with 20 windows: a longer silence is not a surer "never"', () => {
    expect(countBaseline(Array(60).fill(0)).mean).toBeCloseTo(0.5 / 21, 12);
    expect(countBaseline(Array(20).fill(0)).mean).toBeCloseTo(0.5 / 21, 12);
  });
});

describe('run of unlikely windows', () => {
  const step = (history: number[], xs: number[]): { pWindow: number; pRun: number; inRun: boolean }[] => {
    let run: RunState | null = null;
    return xs.map((x) => {
      const verdict = stepCountRun('count', 'both', x, 0, { values: history, trials: [] }, run, TESTS);
      run = verdict.run;
      return verdict;
    });
  };

  it('a sparse click flood goes on through single clicks, which add to its evidence, and fires', () => {
    // The flood: about 2 clicks a minute where an eighth is usual.
    const verdicts = step(SPARSE, [3, 3, 1, 2, 1]);
    expect(verdicts.map((v) => v.inRun)).toEqual([true, true, true, true, true]);
    // One click is nothing on its own (p > continueAlpha: the run used to end there) ...
    expect(verdicts[2].pWindow).toBeGreaterThan(TESTS.continueAlpha);
    // ... but the run as a whole passes the firing threshold in its 4th window, not before.
    expect(verdicts.map((v) => v.pRun < TESTS.fireAlpha)).toEqual([false, false, false, true, true]);
  });

  it('a window back at the usual level ends a run, however strong, so an alert can resolve', () => {
    // A drop from 20 to 5 a minute, then one window of 21.
    const verdicts = step(Array(60).fill(20), [5, 5, 21]);
    expect(verdicts.map((v) => v.inRun)).toEqual([true, true, false]);
  });

  it('a sparse run ends at a window without clicks', () => {
    expect(step(SPARSE, [3, 3, 0]).map((v) => v.inRun)).toEqual([true, true, false]);
  });
});

describe('click volume watch, default config', () => {
  const key = 'campaign=c1|type=click';
  const T0 = Date.UTC(2024, 0, 1, 10, 0);
  const metric = (i: number, count: number): MetricEvent => ({
    windowStart: T0 + i * 60_000,
    windowEnd: T0 + (i + 1) * 60_000,
    key,
    dimensions: { campaign: 'c1', type: 'click' },
    values: { count },
    watermark: T0 + (i + 1) * 60_000,
  });

  it('pages on a flood of single clicks on a campaign that clicks an eighth of a minute, and only then', () => {
    const detector = new VolumeDetector(defaultDetectorConfig);
    const feed = (counts: number[], from: number) =>
      counts.flatMap((count, n) => (count > 0 ? detector.observe([metric(from + n, count)]) : detector.finishWindow().map((t) => t.alert)));
    // Two hours of the usual rate: no alert.
    expect(feed([...SPARSE, ...SPARSE], 0).filter((a) => a.detector === 'event_volume')).toEqual([]);
    const alerts = feed([3, 3, 1, 2, 1, 2], 120).filter((a) => a.detector === 'event_volume');
    expect(alerts).toHaveLength(1);
    // Fired in the flood's 4th minute, dated from its first.
    expect(alerts[0]).toMatchObject({ status: 'firing', since: T0 + 120 * 60_000, windowStart: T0 + 123 * 60_000 });
  });
});
