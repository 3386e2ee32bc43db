/**
 * Has this series made this very excursion before, from the same level, at least twice? Then it
 * is a routine of the series (a batch job's write burst, a deploy's CPU climb to 100 %, started
 * at no fixed time of day), not news, however rare it is next to the last hours of values.
 *
 * Why: the value tests (rarityScorer.ts) judge a value against the last 30–100 rows, so a job's
 * burst after hours of quiet is as rare to them as anything, each time it runs; the habit test
 * (dailyRecurrence.ts) explains it only when it comes at the same time of day, and the tail floor
 * (tailCalibration.ts) counts rows, not runs, so a burst of a few rows every few hundred rows
 * stays a 1-in-300 row. NAB's ec2_disk_write_bytes_1ef3de and ec2_network_in_5abac7 (one
 * machine's disk and network) alerted at the same nine rows, on one job's burst
 * (0, 20 M, 145 M, 48 M, 33 M, ...) run at irregular hours.
 *
 * Excursion: the last `length` values. It is known when, among the rows of the last `memory`,
 * `matches` earlier stretches of `length` values (not overlapping) each lie within `tolerance`
 * times the excursion's size of it, value by value, and started from a level within that same
 * distance of this one's. Size and level: the largest distance of the excursion's values from the
 * median of the `baseline` values before it, and that median. The level matters: a shift up to a
 * level the series held in another regime matches stretches of that regime, which were no
 * departure there.
 *
 * Pure and JSON-snapshotable, like the rest of detectors/.
 */
import { medianOfSorted } from './sortedWindow.ts';

export interface KnownMotifConfig {
  /** Values of the excursion compared. */
  length: number;
  /** Values before an excursion whose median is the level it started from. */
  baseline: number;
  /** A match differs from the excursion by at most this share of the excursion's size, at each value and in level. */
  tolerance: number;
  /** Earlier matches that make it a routine: 2, so that one earlier incident does not explain a second. */
  matches: number;
  /** Rows looked back over. */
  memory: number;
}

export interface KnownMotifSnapshot {
  values: number[];
}

const median = (values: number[]): number => medianOfSorted(values.sort((a, b) => a - b));

export class KnownMotif {
  /** The last values, oldest first: at least the memory and an excursion's length and baseline before it. */
  private values: number[];

  constructor(
    private readonly config: KnownMotifConfig,
    snapshot?: KnownMotifSnapshot,
  ) {
    const { length, baseline, tolerance, matches, memory } = config;
    if (!(Number.isInteger(length) && length >= 1 && Number.isInteger(baseline) && baseline >= 1)) throw new RangeError(`a motif needs a length and a baseline of whole rows from 1 up, not ${length} and ${baseline}`);
    if (!(tolerance >= 0 && Number.isInteger(matches) && matches >= 1 && Number.isInteger(memory) && memory > length)) throw new RangeError(`a motif needs a tolerance from 0, matches from 1 and a memory longer than its length, not ${tolerance}, ${matches} and ${memory}`);
    this.values = snapshot ? [...snapshot.values] : [];
  }

  private get kept(): number {
    return this.config.memory + this.config.length + this.config.baseline;
  }

  /** Remembers the next value; old ones go in batches, one copy per `kept` rows, not one per row. */
  push(value: number): void {
    this.values.push(value);
    if (this.values.length >= 2 * this.kept) this.values = this.values.slice(-this.kept);
  }

  /** Whether the last `length` values pushed are an excursion the series has made `matches` times before. */
  known(): boolean {
    const { length, baseline, tolerance, matches, memory } = this.config;
    const x = this.values;
    const end = x.length - 1;
    if (x.length <= length + baseline) return false;
    const levelAt = (last: number) => median(x.slice(Math.max(0, last - length + 1 - baseline), last - length + 1));
    const level = levelAt(end);
    let size = 0;
    for (let j = 0; j < length; j++) size = Math.max(size, Math.abs(x[end - j] - level));
    if (!(size > 0)) return false;
    const within = tolerance * size;
    let found = 0;
    for (let t = end - length; t >= Math.max(length - 1, end - memory); t--) {
      let alike = true;
      for (let j = 0; j < length && alike; j++) alike = Math.abs(x[end - j] - x[t - j]) <= within;
      if (!alike || t - length + 1 <= 0 || !(Math.abs(levelAt(t) - level) <= within)) continue;
      found += 1;
      if (found >= matches) return true;
      // The next match may not overlap this one.
      t -= length - 1;
    }
    return false;
  }

  snapshot(): KnownMotifSnapshot {
    return { values: this.values.slice(-this.kept) };
  }
}
