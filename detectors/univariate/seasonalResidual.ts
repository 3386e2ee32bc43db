/**
 * How far is this value from what the series showed at this time of day on the last few days?
 * The residual of each row against the median of the rows at the same phase (within
 * `toleranceMs`) of the last `cycles` periods, once `minCycles` of them have such a row.
 *
 * Why: the value tests (rarityScorer.ts) judge a value against the last 30–100 rows. In hourly or
 * half-hourly rows that is one to four days, so a daily swing is most of their spread, and a spike
 * as tall as the swing (a night's value at the afternoon's level) is ordinary to them. Against the
 * same hour of the last days the swing cancels and the spike stands out. The streaming scorer ranks
 * the residuals as it ranks values (a rarity scorer fed with them; streamingScorer.ts).
 *
 * The residuals are trusted only where the daily model fits (`fits`): their spread over the last
 * `fitWindow` rows under `fitRatio` of the values' own. A series with no steady daily pattern (most
 * of NAB's: machine metrics, tweet volumes) has residuals as wide as its values, or wider (the
 * median of a few earlier days adds their noise), and there a second look at them is one more
 * chance of a false alarm with nothing to find that the value tests miss.
 *
 * Time comes from the rows' timestamps, so any sampling interval works and gaps do not shift the
 * days. Pure and JSON-snapshotable, like the rest of detectors/.
 */
import { SortedWindow, type SortedWindowState } from './sortedWindow.ts';
import { TimedRows } from './timedRows.ts';

export interface SeasonalResidualConfig {
  /** The period whose phase is compared (ms): a day. */
  periodMs: number;
  /** Earlier periods looked at. */
  cycles: number;
  /** Earlier periods that must have a row at this phase for a residual. */
  minCycles: number;
  /** How far from the same phase an earlier row may be, in ms. */
  toleranceMs: number;
  /** Rows over which the residuals' spread is compared with the values'. */
  fitWindow: number;
  /** The daily model fits when the residuals' median absolute deviation is under this share of the values'. */
  fitRatio: number;
}

export interface SeasonalResidualSnapshot {
  /** Times (epoch ms, ascending) and values of the rows of the last `cycles` periods. */
  times: number[];
  values: number[];
  /** The last `fitWindow` values and residuals. */
  recentValues: SortedWindowState;
  recentResiduals: SortedWindowState;
}

export class SeasonalResidual {
  private readonly rows: TimedRows;
  private readonly recentValues: SortedWindow;
  private readonly recentResiduals: SortedWindow;

  constructor(
    private readonly config: SeasonalResidualConfig,
    snapshot?: SeasonalResidualSnapshot,
  ) {
    if (!(config.periodMs > 0)) throw new RangeError(`the seasonal period must be a positive duration, not ${config.periodMs} ms`);
    if (!(Number.isInteger(config.cycles) && config.cycles >= 1)) throw new RangeError(`seasonal cycles must be a positive integer, not ${config.cycles}`);
    if (!(Number.isInteger(config.minCycles) && config.minCycles >= 1 && config.minCycles <= config.cycles)) throw new RangeError(`seasonal minCycles must be an integer from 1 to cycles (${config.cycles}), not ${config.minCycles}`);
    if (!(config.toleranceMs >= 0 && config.toleranceMs < config.periodMs / 2)) throw new RangeError(`the seasonal tolerance must be under half the period, not ${config.toleranceMs} ms`);
    if (!(Number.isInteger(config.fitWindow) && config.fitWindow >= 20)) throw new RangeError(`the seasonal fitWindow must be a whole number of rows from 20 up, not ${config.fitWindow}`);
    if (!(config.fitRatio > 0)) throw new RangeError(`the seasonal fitRatio must be positive, not ${config.fitRatio}`);
    const s = snapshot ? structuredClone(snapshot) : undefined;
    this.rows = new TimedRows(config.cycles * config.periodMs + config.toleranceMs, s);
    this.recentValues = new SortedWindow(config.fitWindow, s?.recentValues);
    this.recentResiduals = new SortedWindow(config.fitWindow, s?.recentResiduals);
  }

  /** Whether the residuals of the last `fitWindow` rows are under `fitRatio` of the values' spread (20 residuals at least). */
  fits(): boolean {
    if (this.recentResiduals.size < 20) return false;
    return this.recentResiduals.mad(this.recentResiduals.median()) < this.config.fitRatio * this.recentValues.mad(this.recentValues.median());
  }

  /** The value minus the median of the same phase's values on the last periods, or undefined without `minCycles` of them; then remembers the row. */
  next(value: number, time: number): number | undefined {
    const { periodMs, cycles, minCycles, toleranceMs } = this.config;
    this.recentValues.push(value);
    const earlier: number[] = [];
    for (let cycle = 1; cycle <= cycles; cycle++) {
      const target = time - cycle * periodMs;
      const { times, values } = this.rows;
      let best = -1;
      for (let i = this.rows.from(target - toleranceMs); i < times.length && times[i] <= target + toleranceMs; i++) {
        if (best < 0 || Math.abs(times[i] - target) < Math.abs(times[best] - target)) best = i;
      }
      if (best >= 0) earlier.push(values[best]);
    }
    this.rows.push(time, value);
    if (earlier.length < minCycles) return undefined;
    earlier.sort((a, b) => a - b);
    const mid = earlier.length >> 1;
    const median = earlier.length % 2 === 1 ? earlier[mid] : (earlier[mid - 1] + earlier[mid]) / 2;
    this.recentResiduals.push(value - median);
    return value - median;
  }

  snapshot(): SeasonalResidualSnapshot {
    return { ...this.rows.snapshot(), recentValues: this.recentValues.snapshot(), recentResiduals: this.recentResiduals.snapshot() };
  }
}
