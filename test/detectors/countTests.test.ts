/**
 * Tail probabilities of counts. Expected values were computed independently with SciPy
 * (scipy.stats.poisson / binom / nbinom) or by hand where the sum is short.
 */
import { describe, expect, it } from 'vitest';
import { binomialCdf, binomialSf, negBinomialCdf, negBinomialSf, poissonCdf, poissonSf } from '../../detectors/countTests.ts';

describe('count tail probabilities', () => {
  it('Poisson: 2 bid requests where 14 are usual is rare, 1 click where 0.4 are expected is not', () => {
    // e^−14 (1 + 14 + 98) = 9.39627e-5
    expect(poissonCdf(2, 14)).toBeCloseTo(9.396274525870306e-5, 15);
    // 1 − e^−0.4 = 0.329680
    expect(poissonSf(1, 0.4)).toBeCloseTo(0.32967995396436056, 12);
    expect(poissonSf(0, 3)).toBe(1);
    expect(poissonCdf(-1, 3)).toBe(0);
  });

  it('binomial: 0 wins in 18 bids at a 40 % win rate is 0.6^18; 3+ of 10 at 10 %', () => {
    expect(binomialCdf(0, 18, 0.4)).toBeCloseTo(0.6 ** 18, 15);
    expect(binomialSf(3, 10, 0.1)).toBeCloseTo(0.0701908264, 10);
    expect(binomialSf(11, 10, 0.5)).toBe(0);
  });

  it('at the edges of the support: every bid won, and a rate of zero', () => {
    // 10 wins of 10 bids at 50 %: P(X ≤ 10) = 1, P(X ≥ 10) = 0.5^10 (not 0: it happens).
    expect(binomialCdf(10, 10, 0.5)).toBe(1);
    expect(binomialSf(10, 10, 0.5)).toBeCloseTo(0.5 ** 10, 15);
    // With λ = 0 no count is below 0: P(X ≤ 0) = 1, so 0 where 0 are expected is not rare.
    expect(poissonCdf(0, 0)).toBe(1);
  });

  it('negative binomial (mean 14, size 5) has a much fatter low tail than Poisson(14)', () => {
    // scipy: nbinom.cdf(2, 5, 5/19) = 0.0161901
    expect(negBinomialCdf(2, 14, 5)).toBeCloseTo(0.016190102414682116, 12);
    // scipy: nbinom.sf(4, 4.5, 4.5/4.714) = P(X ≥ 5) = 1.44004e-5
    expect(negBinomialSf(5, 0.214, 4.5)).toBeCloseTo(1.4400353568887912e-5, 14);
  });

  it('large counts stay accurate (continued fractions, no term-by-term sums)', () => {
    // scipy: poisson.cdf(1000, 1100) = 0.00117523
    expect(poissonCdf(1000, 1100)).toBeCloseTo(0.0011752305681367579, 9);
  });
});
