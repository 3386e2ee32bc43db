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

  /** Median absolute deviation from `center`. */
  mad(center: number): number {
    return medianOfSorted(this.state.sorted.map((v) => Math.abs(v - center)).sort((a, b) => a - b));
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

function medianOfSorted(sorted: readonly number[]): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const mid = n >> 1;
  return n % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
