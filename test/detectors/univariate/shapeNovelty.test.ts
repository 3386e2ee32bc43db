/**
 * The shape test's promise: a day whose usual jump never comes is caught, though every value in
 * it is ordinary, and the value tests alone miss it. Hand-built daily series, no randomness.
 */
import { describe, expect, it } from 'vitest';
import { ShapeNovelty } from '../../../detectors/univariate/shapeNovelty.ts';
import { DEFAULT_STREAMING_SCORER, scoreSeries } from '../../../detectors/univariate/streamingScorer.ts';

// Shaped like NAB's art_daily files: 5-minute rows, a level of 20 that jumps to 75 from 09:00 to 18:00.
const DAY = 288;
const JUMP_START = 108;
const JUMP_ROWS = 108;
const JITTER = 2;

function lcg(seed: number): () => number {
  let state = seed;
  return () => {
    state = (1103515245 * state + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/** `days` days of 288 rows: level 20, +55 for 108 rows from row 108 ± 2, noise ±4. */
function dailyJumps(days: number, withoutJumpOn: number | null): number[] {
  const random = lcg(777);
  const values: number[] = [];
  for (let day = 0; day < days; day++) {
    const start = JUMP_START - JITTER + Math.floor(random() * (2 * JITTER + 1));
    for (let row = 0; row < DAY; row++) {
      const jump = day !== withoutJumpOn && row >= start && row < start + JUMP_ROWS ? 55 : 0;
      values.push(20 + jump + 8 * (random() - 0.5));
    }
  }
  return values;
}

const DAYS = 14;
const MISSING_DAY = 11;
/** Rows of the day without a jump where the jump would have been. */
const missingJump = { from: MISSING_DAY * DAY + JUMP_START - JITTER, to: MISSING_DAY * DAY + JUMP_START + JITTER + JUMP_ROWS };
const afterWarmUp = 3 * DAY;

const argmaxFrom = (scores: number[], from: number): number => {
  let best = from;
  for (let i = from; i < scores.length; i++) if (scores[i] > scores[best]) best = i;
  return best;
};

describe('shape novelty', () => {
  it('finds the day without its jump, which the value tests alone do not', () => {
    const values = dailyJumps(DAYS, MISSING_DAY);
    const withShape = scoreSeries(values);
    const top = argmaxFrom(withShape, afterWarmUp);
    expect(top).toBeGreaterThanOrEqual(missingJump.from);
    expect(top).toBeLessThan(missingJump.to);

    const valuesOnly = scoreSeries(values, { ...DEFAULT_STREAMING_SCORER, shape: null });
    const topValuesOnly = argmaxFrom(valuesOnly, afterWarmUp);
    expect(topValuesOnly < missingJump.from || topValuesOnly >= missingJump.to).toBe(true);
  });

  it('stays calm on the same days when every jump comes', () => {
    const normal = new ShapeNovelty({ length: DAY, bins: 24, history: 2000, memory: 5000, tail: 0.1 });
    const rarities = dailyJumps(DAYS, null).map((v) => normal.next(v));
    const missing = new ShapeNovelty({ length: DAY, bins: 24, history: 2000, memory: 5000, tail: 0.1 });
    const missingRarities = dailyJumps(DAYS, MISSING_DAY).map((v) => missing.next(v));
    const rarest = (r: (number | undefined)[]): number => Math.min(...r.slice(missingJump.from, missingJump.to).map((p) => p ?? 1));
    // Rarer than 1 in 10,000 of the series' own shapes when the jump is missing; not when it comes.
    expect(rarest(missingRarities)).toBeLessThan(1e-4);
    expect(rarest(rarities)).toBeGreaterThan(1e-2);
  });

  it('stays silent on a daily pattern that repeats exactly (float rounding is no novelty)', () => {
    const values = Array.from({ length: DAYS * DAY }, (_, i) => 50 + 30 * Math.sin((2 * Math.PI * i) / DAY));
    const scores = scoreSeries(values);
    expect(Math.max(...scores.slice(afterWarmUp))).toBeLessThan(0.5);
  });

  it('refuses a shape that does not cut into equal bins, or a history no longer than a shape', () => {
    expect(() => new ShapeNovelty({ length: 100, bins: 24, history: 2000, memory: 100, tail: 0.1 })).toThrow(/equal bins/);
    expect(() => new ShapeNovelty({ length: 288, bins: 24, history: 288, memory: 100, tail: 0.1 })).toThrow(/must exceed/);
  });
});
