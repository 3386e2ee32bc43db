/**
 * The streaming scorer's contract: scores in [0, 1], one alert at the onset of a step rather than
 * one per row, and a snapshot taken mid-series that resumes to exactly the same scores.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_STREAMING_SCORER, StreamingScorer, lookElsewhereFactor, scoreSeries } from '../../../detectors/univariate/streamingScorer.ts';

/** A deterministic noisy series (no Math.random): a sine plus a small LCG jitter, a step at 600. */
/**
 * The scores of `values` scored to row `cut`, snapshotted as JSON, and resumed from it to the end,
 * the held alert flushed onto the last row as scoreSeries does it.
 */
function scoredAcrossSnapshot(values: number[], cut: number, times?: number[]): number[] {
  const first = new StreamingScorer();
  const head = values.slice(0, cut).map((v, i) => first.next(v, times?.[i]));
  const restored = new StreamingScorer(undefined, JSON.parse(JSON.stringify(first.snapshot())));
  const tail = values.slice(cut).map((v, i) => restored.next(v, times?.[cut + i]));
  tail[tail.length - 1] = Math.max(tail[tail.length - 1], restored.flush());
  return [...head, ...tail];
}

/** `length` rows idling at zero, with a burst of 1–3 rows of 10–100 every 30–60 rows (a seeded LCG). */
function idleBursts(length: number): number[] {
  let state = 777;
  const uniform = (): number => {
    state = (1103515245 * state + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const values = new Array<number>(length).fill(0);
  for (let i = 30; i < length; i += 30 + Math.floor(uniform() * 30)) {
    const rows = 1 + Math.floor(uniform() * 3);
    for (let j = 0; j < rows && i + j < length; j++) values[i + j] = 10 + Math.round(uniform() * 90);
  }
  return values;
}

function series(n = 900): number[] {
  let state = 12345;
  const jitter = (): number => {
    state = (1103515245 * state + 12345) % 2 ** 31;
    return state / 2 ** 31 - 0.5;
  };
  return Array.from({ length: n }, (_, i) => 10 + Math.sin(i / 20) + 0.3 * jitter() + (i >= 600 ? 8 : 0));
}

/**
 * 2,400 5-minute rows of noise of width 1 around 10 (a seeded LCG), with a job's burst (40, 90, 35,
 * 20, 12, times `scaleOf(k)` for the k-th run) at each of `runs`.
 */
function jobBursts(runs: readonly number[], scaleOf: (k: number) => number): number[] {
  let state = 777;
  const jitter = (): number => {
    state = (1103515245 * state + 12345) % 2 ** 31;
    return state / 2 ** 31 - 0.5;
  };
  const values = Array.from({ length: 2400 }, () => 10 + jitter());
  runs.forEach((start, k) => [40, 90, 35, 20, 12].forEach((b, j) => (values[start + j] = scaleOf(k) * b + 0.5 * jitter())));
  return values;
}

describe('streaming scorer', () => {
  it('scores in [0, 1], with its highest score at the step and few alerts after it', () => {
    const scores = scoreSeries(series());
    for (const s of scores) expect(s >= 0 && s <= 1).toBe(true);
    const top = scores.indexOf(Math.max(...scores));
    expect(top).toBeGreaterThanOrEqual(600);
    // The step's surprise climbs for a few rows; the alert is emitted once, when it stops climbing.
    expect(top).toBeLessThan(605 + DEFAULT_STREAMING_SCORER.hold);
    const loud = scores.slice(top + 1, 700).filter((s) => s >= scores[top]).length;
    expect(loud).toBe(0);
  });

  it('resumes from a JSON snapshot to the same scores, before and after the shape test has history', () => {
    const values = series(1200);
    const whole = scoreSeries(values);
    // The shape test ranks from row 581 on (two shapes of 288 rows, then 20 novelties): cut before and after.
    for (const cut of [450, 800]) {
      const first = new StreamingScorer();
      const head = values.slice(0, cut).map((v) => first.next(v));
      const restored = new StreamingScorer(undefined, JSON.parse(JSON.stringify(first.snapshot())));
      const tail = values.slice(cut).map((v) => restored.next(v));
      expect([...head, ...tail]).toEqual(whole);
    }
  });

  it('alerts once, at its highest, on a spike that climbs over three rows, and resumes a held alert from a snapshot', () => {
    // 0.8, 1.6 and 3.2 above a series whose noise is ±0.15: each row twice as far as the last.
    const values = series().map((v, i) => v - (i >= 600 ? 8 : 0) + (i >= 600 && i < 603 ? 0.8 * 2 ** (i - 600) : 0));
    const alerts = (scores: number[]): number[] => scores.flatMap((s, i) => (i >= 590 && i < 700 && s > 0.99 ? [i] : []));
    // Emitted row by row, each row of the climb is another alert.
    expect(alerts(scoreSeries(values, { ...DEFAULT_STREAMING_SCORER, hold: 0 }))).toEqual([600, 601, 602]);
    const whole = scoreSeries(values);
    expect(alerts(whole)).toEqual([603]);
    expect(whole[603]).toBe(Math.max(...scoreSeries(values, { ...DEFAULT_STREAMING_SCORER, hold: 0 }).slice(600, 603)));
    // Cut while the climb is held.
    const first = new StreamingScorer();
    const head = values.slice(0, 602).map((v) => first.next(v));
    expect(first.snapshot().held).not.toBeNull();
    const restored = new StreamingScorer(undefined, JSON.parse(JSON.stringify(first.snapshot())));
    expect([...head, ...values.slice(602).map((v) => restored.next(v))]).toEqual(whole);
    // A series that ends mid-climb: the held alert goes on its last row.
    expect(alerts(scoreSeries(values.slice(0, 602)))).toEqual([601]);
  });

  it('refuses a snapshot of another version, of another set of scales, or with a shape or level test the config lacks, and resumes one from before the level test', () => {
    const snapshot = { ...new StreamingScorer().snapshot(), version: 3 as unknown as 4 };
    expect(() => new StreamingScorer(undefined, snapshot)).toThrow(RangeError);
    const oneScale = { ...DEFAULT_STREAMING_SCORER, scales: [{ window: 50, smooth: 3 }] };
    expect(() => new StreamingScorer(oneScale, new StreamingScorer().snapshot())).toThrow(/5 scales, the config 1/);
    const noShape = { ...DEFAULT_STREAMING_SCORER, shape: null };
    expect(() => new StreamingScorer(noShape, new StreamingScorer().snapshot())).toThrow(/has shape test, the config has none/);
    const noEffect = { ...DEFAULT_STREAMING_SCORER, effect: null };
    expect(() => new StreamingScorer(noEffect, new StreamingScorer().snapshot())).toThrow(/has effect-size test, the config has none/);
    const noLevel = { ...DEFAULT_STREAMING_SCORER, level: null };
    expect(() => new StreamingScorer(noLevel, new StreamingScorer().snapshot())).toThrow(/has level test, the config has none/);
    expect(() => new StreamingScorer(undefined, new StreamingScorer(noLevel).snapshot())).toThrow(/has no level test, the config has/);
    const noStuck = { ...DEFAULT_STREAMING_SCORER, stuck: null };
    expect(() => new StreamingScorer(noStuck, new StreamingScorer().snapshot())).toThrow(/has stuck-value test, the config has none/);
    // A snapshot from before the stuck-value test has no `stuck` key: accepted, the test starts afresh.
    const { stuck: _notYet, ...beforeTheStuckTest } = new StreamingScorer().snapshot();
    expect(() => new StreamingScorer(undefined, beforeTheStuckTest)).not.toThrow();
    // A snapshot written before the level test existed has no `level` key: accepted, the level test starts afresh.
    const { level: _absent, ...beforeTheLevelTest } = new StreamingScorer().snapshot();
    expect(() => new StreamingScorer(undefined, beforeTheLevelTest)).not.toThrow();
    // Version 4 had no held alert: accepted, with nothing held.
    const { held: _none, ...version4 } = new StreamingScorer().snapshot();
    expect(() => new StreamingScorer(undefined, { ...version4, version: 4 })).not.toThrow();
  });

  it('asks more of a spike the more rows it has watched: the same spike is less rare at row 6,000 than at row 800', () => {
    // One noisy series, a spike of 10 noise widths at row 800 and the same at row 6,000.
    const values = series(6500).map((v, i) => v - (i >= 600 ? 8 : 0) + (i === 800 || i === 6000 ? 3 : 0));
    const rarityAt = (scores: number[], at: number): number => 1 - Math.max(...scores.slice(at, at + 1 + DEFAULT_STREAMING_SCORER.hold));
    const watched = scoreSeries(values);
    const unwatched = scoreSeries(values, { ...DEFAULT_STREAMING_SCORER, lookElsewhere: null });
    // Before 1,000 rows nothing changes.
    expect(rarityAt(watched, 800)).toBe(rarityAt(unwatched, 800));
    // At 6,000 rows the spike's rarity counts 1 + 0.5 × ln 6 ≈ 1.9 times larger (to within a row or two
    // of its climb; the rarities, near 1e-11, are read back from 1 − score).
    const factor = lookElsewhereFactor(6001, DEFAULT_STREAMING_SCORER.lookElsewhere!);
    expect(factor).toBeCloseTo(1.9, 2);
    expect(rarityAt(watched, 6000) / rarityAt(unwatched, 6000)).toBeCloseTo(factor, 3);
    // It is still an alert: only how rare it counts changed.
    expect(rarityAt(watched, 6000)).toBeLessThan(1e-6);
    // The rows watched resume from a snapshot (the value scales' row counts).
    expect(scoredAcrossSnapshot(values, 5000)).toEqual(watched);
  });

  it('does not alert on a departure under 5 % of the range the series has shown, however rare, nor let it hold back the next', () => {
    // Calm noise (±0.05) around 10, one early burst to 20 that sets the range to 10, then long
    // enough (6,000 rows) for the burst to leave the calibration memory (5,000 rows), so a blip
    // of a few noise widths is rare again to the value tests.
    const withBlip = (size: number): number[] => {
      let state = 12345;
      const jitter = (): number => {
        state = (1103515245 * state + 12345) % 2 ** 31;
        return state / 2 ** 31 - 0.5;
      };
      return Array.from({ length: 6000 }, (_, i) => 10 + 0.1 * jitter() + (i >= 100 && i < 110 ? 10 : 0) + (i >= 5500 && i < 5503 ? size : 0));
    };
    const blipScore = (values: number[], config = DEFAULT_STREAMING_SCORER): number => Math.max(...scoreSeries(values, config).slice(5500, 5506));
    const noEffect = { ...DEFAULT_STREAMING_SCORER, effect: null };
    // 3 % of the range: the value tests alone call it as rare as anything, the effect size turns it away.
    expect(blipScore(withBlip(0.3), noEffect)).toBeGreaterThan(0.999);
    expect(blipScore(withBlip(0.3))).toBe(0);
    // 6 % of the range still alerts.
    expect(blipScore(withBlip(0.6))).toBeGreaterThan(0.999);
    // A blip too small to alert on (4.5 %) does not hold back the departure of 6 % that follows
    // it 50 rows later: counted among the recent rows, it left that departure, as rare as it,
    // unable to beat it twice over, and the incident went unreported.
    const blipThenIncident = withBlip(0.45).map((v, i) => v + (i >= 5550 && i < 5553 ? 0.6 : 0));
    const scores = scoreSeries(blipThenIncident);
    expect(Math.max(...scores.slice(5500, 5550))).toBeLessThan(0.9);
    expect(Math.max(...scores.slice(5550, 5556 + DEFAULT_STREAMING_SCORER.hold))).toBeGreaterThan(0.999);
  });

  it('lets a record off the escalation, once per record gap, and resumes the rows since the last record from a snapshot', () => {
    // Idle at zero, a burst of 10–100 every 30–60 rows; quiet from 2,440 but for two bursts past
    // every earlier one: 110 at 2,500 and 120 at 2,530.
    const values = idleBursts(2700);
    values.fill(0, 2440, 2600);
    values[2500] = 110;
    values[2530] = 120;
    // An escalation no row can meet: only records raise onsets, each emitted a row later (the
    // next row might have escalated it). 883 and 1,302 are the bursts that set the earlier highs;
    // the record at 2,530 comes 30 rows after the last and needs the escalation like any row.
    const config = { ...DEFAULT_STREAMING_SCORER, escalation: 1e6 };
    const alerts = (scores: number[]): number[] => scores.flatMap((s, i) => (i >= 600 && s > 0 ? [i] : []));
    const whole = scoreSeries(values, config);
    expect(alerts(whole)).toEqual([883, 1302, 2501]);
    expect(alerts(scoreSeries(values, { ...config, recordGap: null }))).toEqual([]);
    const first = new StreamingScorer(config);
    const head = values.slice(0, 2520).map((v) => first.next(v));
    expect(first.snapshot().sinceRecord).toBe(20);
    const restored = new StreamingScorer(config, JSON.parse(JSON.stringify(first.snapshot())));
    expect(restored.snapshot().sinceRecord).toBe(20);
    expect([...head, ...values.slice(2520).map((v) => restored.next(v))]).toEqual(whole);
  });

  it('lets a job\'s burst alert on its first two runs only, and still alerts on a burst of another size, resuming that from a snapshot', () => {
    // One burst shape at rows 700, 1,130, 1,590 and 2,050 (no fixed time of day), and one twice its size at 2,300.
    const runs = [700, 1130, 1590, 2050, 2300];
    const values = jobBursts(runs, (k) => (k === 4 ? 2 : 1));
    const times = values.map((_, i) => Date.UTC(2024, 0, 1) + i * 300_000);
    const peaks = (scores: number[]): boolean[] => runs.map((start) => Math.max(...scores.slice(start, start + 12)) > 0.99);
    expect(peaks(scoreSeries(values, { ...DEFAULT_STREAMING_SCORER, motif: null }, times))).toEqual([true, true, true, true, true]);
    const whole = scoreSeries(values, DEFAULT_STREAMING_SCORER, times);
    expect(peaks(whole)).toEqual([true, true, false, false, true]);
    expect(scoredAcrossSnapshot(values, 1800, times)).toEqual(whole);
    expect(() => scoreSeries([1, 2, 3], { ...DEFAULT_STREAMING_SCORER, motif: { length: 6, baseline: 50, tolerance: 0.1, matches: 0, memory: 5000 } })).toThrow('a motif needs');
  });

  it('lets a routine burst hold back the next onset only while it lasts, and resumes that from a snapshot', () => {
    // The job's burst of the test above at rows 700, 1,130, 1,590 and 2,050 (the last two dropped as
    // known), then a spike of 30 at 2,090: rarer than any row since the burst, but not twice as rare
    // as the burst's rows, which without the rule stay among the recent rows for 100 rows.
    const values = jobBursts([700, 1130, 1590, 2050], () => 1);
    values[2090] = 30;
    const times = values.map((_, i) => Date.UTC(2024, 0, 1) + i * 300_000);
    const alerts = (scores: number[]): number[] => scores.flatMap((s, i) => (i >= 1500 && s > 0.99 ? [i] : []));
    expect(alerts(scoreSeries(values, { ...DEFAULT_STREAMING_SCORER, routineEcho: null }, times))).toEqual([]);
    const whole = scoreSeries(values, DEFAULT_STREAMING_SCORER, times);
    expect(alerts(whole)).toEqual([2091]);
    // Cut while the burst's excursion is still open, and after it is forgotten.
    const first = new StreamingScorer();
    values.slice(0, 2053).forEach((v, i) => first.next(v, times[i]));
    expect(first.snapshot().routine).toEqual({ rows: 8, left: 5 });
    for (const cut of [2053, 2070]) expect(scoredAcrossSnapshot(values, cut, times)).toEqual(whole);
    expect(() => scoreSeries([1, 2, 3], { ...DEFAULT_STREAMING_SCORER, routineEcho: 0 })).toThrow('routineEcho must');
  });

  it('lets a noisy series\' ordinary swing pass unalerted however rare the smoothed value tests rank it, still alerts on a spike beyond it, and resumes that from a snapshot', () => {
    // Noise: the sum of three uniforms, 50 ± 15; a spike of 40 more at 2,700. At 2,017–2,019 the
    // noise goes 62.4, 59.9, 43.3: two high rows and a fall average into a surprise the value
    // tests rank 1 in 150 (an alert at 2,020 without the rule), while each row departs from the
    // median by a distance the series had reached in well over 60 separate excursions of the 2,000
    // rows before.
    let state = 777;
    const uniform = (): number => {
      state = (1103515245 * state + 12345) % 2 ** 31;
      return state / 2 ** 31;
    };
    const values = Array.from({ length: 3000 }, () => 50 + 10 * (uniform() + uniform() + uniform() - 1.5));
    values[2700] += 40;
    const alerts = (scores: number[]): number[] => scores.flatMap((s, i) => (i >= 600 && s > 0.993 ? [i] : []));
    expect(alerts(scoreSeries(values, { ...DEFAULT_STREAMING_SCORER, common: null }))).toEqual([816, 1095, 2020, 2701]);
    const whole = scoreSeries(values);
    expect(alerts(whole)).toEqual([816, 1095, 2701]);
    expect(scoredAcrossSnapshot(values, 2018)).toEqual(whole);
    expect(() => scoreSeries([1, 2, 3], { ...DEFAULT_STREAMING_SCORER, common: { window: 50, memory: 2000, gap: 6, excursions: 0 } })).toThrow('a common departure needs');
  });

  it('asks the same incident\'s next peak soon after an alert to be four times rarer than the alert, and resumes that from a snapshot', () => {
    // Noise of width 1 around 10, a spike of 1.5 at 1,500 (an alert), a second peak: of 1.6 ten rows
    // later, about 3 times rarer than the alert (twice would do without the rule); of 1.65, about 5
    // times; of 1.6 again but 30 rows later (about twice as rare as the alert there), past the 24 rows of
    // the same incident.
    const withPeaks = (second: number, at: number): number[] => {
      let state = 12345;
      const jitter = (): number => {
        state = (1103515245 * state + 12345) % 2 ** 31;
        return state / 2 ** 31 - 0.5;
      };
      return Array.from({ length: 2000 }, (_, i) => 10 + jitter() + (i === 1500 ? 1.5 : 0) + (i === at ? second : 0));
    };
    const alerts = (scores: number[]): number[] => scores.flatMap((s, i) => (i >= 1490 && i < 1600 && s > 0 ? [i] : []));
    const off = { ...DEFAULT_STREAMING_SCORER, realert: null };
    expect(alerts(scoreSeries(withPeaks(1.6, 1510), off))).toEqual([1501, 1511]);
    expect(alerts(scoreSeries(withPeaks(1.6, 1510)))).toEqual([1501]);
    expect(alerts(scoreSeries(withPeaks(1.65, 1510)))).toEqual([1501, 1511]);
    expect(alerts(scoreSeries(withPeaks(1.6, 1530)))).toEqual([1501, 1531]);
    const values = withPeaks(1.6, 1510);
    const whole = scoreSeries(values);
    const first = new StreamingScorer();
    const head = values.slice(0, 1505).map((v) => first.next(v));
    expect(first.snapshot().lastAlert?.rows).toBe(3);
    const restored = new StreamingScorer(undefined, JSON.parse(JSON.stringify(first.snapshot())));
    const tail = values.slice(1505).map((v) => restored.next(v));
    tail[tail.length - 1] = Math.max(tail[tail.length - 1], restored.flush());
    expect([...head, ...tail]).toEqual(whole);
    expect(() => scoreSeries([1, 2, 3], { ...DEFAULT_STREAMING_SCORER, realert: { rows: 24, escalation: 0.5 } })).toThrow('realert needs');
  });

  it('withdraws the level test\'s vote from one row at a rare level that falls back at once, keeps it for a level that holds, and resumes a held onset from a snapshot', () => {
    // Noise uniform in [10, 20) (a seeded LCG); a one-row spike of 30–60 every 80–119 rows, each
    // followed by noise again; one value of 100 at 700, so nothing after it up to 100 is a record;
    // three rows at 95 from 3,500, a level that holds.
    let state = 4242;
    const uniform = (): number => {
      state = (1103515245 * state + 12345) % 2 ** 31;
      return state / 2 ** 31;
    };
    const values = Array.from({ length: 4000 }, () => 10 + 10 * uniform());
    const spikes: number[] = [];
    for (let i = 50; i < 4000; i += 80 + Math.floor(uniform() * 40)) {
      values[i] = 30 + 30 * uniform();
      spikes.push(i);
    }
    values[700] = 100;
    values.fill(95, 3500, 3503);
    expect(spikes.every((i) => values[i + 1] < 20 && values[i] < 100)).toBe(true);
    const held = (i: number): boolean => i >= 3500 && i <= 3503 + DEFAULT_STREAMING_SCORER.hold;
    // Alerts past the record at 700 (its own alert, let off as a record), at a threshold of 0.99.
    const alerts = (scores: number[]): number[] => scores.flatMap((s, i) => (i > 710 && s > 0.99 ? [i] : []));
    const voting = scoreSeries(values, { ...DEFAULT_STREAMING_SCORER, level: { ...DEFAULT_STREAMING_SCORER.level!, ordinary: null } });
    // With the level test's vote always standing, routine one-row spikes page (on the row after them, the held climb's).
    const paged = alerts(voting).filter((i) => !held(i));
    expect(paged.length).toBeGreaterThan(0);
    expect(paged.every((i) => spikes.includes(i - 1))).toBe(true);
    const whole = scoreSeries(values);
    // With the rule none of them does, and the level that holds still pages.
    expect(alerts(whole).every(held)).toBe(true);
    expect(Math.max(...whole.slice(3500, 3504 + DEFAULT_STREAMING_SCORER.hold))).toBeGreaterThan(0.999);
    // Cut between a paging spike and the row after it: the held onset carries its score without the level test.
    const cut = paged[0];
    const first = new StreamingScorer();
    values.slice(0, cut).forEach((v) => first.next(v));
    expect(first.snapshot().held?.withoutLevel).toBeLessThan(0.99);
    expect(scoredAcrossSnapshot(values, cut)).toEqual(whole);
    expect(() => new StreamingScorer({ ...DEFAULT_STREAMING_SCORER, level: { ...DEFAULT_STREAMING_SCORER.level!, ordinary: 0 } })).toThrow(RangeError);
  });

  it('keeps the level test\'s vote on a one-row burst where the value tests\' baselines have no spread, the series idling at zero', () => {
    // Zero, with a burst of 1–3 rows of 10–100 every 30–60 rows (a seeded LCG); 1,000 at row
    // 1,000, so a later 500 is no record; at 2,500 one row of 500 after 40 rows of zero, and zero
    // after it. Against 40 zeros every value scale's median and MAD are 0: they cannot grade it.
    const values = idleBursts(3000);
    values[1000] = 1000;
    values.fill(0, 2460, 2540);
    values[2500] = 500;
    const burst = (scores: number[]): number => Math.max(...scores.slice(2500, 2502 + DEFAULT_STREAMING_SCORER.hold));
    const withoutLevelTest = burst(scoreSeries(values, { ...DEFAULT_STREAMING_SCORER, level: null }));
    const voteAlwaysStands = burst(scoreSeries(values, { ...DEFAULT_STREAMING_SCORER, level: { ...DEFAULT_STREAMING_SCORER.level!, ordinary: null } }));
    // The level test decided the burst (rarer with it than without), and its vote stands though the next row is back at zero.
    expect(voteAlwaysStands).toBeGreaterThan(withoutLevelTest);
    expect(burst(scoreSeries(values))).toBe(voteAlwaysStands);
  });
});
