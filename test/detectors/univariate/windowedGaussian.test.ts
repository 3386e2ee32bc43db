/**
 * NAB's windowed Gaussian on a case worked by hand. Q(1) = 0.158655253931457 and
 * Q(2) = 0.0227501319481792 are the standard normal's upper tails from a table, not from the code.
 */
import { describe, expect, it } from 'vitest';
import { erfc, windowedGaussianSeries } from '../../../detectors/univariate/windowedGaussian.ts';

describe('windowed Gaussian (NAB baseline)', () => {
  it('scores against the window as it was before the value, and slides only every `step` values', () => {
    // window 2, step 2:
    //   2 → 0 (empty window); window [2]: mean 2, std 0 → 1e-6
    //   4 → 1 − Q(2e6) = 1; window [2, 4]: mean 3, std 1 (population), now full
    //   5 → 1 − Q(2); buffered
    //   3 → 1 − Q(0) = 0.5, still against [2, 4]; buffer full → window [5, 3]: mean 4, std 1
    //   3 → 1 − Q(−1) = Q(1): below the mean, the lower tail
    const scores = windowedGaussianSeries([2, 4, 5, 3, 3], { window: 2, step: 2 });
    const expected = [0, 1, 1 - 0.0227501319481792, 0.5, 0.158655253931457];
    scores.forEach((s, i) => expect(s, `row ${i}`).toBeCloseTo(expected[i], 6));
  });

  it("scores a drop as NAB does, the lower tail: 1 minus a rise's score of the same size", () => {
    const [, , up] = windowedGaussianSeries([2, 4, 5], { window: 2, step: 2 });
    const [, , down] = windowedGaussianSeries([2, 4, 1], { window: 2, step: 2 });
    expect(up).toBeCloseTo(1 - 0.0227501319481792, 7);
    expect(down).toBeCloseTo(0.0227501319481792, 7);
  });

  it("gives NAB's published windowedGaussian scores on the first rows of speed_7578", () => {
    // The file's first five values, and the anomaly_score column of numenta/NAB's
    // results/windowedGaussian/realTraffic/windowedGaussian_speed_7578.csv for them, which by hand
    // is Φ of z against the values before: 62 vs [73] (std ~0) → 0; 66 vs mean 67.5, std 5.5 →
    // Φ(−0.273) = 0.3925; 69 vs 67, 4.546 → Φ(0.440) = 0.670; 65 vs 67.5, 4.031 → Φ(−0.620) = 0.2676.
    const scores = windowedGaussianSeries([73, 62, 66, 69, 65]);
    expect(scores[0]).toBe(0);
    [0, 0.3925, 0.67, 0.2676].forEach((published, i) => expect(scores[i + 1], `row ${i + 2}`).toBeCloseTo(published, 3));
  });

  it('has an erfc accurate to 1e-7 relative', () => {
    // erfc(0) = 1, erfc(1) = 0.157299207050285, erfc(3) = 2.20904969985854e-5 (tables).
    expect(erfc(0)).toBeCloseTo(1, 7);
    expect(Math.abs(erfc(1) / 0.157299207050285 - 1)).toBeLessThan(2e-7);
    expect(Math.abs(erfc(3) / 2.20904969985854e-5 - 1)).toBeLessThan(2e-7);
    expect(erfc(-1)).toBeCloseTo(2 - 0.157299207050285, 7);
  });
});
