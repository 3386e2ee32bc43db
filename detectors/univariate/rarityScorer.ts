/**
 * How rare is this value, for this series so far? The first two steps of the streaming scorer
 * (streamingScorer.ts), at one scale:
 *
 * 1. Surprise: robust z of the value, and of its change from the previous value, against the
 *    last `window` values (median/MAD; a floor of 0.1 % of their range so flat series do not
 *    divide by zero, and of 1e-12 of the series' first change where the window is one repeated
 *    value, so no constant carries a unit); the larger of the two, averaged over the last `smooth` rows so a sustained
 *    shift outweighs one spike.
 * 2. Calibration: P(surprise ≥ this one) among this series' own last `memory` surprises, with the
 *    top `tail` share fitted by a generalised Pareto tail (tailCalibration.ts), floored at
 *    `tailFloor` times the share of past surprises at least as large. Series differ
 *    wildly in how surprising their normal rows are; a probability makes 0.001 mean "rarer than
 *    1 in 1000 of this series' rows" for every series, and the fitted tail keeps that true for
 *    short series and for surprises beyond any seen so far.
 *
 * Pure and JSON-snapshotable, like the rest of detectors/.
 */
import { SortedWindow, type SortedWindowState } from './sortedWindow.ts';
import { exceedance } from './tailCalibration.ts';

export interface RarityScale {
  /** Values the robust baseline is computed from. */
  window: number;
  /** Rows whose surprise is averaged. */
  smooth: number;
}

export interface RarityConfig extends RarityScale {
  /** Past surprises the calibration is taken among. */
  memory: number;
  /** Share of past surprises treated as the tail whose decay is fitted (0: plain rank). */
  tail: number;
  /** In the tail, the rarity is at least this share of the past surprises at least as large (tailCalibration.ts; 0: none). */
  tailFloor: number;
  /** No rarity before this many rows (the baseline and the ranks need history). */
  warmup: number;
}

export interface RarityScorerSnapshot {
  values: SortedWindowState;
  diffs: SortedWindowState;
  surprises: SortedWindowState;
  last: number | null;
  recentZ: number[];
  rows: number;
  /** Absent in snapshots taken before it existed: set again at the next change. */
  unit?: number;
}

const MAD_TO_SIGMA = 1.4826;

/**
 * `unit`: the series' first change (see RarityScorer.unit). A window of one repeated value has
 * no spread and no range, and a departure from it is measured in 1e-12 of that unit: astronomically
 * surprising, and larger departures more so, in whatever unit the series is written (an absolute
 * 1e-12 made the scores of a series that idles flat depend on it: bytes and gigabytes differed).
 */
function robustZ(value: number, window: SortedWindow, floor: number, unit: number): number {
  const center = window.median();
  return zFrom(value, center, window.mad(center), floor, unit);
}

/** robustZ from the window's median and MAD, already taken. */
function zFrom(value: number, center: number, mad: number, floor: number, unit: number): number {
  const scale = Math.max(MAD_TO_SIGMA * mad, floor, 1e-12 * unit);
  return Math.abs(value - center) / scale;
}

export class RarityScorer {
  private readonly values: SortedWindow;
  private readonly diffs: SortedWindow;
  private readonly surprises: SortedWindow;
  private last: number | null;
  private recentZ: number[];
  private rows: number;
  /** |value − previous| at the series' first change: the unit a departure from a flat window is measured in. */
  private unit: number | undefined;
  /** Whether the last value was judged against a baseline without spread (more than half its values equal). */
  private flat = false;

  constructor(
    private readonly config: RarityConfig,
    snapshot?: RarityScorerSnapshot,
  ) {
    const s = snapshot ? structuredClone(snapshot) : undefined;
    this.values = new SortedWindow(config.window, s?.values);
    this.diffs = new SortedWindow(config.window, s?.diffs);
    this.surprises = new SortedWindow(config.memory, s?.surprises);
    this.last = s?.last ?? null;
    this.recentZ = s?.recentZ ?? [];
    this.rows = s?.rows ?? 0;
    this.unit = s?.unit;
  }

  /** Values read so far, this series' whole life (not capped by any window). */
  get rowsSeen(): number {
    return this.rows;
  }

  /**
   * Whether the last value's baseline (the `window` values before it, once there are 10) had no
   * spread: its MAD 0, so any departure from it is as surprising as any other and this scale
   * cannot grade it.
   */
  flatBaseline(): boolean {
    return this.flat;
  }

  /** P(a surprise at least this large) for the next value, or undefined while warming up. */
  next(value: number): number | undefined {
    this.rows += 1;
    let z = 0;
    this.flat = false;
    if (this.unit === undefined && this.last !== null && value !== this.last) this.unit = Math.abs(value - this.last);
    if (this.values.size >= 10 && this.last !== null) {
      const floor = 1e-3 * this.values.range();
      // Before the first change every departure is 0, and any positive unit divides it.
      const unit = this.unit ?? 1;
      const center = this.values.median();
      const mad = this.values.mad(center);
      this.flat = mad === 0;
      z = Math.max(zFrom(value, center, mad, floor, unit), robustZ(value - this.last, this.diffs, floor, unit));
    }
    if (this.last !== null) this.diffs.push(value - this.last);
    this.values.push(value);
    this.last = value;
    this.recentZ = [...this.recentZ, z].slice(-this.config.smooth);
    const surprise = this.recentZ.reduce((a, b) => a + b, 0) / this.recentZ.length;
    let rarity: number | undefined;
    if (this.rows > this.config.warmup && this.surprises.size >= 20) {
      rarity = this.config.tail > 0 ? exceedance(this.surprises.sorted, surprise, this.config.tail, this.config.tailFloor) : 1 - this.surprises.rankOf(surprise);
    }
    this.surprises.push(surprise);
    return rarity;
  }

  snapshot(): RarityScorerSnapshot {
    return {
      values: this.values.snapshot(),
      diffs: this.diffs.snapshot(),
      surprises: this.surprises.snapshot(),
      last: this.last,
      recentZ: [...this.recentZ],
      rows: this.rows,
      ...(this.unit === undefined ? {} : { unit: this.unit }),
    };
  }
}
