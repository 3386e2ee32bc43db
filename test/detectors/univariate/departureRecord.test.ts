/**
 * The departure-record bound: a value that departs from the recent median by more than any earlier
 * value departed from its own is a 1-in-(n + 1) event among n + 1 exchangeable departures,
 * whatever their distribution; any other value gets no bound.
 */
import { describe, expect, it } from 'vitest';
import { DepartureRecord } from '../../../detectors/univariate/departureRecord.ts';
import { DEFAULT_STREAMING_SCORER, scoreSeries } from '../../../detectors/univariate/streamingScorer.ts';

/** A deterministic uniform in [0, 1) (an LCG, no Math.random). */
function uniform(seed: number): () => number {
  let state = seed;
  return () => {
    state = (1103515245 * state + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('departure record', () => {
  it('bounds a departure beyond every earlier one by 1 / (n + 1), and gives nothing otherwise', () => {
    // Zeros and one departure of 1: then 2 is a record twice the largest, 1 in 201 × 2.
    const test = new DepartureRecord({ window: 10, memory: 1000, warmup: 50 });
    for (let i = 0; i < 200; i++) expect(test.next(i === 20 ? 1 : 0)).toBeUndefined();
    expect(test.next(2)).toBeCloseTo(1 / 201 / 2, 12);
    // As large as the record, not beyond it: no bound (ties are not records).
    const again = new DepartureRecord({ window: 10, memory: 1000, warmup: 50 });
    for (let i = 0; i < 200; i++) again.next(i === 100 ? 5 : 0);
    expect(again.next(5)).toBeUndefined();
    expect(again.next(6)).toBeCloseTo(5 / 6 / 202, 12);
    // The first departure above 0 has no largest to be compared with: 1 in n + 1.
    const first = new DepartureRecord({ window: 10, memory: 1000, warmup: 50 });
    for (let i = 0; i < 100; i++) first.next(0);
    expect(first.next(3)).toBeCloseTo(1 / 101, 12);
  });

  it('gives nothing before `warmup` departures, and counts only the last `memory`', () => {
    const early = new DepartureRecord({ window: 10, memory: 1000, warmup: 50 });
    for (let i = 0; i < 40; i++) early.next(0);
    expect(early.next(100)).toBeUndefined();
    const short = new DepartureRecord({ window: 10, memory: 100, warmup: 50 });
    short.next(0);
    short.next(1000);
    for (let i = 0; i < 200; i++) short.next(0);
    // The 1,000 has left the memory: 10 beats the 100 departures (all 0) it holds.
    expect(short.next(10)).toBeCloseTo(1 / 101, 12);
  });

  it('resumes from a snapshot exactly', () => {
    const u = uniform(11);
    const values = Array.from({ length: 600 }, (_, i) => (i === 450 ? 50 : u()));
    // (the 50 departs by about 49.5 from a median near 0.5, the largest earlier one is under 1)
    const whole = new DepartureRecord({ window: 20, memory: 300, warmup: 100 });
    const expected = values.map((v) => whole.next(v));
    const first = new DepartureRecord({ window: 20, memory: 300, warmup: 100 });
    values.slice(0, 300).forEach((v) => first.next(v));
    const resumed = new DepartureRecord({ window: 20, memory: 300, warmup: 100 }, JSON.parse(JSON.stringify(first.snapshot())));
    expect(values.slice(300).map((v) => resumed.next(v))).toEqual(expected.slice(300));
    expect(expected[450]).toBeLessThan(1 / 301 / 40);
  });

  it('makes the largest departure a series has shown, arriving in its busy hours, its top alert, where the value tests alone see nothing', () => {
    // Days of 288 rows around 100: 100 busy rows with a spread of 20, then 188 quiet ones with 1.
    // By row 3,506 (busy) no departure has passed 66; this one is 90, 4.5 busy spreads.
    const u = uniform(5);
    const normal = (): number => Array.from({ length: 12 }, u).reduce((a, b) => a + b) - 6;
    const values = Array.from({ length: 4000 }, (_, i) => 100 + normal() * (i % 288 < 100 ? 20 : 1));
    const row = 3506;
    expect(Math.max(...values.slice(0, row).map((v) => Math.abs(v - 100)))).toBeLessThan(70);
    values[row] = 190;
    // An alert is emitted on its row or, while the next rows escalate it, up to `hold` rows later.
    const atRow = (scores: number[]): number => Math.max(...scores.slice(row, row + DEFAULT_STREAMING_SCORER.hold + 2));
    // The level test off, so that what finds it is the record bound.
    const withRecord = scoreSeries(values, { ...DEFAULT_STREAMING_SCORER, level: null });
    expect(atRow(withRecord)).toBe(Math.max(...withRecord.slice(600)));
    expect(atRow(withRecord)).toBeGreaterThan(0.999);
    expect(atRow(scoreSeries(values, { ...DEFAULT_STREAMING_SCORER, level: null, record: null }))).toBe(0);
  });

  it('refuses a warm-up the memory cannot reach and a second look weighed by no positive number, in one sentence each', () => {
    expect(() => new DepartureRecord({ window: 10, memory: 10, warmup: 20 })).toThrow('record warmup must be a whole number from 0 to the memory (10), not 20');
    expect(() => new DepartureRecord({ window: 10, memory: 100, warmup: Number.NaN })).toThrow(/record warmup/);
    expect(() => scoreSeries([1, 2, 3], { ...DEFAULT_STREAMING_SCORER, record: { ...DEFAULT_STREAMING_SCORER.record!, weight: Number.NaN } })).toThrow(
      "the record test's weight must be a positive number, not NaN",
    );
    expect(() => scoreSeries([1, 2, 3], { ...DEFAULT_STREAMING_SCORER, level: { ...DEFAULT_STREAMING_SCORER.level!, weight: -1 } })).toThrow(/level test's weight/);
    expect(() => scoreSeries([1, 2, 3], { ...DEFAULT_STREAMING_SCORER, shape: { ...DEFAULT_STREAMING_SCORER.shape!, recordWarmup: 1.5 } })).toThrow(/shape recordWarmup/);
    expect(() => scoreSeries([1, 2, 3], { ...DEFAULT_STREAMING_SCORER, recordGap: 0 })).toThrow('recordGap must be a whole number of rows from 1 up, or null for none, not 0');
  });
});

