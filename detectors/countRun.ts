/**
 * Count and rate tests with evidence that accumulates over a run of windows.
 *
 * A window whose count is unlikely under the baseline (p < `startAlpha`) starts a *run*; the run
 * goes on while later windows stay off in the same direction (p < `continueAlpha`), or lie beyond
 * the tolerance band on its side while the run as a whole stays unlikely (p < `startAlpha`): on a
 * sparse series a single click is never unlikely, yet a flood's minutes of one or two clicks
 * belong to it, as in a CUSUM. A window inside the band always ends the run. The run is
 * judged as one observation: the summed count of its windows against the summed expectation, so
 * "1 then 4 bid requests where 13 a minute are usual" is P(X ≤ 5 | 26) ≈ 4e-6 after two windows
 * even though the second window alone (P(X ≤ 4 | 13) ≈ 0.01) is unremarkable. The run fires when
 * that p-value falls below `fireAlpha`; a single window can do it on its own when it is that
 * extreme.
 *
 * On a sparse series, a run that has not fired may also hold through one quiet window. On any
 * series a run may begin up to RUN_REACH_BACK_WINDOWS windows back, over windows that were only
 * unlikely together (startBack): a campaign of six auctions a minute that stops scores p ≈ 0.01
 * for its first empty minute, not enough to start a run, but its first two together are.
 *
 * Baselines:
 * - counts: the mean of the series' recent normal windows (further back on a sparse series, see
 *   LEVEL_EVENTS), with a negative-binomial size fitted
 *   from their variance when they vary more than Poisson (diurnal drift, bursty sources);
 * - rates (successes among trials: clicks per impression, wins per bid): the pooled rate of the
 *   recent normal windows, tested as Binomial(n, p₀) or, when successes are not bounded by this
 *   window's trials (clicks on earlier impressions), as Poisson(n·p₀).
 * Windows that are part of a run never enter the baseline, so an incident does not become normal.
 */
import { binomialCdf, binomialSf, negBinomialCdf, negBinomialSf, poissonCdf, poissonSf } from './countTests.ts';
import type { Direction } from './robustBaseline.ts';

export interface CountTestConfig {
  /** A window this unlikely starts a run. */
  startAlpha: number;
  /** A run goes on while each window stays this unlikely, in the same direction. */
  continueAlpha: number;
  /** The run fires when its summed p-value falls below this. */
  fireAlpha: number;
  /** ... and is critical below this. */
  criticalAlpha: number;
  /**
   * Moves smaller than this share of the baseline are not incidents however certain: the test is
   * against the edge of the band (mean·(1 ± tolerance)), so a morning ramp 20 % above a lagging
   * baseline stays quiet on a busy series while a drop to half is still caught.
   */
  tolerance: number;
  /** The same band for rate tests (rates do not drift with traffic volume). @default tolerance */
  rateTolerance?: number;
  /** The band below the baseline, for counts (drops; the trend already follows slow declines). @default tolerance */
  dropTolerance?: number;
}

export type CountModel = 'count' | 'binomial' | 'poisson_rate';

export interface RunState {
  windows: number;
  observed: number;
  /** count: summed expected mean; rates: summed trials. */
  expected: number;
  /** Direction of the run: +1 up, −1 down. */
  sign: number;
  /** Quiet windows in a row at the run's end (before it fires, a sparse run may hold through one). */
  quiet?: number;
}

export interface CountVerdict {
  /** One-sided p-value of this window in the run's (or the watched) direction. */
  pWindow: number;
  /** p-value of the run so far (1 when no run). */
  pRun: number;
  inRun: boolean;
  /** Baseline expectation of this window's value (count, or rate). */
  expected: number;
  observed: number;
  /** Whether the window may enter the baseline history. */
  normal: boolean;
  run: RunState | null;
  /** A run that starts here reaches back over this many of `recent`'s windows, which are now part of it. */
  absorbed?: number;
}

/**
 * Level and negative-binomial size of a count history; size Infinity means Poisson.
 * The level is the mean of the last `LEVEL_WINDOWS` normal windows (traffic drifts with the time
 * of day); the variance is half the mean squared successive difference (von Neumann), which a
 * slow trend hardly inflates, so drift does not pass for noise and blunt the test.
 */
export const LEVEL_WINDOWS = 20;

/**
 * Events the level should rest on. A sparse series (a fraction of a click a minute) holds a
 * handful in 20 windows, too few to tell a fivefold rise from its own uncertainty; its level
 * reaches further back, over up to the whole history, until it counts this many. Its drift is
 * lost in its Poisson noise anyway, while a busy series still uses only its last 20 windows.
 */
export const LEVEL_EVENTS = 30;

/** The recent windows the level is the mean of: at least LEVEL_WINDOWS, more until LEVEL_EVENTS. */
function levelSpan(history: readonly number[]): number {
  let events = 0;
  let span = 0;
  while (span < history.length && (span < LEVEL_WINDOWS || events < LEVEL_EVENTS)) events += history[history.length - 1 - span++];
  return span;
}

/**
 * The level expected for the next window: the least-squares line through the recent windows,
 * extrapolated one step, when the series is busy enough for a slope to mean something (a
 * morning ramp of a few % a minute); bounded to ±50 % of the plain mean so one odd window
 * cannot swing it. The recent windows are `history` from index `from` on.
 */
function trendLevel(history: readonly number[], from: number, mean: number): number {
  const n = history.length - from;
  if (n < 5 || mean < 20) return mean;
  const xMean = (n - 1) / 2;
  let sxy = 0;
  let sxx = 0;
  for (let x = 0; x < n; x++) {
    sxy += (x - xMean) * (history[from + x] - mean);
    sxx += (x - xMean) ** 2;
  }
  const predicted = mean + (sxy / sxx) * (n - xMean);
  return Math.min(1.5 * mean, Math.max(0.5 * mean, predicted));
}

/** values[from] + … + values[last], summed left to right from 0, as `reduce((a, b) => a + b, 0)` sums. */
function sumFrom(values: readonly number[], from: number): number {
  let sum = 0;
  for (let i = from; i < values.length; i++) sum += values[i];
  return sum;
}

export interface CountBaseline {
  mean: number;
  /**
   * The level an upward move is judged against: the larger of the recent level and the whole
   * history's mean, so traffic coming back after an outage or a backlog is not a spike.
   */
  ceiling: number;
  /** Negative-binomial size of one window's extra-Poisson variation (Infinity: none). */
  size: number;
  /**
   * Events the level was estimated from (+ the prior's half): the level itself is uncertain,
   * by a gamma-Poisson predictive with this size, the same for every window of a run.
   */
  evidence: number;
}

/**
 * `scales` (seasonal watches, seasonalProfile.ts) takes each history value to the current
 * window's slot of the day or week; the level, ceiling and spread are then those of this slot.
 * With its `rate` of 0 it is the Baseline stepCountRun tests a count window against: one object
 * a window, not this one copied into another (7 % of what the detectors allocated).
 */
export function countBaseline(raw: readonly number[], scales?: readonly number[]): Baseline {
  const history = scales ? raw.map((v, i) => v * scales[i]) : raw;
  const span = levelSpan(raw);
  // The recent windows are history[from…], summed in place in the order a slice's reduce summed
  // them, so the same floating-point sums: this runs for every count series at every window, and
  // the slices, reduces and forEach over 60 windows (360 for click_rate's pooledRate) were a
  // quarter of the detectors' CPU in the bench replay.
  const from = history.length - span;
  const events = sumFrom(history, from) + 0.5;
  // Half an event of prior per LEVEL_WINDOWS: a series that was always 0 expects "rarely", not
  // "never", and a longer look back at its silence must not turn "rarely" into "never".
  const prior = (0.5 * (span + 1)) / (LEVEL_WINDOWS + 1);
  const mean = trendLevel(history, from, (events - 0.5 + Math.max(0.5, prior)) / (span + 1));
  // The level is as certain as the events it was counted from, whichever slots they fell in.
  const evidence = scales ? sumFrom(raw, from) + 0.5 : events;
  // What the series held over its whole history: a return to it is a recovery, not a spike.
  const usual = (sumFrom(history, 0) + 0.5) / (history.length + 1);
  const ceiling = Math.max(mean, usual);
  if (history.length < 3) return { mean, ceiling, size: Infinity, evidence, rate: 0 };
  let squares = 0;
  for (let i = 1; i < history.length; i++) squares += (history[i] - history[i - 1]) ** 2;
  const variance = squares / (2 * (history.length - 1));
  // Overdispersion only: a history tighter than Poisson is sampling luck, not a tighter process.
  const size = variance > mean * 1.05 ? Math.max(0.5, (mean * mean) / (variance - mean)) : Infinity;
  return { mean, ceiling, size, evidence, rate: 0 };
}

/**
 * Negative-binomial size of a run of `windows` windows: the per-window variation adds up
 * (size · windows), the level's own uncertainty does not average out (evidence); variances add.
 */
export function runSize(baseline: { size: number; evidence: number }, windows: number): number {
  return 1 / (1 / (baseline.size * windows) + 1 / baseline.evidence);
}

/** Pooled rate of a rate history, with half a success of prior so a silent history is not p = 0. */
export function pooledRate(successes: readonly number[], trials: readonly number[]): number {
  const s = sumFrom(successes, 0);
  const n = sumFrom(trials, 0);
  return Math.min(1 - 1e-9, (s + 0.5) / (n + 1));
}

/** What a window is tested against: a count history's baseline, or a rate history's pooled rate and its evidence. */
interface Baseline extends CountBaseline {
  /** Rates: the pooled rate of the history; 0 for counts. */
  rate: number;
}

/** A window's expected value at the upper edge of the tolerance band (`trials`: the window's, for rates). */
function upperEdge(model: CountModel, trials: number, baseline: Baseline, band: { up: number; down: number }): number {
  return model === 'count' ? baseline.ceiling * (1 + band.up) : trials * baseline.rate * (1 + band.up);
}

/** A window's expected value at the lower edge of the tolerance band (`trials`: the window's, for rates). */
function lowerEdge(model: CountModel, trials: number, baseline: Baseline, band: { up: number; down: number }): number {
  return model === 'count' ? baseline.mean * (1 - band.down) : trials * baseline.rate * (1 - band.down);
}

/**
 * The p-value of observing `x` against the edge of the tolerance band on the side of `sign`:
 * P(X ≥ x) above the upper edge (+1), P(X ≤ x) below the lower one (−1). One side at a time, as
 * a run or a reach back needs only its own: computed and returned together, the unused sides were
 * 39 % of the incomplete beta functions the detectors evaluated in the bench replay, and
 * startBack's objects per step (both sides' edges and tails) a quarter of what they allocated.
 */
function tail(model: CountModel, sign: number, x: number, scale: number, windows: number, baseline: Baseline, band: { up: number; down: number }): number {
  if (model === 'count') {
    const size = runSize(baseline, windows);
    return sign > 0 ? negBinomialSf(x, baseline.ceiling * scale * (1 + band.up), size) : negBinomialCdf(x, baseline.mean * scale * (1 - band.down), size);
  }
  // For rates `scale` is the number of trials.
  const p = sign > 0 ? Math.min(1 - 1e-9, baseline.rate * (1 + band.up)) : baseline.rate * (1 - band.down);
  if (model === 'binomial' && x <= scale) return sign > 0 ? binomialSf(x, scale, p) : binomialCdf(x, scale, p);
  // Successes per trial as a count: the pooled rate is known from `evidence` successes only.
  const size = baseline.evidence;
  return sign > 0 ? negBinomialSf(x, scale * p, size) : negBinomialCdf(x, scale * p, size);
}

// The helpers below are module functions, not closures made per call: stepCountRun runs for every
// series and window, and under tsx (keepNames) each closure made costs a defineProperty of its name.

/** Whether the watch reports a move in this direction. */
const allowed = (direction: Direction, sign: number): boolean => direction === 'both' || (direction === 'up') === sign > 0;

/** `from` grown by this window (x of `trials`), with its p-value on the side of `runSign`. */
function extended(model: CountModel, x: number, trials: number, baseline: Baseline, tolerance: { up: number; down: number }, from: RunState, runSign: number): { run: RunState; p: number } {
  const next: RunState = { windows: from.windows + 1, observed: from.observed + x, expected: from.expected + (model === 'count' ? 1 : trials), sign: runSign };
  return { run: next, p: tail(model, runSign, next.observed, next.expected, next.windows, baseline, tolerance) };
}

export function stepCountRun(
  model: CountModel,
  direction: Direction,
  x: number,
  trials: number,
  history: { values: readonly number[]; trials: readonly number[]; scales?: readonly number[] },
  run: RunState | null,
  config: CountTestConfig,
  options: {
    /** The series is firing: a quiet window then ends the run, so the alert resolves. */
    firing: boolean;
    /** The series' last windows (oldest first) that were quiet and joined the history, for a run to reach back over. */
    recent?: { values: readonly number[]; trials: readonly number[] };
  } = { firing: false },
): CountVerdict {
  const baseline: Baseline =
    model === 'count'
      ? countBaseline(history.values, history.scales)
      : { mean: 0, ceiling: 0, size: Infinity, evidence: sumFrom(history.values, 0) + 0.5, rate: pooledRate(history.values, history.trials) };
  const { mean, rate } = baseline;
  const scale = model === 'count' ? 1 : trials;
  const tolerance =
    model === 'count'
      ? { up: config.tolerance, down: config.dropTolerance ?? config.tolerance }
      : { up: config.rateTolerance ?? config.tolerance, down: config.rateTolerance ?? config.tolerance };
  const pUp = tail(model, 1, x, scale, 1, baseline, tolerance);
  const pDown = tail(model, -1, x, scale, 1, baseline, tolerance);
  const expected = model === 'count' ? mean : rate;
  const observed = model === 'count' ? x : trials > 0 ? x / trials : 0;
  // The window's own p-value in the direction it moved (the other tail is ≥ 0.5 then).
  const sign = pUp < pDown ? 1 : -1;
  // Inside the band both tails are large: the sign is then irrelevant, as nothing starts.
  const pWindow = sign > 0 ? pUp : pDown;
  // Too few events a window for one window to show much: there a flood has windows with none,
  // and runs need the memory and reach-back below. A busy series' quiet window is news.
  const sparse = (model === 'count' ? mean : trials * rate) < SPARSE_WINDOW_EVENTS;
  let continued: { run: RunState; p: number } | undefined;
  if (run !== null) {
    const grown = extended(model, x, trials, baseline, tolerance, run, run.sign);
    // A window unremarkable on its own still belongs to the run when it lies beyond the band on
    // the run's side and the run stays unlikely with it: one click where a seventh is usual is
    // nothing alone (p ≈ 0.13) but the fifth minute of a flood all the same.
    const beyondBand = run.sign > 0 ? x > upperEdge(model, trials, baseline, tolerance) : x < lowerEdge(model, trials, baseline, tolerance);
    if (run.sign === sign && (pWindow < config.continueAlpha || (beyondBand && grown.p < config.startAlpha))) continued = grown;
    // Before it fires, a run also goes on through one quiet window while the evidence so far
    // still holds with it (a CUSUM's memory): a flood of two clicks a minute on a campaign that
    // clicks once an hour has minutes with none, and ending the run there throws away every
    // click counted so far. A second quiet window in a row ends it: one strong window must not
    // keep a run open until chance tops it up (holding through two raised more false alerts on
    // normal traffic). Once firing, a window inside the band ends the run, so the alert resolves
    // as soon as the series is back.
    else if (sparse && !options.firing && (run.quiet ?? 0) < MAX_QUIET_IN_RUN && grown.p < config.startAlpha) continued = { ...grown, run: { ...grown.run, quiet: (run.quiet ?? 0) + 1 } };
  }
  const starts = continued === undefined && allowed(direction, sign) && pWindow < config.startAlpha;
  if (continued === undefined && !starts) {
    // Not only on sparse series: without it, a stopped campaign's first empty windows, each short
    // of startAlpha, joined the history as normal and the outage was learned, not reported.
    const back = options.recent && startBack(model, x, trials, options.recent, baseline, tolerance, config.startAlpha, direction);
    if (back) return { pWindow: allowed(direction, sign) ? pWindow : 1, pRun: back.p, inRun: true, expected, observed, normal: false, run: back.run, absorbed: back.absorbed };
    return { pWindow: allowed(direction, sign) ? pWindow : 1, pRun: 1, inRun: false, expected, observed, normal: true, run: null };
  }
  const next = continued ?? extended(model, x, trials, baseline, tolerance, { windows: 0, observed: 0, expected: 0, sign }, sign);
  return { pWindow, pRun: Math.min(pWindow, next.p), inRun: true, expected, observed, normal: false, run: next.run };
}

/**
 * Expected events a window below which a series counts as sparse. On a busy series a quiet
 * window during a morning ramp would otherwise keep a run open against its frozen baseline until
 * it fired (measured: 2 false alerts in 12 h at 1,400 impressions a minute).
 */
const SPARSE_WINDOW_EVENTS = 3;

/** Quiet windows in a row a run that has not fired may hold through. */
const MAX_QUIET_IN_RUN = 1;

/** How many quiet windows back a run may begin (startBack): a few, so its start is still news. */
export const RUN_REACH_BACK_WINDOWS = 4;

/**
 * A run that began a few windows back: this window with the last `absorbed` quiet ones, each
 * beyond the band on the same side, when together they are unlikely though none was alone. Two
 * clicks a minute where 0.3 are usual never start a run one window at a time (p ≈ 0.04 each), but
 * six in three minutes do (p ≈ 4e-4). Looking back over several lengths and both sides is that
 * many more chances, so each must pass startAlpha / (2 · RUN_REACH_BACK_WINDOWS) (Bonferroni);
 * the plain startAlpha more than doubled the false alerts on normal traffic. The shortest run that passes
 * is taken, so it reaches back no further than it must.
 */
function startBack(
  model: CountModel,
  x: number,
  trials: number,
  recent: { values: readonly number[]; trials: readonly number[] },
  baseline: Baseline,
  band: { up: number; down: number },
  startAlpha: number,
  direction: Direction,
): { run: RunState; p: number; absorbed: number } | undefined {
  // Every window of such a run lies beyond the band on its side, as a run's windows must.
  let up = x > upperEdge(model, trials, baseline, band);
  let down = x < lowerEdge(model, trials, baseline, band);
  let observedSum = x;
  let expectedSum = model === 'count' ? 1 : trials;
  const alpha = startAlpha / (2 * RUN_REACH_BACK_WINDOWS);
  for (let k = 1; k <= recent.values.length && (up || down); k++) {
    const i = recent.values.length - k;
    const value = recent.values[i];
    const n = recent.trials[i];
    up &&= value > upperEdge(model, n, baseline, band);
    down &&= value < lowerEdge(model, n, baseline, band);
    observedSum += value;
    expectedSum += model === 'count' ? 1 : n;
    // Each side's p-value only while its windows all lie beyond the band there. An indexed loop
    // and no objects per step: this runs for nearly every window of every count series.
    for (let side = 0; side < SIDES.length; side++) {
      const sign = SIDES[side];
      if (!(sign > 0 ? up : down) || !allowed(direction, sign)) continue;
      const p = tail(model, sign, observedSum, expectedSum, k + 1, baseline, band);
      if (p < alpha) return { run: { windows: k + 1, observed: observedSum, expected: expectedSum, sign }, p, absorbed: k };
    }
  }
  return undefined;
}

/** The two sides of the band, up first. */
const SIDES = [1, -1] as const;

/** Score in [0, 1]: 0.5 at p = fireAlpha, 1 at p = fireAlpha² or below (log scale). */
export function countScore(p: number, fireAlpha: number): number {
  if (!(p < 1)) return 0;
  const s = Math.log(Math.max(p, Number.MIN_VALUE)) / (2 * Math.log(fireAlpha));
  return Math.min(1, Math.max(0, s));
}

/**
 * The windows since a firing alert's run broke, pooled, and the level of that run: what decides
 * whether the incident is over.
 */
export interface CalmTally {
  /** Direction of the run that fired: +1 up, −1 down. */
  sign: number;
  /** The run's level: events a window (count) or per trial (rates). */
  level: number;
  /** Summed value of the windows since the run broke. */
  observed: number;
  /** count: windows since the run broke; rates: their summed trials. */
  scale: number;
  /** Windows since the run broke (absent in tallies from before it was kept). */
  windows?: number;
}

/** The tally a firing series starts when its run breaks; none when no run is known (an older snapshot). */
export function calmAfter(model: CountModel, run: RunState | null | undefined): CalmTally | undefined {
  if (!run || run.windows <= 0 || run.expected <= 0) return undefined;
  return { sign: run.sign, level: model === 'count' ? run.observed / run.windows : run.observed / run.expected, observed: 0, scale: 0, windows: 0 };
}

export const growCalm = (calm: CalmTally, model: CountModel, x: number, trials: number): CalmTally => ({
  ...calm,
  observed: calm.observed + x,
  scale: calm.scale + (model === 'count' ? 1 : trials),
  windows: (calm.windows ?? 0) + 1,
});

/**
 * The calm windows hold an alert open at most this long: past it the series has been inside its
 * band for an hour of windows, and whatever it does is no longer this incident's evidence.
 */
export const MAX_CALM_WINDOWS = 60;

/**
 * Below this, calm windows are unlikely at the incident's own level, so it is over. A window back
 * inside the band only says the series no longer proves an incident; on a sparse series a flood
 * of one click a minute has empty minutes at p ≈ 0.37 each, and three of them resolved the alert
 * mid-flood, with a "back to normal" as far off as the page (an operator review, 2026-12-05).
 */
export const INCIDENT_OVER_ALPHA = 0.05;

/**
 * Whether the pooled calm windows are unlikely (p < INCIDENT_OVER_ALPHA, Poisson) at the run's
 * level, on the run's side: after a flood, too few events; after a drop, too many. A busy series
 * leaves its incident level in one window (500 bid requests where a drop ran at 50); a sparse one
 * needs several quiet windows in a row, at one event a window four of them.
 */
export function incidentOver(calm: CalmTally): boolean {
  if ((calm.windows ?? 0) >= MAX_CALM_WINDOWS) return true;
  const atIncident = calm.level * calm.scale;
  const p = calm.sign > 0 ? poissonCdf(calm.observed, atIncident) : poissonSf(calm.observed, atIncident);
  return p < INCIDENT_OVER_ALPHA;
}
