/**
 * NAB's scorer on hand-computed cases. Expected values come from SCORING.md's formulas worked
 * by hand (s(y) = 2/(1+e^(5y)) − 1, evaluated on a calculator), not from the code under test.
 * The file: 20 rows, probation floor(0.15·20) = 3, one window [10, 13] (W = 4).
 */
import { describe, expect, it } from 'vitest';
import { MAX_TP, NAB_PROFILES, nabBaseline, optimizeThreshold, rawFileScore, scaledSigmoid, scoreNab, type ScoredFile } from '../../../detectors/nab/nabScorer.ts';

const [standard, lowFp, lowFn] = NAB_PROFILES;
const WINDOW = [10, 13] as const;

/** Scores 0 everywhere except the given rows. */
const file = (fired: Record<number, number>, windows: ScoredFile['windows'] = [WINDOW], rows = 20): ScoredFile => ({
  name: 'f.csv',
  scores: Array.from({ length: rows }, (_, i) => fired[i] ?? 0),
  windows,
});

describe('NAB scaled sigmoid', () => {
  it('is tanh(2.5) at the start of a window and −1 far after it', () => {
    expect(MAX_TP).toBeCloseTo(0.9866142981514303, 12);
    expect(scaledSigmoid(0)).toBe(0);
    expect(scaledSigmoid(3.01)).toBe(-1);
  });
});

describe('NAB raw score of one file', () => {
  it('a detection on the first row of the window earns A_TP = 1', () => {
    expect(rawFileScore(file({ 10: 1 }), 1, standard)).toBeCloseTo(1, 12);
  });

  it('a later detection earns less: third row of four, y = −2/4, s = tanh(1.25)/tanh(2.5) = 0.85979', () => {
    expect(rawFileScore(file({ 12: 1 }), 1, standard)).toBeCloseTo(0.8597925669, 9);
  });

  it('only the earliest detection in a window counts; extra ones are free', () => {
    expect(rawFileScore(file({ 11: 1, 12: 1, 13: 1 }), 1, standard)).toBeCloseTo(rawFileScore(file({ 11: 1 }), 1, standard), 12);
  });

  it("weighs a window that gave its last row to a touching next one by its labelled extent, as NAB's sweeper does", () => {
    // Labelled [8, 10] and [10, 13]: row 10 is the second's (its first row: A_TP = 1); row 9 is the
    // first's second row of three, y = −(10 − 9 + 1)/3 = −2/3, s = tanh(5/3)/tanh(2.5) = 0.943742
    // (weighed as a window of its two remaining rows it would be tanh(1.25)/tanh(2.5) = 0.85979).
    const touching = file({ 9: 1, 10: 1 }, [[8, 9, 10], WINDOW]);
    expect(rawFileScore(touching, 1, standard)).toBeCloseTo(1 + 0.943742, 6);
  });

  it('a false alarm before the first window costs A_FP (0.11 standard, 0.22 reward_low_FP_rate)', () => {
    expect(rawFileScore(file({ 5: 1, 10: 1 }), 1, standard)).toBeCloseTo(0.89, 12);
    expect(rawFileScore(file({ 5: 1, 10: 1 }), 1, lowFp)).toBeCloseTo(0.78, 12);
  });

  it('a false alarm soon after a window costs less: row 15, y = 2/3, 0.11·s(2/3) = −0.102422', () => {
    expect(rawFileScore(file({ 10: 1, 15: 1 }), 1, standard)).toBeCloseTo(1 - 0.1024220570, 9);
  });

  it('a missed window costs A_FN (2 in reward_low_FN_rate); rows in probation never fire', () => {
    expect(rawFileScore(file({ 1: 1 }), 1, standard)).toBe(-1);
    expect(rawFileScore(file({}), 1, lowFn)).toBe(-2);
  });

  it('scores from row floor(0.15·n) on: in a 101-row file row 15 is scored, row 14 is not', () => {
    // probation = min(floor(15.15), 750) = 15. Window [50, 53] never found (−1); a detection on
    // row 15, before the first window, costs A_FP = 0.11; on row 14 it is in probation and free.
    expect(rawFileScore(file({ 15: 1 }, [[50, 53]], 101), 1, standard)).toBeCloseTo(-1.11, 12);
    expect(rawFileScore(file({ 14: 1 }, [[50, 53]], 101), 1, standard)).toBe(-1);
  });

  it('caps the probation period at 750 rows: a 5,001-row file scores row 750, not row 749', () => {
    // 0.15 × 5001 = 750.15, so probation = min(750, 750) = 750.
    expect(rawFileScore(file({ 749: 1, 750: 1 }, [[4000, 4003]], 5001), 1, standard)).toBeCloseTo(-1.11, 12);
  });

  it('a window whose last row is the first row after probation can still be missed', () => {
    // 100 rows, probation 15, window [10, 15]: row 15 is scored, so never firing misses it (−1).
    expect(rawFileScore(file({}, [[10, 15]], 100), 1, standard)).toBe(-1);
  });

  it('everything firing: 7 rows before (−0.77), the window (+1), 6 rows after with decaying cost', () => {
    // rows 14..19: 0.11·s((i − 13)/3), summed by hand = −0.615656
    const all = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [i, 1]));
    expect(rawFileScore(file(all), 1, standard)).toBeCloseTo(-0.385655947, 8);
  });
});

describe('NAB threshold and normalisation', () => {
  it('picks the threshold that maximises the summed raw score over all files', () => {
    // File A: a false alarm at 0.9, the window's first row at 0.8, noise at 0.3 everywhere else.
    const a = file({ 5: 0.9, 10: 0.8 });
    const noisy: ScoredFile = { ...a, scores: a.scores.map((s) => (s === 0 ? 0.3 : s)) };
    // θ=1.1: −1; θ=0.9: −1.11; θ=0.8: 0.89; θ=0.3: every row fires = −0.385656 (as above).
    expect(optimizeThreshold([noisy], standard)).toBe(0.8);
    const result = scoreNab([noisy], standard);
    expect(result.raw).toBeCloseTo(0.89, 12);
    // NAB's null detector on a file this short fires everywhere (−0.385656 beats never, −1):
    // 100·(0.89 + 0.385656) / (1 + 0.385656)
    expect(result.normalized).toBeCloseTo(92.061521459, 8);
    expect(result.perFile[0]).toMatchObject({ detected: 1, falsePositives: 1, windows: 1 });
  });

  it('never firing scores 0 and the threshold 1.1 when every detection loses', () => {
    // 100 rows (probation 15), window [20, 23] scored 0, rows 15..19 scored 1.
    // θ=1: 5 false alarms and a miss = −1.55; θ=0: the window (+1) but 81 rows of false alarms.
    const rows = Object.fromEntries([15, 16, 17, 18, 19].map((i) => [i, 1]));
    const result = scoreNab([file(rows, [[20, 23]], 100)], standard);
    expect(result.threshold).toBe(1.1);
    expect(result.normalized).toBe(0);
  });

  it('normalises per profile: reward_low_FN_rate, one window found on its third row', () => {
    // 100 rows, window [50, 53]: never firing (−2) beats firing everywhere, so 100·(0.85979 + 2)/3.
    expect(scoreNab([file({ 52: 1 }, [[50, 53]], 100)], lowFn).normalized).toBeCloseTo(95.326418897, 7);
    // 20 rows: firing everywhere (−0.385656) beats never (−2), and is the null: 100·(0.85979 + 0.385656)/1.385656.
    expect(scoreNab([file({ 12: 1 })], lowFn).normalized).toBeCloseTo(89.881511829, 7);
  });

  it("takes NAB's null detector at its best threshold: a detector that never fires scores 0 even where firing everywhere pays", () => {
    expect(nabBaseline([file({})], standard).none).toBeCloseTo(-0.385655947, 8);
    expect(scoreNab([file({})], standard).normalized).toBe(0);
    // …and where never firing pays, firing everywhere scores below 0.
    const always = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [i, 1]));
    expect(scoreNab([file({}, [[50, 53]], 100)], standard).normalized).toBe(0);
    expect(scoreNab([file(always, [[50, 53]], 100)], standard, 1).normalized).toBeLessThan(0);
  });

  it("scores NAB's null detector itself 0 in total and in every file: one threshold for the whole set, its own too", () => {
    // File A (20 rows) pays for firing everywhere (−0.385656 against −1), file B (100 rows) does
    // not (about −7.9 against −1): over both, never firing wins, and so it does for each file.
    const constant = (rows: number, windows: ScoredFile['windows']): ScoredFile => ({ name: `${rows}.csv`, scores: Array.from({ length: rows }, () => 0.5), windows });
    const result = scoreNab([constant(20, [WINDOW]), constant(100, [[50, 53]])], standard);
    expect(result.normalized).toBeCloseTo(0, 12);
    expect(result.perFile.map((f) => f.normalized)).toEqual([0, 0]);
  });

  it('leaves a window inside the probation period out of the raw and null scores, but not out of the perfect one', () => {
    // 100 rows, probation 15: window [2, 5] lies in it, window [50, 53] is found on its first row.
    const result = scoreNab([file({ 50: 1 }, [[2, 5], [50, 53]], 100)], standard);
    expect(result.raw).toBeCloseTo(1, 12);
    // null −1 (one scorable window missed), perfect 2: 100·(1 + 1)/(2 + 1)
    expect(result.normalized).toBeCloseTo(200 / 3, 9);
  });

  it('lets a NaN score fire at no threshold, and still ends the sweep (it looped forever: NaN === NaN is false)', () => {
    // Rows 4..9 and 14..19 NaN, the window's first row 0.8, the rest 0. θ=0.8: the window on its
    // first row, +1; θ=0: also rows 3, 11, 12, 13 (inside: free) and 3 a false alarm, 1 − 0.11.
    const scores = Array.from({ length: 20 }, (_, i) => ((i >= 4 && i <= 9) || i >= 14 ? NaN : i === 10 ? 0.8 : 0));
    const result = scoreNab([{ name: 'nan.csv', scores, windows: [WINDOW] }], standard);
    expect(result.threshold).toBe(0.8);
    expect(result.raw).toBeCloseTo(1, 12);
    expect(result.perFile[0]).toMatchObject({ detected: 1, falsePositives: 0 });
  });

  it('credits each window with its earliest detection in the sweep, even when a later row of it scores lower', () => {
    // 40 rows (probation 6), windows [10, 13] and [30, 33]. θ=0.9 fires rows 10 (first of [10, 13]:
    // 1) and 33 (last of four: tanh(0.625)/tanh(2.5) = 0.562124) = 1.562124. θ=0.8 adds row 13 (free:
    // its window is already found) and row 32 (third of four: 0.859793 replaces 0.562124) =
    // 1.859793, the best. A sweep that let row 13 replace row 10's credit would see 0.562124 +
    // 0.859793 = 1.421917 there and keep θ=0.9.
    const scores = file({ 10: 0.9, 33: 0.9, 13: 0.8, 32: 0.8 }, [[10, 13], [30, 33]], 40);
    expect(optimizeThreshold([scores], standard)).toBe(0.8);
    expect(scoreNab([scores], standard).raw).toBeCloseTo(1.859792567, 8);
  });

  it('keeps the higher threshold when two score the same', () => {
    // θ=0.8 finds the window on its first row (+1); θ=0.5 adds row 11, inside the found window,
    // for free: also +1. Ties keep the higher one.
    expect(optimizeThreshold([file({ 10: 0.8, 11: 0.5 })], standard)).toBe(0.8);
  });

  it('ignores scores in the probation period when choosing the threshold, as the raw score does', () => {
    // 20 rows, probation 3: rows 0 and 1 score 0.8 but can never fire. θ=0.9 finds the window on
    // row 12 (0.859793); θ=0.8 on row 10 (1), the best. Counted as two false alarms (−0.22), θ=0.8
    // would seem to give 0.78 and lose to θ=0.9.
    const result = scoreNab([file({ 0: 0.8, 1: 0.8, 10: 0.8, 12: 0.9 })], standard);
    expect(result.threshold).toBe(0.8);
    expect(result.raw).toBeCloseTo(1, 12);
  });

  it('sums over files with one shared threshold', () => {
    const hit = file({ 10: 0.6 });
    const miss = file({ 5: 0.7 });
    // θ=0.7: −1 + (−0.11 − 1) = −2.11; θ=0.6: 1 − 0.11 − 1 = −0.11; θ=1.1: −2 → best 0.6
    const result = scoreNab([hit, miss], standard);
    expect(result.threshold).toBe(0.6);
    expect(result.raw).toBeCloseTo(-0.11, 12);
    // The null fires everywhere: 2·(−0.385656) beats −2. 100·(−0.11 + 0.771312)/(2 + 0.771312)
    expect(result.normalized).toBeCloseTo(23.862773996, 8);
  });
});
