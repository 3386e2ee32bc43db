/**
 * Robust baseline of one series: median and MAD of its last N normal values, and a robust z-score
 * of a new value against them. Pure functions over plain arrays, so a series' history is plain
 * JSON inside the detector's snapshot.
 *
 * Why median/MAD: one spike in the history moves the mean and the standard deviation a lot, the
 * median and the MAD hardly at all (breakdown point 50 %). 1.4826·MAD estimates the standard
 * deviation of normally distributed data, so the robust z reads like an ordinary z-score.
 */

/** How the noise floor of a series' scale is estimated, besides its own spread. */
export type NoiseFloor = 'poisson' | 'binomial' | 'none';

export interface ScaleOptions {
  floor: NoiseFloor;
  /** Absolute lower bound on the scale (in the metric's unit), so a flat series never divides by 0. */
  minScale: number;
  /** Lower bound relative to |median| (e.g. 0.1 = a 10 % move is one "sigma"); 0 to disable. */
  relativeScale: number;
}

export interface Baseline {
  median: number;
  /** max(1.4826·MAD, noise floor, relativeScale·|median|, minScale); always > 0. */
  scale: number;
}

export interface Scored extends Baseline {
  /** (x − median) / scale: signed. */
  z: number;
}

const MAD_TO_SIGMA = 1.4826;

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median absolute deviation from the median. */
export function mad(values: readonly number[], center = median(values)): number {
  return median(values.map((v) => Math.abs(v - center)));
}

/**
 * Keeps the last `size` values: the rolling history the baseline is computed from. Appends to
 * the array itself, which is a detector's own state that nothing else holds (its snapshots are
 * clones): copying a history of 360 windows on every window of every series was 7 % of what a
 * replay allocated. The oldest values go by shift, not splice, which returns them in a new array
 * (15 MB of the detectors' 197 MB in the bench replay: a full history drops one at every window).
 */
export function appendHistory(history: number[], value: number, size: number): number[] {
  history.push(value);
  while (history.length > size) history.shift();
  return history;
}

/**
 * The scale floor matters most for small or flat series, where the MAD is 0 or tiny:
 * - `poisson`: counts of independent events (clicks per minute) have variance ≈ mean, so one
 *   standard deviation is about √median. A campaign with 2 clicks a minute then needs
 *   |x − 2| ≥ threshold·√2 before it scores, and ±1 is ordinary noise rather than an alarm.
 * - `binomial`: a rate p measured over n trials (win rate over n bids) has standard deviation
 *   √(p(1−p)/n); `trials` is this window's n.
 */
export function baselineOf(history: readonly number[], options: ScaleOptions, trials?: number): Baseline {
  const center = median(history);
  let floor = 0;
  if (options.floor === 'poisson') floor = Math.sqrt(Math.abs(center));
  if (options.floor === 'binomial' && trials && trials > 0) {
    const p = Math.min(1, Math.max(0, center));
    floor = Math.sqrt((p * (1 - p)) / trials);
  }
  const scale = Math.max(MAD_TO_SIGMA * mad(history, center), floor, options.relativeScale * Math.abs(center), options.minScale);
  return { median: center, scale: scale > 0 ? scale : Number.MIN_VALUE };
}

export function robustZ(x: number, history: readonly number[], options: ScaleOptions, trials?: number): Scored {
  const baseline = baselineOf(history, options, trials);
  return { ...baseline, z: (x - baseline.median) / baseline.scale };
}

export type Direction = 'up' | 'down' | 'both';

/** The z in the direction being watched: a drop watch sees a fall as positive, a rise as negative. */
export function directedZ(z: number, direction: Direction): number {
  return direction === 'up' ? z : direction === 'down' ? -z : Math.abs(z);
}

/**
 * Anomaly score in [0, 1]: a logistic of the directed z centred on the threshold, so
 * score ≥ 0.5 ⇔ the window is anomalous, and each further unit of z past the threshold moves the
 * score toward 1 (threshold + 4.6 → 0.99). It ranks alerts and picks the severity; the
 * anomalous/normal decision itself stays the plain `directedZ ≥ threshold`.
 */
export function anomalyScore(dz: number, threshold: number): number {
  return 1 / (1 + Math.exp(-(dz - threshold)));
}
