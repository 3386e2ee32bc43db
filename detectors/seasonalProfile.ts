/**
 * Seasonal profile of one count series: how much busier or quieter each slot of the day (or of
 * the week) is than the series' own level, learned from past periods. Opt-in per watch
 * (`Watch.seasonality`); plain JSON inside the detector's snapshot.
 *
 * Model: multiplicative, as in classical decomposition and Holt-Winters. A window in slot k is
 * expected at level × factor[k], where the level is the series' recent trend-following level
 * with each past window divided by its own slot's factor. The detector does this by rescaling
 * each history value h_i (slot s_i) to the current slot, h_i · factor[k] / factor[s_i], and
 * running the unchanged baseline on that (countRun.ts, robustBaseline.ts).
 *
 * Learning, once per period (ratio to the period's level): when a period ends, each slot's mean
 * count is divided by the period's deseasonalized level (Σ counts / Σ windows · factor), which a
 * whole period makes free of the shape by construction, unlike a moving average over part of a
 * day. Half an event of prior on both sides keeps a silent slot's factor above zero.
 * - Warm-up: a slot's first `minPeriods` ratios are kept as they come and its factor is their
 *   median, so one odd period among three is outvoted. Until the current slot and every slot of
 *   the history are warm, the detector judges windows exactly as without seasonality.
 * - Afterwards an EWMA in log space (weight `alpha`) whose step is clamped to a factor of 2 per
 *   period: an outage or a flood that slipped through moves a factor by at most 2^alpha, while a
 *   shape that really changed (a new campaign schedule) is followed within a few periods.
 * Which windows count: those judged against the seasonal baseline feed the profile only when
 * normal (as for the history: an incident must not become the season). Windows judged without
 * it (warm-up) all feed it, because the plain baseline cannot tell the recurring step the
 * profile has to learn from an incident; the warm-up median is what guards against incidents.
 *
 * Memory: per series four arrays of one number per slot (24 for hour-of-day, 168 for
 * hour-of-week) plus, during warm-up only, up to `minPeriods` ratios per slot.
 *
 * Time: slots come from the window's start in UTC, shifted by `utcOffsetMinutes`. UTC because
 * event times are epoch milliseconds and a fixed offset needs no time-zone data; a business
 * whose day follows daylight saving sees its shape move by an hour twice a year, which the
 * EWMA absorbs in a few periods. Weeks start on Monday 00:00 (slot 0).
 */
import { median } from './robustBaseline.ts';

export interface SeasonalityConfig {
  /** The cycle the traffic repeats on: `day` (slots by time of day) or `week` (time of week). */
  period: 'day' | 'week';
  /** Slot length; must divide the period and be at least the window length. @default 3_600_000 (1 h) */
  slotMs?: number;
  /** Shift applied to UTC event time before slotting, e.g. −300 for New York winter time. @default 0 */
  utcOffsetMinutes?: number;
  /** Periods a slot must see before its factor is used. @default 3 */
  minPeriods?: number;
  /** EWMA weight of a new period's ratio once warm. @default 0.2 */
  alpha?: number;
}

export interface SeasonalProfile {
  /** Slotting the profile was learned with: a config change starts afresh. */
  periodMs: number;
  slotMs: number;
  offsetMs: number;
  /** Index of the period being accumulated (null before the first window). */
  period: number | null;
  /** This period's summed counts and windows per slot (normal windows only, once warm). */
  sums: number[];
  windows: number[];
  /** Factor per slot; 0 while the slot is warming up. */
  factors: number[];
  /** Warm-up ratios per slot, emptied when the slot becomes warm. */
  samples: number[][];
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Monday 1970-01-05 00:00 UTC: weeks are counted from a Monday, so slot 0 is Monday 00:00. */
const WEEK_ORIGIN_MS = 4 * DAY_MS;
/** Largest move of a warm factor by one period's ratio, before the EWMA weight. */
const MAX_STEP = Math.LN2;
/** Half an event of prior on a slot's mean and on the level. */
const PRIOR = 0.5;

interface Resolved {
  periodMs: number;
  slotMs: number;
  offsetMs: number;
  minPeriods: number;
  alpha: number;
}

export function resolveSeasonality(config: SeasonalityConfig): Resolved {
  const periodMs = config.period === 'week' ? 7 * DAY_MS : DAY_MS;
  const slotMs = config.slotMs ?? HOUR_MS;
  const resolved = { periodMs, slotMs, offsetMs: (config.utcOffsetMinutes ?? 0) * 60_000, minPeriods: config.minPeriods ?? 3, alpha: config.alpha ?? 0.2 };
  if (!(slotMs > 0) || periodMs % slotMs !== 0) throw new RangeError(`seasonality: slotMs ${slotMs} must divide the ${config.period} (${periodMs} ms)`);
  if (!Number.isInteger(resolved.minPeriods) || resolved.minPeriods < 1) throw new RangeError('seasonality: minPeriods must be a positive integer');
  if (!(resolved.alpha > 0 && resolved.alpha <= 1)) throw new RangeError('seasonality: alpha must be in (0, 1]');
  return resolved;
}

export function newProfile(config: Resolved): SeasonalProfile {
  const slots = config.periodMs / config.slotMs;
  const zeros = (): number[] => new Array<number>(slots).fill(0);
  return { periodMs: config.periodMs, slotMs: config.slotMs, offsetMs: config.offsetMs, period: null, sums: zeros(), windows: zeros(), factors: zeros(), samples: Array.from({ length: slots }, () => []) };
}

export function sameSlotting(profile: SeasonalProfile, config: Resolved): boolean {
  return profile.periodMs === config.periodMs && profile.slotMs === config.slotMs && profile.offsetMs === config.offsetMs;
}

/** Period index and slot of a window; slot −1 when the window is longer than a slot (no season). */
export function placeWindow(config: Resolved, windowStart: number, windowEnd: number): { period: number; slot: number } {
  const origin = config.periodMs === DAY_MS ? 0 : WEEK_ORIGIN_MS;
  const t = windowStart + config.offsetMs - origin;
  const period = Math.floor(t / config.periodMs);
  const slot = windowEnd - windowStart > config.slotMs ? -1 : Math.floor((t - period * config.periodMs) / config.slotMs);
  return { period, slot };
}

/**
 * Moves the profile to `period`: the period accumulated so far is learned from (when it covers
 * every slot, or half of them once all are warm and can deseasonalize the level), then cleared.
 */
export function advancePeriod(profile: SeasonalProfile, config: Resolved, period: number): void {
  if (profile.period !== null && period <= profile.period) return;
  if (profile.period !== null) learnPeriod(profile, config);
  profile.period = period;
  profile.sums.fill(0);
  profile.windows.fill(0);
}

function learnPeriod(profile: SeasonalProfile, config: Resolved): void {
  const { sums, windows, factors, samples } = profile;
  const covered = windows.filter((n) => n > 0).length;
  const allWarm = factors.every((f) => f > 0);
  if (covered < windows.length && !(allWarm && covered * 2 >= windows.length)) return;
  let total = 0;
  let weight = 0;
  windows.forEach((n, k) => {
    total += sums[k];
    weight += n * (factors[k] > 0 ? factors[k] : 1);
  });
  const level = total / weight;
  windows.forEach((n, k) => {
    if (n === 0) return;
    const ratio = (sums[k] / n + PRIOR) / (level + PRIOR);
    if (factors[k] > 0) {
      const step = Math.max(-MAX_STEP, Math.min(MAX_STEP, Math.log(ratio / factors[k])));
      factors[k] *= Math.exp(config.alpha * step);
      return;
    }
    samples[k].push(ratio);
    if (samples[k].length >= config.minPeriods) {
      factors[k] = median(samples[k]);
      samples[k] = [];
    }
  });
}

/** Adds one window's count to its slot of the current period. */
export function accumulate(profile: SeasonalProfile, slot: number, x: number): void {
  profile.sums[slot] += x;
  profile.windows[slot] += 1;
}

/**
 * Multipliers taking each history value to the current slot (factor[slot] / factor[s_i]), or
 * undefined when the seasonal baseline cannot be used yet: the current slot or a history slot
 * is still warming up, or the history predates the slots being recorded (an older snapshot).
 */
export function historyScales(profile: SeasonalProfile, historySlots: readonly number[] | undefined, historyLength: number, slot: number): number[] | undefined {
  if (slot < 0 || !historySlots || historySlots.length !== historyLength) return undefined;
  const current = profile.factors[slot];
  if (!(current > 0)) return undefined;
  const scales: number[] = [];
  for (const s of historySlots) {
    const f = s >= 0 ? profile.factors[s] : 0;
    if (!(f > 0)) return undefined;
    scales.push(current / f);
  }
  return scales;
}
