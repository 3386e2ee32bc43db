/**
 * count, sum, min and max of a numeric field: the simplest mergeable aggregates. Values are
 * integers (micros, milliseconds), so sums are exact in doubles up to 2^53 and merges commute.
 */
export interface Summary {
  count: number;
  sum: number;
  /** null while empty, so the snapshot is plain JSON (no ±Infinity). */
  min: number | null;
  max: number | null;
}

export const emptySummary = (): Summary => ({ count: 0, sum: 0, min: null, max: null });

export function addToSummary(summary: Summary, value: number): void {
  summary.count += 1;
  summary.sum += value;
  if (summary.min === null || value < summary.min) summary.min = value;
  if (summary.max === null || value > summary.max) summary.max = value;
}

export function mergeSummary(into: Summary, other: Summary): void {
  into.count += other.count;
  into.sum += other.sum;
  if (other.min !== null && (into.min === null || other.min < into.min)) into.min = other.min;
  if (other.max !== null && (into.max === null || other.max > into.max)) into.max = other.max;
}
