/**
 * A bounded sliding window kept both in arrival order and sorted, so the median, the MAD and the
 * rank of a new value cost O(log n) to find and O(n) to update, with no sort per step. Plain
 * arrays, so it snapshots as JSON.
 */
export interface SortedWindowState {
  order: number[];
  sorted: number[];
}

/** Index of the first element ≥ value. */
export function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class SortedWindow {
  constructor(
    readonly capacity: number,
    private readonly state: SortedWindowState = { order: [], sorted: [] },
  ) {}

  get size(): number {
    return this.state.order.length;
  }

  push(value: number): void {
    const { order, sorted } = this.state;
    order.push(value);
    sorted.splice(lowerBound(sorted, value), 0, value);
    if (order.length > this.capacity) {
      const old = order.shift()!;
      sorted.splice(lowerBound(sorted, old), 1);
    }
  }

  /** Share of the window strictly below `value`, in [0, 1). */
  rankOf(value: number): number {
    return lowerBound(this.state.sorted, value) / (this.state.sorted.length + 1);
  }

  median(): number {
    return medianOfSorted(this.state.sorted);
  }

  /**
   * Median absolute deviation from `center`. The deviations of the values below the center and of
   * those above it are each already in order in the sorted window, so a merge of the two finds
   * the middle one(s) in O(n), with no array built and no sort (this runs for every value of
   * every scale of the NAB scorer). Of an even count, the mean of the two middle deviations, or
   * with `upper` the upper one (spreadRise.ts's convention).
   */
  mad(center: number, upper = false): number {
    const { sorted } = this.state;
    const n = sorted.length;
    if (n === 0) return 0;
    // below walks down from the last value under the center, above up from the first at or over
    // it; each step takes the smaller deviation, so the k-th step yields the k-th smallest.
    let below = lowerBound(sorted, center) - 1;
    let above = below + 1;
    const mid = n >> 1;
    let previous = 0;
    let current = 0;
    for (let step = 0; step <= mid; step++) {
      const down = below >= 0 ? center - sorted[below] : Infinity;
      const up = above < n ? sorted[above] - center : Infinity;
      previous = current;
      if (down <= up) {
        current = down;
        below -= 1;
      } else {
        current = up;
        above += 1;
      }
    }
    return n % 2 || upper ? current : (previous + current) / 2;
  }

  /** The window's values, ascending (a view: do not modify). */
  get sorted(): readonly number[] {
    return this.state.sorted;
  }

  range(): number {
    const { sorted } = this.state;
    return sorted.length ? sorted[sorted.length - 1] - sorted[0] : 0;
  }

  snapshot(): SortedWindowState {
    return { order: [...this.state.order], sorted: [...this.state.sorted] };
  }
}

export function medianOfSorted(sorted: readonly number[]): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const mid = n >> 1;
  return n % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
