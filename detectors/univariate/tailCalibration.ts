/**
 * How rare is a surprise, given the surprises seen so far? Below the tail, the empirical share of
 * past surprises at or above it; in the tail, a peaks-over-threshold fit (the exponential limit of
 * extreme-value theory, as in SPOT, Siffer et al. 2017): the top `tailShare` of past surprises
 * above u decay as P(S > s) = tailShare · exp(−(s − u) / β), β their mean excess over u.
 *
 * Why not the plain rank: a rank cannot go below 1 / (history + 1), so a short series can never
 * reach a threshold that a long one needs, and a surprise twice the largest seen scores the same
 * as one just above it. The fitted tail extrapolates, so one threshold means the same rarity
 * whatever a series' length.
 */
import { lowerBound } from './sortedWindow.ts';

/** P(S ≥ s) estimated from `sorted` (ascending past surprises), in [0, 1] (0 only by underflow). */
export function exceedance(sorted: readonly number[], s: number, tailShare: number): number {
  const n = sorted.length;
  if (n === 0) return 1;
  const k = Math.min(n, Math.max(2, Math.floor(tailShare * n)));
  const u = sorted[n - k];
  if (s <= u) return (n - lowerBound(sorted, s)) / n;
  let excess = 0;
  for (let i = n - k; i < n; i++) excess += sorted[i] - u;
  const beta = excess / k;
  const share = k / n;
  // A tail of equal values: anything above it is rarer than everything seen.
  if (!(beta > 0)) return share / n;
  return share * Math.exp(-(s - u) / beta);
}
