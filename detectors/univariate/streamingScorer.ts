/**
 * Anomaly score in [0, 1] for one numeric series read value by value (NAB's setting: no look-
 * ahead, no knowledge of the series' scale, one parameter set for every series).
 *
 * 1. Surprise: robust z of the value, and of its change from the previous value, against the
 *    last `window` values (median/MAD; a floor of 0.1 % of their range so flat series do not
 *    divide by zero); the larger of the two, averaged over the last `smooth` rows so a sustained
 *    shift outweighs one spike.
 * 2. Calibration: 1 − P(surprise ≥ this one) among this series' own last `memory` surprises,
 *    with the top `tail` share fitted by a generalised Pareto tail (tailCalibration.ts). Series differ
 *    wildly in how surprising their normal rows are; a probability makes 0.999 mean "rarer than
 *    1 in 1000 of this series' rows" for every series, so one threshold suits all of them, and
 *    the fitted tail keeps that true for short series and for surprises beyond any seen so far.
 * 3. Onset: a row scores only when it is higher than every score of the last `refractory` rows
 *    and at least `escalation` times rarer than the rarest of them (otherwise 0). One incident
 *    raises one alert at its start instead of a stream of them: what an operator wants, and what
 *    NAB rewards (the earliest detection in a window counts, every later one outside it costs).
 *    Without the factor a slow ramp re-alerts on every row, each a little rarer than the last.
 *
 * Pure and JSON-snapshotable, like the rest of detectors/.
 */
import { SortedWindow, type SortedWindowState } from './sortedWindow.ts';
import { exceedance } from './tailCalibration.ts';

export interface StreamingScorerConfig {
  /** Values the robust baseline is computed from. */
  window: number;
  /** Rows whose surprise is averaged. */
  smooth: number;
  /** Past surprises the calibration is taken among. */
  memory: number;
  /** Rows after a high score during which only a higher one scores. */
  refractory: number;
  /** Share of past surprises treated as the tail whose decay is fitted (0: plain rank). */
  tail: number;
  /** Within the refractory period a row scores only if this many times rarer than the rarest recent row (≥ 1). */
  escalation: number;
  /** No score before this many rows (the baseline and the ranks need history). */
  warmup: number;
}

export const DEFAULT_STREAMING_SCORER: StreamingScorerConfig = { window: 50, smooth: 3, memory: 5000, refractory: 100, warmup: 20, tail: 0.1, escalation: 2 };

export interface StreamingScorerSnapshot {
  version: 1;
  values: SortedWindowState;
  diffs: SortedWindowState;
  surprises: SortedWindowState;
  last: number | null;
  recentZ: number[];
  recentScores: number[];
  rows: number;
}

const MAD_TO_SIGMA = 1.4826;

function robustZ(value: number, window: SortedWindow, floor: number): number {
  const center = window.median();
  const scale = Math.max(MAD_TO_SIGMA * window.mad(center), floor, 1e-12);
  return Math.abs(value - center) / scale;
}

export class StreamingScorer {
  private readonly values: SortedWindow;
  private readonly diffs: SortedWindow;
  private readonly surprises: SortedWindow;
  private last: number | null;
  private recentZ: number[];
  private recentScores: number[];
  private rows: number;

  constructor(
    private readonly config: StreamingScorerConfig = DEFAULT_STREAMING_SCORER,
    snapshot?: StreamingScorerSnapshot,
  ) {
    if (snapshot && snapshot.version !== 1) throw new RangeError(`unsupported scorer snapshot version ${String(snapshot.version)}`);
    const s = snapshot ? structuredClone(snapshot) : undefined;
    this.values = new SortedWindow(config.window, s?.values);
    this.diffs = new SortedWindow(config.window, s?.diffs);
    this.surprises = new SortedWindow(config.memory, s?.surprises);
    this.last = s?.last ?? null;
    this.recentZ = s?.recentZ ?? [];
    this.recentScores = s?.recentScores ?? [];
    this.rows = s?.rows ?? 0;
  }

  /** Scores the next value of the series. */
  next(value: number): number {
    this.rows += 1;
    let z = 0;
    if (this.values.size >= 10 && this.last !== null) {
      const floor = 1e-3 * this.values.range();
      z = Math.max(robustZ(value, this.values, floor), robustZ(value - this.last, this.diffs, floor));
    }
    if (this.last !== null) this.diffs.push(value - this.last);
    this.values.push(value);
    this.last = value;
    this.recentZ = [...this.recentZ, z].slice(-this.config.smooth);
    const surprise = this.recentZ.reduce((a, b) => a + b, 0) / this.recentZ.length;
    let ranked = 0;
    if (this.rows > this.config.warmup && this.surprises.size >= 20) {
      ranked = this.config.tail > 0 ? 1 - exceedance(this.surprises.sorted, surprise, this.config.tail) : this.surprises.rankOf(surprise);
    }
    this.surprises.push(surprise);
    // In rarities: 1 − ranked is this row's, 1 − highest the rarest of the recent rows'.
    const highest = Math.max(0, ...this.recentScores);
    const score = (1 - ranked) * this.config.escalation < 1 - highest ? ranked : 0;
    this.recentScores = [...this.recentScores, ranked].slice(-this.config.refractory);
    return score;
  }

  snapshot(): StreamingScorerSnapshot {
    return {
      version: 1,
      values: this.values.snapshot(),
      diffs: this.diffs.snapshot(),
      surprises: this.surprises.snapshot(),
      last: this.last,
      recentZ: [...this.recentZ],
      recentScores: [...this.recentScores],
      rows: this.rows,
    };
  }
}

/** Scores a whole series with a fresh scorer. */
export function scoreSeries(values: readonly number[], config: StreamingScorerConfig = DEFAULT_STREAMING_SCORER): number[] {
  const scorer = new StreamingScorer(config);
  return values.map((v) => scorer.next(v));
}
