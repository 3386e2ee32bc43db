/**
 * The count baseline and the run of unlikely windows (detectors/countRun.ts) on hand-built
 * series: how far back a level reaches, and when a run goes on.
 */
import { describe, expect, it } from 'vitest';
import { RUN_REACH_BACK_WINDOWS, countBaseline, stepCountRun, type CountTestConfig, type CountVerdict, type RunState } from '../../detectors/countRun.ts';
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
  /** Steps through `xs` on a fixed history, keeping the quiet windows a run may reach back over as the detector does. */
  const step = (history: number[], xs: number[], firing = false): CountVerdict[] => {
    let run: RunState | null = null;
    let quiet: number[] = [];
    return xs.map((x) => {
      const recent = { values: quiet, trials: quiet.map(() => 0) };
      const verdict = stepCountRun('count', 'both', x, 0, { values: history, trials: [] }, run, TESTS, { firing, recent });
      run = verdict.run;
      quiet = verdict.inRun ? [] : [...quiet, x].slice(-RUN_REACH_BACK_WINDOWS);
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

  it('a sparse run that has not fired holds through one window without clicks, not two', () => {
    // A flood's minutes without a click do not throw away the clicks counted so far ...
    expect(step(SPARSE, [3, 0, 2]).map((v) => v.inRun)).toEqual([true, true, true]);
    // ... but two in a row end the run: one strong minute must not keep it open until chance tops it up.
    expect(step(SPARSE, [3, 0, 0]).map((v) => v.inRun)).toEqual([true, true, false]);
  });

  it('once firing, a sparse run ends at the first window without clicks, so the alert resolves', () => {
    expect(step(SPARSE, [3, 3, 0], true).map((v) => v.inRun)).toEqual([true, true, false]);
  });

  it('a busy run ends at a window back in the band even before it fires', () => {
    // 40 where 20 are usual starts a run; 20 again is news on a series this busy.
    expect(step(Array(60).fill(20), [40, 20]).map((v) => v.inRun)).toEqual([true, false]);
  });

  it('a sparse run can begin a few windows back, over clicks that were only unlikely together', () => {
    // Four hours of a click every 20 minutes, then one click a minute: no minute is unlikely
    // alone (p ≈ 0.08) ...
    const rare = Array.from({ length: 240 }, (_, i) => (i % 20 === 19 ? 1 : 0));
    const verdicts = step(rare, [1, 1, 1, 1]);
    expect(verdicts[0].pWindow).toBeGreaterThan(TESTS.startAlpha);
    // ... and it takes four of them to pass startAlpha / 8 (four lengths × two sides; three give
    // p ≈ 0.003): the run then starts with all four, the three quiet ones it reached back over included.
    expect(verdicts.map((v) => v.inRun)).toEqual([false, false, false, true]);
    expect(verdicts[3]).toMatchObject({ absorbed: 3, run: { windows: 4, observed: 4, sign: 1 } });
    expect(verdicts[3].pRun).toBeLessThan(TESTS.startAlpha / (2 * RUN_REACH_BACK_WINDOWS));
    // A minute without a click among them is inside the band: no run reaches back over it.
    expect(step(rare, [1, 1, 0, 1, 1]).map((v) => v.inRun)).toEqual([false, false, false, false, false]);
  });

  it('a busy series reaches back only over windows that are unlikely together, not over a mild drift', () => {
    // 26 a minute where 20 are usual (beyond the 15 % band), five times: no run starts.
    expect(step(Array(60).fill(20), [26, 26, 26, 26, 26]).map((v) => v.inRun)).toEqual([false, false, false, false, false]);
  });

  it('a campaign that stops is an incident from its first empty window, though that window alone started no run', () => {
    // About six auctions a minute, varying more than Poisson would (variance ≈ 17).
    const pattern = [2, 10, 3, 9, 4, 8, 5, 7, 6, 6];
    const history = Array.from({ length: 60 }, (_, i) => pattern[i % pattern.length]);
    const verdicts = step(history, [0, 0, 0, 0, 0]);
    // One empty minute is not unlikely enough (p ≈ 0.03) ...
    expect(verdicts[0].pWindow).toBeGreaterThan(TESTS.startAlpha);
    expect(verdicts[0].inRun).toBe(false);
    // ... two are: the run starts at the second and takes the first back from the history, so the
    // outage is not learned as the campaign's new level.
    expect(verdicts.slice(1).map((v) => v.inRun)).toEqual([true, true, true, true]);
    expect(verdicts[1]).toMatchObject({ absorbed: 1, run: { windows: 2, observed: 0, sign: -1 } });
    // Five empty minutes where about 30 auctions were due (25 at the band's edge) page.
    expect(verdicts.map((v) => v.pRun < TESTS.fireAlpha)).toEqual([false, false, false, false, true]);
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

  it('dates a flood of single clicks from its first minute, though no minute alone started a run', () => {
    // With four hours of history, as the click-rate watch keeps: in the default hour a click every
    // 20 minutes is three clicks, too few to know the rate from.
    const detector = new VolumeDetector({ ...defaultDetectorConfig, historyWindows: 240 });
    const feed = (counts: number[], from: number) =>
      counts.flatMap((count, n) => (count > 0 ? detector.observe([metric(from + n, count)]) : detector.finishWindow().map((t) => t.alert)));
    // Four hours of a click every 20 minutes.
    expect(feed(Array.from({ length: 240 }, (_, i) => (i % 20 === 10 ? 1 : 0)), 0).filter((a) => a.detector === 'event_volume')).toEqual([]);
    const alerts = feed(Array(10).fill(1), 240).filter((a) => a.detector === 'event_volume');
    expect(alerts).toHaveLength(1);
    // The run reached back over the flood's first three minutes, so the alert says when it began.
    expect(alerts[0]).toMatchObject({ status: 'firing', since: T0 + 240 * 60_000 });
    expect(alerts[0].windowStart).toBeGreaterThan(T0 + 243 * 60_000);
  });
});
