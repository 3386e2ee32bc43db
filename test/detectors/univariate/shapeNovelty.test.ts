/**
 * The shape test's promise: a day whose usual jump never comes is caught, though every value in
 * it is ordinary, and the value tests alone miss it. Hand-built daily series, no randomness.
 */
import { describe, expect, it } from 'vitest';
import { ShapeNovelty } from '../../../detectors/univariate/shapeNovelty.ts';
import { DEFAULT_STREAMING_SCORER, scoreSeries } from '../../../detectors/univariate/streamingScorer.ts';
import { lcg } from '../../support/seededRandom.ts';

// Shaped like NAB's art_daily files: 5-minute rows, a level of 20 that jumps to 75 from 09:00 to 18:00.
const DAY = 288;
const JUMP_START = 108;
const JUMP_ROWS = 108;
const JITTER = 2;

/** `days` days of 288 rows: level 20, +55 for 108 rows from row 108 ± 2, noise ±4. */
function dailyJumps(days: number, withoutJumpOn: number | null, seed = 777): number[] {
  const random = lcg(seed);
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

  it('ranks novelties only once it has a day of them, and so stays calm on the third day of a noisy daily series', () => {
    // The first novelty comes at row 580 (a full shape, and 6 earlier ones to compare with); a
    // day of novelties later, at row 868, they start being ranked.
    const test = new ShapeNovelty({ length: DAY, bins: 24, history: 2000, memory: 5000, tail: 0.1 });
    const rarities = dailyJumps(4, null).map((v) => test.next(v));
    expect(rarities.findIndex((r) => r !== undefined)).toBe(580 + DAY);
    // Ranked among their first 20, as until 2026-12-05, every one of these series alerted in
    // that first day of novelties (at 0.9999 or more); nothing in them is new.
    for (const seed of [777, 1, 2, 3, 4, 5]) {
      const scores = scoreSeries(dailyJumps(6, null, seed));
      expect(Math.max(...scores.slice(580, 580 + DAY))).toBeLessThan(0.999);
    }
  });

  it('stays silent on a daily pattern that repeats exactly (float rounding is no novelty)', () => {
    const values = Array.from({ length: DAYS * DAY }, (_, i) => 50 + 30 * Math.sin((2 * Math.PI * i) / DAY));
    const scores = scoreSeries(values);
    expect(Math.max(...scores.slice(afterWarmUp))).toBeLessThan(0.5);
  });

  describe('a perfectly periodic series (NAB art_daily_perfect_square_wave: 20, and 80 from 09:00 to 18:00)', () => {
    const squareWave = (days: number, change: (day: number, row: number, value: number) => number = (_d, _r, v) => v): number[] =>
      Array.from({ length: days * DAY }, (_, i) => {
        const row = i % DAY;
        return change(Math.floor(i / DAY), row, row >= JUMP_START && row < JUMP_START + JUMP_ROWS ? 80 : 20);
      });
    const alertsAfterWarmUp = (scores: number[]): number[] => scores.flatMap((s, i) => (i >= afterWarmUp && s > 0.99 ? [i] : []));

    it('does not alert on the level changes that come at the same minutes every day', () => {
      const values = squareWave(DAYS);
      expect(alertsAfterWarmUp(scoreSeries(values))).toEqual([]);
      // Without the shape test, and so without the repeat check, every change is an alert (with the
      // value tests' tail floor and the known-motif test off: either alone, knowing the same change
      // has come every day, keeps all but a few of them quiet).
      const valueTestsOnly = alertsAfterWarmUp(scoreSeries(values, { ...DEFAULT_STREAMING_SCORER, shape: null, tailFloor: 0, motif: null }));
      expect(valueTestsOnly.length).toBeGreaterThanOrEqual(2 * (DAYS - 3) - 1);
    });

    it('still alerts on a spike on a day that otherwise repeats, and on a change that comes an hour late', () => {
      const spikeRow = MISSING_DAY * DAY + 50;
      const spiked = squareWave(DAYS, (day, row, v) => (day === MISSING_DAY && row === 50 ? 50 : v));
      // On its row or, while the next rows escalate it, up to `hold` rows later.
      expect(alertsAfterWarmUp(scoreSeries(spiked)).find((i) => i >= spikeRow)).toBeLessThanOrEqual(spikeRow + DEFAULT_STREAMING_SCORER.hold + 1);
      // Caught where the change should have come, before it comes late.
      const dueRow = MISSING_DAY * DAY + JUMP_START;
      const late = squareWave(DAYS, (day, row, v) => (day === MISSING_DAY && row >= JUMP_START && row < JUMP_START + 12 ? 20 : v));
      expect(alertsAfterWarmUp(scoreSeries(late)).find((i) => i >= dueRow)).toBeLessThanOrEqual(dueRow + 12);
    });

    it('calls a day a repeat only when its last values repeat too, not just its shape', () => {
      // +3.2 at night moves its bin's mean so little (3.2 / 12 rows) that the day's shape is as
      // near an earlier one as shapes count; the row's own value tells it apart.
      const blipRow = MISSING_DAY * DAY + 50;
      const values = squareWave(DAYS, (day, row, v) => (day === MISSING_DAY && row === 50 ? 23.2 : v));
      const test = new ShapeNovelty({ length: DAY, bins: 24, history: 2000, memory: 5000, tail: 0.1 });
      const repeats = values.map((v) => {
        test.next(v);
        return test.repeatsExactly();
      });
      expect(repeats[blipRow]).toBe(false);
      expect(repeats.slice(afterWarmUp, blipRow).every(Boolean)).toBe(true);
    });

    it('resumes from a JSON snapshot to the same repeat verdicts, also after old shapes were trimmed', () => {
      const config = { length: DAY, bins: 24, history: 2000, memory: 5000, tail: 0.1 };
      const values = squareWave(20, (day, row, v) => (day === 17 && row === 50 ? 23.2 : v));
      const verdicts = (test: ShapeNovelty, part: number[]): boolean[] =>
        part.map((v) => {
          test.next(v);
          return test.repeatsExactly();
        });
      const whole = verdicts(new ShapeNovelty(config), values);
      expect(whole.filter((r) => !r).length).toBeGreaterThan(0);
      for (const cut of [1000, 4100]) {
        const first = new ShapeNovelty(config);
        const head = verdicts(first, values.slice(0, cut));
        const restored = new ShapeNovelty(config, JSON.parse(JSON.stringify(first.snapshot())));
        expect([...head, ...verdicts(restored, values.slice(cut))]).toEqual(whole);
      }
    });
  });

  describe('the record bound (a novelty beyond every earlier one is at most 1 in n + 1)', () => {
    // Days like those above, plus a night bump (rows 24–47) whose height varies from day to day
    // with a heavy tail (3 / u^0.8, at most 40): the nearest earlier day is sometimes far, the
    // fitted tail of the novelties is heavy, and a day unlike every earlier one ranks as only
    // about 1 in 100 there. On day 17 the jump comes 24 rows late, a shape no earlier day had.
    const LATE_DAY = 17;
    const lateJump = (days: number): number[] => {
      const random = lcg(777);
      const values: number[] = [];
      for (let day = 0; day < days; day++) {
        const bump = Math.min(40, 3 / Math.max(random(), 1e-3) ** 0.8);
        const start = day === LATE_DAY ? JUMP_START + 24 : JUMP_START;
        for (let row = 0; row < DAY; row++) {
          values.push(20 + (row >= start && row < start + JUMP_ROWS ? 55 : 0) + (row >= 24 && row < 48 ? bump : 0) + 8 * (random() - 0.5));
        }
      }
      return values;
    };
    const config = { length: DAY, bins: 24, history: 2000, memory: 5000, tail: 0.1 };
    const lateRows = { from: LATE_DAY * DAY + JUMP_START, to: LATE_DAY * DAY + JUMP_START + 48 };

    it('bounds the rarity of a record novelty by 1 / (n + 1), and leaves every other row as the fitted tail has it', () => {
      const values = lateJump(20);
      const withRecord = new ShapeNovelty({ ...config, recordWarmup: 500 });
      const without = new ShapeNovelty(config);
      const bounded = values.map((v) => withRecord.next(v));
      const fitted = values.map((v) => without.next(v));
      const changed = bounded.flatMap((r, i) => (r !== fitted[i] ? [i] : []));
      expect(changed.length).toBeGreaterThan(0);
      for (const i of changed) {
        // Novelties start at row 580 (a full shape, and 6 earlier ones to compare with): n = i − 580.
        expect(bounded[i]!).toBeLessThanOrEqual(1 / (i - 580 + 1));
        expect(bounded[i]!).toBeLessThan(fitted[i]!);
      }
      const rarest = (r: (number | undefined)[]): number => Math.min(...r.slice(lateRows.from, lateRows.to).map((p) => p ?? 1));
      expect(rarest(fitted)).toBeGreaterThan(5e-3);
      expect(rarest(bounded)).toBeLessThan(5e-4);
      // Before `recordWarmup` novelties there is no bound.
      const late = new ShapeNovelty({ ...config, recordWarmup: 5000 });
      expect(values.map((v) => late.next(v))).toEqual(fitted);
    });

    it('makes the late jump an alert of the streaming scorer, which the fitted tail alone does not', () => {
      const values = lateJump(20);
      const top = (scores: number[]): number => Math.max(...scores.slice(lateRows.from, lateRows.to));
      expect(DEFAULT_STREAMING_SCORER.shape?.recordWarmup).toBe(500);
      expect(top(scoreSeries(values))).toBeGreaterThan(0.999);
      const withoutRecord = { ...DEFAULT_STREAMING_SCORER, shape: { ...DEFAULT_STREAMING_SCORER.shape!, recordWarmup: null } };
      expect(top(scoreSeries(values, withoutRecord))).toBeLessThan(0.99);
    });
  });

  it('refuses a shape that does not cut into equal bins, or a history no longer than a shape', () => {
    expect(() => new ShapeNovelty({ length: 100, bins: 24, history: 2000, memory: 100, tail: 0.1 })).toThrow(/equal bins/);
    expect(() => new ShapeNovelty({ length: 288, bins: 24, history: 288, memory: 100, tail: 0.1 })).toThrow(/must exceed/);
  });
});
