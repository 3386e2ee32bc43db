/**
 * A series' rows of the last `memoryMs` of its own time, for the tests that look back at the
 * same phase of earlier periods (dailyRecurrence.ts, seasonalResidual.ts): times ascending, one
 * number per row. Rows arrive in time order; one that does not (a repeated timestamp) is not
 * remembered, so the times stay sorted for `lowerBound`. Old rows go in batches, one copy per
 * half of what is kept, not one per row.
 */
import { lowerBound } from './sortedWindow.ts';

export interface TimedRowsState {
  times: number[];
  values: number[];
}

export class TimedRows {
  times: number[];
  values: number[];

  constructor(
    private readonly memoryMs: number,
    saved?: TimedRowsState,
  ) {
    this.times = saved ? [...saved.times] : [];
    this.values = saved ? [...saved.values] : [];
  }

  /** Remembers a row later than the last one, and forgets the rows past the memory. */
  push(time: number, value: number): void {
    if (this.times.length > 0 && time <= this.times[this.times.length - 1]) return;
    this.times.push(time);
    this.values.push(value);
    const stale = lowerBound(this.times, time - this.memoryMs);
    if (stale > 0 && stale * 2 >= this.times.length) {
      this.times = this.times.slice(stale);
      this.values = this.values.slice(stale);
    }
  }

  /** Index of the first row at or after `time`. */
  from(time: number): number {
    return lowerBound(this.times, time);
  }

  /** The rows within the memory of the newest one. */
  snapshot(): TimedRowsState {
    const keepFrom = this.times.length === 0 ? 0 : lowerBound(this.times, this.times[this.times.length - 1] - this.memoryMs);
    return { times: this.times.slice(keepFrom), values: this.values.slice(keepFrom) };
  }
}
