/**
 * The stuck-value test's promise: a series that stops moving (a frozen sensor repeating its last
 * value) is caught once the hold is more than twice the longest this series has shown, priced as a
 * record among the rows remembered, while holds of the length a series routinely makes say
 * nothing. Hand-built series, seeded noise.
 */
import { describe, expect, it } from 'vitest';
import { StuckValue, type StuckValueConfig } from '../../../detectors/univariate/stuckValue.ts';
import { DEFAULT_STREAMING_SCORER, scoreSeries } from '../../../detectors/univariate/streamingScorer.ts';
import { lcg } from '../../support/seededRandom.ts';

const CONFIG: StuckValueConfig = { memory: 5000, warmup: 500, longerBy: 2 };

/** The rows (index) at which the test gives a bound, with the bound. */
function bounds(values: number[], config = CONFIG): [number, number][] {
  const test = new StuckValue(config);
  return values.flatMap((v, i) => {
    const bound = test.next(v);
    return bound === undefined ? [] : [[i, bound] as [number, number]];
  });
}

/** `rows` values of 50 ± 1, never two alike. */
function noisy(rows: number, seed = 5): number[] {
  const random = lcg(seed);
  return Array.from({ length: rows }, () => 50 + 2 * (random() - 0.5));
}

describe('StuckValue', () => {
  it('catches a continuous series frozen at its last value from the third equal row, as 1 in n + 1 over how many times the longest hold', () => {
    const values = noisy(1000);
    const frozenFrom = 800;
    for (let i = frozenFrom + 1; i < 820; i++) values[i] = values[frozenFrom];
    const found = bounds(values);
    // Every earlier hold was 1 row, so a hold of 3 (row 802) is the first more than twice that;
    // memory holds the 800 one-row holds of rows 0–799: 1 / 3 / 801.
    expect(found[0][0]).toBe(frozenFrom + 2);
    expect(found[0][1]).toBeCloseTo(1 / 3 / 801, 12);
    // Each further frozen row is rarer still: the hold grows against the same longest.
    expect(found.map(([row]) => row)).toEqual(Array.from({ length: 18 }, (_, k) => frozenFrom + 2 + k));
    expect(found[17][1]).toBeCloseTo(1 / 20 / 801, 12);
    // Moving again ends it.
    expect(found.some(([row]) => row >= 820)).toBe(false);
  });

  it('says nothing of holds a series routinely makes, and catches one more than twice its longest', () => {
    // A value quantized to a few levels: holds of 1 to 5 rows, over and over.
    const values: number[] = [];
    for (let i = 0; values.length < 1200; i++) values.push(...Array<number>((i % 5) + 1).fill(i % 3));
    expect(bounds(values)).toEqual([]);
    const held10 = [...values, ...Array<number>(10).fill(7)];
    expect(bounds(held10)).toEqual([]);
    const held11 = [...values, ...Array<number>(11).fill(7)];
    expect(bounds(held11).map(([row]) => row)).toEqual([values.length + 10]);
  });

  it('gives nothing before the warm-up, and resumes from a JSON snapshot to the same bounds', () => {
    const early = noisy(100);
    for (let i = 51; i < 70; i++) early[i] = early[50];
    expect(bounds(early)).toEqual([]);

    const values = noisy(1000, 9);
    for (let i = 901; i < 930; i++) values[i] = values[900];
    const whole = bounds(values);
    const first = new StuckValue(CONFIG);
    values.slice(0, 905).forEach((v) => first.next(v));
    const resumed = new StuckValue(CONFIG, JSON.parse(JSON.stringify(first.snapshot())));
    const rest = values.slice(905).flatMap((v, k) => {
      const bound = resumed.next(v);
      return bound === undefined ? [] : [[905 + k, bound] as [number, number]];
    });
    expect(rest).toEqual(whole.filter(([row]) => row >= 905));
  });

  it('in the streaming scorer, a frozen stretch of a noisy series alerts within its first rows, not only once the day shape has changed', () => {
    const values = noisy(2000, 11);
    for (let i = 1501; i < 1600; i++) values[i] = values[1500];
    const firstAlertIn = (scores: number[]): number => scores.findIndex((score, i) => i > 1500 && i < 1600 && score > 0.99);
    const withTest = scoreSeries(values, DEFAULT_STREAMING_SCORER);
    const without = scoreSeries(values, { ...DEFAULT_STREAMING_SCORER, stuck: null });
    expect(firstAlertIn(withTest)).toBeLessThanOrEqual(1505);
    // Without it only the shape test sees the stretch, once most of it is in the last day's rows.
    expect(firstAlertIn(without)).toBeGreaterThan(1550);
    // The rows before the freeze score the same either way.
    expect(withTest.slice(0, 1500)).toEqual(without.slice(0, 1500));
  });

  it('remembers a hold longer than its memory as its last rows, as if pushed whole', () => {
    const small = { memory: 50, warmup: 10, longerBy: 2 };
    const values = [...noisy(30), ...Array<number>(120).fill(7), ...noisy(200, 3)];
    const test = new StuckValue(small);
    values.forEach((v) => test.next(v));
    // The 120-row hold ended 200 rows ago: the memory holds the last 50 rows, all of length 1.
    expect(test.snapshot().runs.sorted).toEqual(Array<number>(50).fill(1));
    const atEnd = new StuckValue(small);
    [...noisy(30), ...Array<number>(120).fill(7), 8].forEach((v) => atEnd.next(v));
    // Right after it ends, the memory is that hold's last 50 rows: held 71 to 120.
    expect(atEnd.snapshot().runs.sorted).toEqual(Array.from({ length: 50 }, (_, k) => 71 + k));
  });

  it('refuses a config that cannot mean anything', () => {
    expect(() => new StuckValue({ ...CONFIG, longerBy: 0.5 })).toThrow(/longerBy/);
    expect(() => new StuckValue({ ...CONFIG, memory: 0 })).toThrow(/memory/);
    expect(() => new StuckValue({ ...CONFIG, warmup: 6000 })).toThrow(/warmup/);
  });
});
