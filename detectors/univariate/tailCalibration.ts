/**
 * How rare is a surprise, given the surprises seen so far? Below the tail, the empirical share of
 * past surprises at or above it; in the tail, a peaks-over-threshold fit (extreme-value theory, as
 * in SPOT, Siffer et al. 2017): the top `tailShare` of past surprises, above u, follow a
 * generalised Pareto distribution, P(S > s) = tailShare · (1 + ξ (s − u) / σ)^(−1/ξ), which is
 * tailShare · exp(−(s − u) / β) for ξ = 0 (β the mean excess). A series whose spikes come in all
 * sizes gets a heavy tail (ξ > 0), so its next big spike is less of a surprise. The fit is by
 * probability-weighted moments, which hold up to ξ < 1: bursty series (tweet volumes) have tails
 * past the ξ < 0.5 that the method of moments can represent, and capping them there made every
 * ordinary burst look rarer than it is (NAB: test/bench/RESULTS.md).
 *
 * Why not the plain rank: a rank cannot go below 1 / (history + 1), so a short series can never
 * reach a threshold that a long one needs, and a surprise twice the largest seen scores the same
 * as one just above it. The fitted tail extrapolates, so one threshold means the same rarity
 * whatever a series' length.
 *
 * The floor (`floorShare`): the fit is a smooth curve through the top of the tail, and where a
 * few past surprises stand far above the rest (a flat series with a spike now and then), it can
 * put the next spike of the same size at a tenth of the rate at which such spikes have already
 * come. A tail estimate may not call s much rarer than the series has shown it to be: with m of
 * the n past surprises at least as large, it is at least floorShare · m / n. Beyond every past
 * surprise (m = 0) the fit alone decides, as before.
 */
import { lowerBound } from './sortedWindow.ts';

/**
 * Shapes are kept in [0, 0.9]: the probability-weighted moments exist for ξ < 1, and a fitted
 * upper bound (ξ < 0) would call anything past it impossible.
 */
const MAX_SHAPE = 0.9;
/** Below this the shape is taken as 0: (1 + ξx/σ)^(−1/ξ) loses every digit to rounding as ξ → 0. */
const EXPONENTIAL_SHAPE = 1e-6;

/**
 * P(S ≥ s) estimated from `sorted` (ascending past surprises), in [0, 1] (0 only by underflow).
 * `floorShare` (0 for none): in the tail, the estimate is at least that share of the empirical
 * frequency of past surprises at least as large as s.
 */
export function exceedance(sorted: readonly number[], s: number, tailShare: number, floorShare = 0): number {
  const n = sorted.length;
  if (n === 0) return 1;
  const k = Math.min(n, Math.max(2, Math.floor(tailShare * n)));
  const u = sorted[n - k];
  const atLeast = n - lowerBound(sorted, s);
  if (s <= u) return atLeast / n;
  return Math.max((floorShare * atLeast) / n, fittedTail(sorted, s, k, u));
}

/** The generalised Pareto fit to the top k of `sorted` (those above u), evaluated at s > u. */
function fittedTail(sorted: readonly number[], s: number, k: number, u: number): number {
  const n = sorted.length;
  // Probability-weighted moments of the excesses (Hosking & Wallis 1987): a0 their mean, a1 the
  // mean of each weighted by its plotting position's survival, 1 − (j − 0.35) / k (ascending j).
  let a0 = 0;
  let a1 = 0;
  for (let j = 1; j <= k; j++) {
    const excess = sorted[n - k + j - 1] - u;
    a0 += excess;
    a1 += (1 - (j - 0.35) / k) * excess;
  }
  a0 /= k;
  a1 /= k;
  const share = k / n;
  // A tail of equal values: anything above it is rarer than everything seen.
  if (!(a0 > 0)) return share / n;
  // ξ = 2 − a0 / (a0 − 2 a1), σ = 2 a0 a1 / (a0 − 2 a1): an exponential tail has a1 = a0 / 4,
  // a heavier one less, a bounded one more (a1 ≥ a0 / 2, no positive denominator, is bounded too).
  const denominator = a0 - 2 * a1;
  const shape = denominator > 0 ? Math.min(MAX_SHAPE, Math.max(0, 2 - a0 / denominator)) : 0;
  if (shape < EXPONENTIAL_SHAPE) return share * Math.exp(-(s - u) / a0);
  const scale = (2 * a0 * a1) / denominator;
  return share * (1 + (shape * (s - u)) / scale) ** (-1 / shape);
}
