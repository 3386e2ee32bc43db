/**
 * Has the series stopped moving? A frozen sensor, a stalled exporter or a stuck counter repeats
 * its last value exactly, and no value test can see that: each repeat is the most ordinary value
 * there is. This test counts how long the current value has held (consecutive equal values) and
 * bounds its rarity when that run is more than `longerBy` times the longest that ended within the
 * last `memory` rows, as the departure record bounds a departure (departureRecord.ts): among
 * n + 1 exchangeable rows, 1 in n + 1, divided by how many times the longest earlier run it is.
 *
 * A series whose values repeat routinely (counts near zero, a value quantized to a few levels)
 * has long runs in its memory, so only a hold far beyond its habit counts; a continuous series
 * that never repeated is caught on its first frozen stretch.
 *
 * Pure and JSON-snapshotable, like the rest of detectors/.
 */
import { checkRecordWarmup } from './departureRecord.ts';
import { SortedWindow, type SortedWindowState } from './sortedWindow.ts';

export interface StuckValueConfig {
  /** Rows whose run lengths the current run must beat. */
  memory: number;
  /** No bound before this many rows. */
  warmup: number;
  /** The run must be more than this many times the longest in memory (≥ 1). */
  longerBy: number;
}

export interface StuckValueSnapshot {
  last: number | null;
  run: number;
  runs: SortedWindowState;
}

export class StuckValue {
  private last: number | null;
  private run: number;
  /** The run length at each past row, in arrival order and sorted. */
  private readonly runs: SortedWindow;

  constructor(
    private readonly config: StuckValueConfig,
    snapshot?: StuckValueSnapshot,
  ) {
    if (!(Number.isInteger(config.memory) && config.memory >= 1)) throw new RangeError(`stuck-value memory must be a positive integer, not ${config.memory}`);
    checkRecordWarmup('stuck-value warmup', config.warmup, config.memory);
    if (!(config.longerBy >= 1)) throw new RangeError(`stuck-value longerBy must be 1 or more, not ${config.longerBy}`);
    const s = snapshot ? structuredClone(snapshot) : undefined;
    this.last = s?.last ?? null;
    this.run = s?.run ?? 0;
    this.runs = new SortedWindow(config.memory, s?.runs);
  }

  /** The rarity bound of the run this value continues or starts, or undefined when it is not beyond the habit. */
  next(value: number): number | undefined {
    if (value === this.last) {
      this.run += 1;
    } else {
      // A finished run joins the memory row by row (its rows held 1, 2, … run values), so the
      // current run is judged against the runs before it, never against its own earlier rows.
      // Only its last `memory` rows could stay in memory: a day-long hold is not pushed whole.
      for (let held = Math.max(1, this.run - this.config.memory + 1); held <= this.run; held++) this.runs.push(held);
      this.run = 1;
    }
    this.last = value;
    const n = this.runs.size;
    if (n === 0 || n < this.config.warmup) return undefined;
    const longest = this.runs.sorted[n - 1];
    return this.run > this.config.longerBy * longest ? longest / this.run / (n + 1) : undefined;
  }

  snapshot(): StuckValueSnapshot {
    return { last: this.last, run: this.run, runs: this.runs.snapshot() };
  }
}
