/**
 * Departure record: whether a value departs from the median of the values before it by more
 * than any earlier value departed from its own, and if so how rare that is, without a model.
 *
 * The value tests (rarityScorer.ts) rank a value's surprise, its departure scaled by the recent
 * spread, through a fitted tail. A departure larger in magnitude than every one of the `n`
 * earlier ones (each measured from the median of the `window` values before it) is, among
 * n + 1 exchangeable departures, a 1-in-(n + 1) event whatever their distribution. Real
 * departures are not exchangeable (a burst spans several rows, a trend pushes later departures
 * up), so this is a rank, "the largest in memory", priced as 1 in n + 1, not a guaranteed bound.
 * One r times the largest earlier one is priced as 1 in (n + 1)·r: a heuristic grading, not a
 * bound either (two-level data, an idle series with rare bursts of one size, beats it several
 * times over). This test returns that price, and nothing (undefined) for a departure some
 * earlier one matched. Where the recent spread is wide (a busy hour of a bursty series), the
 * scaled surprise of the largest burst the series has seen can rank as ordinary; in raw units it
 * is still the largest. The grading by r keeps a record far beyond the last one from counting no
 * rarer than a record that only just beat it (the scorer's onset rule would otherwise refuse the
 * first if it came within `refractory` rows of the second).
 */
import { SortedWindow, type SortedWindowState } from './sortedWindow.ts';

export interface DepartureRecordConfig {
  /** Values whose median a departure is measured from. */
  window: number;
  /** Past departures a record must beat. */
  memory: number;
  /** No bound before this many past departures. */
  warmup: number;
}

export interface DepartureRecordSnapshot {
  recent: SortedWindowState;
  departures: SortedWindowState;
}

export class DepartureRecord {
  private readonly recent: SortedWindow;
  /** |departure| of each past value, in arrival order and sorted. */
  private readonly departures: SortedWindow;

  constructor(
    private readonly config: DepartureRecordConfig,
    snapshot?: DepartureRecordSnapshot,
  ) {
    if (!(Number.isInteger(config.window) && config.window >= 1)) throw new RangeError(`record window must be a positive integer, not ${config.window}`);
    if (!(Number.isInteger(config.memory) && config.memory >= 1)) throw new RangeError(`record memory must be a positive integer, not ${config.memory}`);
    checkRecordWarmup('record warmup', config.warmup, config.memory);
    const s = snapshot ? structuredClone(snapshot) : undefined;
    this.recent = new SortedWindow(config.window, s?.recent);
    this.departures = new SortedWindow(config.memory, s?.departures);
  }

  /**
   * When this value's departure beats all n past ones (n ≥ warmup), 1 / (n + 1), divided by how
   * many times the largest of them it is (when that is above 0); else undefined.
   */
  next(value: number): number | undefined {
    const departure = this.recent.size > 0 ? Math.abs(value - this.recent.median()) : 0;
    const bound = recordBound(this.departures.sorted, departure, this.config.warmup);
    this.departures.push(departure);
    this.recent.push(value);
    return bound;
  }

  snapshot(): DepartureRecordSnapshot {
    return { recent: this.recent.snapshot(), departures: this.departures.snapshot() };
  }
}

/**
 * The record bound for `x` among `sorted` (ascending past magnitudes, at least `warmup` of them,
 * and at least one): when x is beyond every one of the n, 1 / (n + 1) divided by how many times
 * the largest of them x is (when that is above 0); else undefined. Shared with the shape test's
 * record (shapeNovelty.ts).
 */
export function recordBound(sorted: readonly number[], x: number, warmup: number): number | undefined {
  const n = sorted.length;
  if (n === 0 || n < warmup) return undefined;
  const largest = sorted[n - 1];
  if (!(x > largest)) return undefined;
  return largest > 0 ? largest / x / (n + 1) : 1 / (n + 1);
}

/** A warm-up must be a whole number of past magnitudes the memory can hold, or the bound would never (or always) apply. */
export function checkRecordWarmup(name: string, warmup: number, memory: number): void {
  if (!(Number.isInteger(warmup) && warmup >= 0 && warmup <= memory)) {
    throw new RangeError(`${name} must be a whole number from 0 to the memory (${memory}), not ${warmup}`);
  }
}
