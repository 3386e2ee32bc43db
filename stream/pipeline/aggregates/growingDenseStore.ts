/**
 * DDSketch's DenseStore with bins that grow as a vector grows, for the quantile sketches of every
 * window and group (quantileSketch.ts).
 *
 * Why: DenseStore re-centres its bins on every key past its current minimum or maximum key,
 * copying the whole array (a slice, then a fresh array of zeros unshifted or pushed), even when
 * the array has room for the key. A window's delays reach a new extreme key a few dozen times,
 * and the bench replay's sketches allocated 356 MB that way, a tenth of all its allocation.
 * Here a key inside the array only moves the minimum or maximum key; a key outside it makes one
 * new array with room for the span of keys to double.
 *
 * Only where the bins lie in the array changes (`offset`, the length): each key's count, the
 * minimum and maximum keys and the count are DenseStore's, and DenseStore's own add, merge, copy
 * and keyAtRank read them through `offset`, so quantiles are the same to the bit.
 */
import { DenseStore } from '@datadog/sketches-js/dist/ddsketch/store/DenseStore.js';

export class GrowingDenseStore extends DenseStore {
  override _extendRange(key: number, secondKey?: number): void {
    // `||` as DenseStore reads its second key, so that the minimum and maximum keys are its own.
    const second = secondKey || key;
    const minKey = Math.min(key, second, this.minKey);
    const maxKey = Math.max(key, second, this.maxKey);
    if (this.bins.length === 0 || minKey < this.offset || maxKey >= this.offset + this.bins.length) this.regrow(minKey, maxKey);
    this.minKey = minKey;
    this.maxKey = maxKey;
  }

  /** New bins holding keys minKey..maxKey in the middle of twice their span (whole chunks), the counts so far moved over. */
  private regrow(minKey: number, maxKey: number): void {
    const old = this.bins;
    const span = maxKey - minKey + 1;
    // Room for the span to double, half below and half above, so that a store regrows only when
    // its span has doubled, whichever end grows.
    const length = this._getNewLength(0, 2 * span - 1);
    const offset = minKey - Math.floor((length - span) / 2);
    const bins = new Array<number>(length).fill(0);
    // Counts lie between the minimum and maximum keys only (an empty store's are ±Infinity).
    for (let key = Math.max(this.minKey, this.offset); key <= this.maxKey; key++) bins[key - offset] = old[key - this.offset];
    this.bins = bins;
    this.offset = offset;
  }
}
