/**
 * Quantiles through DDSketch (Masson et al. 2019, `@datadog/sketches-js`): relative error 1 %,
 * bins that add, so merging partials from several shards equals sketching the union.
 *
 * Snapshots are our own plain JSON of the bins rather than the library's protobuf: `fromProto`
 * rebuilds the mapping from serialized floats, and quantiles read after a restore then differ
 * in the last digits from an uninterrupted run, which would break replay equality. Rebuilding
 * from the same relative accuracy gives the identical mapping. Only non-negative values are
 * accepted (delays and latencies), so the negative store is never used. The positive store is a
 * GrowingDenseStore, which says why; a snapshot holds its bins from the minimum to the maximum key,
 * wherever they lie in its array.
 */
import { DDSketch } from '@datadog/sketches-js';
import { GrowingDenseStore } from './growingDenseStore.ts';

export interface QuantileSketchSnapshot {
  relativeAccuracy: number;
  zeroCount: number;
  count: number;
  sum: number;
  min: number | null;
  max: number | null;
  /** Positive bins; null while only zeros were seen (an empty store's keys are ±Infinity). */
  store: { bins: number[]; count: number; minKey: number; maxKey: number; offset: number } | null;
}

export const DEFAULT_RELATIVE_ACCURACY = 0.01;

export class QuantileSketch {
  private readonly sketch: DDSketch;

  constructor(readonly relativeAccuracy = DEFAULT_RELATIVE_ACCURACY) {
    this.sketch = new DDSketch({ relativeAccuracy });
    this.sketch.store = new GrowingDenseStore();
  }

  get count(): number {
    return this.sketch.count;
  }

  accept(value: number): void {
    if (!(value >= 0)) throw new RangeError(`QuantileSketch accepts non-negative values only, not ${value}`);
    this.sketch.accept(value);
  }

  merge(other: QuantileSketch): void {
    if (other.sketch.count > 0) this.sketch.merge(other.sketch);
  }

  /**
   * The value at quantile q (0..1) by nearest rank, the ceil(q·n)-th smallest, rounded to an
   * integer (inputs are whole milliseconds); 0 when empty. DDSketch's own rank, q·(n − 1), gave
   * the second largest value as p99 of any window of up to 100 values: a sparse shard's window
   * whose one record of two was 8 minutes behind the newest reported a p99 delay of 0. Asked for
   * the rank's middle (+0.5), the sketch's lower rank lands on that value however q·n rounds.
   */
  quantile(q: number): number {
    const n = this.sketch.count;
    if (n === 0) return 0;
    if (n === 1) return Math.round(this.sketch.getValueAtQuantile(0));
    const rank = Math.max(0, Math.ceil(q * n) - 1);
    return Math.round(this.sketch.getValueAtQuantile(Math.min(1, (rank + 0.5) / (n - 1))));
  }

  snapshot(): QuantileSketchSnapshot {
    const { store, zeroCount, count, sum, min, max } = this.sketch;
    return {
      relativeAccuracy: this.relativeAccuracy,
      zeroCount,
      count,
      sum,
      min: count > 0 ? min : null,
      max: count > 0 ? max : null,
      store: store.count > 0 ? { bins: store.bins.slice(store.minKey - store.offset, store.maxKey - store.offset + 1), count: store.count, minKey: store.minKey, maxKey: store.maxKey, offset: store.minKey } : null,
    };
  }

  static restore(snapshot: QuantileSketchSnapshot): QuantileSketch {
    const restored = new QuantileSketch(snapshot.relativeAccuracy);
    const target = restored.sketch;
    target.zeroCount = snapshot.zeroCount;
    target.count = snapshot.count;
    target.sum = snapshot.sum;
    target.min = snapshot.min ?? Infinity;
    target.max = snapshot.max ?? -Infinity;
    if (snapshot.store) Object.assign(target.store, { ...snapshot.store, bins: [...snapshot.store.bins] });
    return restored;
  }
}
