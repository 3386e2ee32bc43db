/**
 * Has this series departed this far from its recent median many times of late? Then the row is
 * one of its ordinary excursions, however rare the value tests find it.
 *
 * Why: the value tests (rarityScorer.ts) rank a surprise that is averaged over up to 6 rows and
 * scaled by the spread of the last 30–100 values. In a noisy series (NAB's art_noisy, a machine's
 * CPU, a latency) three moderately high rows in a row, or a calm hour before an ordinary jump, rank
 * as 1 in 500 rows or rarer, while the jump itself is a size the series reaches dozens of times a
 * week. The tail floor (tailCalibration.ts) counts surprises, scaled like these; this counts the
 * departure itself, in the series' own units, and counts excursions (rows more than `gap` apart),
 * not rows, so that one long swing is not many.
 *
 * Departure: |value − median of the `window` values before it|, as in departureRecord.ts. A row's
 * departure is common when at least `excursions` separate excursions of the last `memory` rows
 * (before its own last `gap` rows, its own excursion) departed at least as far. A count, not a
 * share: a series needs that many rows behind it before anything is common, so the first hours of
 * a series, where its labelled incidents can fall, are judged by the value tests alone.
 *
 * Pure and JSON-snapshotable, like the rest of detectors/.
 */
import { SortedWindow, type SortedWindowState } from './sortedWindow.ts';

export interface CommonDepartureConfig {
  /** Values before a row whose median its departure is measured from. */
  window: number;
  /** Rows looked back over. */
  memory: number;
  /** Rows between two departures for them to be separate excursions; the last `gap` rows are the row's own excursion. */
  gap: number;
  /** Earlier excursions at least as far that make a departure common. */
  excursions: number;
}

export interface CommonDepartureSnapshot {
  recent: SortedWindowState;
  /** The last departures, oldest first. */
  departures: number[];
}

export class CommonDeparture {
  private readonly recent: SortedWindow;
  /** Departures of the last rows, oldest first: at least the memory and the row's own excursion. */
  private departures: number[];

  constructor(
    private readonly config: CommonDepartureConfig,
    snapshot?: CommonDepartureSnapshot,
  ) {
    const { window, memory, gap, excursions } = config;
    if (!(Number.isInteger(window) && window >= 1 && Number.isInteger(gap) && gap >= 1)) throw new RangeError(`a common departure needs a window and a gap of whole rows from 1 up, not ${window} and ${gap}`);
    if (!(Number.isInteger(memory) && memory > gap && Number.isInteger(excursions) && excursions >= 1)) throw new RangeError(`a common departure needs a memory longer than its gap and excursions from 1 up, not ${memory} and ${excursions}`);
    const s = snapshot ? structuredClone(snapshot) : undefined;
    this.recent = new SortedWindow(window, s?.recent);
    this.departures = s?.departures ?? [];
  }

  private get kept(): number {
    return this.config.memory + 1;
  }

  /** Remembers the next value's departure; old ones go in batches, one copy per `kept` rows, not one per row. */
  push(value: number): void {
    this.departures.push(this.recent.size > 0 ? Math.abs(value - this.recent.median()) : 0);
    this.recent.push(value);
    if (this.departures.length >= 2 * this.kept) this.departures = this.departures.slice(-this.kept);
  }

  /** Whether the last value's departure was matched by at least `excursions` separate earlier excursions. */
  common(): boolean {
    const { memory, gap, excursions } = this.config;
    const d = this.departures;
    const now = d.length - 1;
    if (now < 0) return false;
    const departure = d[now];
    let found = 0;
    let last = -Infinity;
    for (let j = Math.max(0, now - memory); j < now - gap; j++) {
      if (!(d[j] >= departure)) continue;
      if (j - last > gap) found += 1;
      last = j;
      if (found >= excursions) return true;
    }
    return false;
  }

  snapshot(): CommonDepartureSnapshot {
    return { recent: this.recent.snapshot(), departures: this.departures.slice(-this.kept) };
  }
}
