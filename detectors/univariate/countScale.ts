/**
 * Are this series' values counts whose noise grows in proportion to their level? Taylor's power
 * law: over blocks of consecutive rows, a block's variance grows as its mean to a power beta,
 * about 1 for Poisson-like counts (independent events) and about 2 for multiplicative noise (a
 * constant coefficient of variation: tweet volumes, where each burst breeds more of itself). For
 * the latter a burst twice the usual is as ordinary at a busy hour as at a quiet one, which the
 * value tests see on log(1 + value), not on the value (header of streamingScorer.ts, 22).
 *
 * The test holds while every value so far is a non-negative integer (a count) and says so once
 * `blocks` blocks of `blockRows` rows with a positive mean and variance have been seen and the
 * slope of log variance on log mean over all of them is at least `exponent`. The slope is a
 * least-squares fit kept as running sums, so its memory is constant and every block since the
 * start counts alike.
 *
 * Pure and JSON-snapshotable, like the rest of detectors/.
 */

export interface CountScaleConfig {
  /** Rows per block whose mean and variance make one point of the fit (≥ 2). */
  blockRows: number;
  /** Blocks with a positive mean and variance needed before the slope is trusted (≥ 2). */
  blocks: number;
  /** The slope at or above which the series counts as multiplicative. */
  exponent: number;
}

export interface CountScaleSnapshot {
  /** Every value so far a non-negative integer. */
  counts: boolean;
  /** The values of the block being filled. */
  block: number[];
  /** The fit's running sums over the finished blocks with a positive mean and variance (x = ln mean, y = ln variance). */
  n: number;
  sx: number;
  sy: number;
  sxx: number;
  sxy: number;
}

export class CountScale {
  private counts: boolean;
  private block: number[];
  private n: number;
  private sx: number;
  private sy: number;
  private sxx: number;
  private sxy: number;

  constructor(
    private readonly config: CountScaleConfig,
    snapshot?: CountScaleSnapshot,
  ) {
    if (!(Number.isInteger(config.blockRows) && config.blockRows >= 2)) throw new RangeError(`count-scale blockRows must be a whole number from 2 up, not ${config.blockRows}`);
    if (!(Number.isInteger(config.blocks) && config.blocks >= 2)) throw new RangeError(`count-scale blocks must be a whole number from 2 up, not ${config.blocks}`);
    if (!Number.isFinite(config.exponent)) throw new RangeError(`count-scale exponent must be a finite number, not ${config.exponent}`);
    this.counts = snapshot?.counts ?? true;
    this.block = snapshot ? [...snapshot.block] : [];
    this.n = snapshot?.n ?? 0;
    this.sx = snapshot?.sx ?? 0;
    this.sy = snapshot?.sy ?? 0;
    this.sxx = snapshot?.sxx ?? 0;
    this.sxy = snapshot?.sxy ?? 0;
  }

  /** Takes the next value; false once any value was not a non-negative integer (it stays false). */
  push(value: number): boolean {
    this.counts = this.counts && Number.isInteger(value) && value >= 0;
    // Once not counts, never counts again: the fit no longer matters.
    if (!this.counts) return false;
    this.block.push(value);
    if (this.block.length === this.config.blockRows) {
      const rows = this.config.blockRows;
      const mean = this.block.reduce((sum, v) => sum + v, 0) / rows;
      const variance = this.block.reduce((sum, v) => sum + (v - mean) ** 2, 0) / rows;
      // A block idle at zero or flat has no log: it says nothing about how noise grows with level.
      if (mean > 0 && variance > 0) {
        const x = Math.log(mean);
        const y = Math.log(variance);
        this.n += 1;
        this.sx += x;
        this.sy += y;
        this.sxx += x * x;
        this.sxy += x * y;
      }
      this.block = [];
    }
    return true;
  }

  /** Taylor's exponent over the blocks so far, or undefined before `blocks` of them (or when their means hardly differ). */
  slope(): number | undefined {
    const den = this.n * this.sxx - this.sx * this.sx;
    // Blocks all at one mean fit no slope.
    return this.n >= this.config.blocks && den > 1e-9 ? (this.n * this.sxy - this.sx * this.sy) / den : undefined;
  }

  /** Whether the value tests should read this series on log(1 + value): counts whose exponent reaches the cut. */
  multiplicative(): boolean {
    const slope = this.slope();
    return this.counts && slope !== undefined && slope >= this.config.exponent;
  }

  snapshot(): CountScaleSnapshot {
    return { counts: this.counts, block: [...this.block], n: this.n, sx: this.sx, sy: this.sy, sxx: this.sxx, sxy: this.sxy };
  }
}
