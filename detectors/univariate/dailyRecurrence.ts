/**
 * Has this series departed this far, this way, at this time of day on one of the last few days?
 * Then the departure is a daily event the series is known for (a nightly backup's CPU spike, a
 * batch job's burst), not news, however rare it is next to the last hours of values.
 *
 * Why: the value tests (rarityScorer.ts) judge a value against the last 30–100 rows, a few
 * hours; a spike that comes every night at 03:10 is as rare as anything to them, every night.
 * NAB's ec2_cpu_utilization_53ea38 raised alerts at 03:45, 03:10, 03:10 and 03:35 on four
 * nights for that reason. The shape test (shapeNovelty.ts) sees whole days, but one row's spike
 * moves a day-long shape too little to tell.
 *
 * Departure: the value minus the median of the last `window` values (signed). A departure is
 * explained when, on at least `minDays` of the last `days` days, one of the same sign and at
 * least `minRatio` of its size came within `toleranceMs` of the same time of day. Time comes from
 * the rows' timestamps, so any sampling interval works (hourly rows compare hour with hour) and
 * gaps in a series do not shift the days.
 *
 * Chosen on the 39 NAB files in test/fixtures (all three sets in view; test/bench/RESULTS.md):
 * 2 of the last 3 days, ±15 minutes, 90 % of the size. At the standard profile's threshold it
 * turns away 33 of 211 false alarms and none of the 61 detections; every set and every profile
 * scores higher. One earlier day (instead of two of three) or a size of 100 % did worse: one
 * earlier incident explained a real one away on traffic files, and noise on a daily spike's size
 * made half of them "larger than ever".
 *
 * Pure and JSON-snapshotable, like the rest of detectors/.
 */
import { SortedWindow, lowerBound, type SortedWindowState } from './sortedWindow.ts';

export interface DailyRecurrenceConfig {
  /** Earlier days looked at. */
  days: number;
  /** On how many of them a like departure must have come: 2 makes it a habit, not one earlier incident. */
  minDays: number;
  /** An earlier departure is like this one from this share of its size up (noise makes a daily spike's size vary). */
  minRatio: number;
  /** How far from the same time of day an earlier departure may be, in ms. */
  toleranceMs: number;
  /** Values whose median a departure is measured from. */
  window: number;
}

export interface DailyRecurrenceSnapshot {
  recent: SortedWindowState;
  /** Times (epoch ms, ascending) and departures of the rows of the last `days` days. */
  times: number[];
  departures: number[];
}

const DAY_MS = 86_400_000;

export class DailyRecurrence {
  private readonly recent: SortedWindow;
  private times: number[];
  private departures: number[];

  constructor(
    private readonly config: DailyRecurrenceConfig,
    snapshot?: DailyRecurrenceSnapshot,
  ) {
    if (!(Number.isInteger(config.days) && config.days >= 1)) throw new RangeError(`recurrence days must be a positive integer, not ${config.days}`);
    if (!(Number.isInteger(config.minDays) && config.minDays >= 1 && config.minDays <= config.days)) throw new RangeError(`recurrence minDays must be an integer from 1 to days (${config.days}), not ${config.minDays}`);
    if (!(config.minRatio > 0)) throw new RangeError(`recurrence minRatio must be positive, not ${config.minRatio}`);
    if (!(config.toleranceMs >= 0 && config.toleranceMs < DAY_MS / 2)) throw new RangeError(`recurrence tolerance must be in [0, 12 h), not ${config.toleranceMs} ms`);
    const s = snapshot ? structuredClone(snapshot) : undefined;
    this.recent = new SortedWindow(config.window, s?.recent);
    this.times = s?.times ?? [];
    this.departures = s?.departures ?? [];
  }

  /** Whether the row at `time` departs as a row did at this time of day on one of the last days; then remembers it. */
  next(value: number, time: number): boolean {
    const departure = this.recent.size > 0 ? value - this.recent.median() : 0;
    this.recent.push(value);
    const explained = departure !== 0 && this.seenBefore(departure, time);
    // Rows arrive in time order; one that does not (a repeated timestamp) is not remembered, so
    // the times stay sorted for the search.
    if (this.times.length === 0 || time > this.times[this.times.length - 1]) {
      this.times.push(time);
      this.departures.push(departure);
      this.forgetBefore(time - this.config.days * DAY_MS - this.config.toleranceMs);
    }
    return explained;
  }

  /** Whether `minDays` of the last `days` days had a departure like this one near this time of day. */
  private seenBefore(departure: number, time: number): boolean {
    const { days, minDays, toleranceMs, minRatio } = this.config;
    const smallest = minRatio * Math.abs(departure);
    let daysSeen = 0;
    for (let day = 1; day <= days && daysSeen + (days - day + 1) >= minDays; day++) {
      const until = time - day * DAY_MS + toleranceMs;
      for (let i = lowerBound(this.times, time - day * DAY_MS - toleranceMs); i < this.times.length && this.times[i] <= until; i++) {
        const earlier = this.departures[i];
        if (Math.sign(earlier) === Math.sign(departure) && Math.abs(earlier) >= smallest) {
          daysSeen += 1;
          break;
        }
      }
      if (daysSeen >= minDays) return true;
    }
    return false;
  }

  /** Drops rows older than `time`, in batches: one copy per half of what is kept, not one per row. */
  private forgetBefore(time: number): void {
    const stale = lowerBound(this.times, time);
    if (stale > 0 && stale * 2 >= this.times.length) {
      this.times = this.times.slice(stale);
      this.departures = this.departures.slice(stale);
    }
  }

  snapshot(): DailyRecurrenceSnapshot {
    const keepFrom = this.times.length === 0 ? 0 : lowerBound(this.times, this.times[this.times.length - 1] - this.config.days * DAY_MS - this.config.toleranceMs);
    return { recent: this.recent.snapshot(), times: this.times.slice(keepFrom), departures: this.departures.slice(keepFrom) };
  }
}
