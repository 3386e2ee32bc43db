import { describe, expect, it } from 'vitest';
import { anomalyScore, appendHistory, baselineOf, directedZ, mad, median, robustZ } from '../../detectors/robustBaseline.ts';

const counts = { floor: 'poisson', minScale: 1, relativeScale: 0 } as const;
const raw = { floor: 'none', minScale: 0, relativeScale: 0 } as const;

describe('robust baseline', () => {
  it('median and MAD ignore a single outlier', () => {
    // sorted 1 2 3 4 100 → median 3; |x − 3| = 2 1 0 1 97 → sorted 0 1 1 2 97 → MAD 1
    expect(median([4, 1, 100, 3, 2])).toBe(3);
    expect(mad([4, 1, 100, 3, 2])).toBe(1);
    expect(median([1, 2, 3, 10])).toBe(2.5);
  });

  it('robust z uses 1.4826·MAD as the scale', () => {
    const scored = robustZ(10, [4, 1, 100, 3, 2], raw);
    expect(scored.median).toBe(3);
    expect(scored.scale).toBeCloseTo(1.4826, 6);
    expect(scored.z).toBeCloseTo(7 / 1.4826, 6);
  });

  it('a flat series gets a finite z: Poisson floor √median, then minScale', () => {
    // [50×5]: MAD 0, √50 ≈ 7.07 → z(64) = 14 / 7.07 ≈ 1.98, not infinity
    expect(robustZ(64, [50, 50, 50, 50, 50], counts).z).toBeCloseTo(14 / Math.sqrt(50), 6);
    // [0×5]: √0 = 0, so minScale 1 applies: a single event is z = 1
    expect(baselineOf([0, 0, 0, 0, 0], counts).scale).toBe(1);
    expect(robustZ(1, [0, 0, 0], counts).z).toBe(1);
  });

  it('binomial floor for a rate over n trials, relative floor for other units', () => {
    // p = 0.3 over 100 bids: √(0.3·0.7/100) ≈ 0.0458
    expect(baselineOf([0.3, 0.3, 0.3], { floor: 'binomial', minScale: 0, relativeScale: 0 }, 100).scale).toBeCloseTo(0.04583, 4);
    expect(baselineOf([2000, 2000, 2000], { floor: 'none', minScale: 1000, relativeScale: 0.25 }).scale).toBe(1000);
    expect(baselineOf([8000, 8000, 8000], { floor: 'none', minScale: 1000, relativeScale: 0.25 }).scale).toBe(2000);
  });

  it('score is 0.5 at the threshold and 0.99 at threshold + ln 99, direction-aware', () => {
    expect(anomalyScore(4, 4)).toBeCloseTo(0.5, 10);
    expect(anomalyScore(4 + Math.log(99), 4)).toBeCloseTo(0.99, 10);
    expect(anomalyScore(0, 4)).toBeLessThan(0.02);
    expect(directedZ(-5, 'down')).toBe(5);
    expect(directedZ(-5, 'up')).toBe(-5);
    expect(directedZ(-5, 'both')).toBe(5);
  });

  it('history keeps the last N values, in the same array', () => {
    const history = [1, 2, 3];
    expect(appendHistory(history, 4, 3)).toBe(history);
    expect(history).toEqual([2, 3, 4]);
    expect(appendHistory([], 7, 3)).toEqual([7]);
    expect(appendHistory([1, 2, 3, 4, 5], 6, 2)).toEqual([5, 6]);
  });
});
