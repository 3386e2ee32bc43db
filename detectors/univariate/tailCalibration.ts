/**
 * How rare is a surprise, given the surprises seen so far? Below the tail, the empirical share of
 * past surprises at or above it; in the tail, a peaks-over-threshold fit (extreme-value theory, as
 * in SPOT, Siffer et al. 2017): the top `tailShare` of past surprises, above u, follow a
 * generalised Pareto distribution, P(S > s) = tailShare · (1 + ξ (s − u) / σ)^(−1/ξ), which is
 * tailShare · exp(−(s − u) / β) for ξ = 0 (β the mean excess). A series whose spikes come in all
 * sizes gets a heavy tail (ξ > 0), so its next big spike is less of a surprise.
 *
 * Why not the plain rank: a rank cannot go below 1 / (history + 1), so a short series can never
 * reach a threshold that a long one needs, and a surprise twice the largest seen scores the same
 * as one just above it. The fitted tail extrapolates, so one threshold means the same rarity
 * whatever a series' length.
 */
import { lowerBound } from './sortedWindow.ts';

const MAX_SHAPE = 0.49;

/** P(S ≥ s) estimated from `sorted` (ascending past surprises), in [0, 1] (0 only by underflow). */
export function exceedance(sorted: readonly number[], s: number, tailShare: number): number {
  const n = sorted.length;
  if (n === 0) return 1;
  const k = Math.min(n, Math.max(2, Math.floor(tailShare * n)));
  const u = sorted[n - k];
  if (s <= u) return (n - lowerBound(sorted, s)) / n;
  let excess = 0;
  let square = 0;
  for (let i = n - k; i < n; i++) {
    excess += sorted[i] - u;
    square += (sorted[i] - u) ** 2;
  }
  const beta = excess / k;
  const share = k / n;
  // A tail of equal values: anything above it is rarer than everything seen.
  if (!(beta > 0)) return share / n;
  // Method of moments: mean m and variance v of the excesses give ξ = (1 − m²/v) / 2 and
  // σ = m (m²/v + 1) / 2. Kept in [0, 0.5): the moments exist only for ξ < 0.5, and a fitted
  // upper bound (ξ < 0) would call anything past it impossible.
  const variance = square / k - beta * beta;
  const ratio = variance > 0 ? (beta * beta) / variance : 1;
  const shape = Math.min(MAX_SHAPE, Math.max(0, 0.5 * (1 - ratio)));
  if (shape === 0) return share * Math.exp(-(s - u) / beta);
  const scale = 0.5 * beta * (ratio + 1);
  return share * (1 + (shape * (s - u)) / scale) ** (-1 / shape);
}
