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
    //   3 → 1 − Q(1)
    const scores = windowedGaussianSeries([2, 4, 5, 3, 3], { window: 2, step: 2 });
    const expected = [0, 1, 1 - 0.0227501319481792, 0.5, 1 - 0.158655253931457];
    scores.forEach((s, i) => expect(s, `row ${i}`).toBeCloseTo(expected[i], 6));
  });

  it('scores a drop like a rise of the same size (two-sided)', () => {
    const [, , up] = windowedGaussianSeries([2, 4, 5], { window: 2, step: 2 });
    const [, , down] = windowedGaussianSeries([2, 4, 1], { window: 2, step: 2 });
    expect(down).toBeCloseTo(up, 12);
  });

  it('has an erfc accurate to 1e-7 relative', () => {
    // erfc(0) = 1, erfc(1) = 0.157299207050285, erfc(3) = 2.20904969985854e-5 (tables).
    expect(erfc(0)).toBeCloseTo(1, 7);
    expect(Math.abs(erfc(1) / 0.157299207050285 - 1)).toBeLessThan(2e-7);
    expect(Math.abs(erfc(3) / 2.20904969985854e-5 - 1)).toBeLessThan(2e-7);
    expect(erfc(-1)).toBeCloseTo(2 - 0.157299207050285, 7);
  });
});
