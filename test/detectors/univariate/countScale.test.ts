/**
 * The count-scale rule (streamingScorer.ts header, 22): Taylor's exponent on a hand-computed case,
 * and a count series with multiplicative noise whose lone doubling, ordinary for its noise on the
 * log scale, no longer pages. Hand-built series, seeded noise.
 */
import { describe, expect, it } from 'vitest';
import { CountScale, type CountScaleConfig } from '../../../detectors/univariate/countScale.ts';
import { DEFAULT_STREAMING_SCORER, StreamingScorer, scoreSeries } from '../../../detectors/univariate/streamingScorer.ts';
import { seededUniform } from '../../support/seededRandom.ts';

/** Blocks of 2 rows, the slope trusted from the third block on. */
const SMALL: CountScaleConfig = { blockRows: 2, blocks: 3, exponent: 1.5 };

function pushed(values: number[], config = SMALL): CountScale {
  const test = new CountScale(config);
  for (const v of values) test.push(v);
  return test;
}

/** The daily level of the count series: 60 × e^(1.2 sin(2πi/288)), 18 to 199 per 5-minute row. */
const level = (i: number): number => 60 * Math.exp(1.2 * Math.sin((2 * Math.PI * i) / 288));

/** 2,400 5-minute rows of counts: the level times lognormal noise of log-width 0.3, rounded (seeded). */
function bursty(): number[] {
  const uniform = seededUniform(1);
  return Array.from({ length: 2400 }, (_, i) => {
    // Box–Muller: one standard normal from two uniforms.
    const z = Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
    return Math.round(level(i) * Math.exp(0.3 * z));
  });
}

// Also without header 24's rule, which withdraws the level test's vote on a one-row visit and would hide what the raw reading does.
const OFF = { ...DEFAULT_STREAMING_SCORER, countScale: null, level: { ...DEFAULT_STREAMING_SCORER.level!, ordinary: null } };
const SPIKE = 1800;

describe('CountScale', () => {
  it('fits the slope of log variance on log mean over the blocks: log2 3 for variances 1, 4, 9 at means 2, 4, 8', () => {
    // Blocks (1, 3), (2, 6), (5, 11): means 2, 4, 8, population variances 1, 4, 9. With x = ln mean
    // = ln 2 × (1, 2, 3) the least-squares slope is (y3 − y1) / (x3 − x1) = ln 9 / ln 4 = ln 3 / ln 2.
    expect(pushed([1, 3, 2, 6]).slope()).toBeUndefined();
    const test = pushed([1, 3, 2, 6, 5, 11]);
    expect(test.slope()).toBeCloseTo(Math.log(3) / Math.log(2), 12);
    expect(test.multiplicative()).toBe(true);
    // Variance growing as the mean squared (1, 4, 16 at 2, 4, 8) is slope 2; as the mean itself is what Poisson counts do.
    expect(pushed([1, 3, 2, 6, 4, 12]).slope()).toBeCloseTo(2, 12);
    // Flat blocks and blocks at zero have no logarithm and are skipped: still three blocks, still log2 3.
    expect(pushed([1, 3, 7, 7, 0, 0, 2, 6, 5, 11]).slope()).toBeCloseTo(Math.log(3) / Math.log(2), 12);
  });

  it('is off for good once a value is not a non-negative integer, and below its exponent', () => {
    const test = pushed([1, 3, 2, 6, 5, 11]);
    expect(test.push(2.5)).toBe(false);
    expect(test.multiplicative()).toBe(false);
    for (const v of [1, 3, 2, 6, 5, 11]) test.push(v);
    expect(test.multiplicative()).toBe(false);
    expect(pushed([1, 3, 2, 6, 5, 11], { ...SMALL, exponent: 1.6 }).multiplicative()).toBe(false);
    expect(() => new CountScale({ ...SMALL, blockRows: 1 })).toThrow(RangeError);
  });

  it('resumes from a JSON snapshot mid-block to the same slope', () => {
    const values = [1, 3, 2, 6, 5, 11, 4, 9, 20, 3];
    const first = pushed(values.slice(0, 5));
    const restored = new CountScale(SMALL, JSON.parse(JSON.stringify(first.snapshot())));
    for (const v of values.slice(5)) restored.push(v);
    expect(restored.slope()).toBe(pushed(values).slope());
  });
});

describe('the streaming scorer on counts with multiplicative noise', () => {
  it('reads them on the log scale: a lone doubling at the daily peak, a size the noise reaches often, no longer alerts', () => {
    const values = bursty();
    const counts = pushed(values.slice(0, SPIKE), DEFAULT_STREAMING_SCORER.countScale!);
    expect(counts.slope()).toBeGreaterThanOrEqual(1.5);
    // Row 1800 is at the daily peak (level 199.2) and counts 223; doubled, 446 is 2.24 times the
    // level, e^0.81: 2.7 noise widths on the log scale. Four earlier rows were as far above their level.
    values[SPIKE] *= 2;
    expect(values[SPIKE]).toBe(446);
    const asFar = values.slice(0, SPIKE).filter((v, i) => v / level(i) >= 446 / level(SPIKE)).length;
    expect(asFar).toBe(4);
    const peak = (scores: number[]): number => Math.max(...scores.slice(SPIKE, SPIKE + 1 + DEFAULT_STREAMING_SCORER.hold));
    // On the raw values it ranked above NAB's threshold (0.9934); on the log scale it is no onset.
    expect(peak(scoreSeries(values, OFF))).toBeGreaterThan(0.995);
    expect(peak(scoreSeries(values))).toBeLessThan(0.99);
  });

  it('resumes from a JSON snapshot, before and after the exponent is known, to the same scores', () => {
    const values = bursty();
    values[SPIKE] *= 2;
    const whole = scoreSeries(values);
    // 40 blocks of 12 rows take 480 rows: cut before, and after mid-block (1,000 = 83 blocks + 4 rows).
    for (const cut of [300, 1000]) {
      const first = new StreamingScorer();
      const head = values.slice(0, cut).map((v) => first.next(v));
      const restored = new StreamingScorer(undefined, JSON.parse(JSON.stringify(first.snapshot())));
      const tail = values.slice(cut).map((v) => restored.next(v));
      tail[tail.length - 1] = Math.max(tail[tail.length - 1], restored.flush());
      expect([...head, ...tail]).toEqual(whole);
    }
  });

  it('resumes a snapshot from before the rule with the rule afresh, and refuses one whose config lacks it', () => {
    const values = bursty();
    const first = new StreamingScorer();
    for (const v of values.slice(0, 1000)) first.next(v);
    const { countScale: _notYet, ...beforeTheRule } = first.snapshot();
    const resumed = new StreamingScorer(undefined, JSON.parse(JSON.stringify(beforeTheRule)));
    expect(resumed.snapshot().countScale?.test).toEqual(new CountScale(DEFAULT_STREAMING_SCORER.countScale!).snapshot());
    expect(() => new StreamingScorer(OFF, first.snapshot())).toThrow(/has count-scale test, the config has none/);
    expect(() => new StreamingScorer(undefined, new StreamingScorer(OFF).snapshot())).toThrow(/has no count-scale test, the config has/);
  });
});
