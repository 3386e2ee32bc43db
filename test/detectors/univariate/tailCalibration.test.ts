/**
 * The exceedance probability on small hand-worked samples: the empirical share below the tail,
 * and above it the generalised Pareto tail fitted by probability-weighted moments:
 * a0 = mean excess, a1 = mean of (1 − (j − 0.35) / k) · excess_j (ascending j),
 * ξ = 2 − a0 / (a0 − 2 a1), σ = 2 a0 a1 / (a0 − 2 a1).
 */
import { describe, expect, it } from 'vitest';
import { exceedance } from '../../../detectors/univariate/tailCalibration.ts';

const ONE_TO_TEN = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

describe('exceedance', () => {
  it('is the empirical share of past values at or above s below the tail', () => {
    expect(exceedance(ONE_TO_TEN, 1, 0.2)).toBe(1);
    expect(exceedance(ONE_TO_TEN, 7, 0.2)).toBe(0.4);
    expect(exceedance(ONE_TO_TEN, 7.5, 0.2)).toBe(0.3);
  });

  it('decays exponentially past the threshold of an exponential-looking tail', () => {
    // tailShare 0.3 of 10 → k = 3, u = 8, excesses 0, 1, 1.5: a0 = 5/6,
    // a1 = (0.45 · 1 + 0.35/3 · 1.5) / 3 = 5/24 = a0 / 4, so ξ = 0 and β = a0 = 5/6.
    const sample = [1, 2, 3, 4, 5, 6, 7, 8, 9, 9.5];
    expect(exceedance(sample, 8, 0.3)).toBeCloseTo(0.3, 12);
    expect(exceedance(sample, 10, 0.3)).toBeCloseTo(0.3 * Math.exp(-2.4), 12);
    expect(exceedance(sample, 20, 0.3)).toBeCloseTo(0.3 * Math.exp(-14.4), 18);
  });

  it('fits a heavier tail when a few excesses dwarf the rest, beyond what the method of moments can (ξ ≥ 0.5)', () => {
    // tailShare 0.4 of 10 → k = 4, u = 1, excesses 0, 0, 0, 4: a0 = 1, a1 = 0.0875 · 4 / 4 = 0.0875,
    // a0 − 2 a1 = 0.825, ξ = 2 − 1/0.825 = 26/33, σ = 0.175/0.825 = 7/33; at s = 9:
    // 0.4 · (1 + (26/33) · 8 / (7/33))^(−33/26) = 0.4 · (215/7)^(−33/26) ≈ 0.005179,
    // where an exponential tail would say 0.4 · e^(−8) ≈ 0.000134.
    const spiky = [0, 0, 0, 0, 0, 0, 1, 1, 1, 5];
    expect(exceedance(spiky, 9, 0.4)).toBeCloseTo(0.4 * (215 / 7) ** (-33 / 26), 12);
    expect(exceedance(spiky, 9, 0.4)).toBeCloseTo(0.005179, 6);
  });

  it('is, with a floor share, at least that share of the past values at least as large, where the fit calls s much rarer', () => {
    // The spiky sample above, tailShare 0.4: at s = 5 the fit says 0.4 · (1 + (26/33) · 4 / (7/33))^(−33/26)
    // = 0.4 · (111/7)^(−33/26) ≈ 0.0120, though 1 of the 10 past values (the 5) is that large:
    // with floor share 0.5 the estimate is 0.5 · 1/10 = 0.05. Likewise at s = 3 (fit ≈ 0.0268).
    const spiky = [0, 0, 0, 0, 0, 0, 1, 1, 1, 5];
    expect(exceedance(spiky, 5, 0.4)).toBeCloseTo(0.4 * (111 / 7) ** (-33 / 26), 12);
    expect(exceedance(spiky, 5, 0.4, 0.5)).toBe(0.05);
    expect(exceedance(spiky, 3, 0.4)).toBeCloseTo(0.4 * (59 / 7) ** (-33 / 26), 12);
    expect(exceedance(spiky, 3, 0.4, 0.5)).toBe(0.05);
    // Where the fit already says more than the floor, or below the tail, the floor changes nothing.
    expect(exceedance(spiky, 5, 0.4, 0.1)).toBeCloseTo(0.4 * (111 / 7) ** (-33 / 26), 12);
    expect(exceedance(spiky, 1, 0.4, 0.5)).toBe(0.4);
    // Beyond every past value nothing has been seen that large: the fit alone decides.
    expect(exceedance(spiky, 9, 0.4, 0.5)).toBeCloseTo(0.4 * (215 / 7) ** (-33 / 26), 12);
  });

  it('keeps the shape below 1: an extreme excess makes a heavy tail, not an infinite mean', () => {
    // tailShare 0.2 of 40 → k = 8, u = 0, excesses seven 0s and 1000: a0 = 125,
    // a1 = (1 − 7.65/8) · 1000 / 8 = 5.46875, a0 − 2 a1 = 114.0625, so ξ = 2 − 125/114.0625 ≈ 0.904,
    // held at 0.9, with σ = 2 · 125 · 5.46875 / 114.0625 ≈ 11.986.
    const extreme = [...new Array(39).fill(0), 1000];
    const sigma = (2 * 125 * 5.46875) / 114.0625;
    expect(exceedance(extreme, 5000, 0.2)).toBeCloseTo(0.2 * (1 + (0.9 * 5000) / sigma) ** (-1 / 0.9), 15);
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
