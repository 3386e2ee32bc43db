/**
 * NAB's "windowed Gaussian" baseline (numenta/NAB nab/detectors/gaussian/
 * windowedGaussian_detector.py), reimplemented so that it runs through the same loader and scorer
 * as our detector: a same-run reference point rather than a number copied from a paper.
 *
 * Score of a value = 1 − Q((value − mean) / std) = Φ(z), with the mean and population std of the
 * window as they were *before* this value: NAB scores with nupic's `normalProbability`, which for a
 * value below the mean returns the upper tail of its mirror image, so a rise scores near 1 and a
 * drop near 0 (NAB's published results/windowedGaussian files hold scores below 0.5, which a
 * two-sided score cannot give). The window grows one
 * value at a time up to `window` (6400) values; once full, new values wait in a buffer and the
 * window slides by `step` (100) values at a time, so mean and std are recomputed every 100 rows.
 * The first value scores 0; a zero std becomes 1e-6, as in NAB.
 */

export interface WindowedGaussianConfig {
  window: number;
  step: number;
}

/** NAB's values, "tuned to give best performance on NAB". */
export const NAB_WINDOWED_GAUSSIAN: WindowedGaussianConfig = { window: 6400, step: 100 };

/**
 * erfc(x) for x ≥ 0 with fractional error below 1.2e-7 everywhere (the Chebyshev fit of
 * Numerical Recipes §6.2); JavaScript has no Math.erfc. Good enough: only the order of scores
 * matters to NAB's threshold, and 1 − Q saturates at 1 long before the error shows.
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const poly =
    -z * z - 1.26551223 +
    t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const r = t * Math.exp(poly);
  return x >= 0 ? r : 2 - r;
}

/** Q-function: P(N(0, 1) > z) for z = (value − mean) / std. */
export function tailProbability(value: number, mean: number, std: number): number {
  const z = (value - mean) / std;
  return 0.5 * erfc(z / Math.SQRT2);
}

export class WindowedGaussian {
  private data: number[] = [];
  private buffer: number[] = [];
  private mean = 0;
  private std = 1;

  constructor(private readonly config: WindowedGaussianConfig = NAB_WINDOWED_GAUSSIAN) {}

  next(value: number): number {
    const score = this.data.length > 0 ? 1 - tailProbability(value, this.mean, this.std) : 0;
    if (this.data.length < this.config.window) {
      this.data.push(value);
      this.update();
    } else {
      this.buffer.push(value);
      if (this.buffer.length === this.config.step) {
        this.data = [...this.data.slice(this.config.step), ...this.buffer];
        this.buffer = [];
        this.update();
      }
    }
    return score;
  }

  private update(): void {
    const n = this.data.length;
    this.mean = this.data.reduce((a, b) => a + b, 0) / n;
    // Population std, as numpy.std.
    const variance = this.data.reduce((a, b) => a + (b - this.mean) ** 2, 0) / n;
    this.std = Math.sqrt(variance) || 1e-6;
  }
}

/** Scores a whole series with a fresh detector. */
export function windowedGaussianSeries(values: readonly number[], config: WindowedGaussianConfig = NAB_WINDOWED_GAUSSIAN): number[] {
  const detector = new WindowedGaussian(config);
  return values.map((v) => detector.next(v));
}
