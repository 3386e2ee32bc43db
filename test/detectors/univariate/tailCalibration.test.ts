/**
 * The exceedance probability on small hand-worked samples: the empirical share below the tail,
 * the fitted exponential above it.
 */
import { describe, expect, it } from 'vitest';
import { exceedance } from '../../../detectors/univariate/tailCalibration.ts';

// 1..10: with tailShare 0.2, k = 2 values form the tail, u = 9, mean excess β = (0 + 1) / 2 = 0.5.
const ONE_TO_TEN = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

describe('exceedance', () => {
  it('is the empirical share of past values at or above s below the tail', () => {
    expect(exceedance(ONE_TO_TEN, 1, 0.2)).toBe(1);
    expect(exceedance(ONE_TO_TEN, 7, 0.2)).toBe(0.4);
    expect(exceedance(ONE_TO_TEN, 7.5, 0.2)).toBe(0.3);
  });

  it('decays exponentially beyond the threshold of the tail, past the largest value seen', () => {
    expect(exceedance(ONE_TO_TEN, 9, 0.2)).toBeCloseTo(0.2, 12);
    expect(exceedance(ONE_TO_TEN, 10, 0.2)).toBeCloseTo(0.2 * Math.exp(-2), 12);
    expect(exceedance(ONE_TO_TEN, 20, 0.2)).toBeCloseTo(0.2 * Math.exp(-22), 20);
  });

  it('fits a heavier tail when the excesses vary more than an exponential would', () => {
    // tailShare 0.4 of 10 → k = 4, u = 1, excesses 0, 0, 0, 4: mean 1, variance 3, so
    // ξ = (1 − 1/3) / 2 = 1/3 and σ = (1/3 + 1) / 2 = 2/3; at s = 9: 0.4 · (1 + 4)^(−3) = 0.0032,
    // where an exponential tail would say 0.4 · e^(−8) ≈ 0.000134.
    const spiky = [0, 0, 0, 0, 0, 0, 1, 1, 1, 5];
    expect(exceedance(spiky, 9, 0.4)).toBeCloseTo(0.0032, 12);
  });

  it('calls anything above a flat tail rarer than everything seen', () => {
    const flat = [5, 5, 5, 5];
    expect(exceedance(flat, 5, 0.5)).toBe(1);
    expect(exceedance(flat, 6, 0.5)).toBe(0.5 / 4);
  });

  it('is 1 with no history', () => {
    expect(exceedance([], 3, 0.1)).toBe(1);
  });
});
