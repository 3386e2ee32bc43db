/**
 * Robust z-score detector over the pipeline's metric events, configured with a list of watches
 * (which keys, which value, which direction, how far out). One series per watch and key; each
 * keeps a rolling history of its last N *normal* values, so a long incident never becomes the
 * baseline it is judged against.
 *
 * Missing windows. The pipeline emits nothing for a key in a window without events, so silence
 * has to be read as zero, or a campaign that stops entirely would never look like a drop. The
 * detector therefore tracks window boundaries itself: when a window is finished (the next
 * window's first metric arrives, `finishWindow()` is called, or `observe` is told its input
 * holds whole windows, as `EventTimeWindows.close()` does), every known series that got no
 * metric in it is scored with 0 (`zeroWhenMissing`, for counts) or skipped (ratios: no data is
 * not a zero rate). Whole windows skipped between two metrics are filled the same way. A series
 * missing for `forgetAfterMissing` windows in a row is forgotten (its alert, if any, resolves),
 * so dead campaigns do not grow the state forever.
 *
 * Seasonality (opt-in per watch, `count` and `robust_z` tests): the baseline is taken to the
 * window's slot of the day or week by the series' learned profile (seasonalProfile.ts), so a
 * step that recurs every day at 09:00 is expected while the same step at 03:00 is an incident.
 *
 * Pure: no clock, no randomness, no I/O; `snapshot()` is plain JSON and `restore()` continues
 * exactly where it left off.
 */
import {
  buildAlert,
  initialLifecycle,
  isOpen,
  stepLifecycle,
  type AlertFacts,
  type LifecycleConfig,
  type LifecycleEvent,
  type LifecycleState,
} from './alertLifecycle.ts';
import {
  anomalyScore,
  appendHistory,
  directedZ,
  robustZ,
  type Direction,
  type NoiseFloor,
  type ScaleOptions,
} from './robustBaseline.ts';
import { RUN_REACH_BACK_WINDOWS, calmAfter, countScore, growCalm, incidentOver, stepCountRun, type CalmTally, type CountModel, type CountTestConfig, type RunState } from './countRun.ts';
import {
  accumulate,
  advancePeriod,
  historyScales,
  newProfile,
  placeWindow,
  resolveSeasonality,
  sameSlotting,
  type SeasonalityConfig,
  type SeasonalProfile,
} from './seasonalProfile.ts';
import type { AlertEvent, MetricEvent, MetricUnit } from './types.ts';
import type { CountReading } from './peerInhibition.ts';

export interface Watch {
  /** Detector name on the alert, e.g. `event_count`; unique within a config. */
  name: string;
  /** Keys starting with this (e.g. `quality=stream`). */
  keyPrefix?: string;
  /** Further filter on key and dimensions; both filters must pass when both are given. */
  match?: (key: string, dimensions: Record<string, string>) => boolean;
  /** Which of the metric's values to watch, e.g. `count`, `win_rate`. */
  value: string;
  direction: Direction;
  /** Directed robust |z| at or above which a window is anomalous. */
  threshold: number;
  /** @default 'poisson' */
  floor?: NoiseFloor;
  /** @default 1 */
  minScale?: number;
  /** @default 0 */
  relativeScale?: number;
  /** A window without this key counts as 0 (counts) rather than no data (ratios). @default true */
  zeroWhenMissing?: boolean;
  /**
   * Score only when the trials (`values[trials.value]`, summed when several names) reach
   * `trials.min`; the n of the binomial floor, and of the rate tests.
   */
  trials?: { value: string | readonly string[]; min: number };
  /**
   * How a window is judged: `robust_z` (default: median/MAD z-score of `value`), `count` (the
   * value is a count: Poisson / negative-binomial run test against the recent mean), or a rate
   * test of `value` successes among `trials`: `binomial` (successes ≤ trials) or `poisson_rate`
   * (successes may exceed this window's trials, e.g. clicks on earlier impressions).
   */
  test?: 'robust_z' | CountModel;
  /** Successes derived from the metric's values (e.g. repeat clicks = clicks − click_users). */
  compute?: (values: Record<string, number>) => number | undefined;
  /** Name of the observed quantity on alerts; defaults to `value`. */
  metricName?: string;
  /** What the value measures, for alert summaries (a delay in ms reads as a duration). @default 'share' for rate tests, else 'count' */
  unit?: MetricUnit;
  /**
   * Expect the series' own daily or weekly shape (count and robust_z tests only): e.g.
   * `{ period: 'day' }` learns one factor per hour of the UTC day. Off by default.
   */
  seasonality?: SeasonalityConfig;
  /**
   * Normal windows kept for this watch, instead of the config's `historyWindows`: a rate whose
   * successes are sparse (a small campaign's clicks among its events) needs hours of history to
   * hold enough of them, and a rate, unlike a count, does not drift with the time of day.
   */
  historyWindows?: number;
}

export interface DetectorConfig extends LifecycleConfig {
  /** Normal values kept per series (the rolling history). */
  historyWindows: number;
  /** No score until a series has this many values. */
  warmupWindows: number;
  /** A window whose score reaches this is critical (fires at once, escalates a warning). */
  criticalScore: number;
  /** Forget a series after this many consecutive windows without its key. */
  forgetAfterMissing: number;
  /**
   * The most campaigns whose series are kept (unset: no limit). A series costs a few hundred
   * bytes and its share of every window's bookkeeping, and is kept `forgetAfterMissing` windows
   * after its campaign was last seen: a producer writing a fresh value into `campaign_id` (a
   * user or event id, a shifted column) made 180,000 series an hour of 100,000 events, 4.8 GB,
   * and the worker ran out of memory at every restart. Past the limit a new campaign is not
   * watched, and the `detector_capacity` alert says so while it lasts.
   */
  maxCampaigns?: number;
  /**
   * Hopping windows: only windows starting on a multiple of this (the window length) are scored,
   * every windowMs, a window length apart. Overlapping windows share events, and the count tests
   * take a run's windows as independent samples: scored at every slide, pure noise raised up to
   * 21 false alerts a week on one series (an adversarial review). Unset: every window (tumbling).
   */
  scoredWindowStartsEveryMs?: number;
  /**
   * Windows a campaign alert that joins a group already paged waits for the group's next page,
   * which carries it, before it pages alone (followerHold.ts); 0 pages it at once. @default 0
   */
  groupIntervalWindows?: number;
  /** Thresholds of the count and rate tests (watches with `test` other than robust_z). */
  countTest?: CountTestConfig;
  watches: Watch[];
}

/** Keys whose series ids are kept (seriesIds) before the cache starts over. */
const MAX_CACHED_KEYS = 10_000;

export const DEFAULT_COUNT_TEST: CountTestConfig = { startAlpha: 1e-3, continueAlpha: 0.05, fireAlpha: 1e-6, criticalAlpha: 1e-12, tolerance: 0.25 };

interface SeriesState {
  watch: string;
  key: string;
  dimensions: Record<string, string>;
  history: number[];
  /** Trials of each history window (rate tests only). */
  trialsHistory?: number[];
  /** The open run of unlikely windows (count and rate tests only). */
  run?: RunState | null;
  /** Windows of the open run, kept out of the history until the run either fires or ends as a blip. */
  unconfirmed?: { values: number[]; trials: number[] };
  /** The last quiet windows, the newest entries of the history, that a run may reach back over (countRun.ts). */
  quiet?: { values: number[]; trials: number[] };
  /** While firing, the windows since the run broke, pooled: the alert resolves only once they are unlikely at the incident's level (countRun.ts). */
  calm?: CalmTally;
  /** End of the last window this series was evaluated for. */
  lastWindowEnd: number;
  /** Consecutive windows without the key. */
  missing: number;
  lifecycle: LifecycleState;
  /** Last scored window's observed/expected, to describe a resolution caused by forgetting. */
  lastExpected: number;
  /**
   * Restored from a parent shard's state and not yet seen on this shard (`inherit`): a window
   * without the key is no data rather than zero, since the key may have gone to a sibling.
   */
  inherited?: boolean;
  /** A series of a parent shard's own (its quality): that shard ended in a reshard (`inherit`). */
  endedWithShard?: string;
  /** Seasonal watches: the slot of each history value (−1: none), and the learned profile. */
  historySlots?: number[];
  profile?: SeasonalProfile;
}

export interface DetectorSnapshot {
  version: 1;
  windowMs: number | null;
  /** Window currently receiving metrics, not yet finished. */
  current: { start: number; end: number } | null;
  /** End of the last finished window: metrics for earlier windows are ignored. */
  finishedThrough: number | null;
  series: Record<string, SeriesState>;
  /**
   * Campaigns past `maxCampaigns`: their metric events of the current window not watched, and
   * the start of the first window of the open `detector_capacity` alert. Absent: none yet.
   */
  unwatched?: {
    inWindow: number;
    since: number | null;
    /** The shard the open alert names (absent: none, or an alert from before alerts named it). */
    shard?: string;
    /** Parents' open alerts, resolved at the next window: a child shard's limit is its own. */
    ended?: { since: number; shard?: string }[];
  };
}

/** The alert that campaigns past `maxCampaigns` are not watched. */
export const DETECTOR_CAPACITY = 'detector_capacity';

export interface AlertTransition {
  event: LifecycleEvent;
  alert: AlertEvent;
}

interface Window {
  start: number;
  end: number;
}

/** The trials of a count watch's history, which has none: one empty array, not one a window. */
const NO_TRIALS: readonly number[] = [];

/** A seasonal watch's view of one window: its slot, and history multipliers once warm. */
interface Season {
  slot: number;
  scales?: number[];
}

function watchMatches(watch: Watch, metric: MetricEvent): boolean {
  if (watch.keyPrefix !== undefined && !metric.key.startsWith(watch.keyPrefix)) return false;
  return watch.match ? watch.match(metric.key, metric.dimensions) : true;
}

function scaleOptions(watch: Watch): ScaleOptions {
  return { floor: watch.floor ?? 'poisson', minScale: watch.minScale ?? 1, relativeScale: watch.relativeScale ?? 0 };
}

const finiteValue = (metric: MetricEvent | undefined, name: string): number | undefined => {
  const v = metric?.values[name];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
};

function watchedValue(watch: Watch, metric: MetricEvent | undefined): number | undefined {
  if (!metric) return undefined;
  const v = watch.compute ? watch.compute(metric.values) : finiteValue(metric, watch.value);
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function trialsOf(watch: Watch, metric: MetricEvent | undefined): number | undefined {
  if (!watch.trials) return undefined;
  const names = watch.trials.value;
  if (typeof names === 'string') return 0 + (finiteValue(metric, names) ?? 0);
  // A loop, not a reduce with a closure: this runs for every rate series at every window.
  let sum = 0;
  for (const name of names) sum += finiteValue(metric, name) ?? 0;
  return sum;
}

export interface ObserveOptions {
  /** The metrics hold whole windows: the last is finished at the end of the call (default true). */
  windowsComplete?: boolean;
  /**
   * The window held no event by its event time, only records counted when they arrived after
   * its shard's earlier windows had closed (stream/pipeline/detectorInput.ts): its series are
   * scored, but no series is filled with a zero for being absent from it.
   */
  eventless?: boolean;
}

export class VolumeDetector {
  private state: DetectorSnapshot = { version: 1, windowMs: null, current: null, finishedThrough: null, series: {} };
  private readonly watches: Map<string, Watch>;
  private readonly seasonality = new Map<string, ReturnType<typeof resolveSeasonality>>();
  /** The count tests' windows of the last observe call, for PeerInhibition; not state. */
  private readings: CountReading[] = [];
  /** How many series each watched campaign has, for `maxCampaigns`; derived from the state. */
  private campaigns = new Map<string, number>();
  /** The shard whose detector this is (forShard), named by its detector_capacity alert; not state. */
  private shardId: string | undefined;
  /**
   * `Object.keys(this.state.series).sort()`, kept until a series is added or forgotten: every
   * window's fillMissing walked its series in that order, and sorting the bench replay's 462 ids
   * anew at each of its 360 windows was 5 % of the detector's CPU. Not state.
   */
  private sortedIds: string[] | undefined;
  /** Series ids by metric key and watch index, made once per key rather than per metric and watch. Not state. */
  private readonly seriesIds = new Map<string, string[]>();
  /** The config as count tests step their lifecycle (they fire on the first window their run is strong enough), made once, not per series and window. */
  private readonly countLifecycle: DetectorConfig;

  constructor(private readonly config: DetectorConfig) {
    this.countLifecycle = { ...config, firingAfter: 1 };
    this.watches = new Map(config.watches.map((w) => [w.name, w]));
    for (const w of config.watches) {
      if (!w.seasonality) continue;
      if ((w.test ?? 'robust_z') !== 'robust_z' && w.test !== 'count') {
        throw new RangeError(`detector config: watch ${w.name}: seasonality applies to count and robust_z tests, not to rates`);
      }
      this.seasonality.set(w.name, resolveSeasonality(w.seasonality));
    }
    if (this.watches.size !== config.watches.length) throw new RangeError('detector config: watch names must be unique');
    if (config.warmupWindows > config.historyWindows) {
      throw new RangeError('detector config: warmupWindows must not exceed historyWindows (the history could never warm up)');
    }
  }

  static restore(config: DetectorConfig, snapshot: DetectorSnapshot): VolumeDetector {
    if (snapshot?.version !== 1) throw new RangeError(`unsupported detector snapshot version ${String(snapshot?.version)}`);
    const detector = new VolumeDetector(config);
    detector.state = structuredClone(snapshot);
    detector.countCampaigns();
    return detector;
  }

  snapshot(): DetectorSnapshot {
    return structuredClone(this.state);
  }

  /**
   * The shard this detector watches: its `detector_capacity` alert names it, as every shard has a
   * limit of its own (two shards' alerts under one id were one alert to the log and receivers,
   * resolved by the first shard back under its limit while the other's went on).
   */
  forShard(shardId: string): void {
    this.shardId = shardId;
  }

  /**
   * This detector now watches child shard `shardId` of the shard whose state it was restored
   * from. A split sends each key to one of the children, so every series waits for its key
   * before it is scored (a campaign gone to the sibling is not a drop to zero; one that stays
   * away is forgotten after `forgetAfterMissing` windows like any other), and a series of
   * another shard's own (`shard` dimension: the parent's quality) is forgotten at the next
   * window, its alert resolved: that shard has ended. After a merge of shards, the other
   * parents' series (`others`, their snapshots) join the same way, where this one has none.
   */
  inherit(shardId: string, others: readonly DetectorSnapshot[] = []): void {
    for (const other of others) {
      for (const [id, series] of Object.entries(other.series)) this.state.series[id] ??= structuredClone(series);
    }
    this.sortedIds = undefined;
    this.countCampaigns();
    // The parents' open detector_capacity alerts name their shards, which have ended: resolved at
    // the child's next window, where the child, under the limit or not, speaks for itself.
    const ended = [this.state.unwatched, ...others.map((other) => other.unwatched)].flatMap((unwatched) => [
      ...(unwatched?.ended ?? []),
      ...(unwatched && unwatched.since !== null ? [{ since: unwatched.since, ...(unwatched.shard !== undefined ? { shard: unwatched.shard } : {}) }] : []),
    ]);
    if (this.state.unwatched) {
      this.state.unwatched.since = null;
      delete this.state.unwatched.shard;
      delete this.state.unwatched.ended;
    }
    if (ended.length > 0) (this.state.unwatched ??= { inWindow: 0, since: null }).ended = ended;
    for (const series of Object.values(this.state.series)) {
      series.inherited = true;
      const shard = series.dimensions.shard;
      if (shard !== undefined && shard !== shardId) {
        series.missing = Math.max(series.missing, this.config.forgetAfterMissing - 1);
        series.endedWithShard = shard;
      }
    }
  }

  /**
   * ShardDetector contract: the notifications of these windows, in order: alerts that start
   * firing, escalate or are re-notified (`status: 'firing'`) and alerts that resolve
   * (`status: 'resolved'`).
   */
  observe(metrics: readonly MetricEvent[], options: ObserveOptions = {}): AlertEvent[] {
    return this.observeTransitions(metrics, options).map((t) => t.alert);
  }

  /**
   * Feeds metric events in window order. With `windowsComplete` (the default, matching
   * `EventTimeWindows.close()`), the last window in `metrics` is finished at the end of the call;
   * otherwise it stays open until a later window's metric or `finishWindow()`.
   */
  observeTransitions(metrics: readonly MetricEvent[], options: ObserveOptions = {}): AlertTransition[] {
    this.readings = [];
    const out: AlertTransition[] = [];
    for (const metric of metrics) this.observeOne(metric, out);
    if (options.windowsComplete ?? true) out.push(...this.finishWindow(!options.eventless));
    return out;
  }

  /** Each window a count test judged during the last observe call: its observed and expected counts. */
  lastReadings(): readonly CountReading[] {
    return this.readings;
  }

  /**
   * Declares the current window complete: known series without a metric in it are filled (not
   * with `fill` false: a window no event reached says nothing of the series it lacks).
   */
  finishWindow(fill = true): AlertTransition[] {
    const window = this.state.current;
    if (!window) return [];
    const out = fill ? this.fillMissing(window) : [];
    // Nor does such a window say whether campaigns went unwatched: an open detector_capacity
    // alert stays open through it (resolved there, it paged again at the next window).
    if (fill || (this.state.unwatched?.inWindow ?? 0) > 0) out.push(...this.reportUnwatched(window));
    this.state.current = null;
    this.state.finishedThrough = window.end;
    return out;
  }

  /**
   * One metric event's transitions, appended to `out`, as evaluate and evaluateCount append
   * theirs: not an array made and spread for each metric, and for each series at each window.
   */
  private observeOne(metric: MetricEvent, out: AlertTransition[]): void {
    const every = this.config.scoredWindowStartsEveryMs;
    if (every !== undefined && metric.windowStart % every !== 0) return;
    const { current, finishedThrough } = this.state;
    // The current window's object for its metrics, not a new one for each.
    const window = current?.start === metric.windowStart && current.end === metric.windowEnd ? current : { start: metric.windowStart, end: metric.windowEnd };
    // Windows close once and in order; anything for an earlier window is a replay: ignore it.
    if (finishedThrough !== null && window.end <= finishedThrough) return;
    if (current && window.start < current.start) return;
    this.state.windowMs ??= window.end - window.start;
    if (current && window.start > current.start) out.push(...this.finishWindow());
    if (!this.state.current) {
      out.push(...this.fillGap(window.start));
      this.state.current = window;
    }
    const campaign = metric.dimensions.campaign;
    if (campaign !== undefined && !this.watchesCampaign(campaign)) {
      const unwatched = (this.state.unwatched ??= { inWindow: 0, since: null });
      unwatched.inWindow++;
      return;
    }
    let ids = this.seriesIds.get(metric.key);
    if (!ids) {
      if (this.seriesIds.size >= MAX_CACHED_KEYS) this.seriesIds.clear();
      this.seriesIds.set(metric.key, (ids = []));
    }
    const watches = this.config.watches;
    for (let w = 0; w < watches.length; w++) {
      const watch = watches[w];
      if (!watchMatches(watch, metric)) continue;
      const id = (ids[w] ??= `${watch.name}@${metric.key}`);
      let series = this.state.series[id];
      if (!series) {
        series = this.state.series[id] = {
          watch: watch.name,
          key: metric.key,
          dimensions: { ...metric.dimensions },
          history: [],
          lastWindowEnd: window.start, // anything but window.end: JSON has no -Infinity
          missing: 0,
          lifecycle: initialLifecycle(),
          lastExpected: 0,
        };
        if (campaign !== undefined) this.campaigns.set(campaign, (this.campaigns.get(campaign) ?? 0) + 1);
        this.sortedIds = undefined;
      }
      if (series.lastWindowEnd === window.end) continue;
      this.evaluate(id, series, watch, window, metric, out);
    }
  }

  /** Whole windows with no metric at all between the last finished window and `nextStart`. */
  private fillGap(nextStart: number): AlertTransition[] {
    const { finishedThrough, windowMs } = this.state;
    if (finishedThrough === null || !windowMs) return [];
    const out: AlertTransition[] = [];
    // After forgetAfterMissing empty windows every series is forgotten: no need to go further.
    const steps = Math.min(Math.floor((nextStart - finishedThrough) / windowMs), this.config.forgetAfterMissing);
    for (let i = 0; i < steps; i++) {
      const start = finishedThrough + i * windowMs;
      out.push(...this.fillMissing({ start, end: start + windowMs }));
      out.push(...this.reportUnwatched({ start, end: start + windowMs }));
    }
    this.state.finishedThrough = Math.max(finishedThrough, nextStart);
    return out;
  }

  private fillMissing(window: Window): AlertTransition[] {
    const out: AlertTransition[] = [];
    // forget() drops the cache while this loop holds it: the loop walks the ids of its start, as before.
    for (const id of (this.sortedIds ??= Object.keys(this.state.series).sort())) {
      const series = this.state.series[id];
      const watch = this.watches.get(series.watch);
      if (!watch) {
        // Restored from a config that no longer has this watch (removed or renamed): its open
        // alert resolves, rather than staying open at the receiver for ever.
        if (isOpen(series.lifecycle)) {
          const gone: Watch = { name: series.watch, value: 'value', direction: 'both', threshold: 0 };
          out.push(this.closeUnrecovered(series, gone, window, `the detector ${series.watch} is no longer configured`));
        }
        this.forget(id);
        continue;
      }
      if (series.lastWindowEnd < window.end) this.evaluate(id, series, watch, window, undefined, out);
    }
    return out;
  }

  private evaluate(id: string, series: SeriesState, watch: Watch, window: Window, metric: MetricEvent | undefined, out: AlertTransition[]): void {
    series.lastWindowEnd = window.end;
    const present = watchedValue(watch, metric);
    series.missing = metric ? 0 : series.missing + 1;
    if (metric) delete series.inherited;
    if (series.inherited) return this.forgetIfGone(id, series, watch, window, out);
    const x = present ?? ((watch.zeroWhenMissing ?? true) && !metric ? 0 : undefined);
    const trials = trialsOf(watch, metric);
    const scorable = x !== undefined && (!watch.trials || (trials ?? 0) >= watch.trials.min);
    const test = watch.test ?? 'robust_z';
    const season = this.season(series, watch, window);
    if (scorable && test !== 'robust_z') {
      this.evaluateCount(series, watch, test, window, x, trials ?? 0, season, out);
    } else if (scorable && series.history.length < this.config.warmupWindows) {
      this.remember(series, x, season, true);
    } else if (scorable) {
      const scales = season?.scales;
      const history = scales ? series.history.map((h, i) => h * scales[i]) : series.history;
      const scored = robustZ(x, history, scaleOptions(watch), trials);
      const dz = directedZ(scored.z, watch.direction);
      const anomalous = dz >= watch.threshold;
      const score = anomalyScore(dz, watch.threshold);
      this.remember(series, x, season, !anomalous);
      series.lastExpected = scored.median;
      const before = series.lifecycle;
      const step = stepLifecycle(before, { anomalous, critical: anomalous && score >= this.config.criticalScore, windowStart: window.start }, this.config);
      series.lifecycle = step.state;
      if (step.event) {
        const basis = step.event === 'resolved' ? before : step.state;
        out.push(this.transition(series, watch, window, step.event, basis, { observed: x, expected: scored.median, strength: { z: scored.z }, score }));
      }
    }
    this.forgetIfGone(id, series, watch, window, out);
  }

  /** A series missing for `forgetAfterMissing` windows is forgotten, its open alert resolved. */
  private forgetIfGone(id: string, series: SeriesState, watch: Watch, window: Window, out: AlertTransition[]): void {
    if (series.missing >= this.config.forgetAfterMissing) {
      if (isOpen(series.lifecycle)) {
        const closedBecause = series.endedWithShard
          ? `shard ${series.endedWithShard} was resharded and has ended; its child shards are watched on their own`
          : `no data for ${series.missing} windows`;
        out.push(this.closeUnrecovered(series, watch, window, closedBecause));
      }
      this.forget(id);
    }
  }

  /**
   * A seasonal watch's slot for this window, after the profile has learned from any period that
   * just ended; `scales` only once the profile can deseasonalize the whole history.
   */
  private season(series: SeriesState, watch: Watch, window: Window): Season | undefined {
    const config = this.seasonality.get(watch.name);
    if (!config) return undefined;
    if (!series.profile || !sameSlotting(series.profile, config)) {
      series.profile = newProfile(config);
      series.historySlots = [];
    }
    const { period, slot } = placeWindow(config, window.start, window.end);
    advancePeriod(series.profile, config, period);
    return { slot, scales: historyScales(series.profile, series.historySlots, series.history.length, slot) };
  }

  /**
   * Appends a normal window to the history (and its slot, for seasonal watches). The profile
   * learns from the windows the history keeps, and from every window judged without the
   * seasonal baseline (warm-up): the plain level cannot tell a recurring step from an incident.
   */
  private remember(series: SeriesState, x: number, season: Season | undefined, normal: boolean, keep = this.config.historyWindows): void {
    if (normal) {
      series.history = appendHistory(series.history, x, keep);
      if (season) series.historySlots = appendHistory(series.historySlots ?? [], season.slot, keep);
    }
    if (season && season.slot >= 0 && series.profile && (normal || !season.scales)) accumulate(series.profile, season.slot, x);
  }

  /**
   * `remember` for a count or rate watch, whose rates also keep the window's trials. A method, not
   * a closure in evaluateCount: under tsx (keepNames) each closure made costs a defineProperty.
   */
  private rememberCount(series: SeriesState, model: CountModel, season: Season | undefined, historyWindows: number, value: number, n: number, normal: boolean): void {
    if (normal && model !== 'count') series.trialsHistory = appendHistory(series.trialsHistory ?? [], n, historyWindows);
    this.remember(series, value, season, normal, historyWindows);
  }

  /** Count and rate tests: a run of unlikely windows, judged as a whole (countRun.ts). */
  private evaluateCount(series: SeriesState, watch: Watch, model: CountModel, window: Window, x: number, trials: number, season: Season | undefined, out: AlertTransition[]): void {
    const { warmupWindows } = this.config;
    const historyWindows = watch.historyWindows ?? this.config.historyWindows;
    if (series.history.length < warmupWindows) {
      this.rememberCount(series, model, season, historyWindows, x, trials, true);
      return;
    }
    const tests = this.config.countTest ?? DEFAULT_COUNT_TEST;
    const history = { values: series.history, trials: series.trialsHistory ?? NO_TRIALS, scales: season?.scales };
    const firing = isOpen(series.lifecycle);
    // Seasonal watches place each value in a slot of its own window: no reaching back over them.
    const recent = season ? undefined : series.quiet;
    const previousRun = series.run;
    const verdict = stepCountRun(model, watch.direction, x, trials, history, series.run ?? null, tests, { firing, recent });
    series.run = verdict.run;
    if (verdict.absorbed && recent) {
      // The run began `absorbed` windows back: those leave the history for the run's own keeping.
      const back = verdict.absorbed;
      series.unconfirmed = { values: recent.values.slice(-back), trials: recent.trials.slice(-back) };
      series.history = series.history.slice(0, -back);
      if (model !== 'count') series.trialsHistory = (series.trialsHistory ?? []).slice(0, -back);
    }
    const quiet = !verdict.inRun && verdict.normal && !firing && !season;
    if (quiet) {
      // Appended in place (appendHistory): nothing else holds them, as `recent` is done with.
      series.quiet ??= { values: [], trials: [] };
      appendHistory(series.quiet.values, x, RUN_REACH_BACK_WINDOWS);
      appendHistory(series.quiet.trials, trials, RUN_REACH_BACK_WINDOWS);
    } else series.quiet = undefined;
    // Before firing the run's summed evidence decides; once firing, staying in the run keeps it
    // open, and so do windows after it that are still likely at the incident's own level.
    let anomalous = firing ? verdict.inRun : verdict.inRun && verdict.pRun < tests.fireAlpha;
    // Not on seasonal watches: their baseline moves with the time of day, so a run can break
    // because the day's level rose past the incident's, and the calm windows would never look over.
    const calm = firing && !verdict.inRun && !season ? (series.calm ?? calmAfter(model, previousRun)) : undefined;
    series.calm = calm && growCalm(calm, model, x, trials);
    const held = !!series.calm && !incidentOver(series.calm);
    if (held) anomalous = true;
    // Held open by the incident's level while this window is not on the incident's side of the
    // baseline (a flood's empty minute): no reminder from it, which would describe the window as
    // the opposite of the incident. A held window on its side (the flood's next click) may carry one.
    const onIncidentSide = series.calm !== undefined && (series.calm.sign > 0 ? verdict.observed > verdict.expected : verdict.observed < verdict.expected);
    const holdsOpen = held && !verdict.inRun && !onIncidentSide;
    const critical = verdict.inRun && verdict.pRun < tests.criticalAlpha;
    // A run that ends without an alert was the series' own noise: its windows join the history
    // after all. Left out, a sparse series would lose every window with a click in it and
    // learn a rate of nearly nothing, against which its next ordinary click is an incident.
    // (Seasonal watches place each value in a slot of its own window, so they keep the old rule.)
    if (verdict.inRun && !firing && !season) {
      const held = (series.unconfirmed ??= { values: [], trials: [] });
      held.values = appendHistory(held.values, x, historyWindows);
      held.trials = appendHistory(held.trials, trials, historyWindows);
    } else if (!verdict.inRun && series.unconfirmed) {
      const { values, trials: heldTrials } = series.unconfirmed;
      if (!firing) values.forEach((value, i) => this.rememberCount(series, model, season, historyWindows, value, heldTrials[i], true));
      series.unconfirmed = undefined;
    }
    this.rememberCount(series, model, season, historyWindows, x, trials, verdict.normal && !firing);
    const score = countScore(verdict.inRun ? verdict.pRun : verdict.pWindow, tests.fireAlpha);
    series.lastExpected = verdict.expected;
    if (model === 'count') this.readings.push({ watch: watch.name, key: series.key, dimensions: series.dimensions, windowStart: window.start, observed: verdict.observed, expected: verdict.expected });
    const before = series.lifecycle;
    // The run already accumulated the evidence: fire on the first window it is strong enough.
    const windowMs = window.end - window.start;
    const runStart = verdict.run ? window.start - (verdict.run.windows - 1) * windowMs : window.start;
    const step = stepLifecycle(before, { anomalous, critical, windowStart: runStart, holdsOpen }, this.countLifecycle);
    series.lifecycle = step.state;
    // The run became an incident: its windows stay out of the history.
    if (isOpen(series.lifecycle)) series.unconfirmed = undefined;
    if (!step.event) return;
    const basis = step.event === 'resolved' ? before : step.state;
    // The run's probability while the window is in it; after it (calm, resolved), the window's own.
    const p = verdict.inRun ? verdict.pRun : verdict.pWindow;
    out.push(this.transition(series, watch, window, step.event, basis, { observed: verdict.observed, expected: verdict.expected, strength: { p }, score }));
  }

  /** Drops a series, and its campaign from the count once it has none left. */
  private forget(id: string): void {
    const campaign = this.state.series[id]?.dimensions.campaign;
    delete this.state.series[id];
    this.sortedIds = undefined;
    if (campaign === undefined) return;
    const left = (this.campaigns.get(campaign) ?? 1) - 1;
    if (left > 0) this.campaigns.set(campaign, left);
    else this.campaigns.delete(campaign);
  }

  private countCampaigns(): void {
    this.campaigns = new Map();
    for (const series of Object.values(this.state.series)) {
      const campaign = series.dimensions.campaign;
      if (campaign !== undefined) this.campaigns.set(campaign, (this.campaigns.get(campaign) ?? 0) + 1);
    }
  }

  /** A campaign already watched, or one more within `maxCampaigns`. */
  private watchesCampaign(campaign: string): boolean {
    const max = this.config.maxCampaigns;
    return max === undefined || this.campaigns.has(campaign) || this.campaigns.size < max;
  }

  /**
   * At the end of each window: `detector_capacity` fires at the first window with campaigns past
   * `maxCampaigns`, and resolves at the first without. One alert, not a series: it is about the
   * detector, and must be heard even when every campaign slot is taken.
   */
  private reportUnwatched(window: Window): AlertTransition[] {
    const unwatched = this.state.unwatched;
    if (!unwatched) return [];
    const out = (unwatched.ended ?? []).map(({ since, shard }) => this.capacityAlert(window, 'resolved', 0, since, shard, true));
    delete unwatched.ended;
    const { inWindow, since, shard } = unwatched;
    unwatched.inWindow = 0;
    if (inWindow > 0 && since === null) {
      unwatched.since = window.start;
      if (this.shardId !== undefined) unwatched.shard = this.shardId;
      out.push(this.capacityAlert(window, 'firing', inWindow, window.start, this.shardId));
    }
    if (inWindow === 0 && since !== null) {
      unwatched.since = null;
      delete unwatched.shard;
      out.push(this.capacityAlert(window, 'resolved', 0, since, shard));
    }
    return out;
  }

  /** `shard`: the shard the alert names (undefined in a detector of no shard, or an alert fired before alerts named it). */
  private capacityAlert(window: Window, event: 'firing' | 'resolved', unwatchedMetrics: number, since: number, shard: string | undefined, shardEnded = false): AlertTransition {
    const max = this.config.maxCampaigns ?? 0;
    const alert = buildAlert(
      {
        detector: DETECTOR_CAPACITY,
        key: shard === undefined ? 'detector=campaigns' : `detector=campaigns|shard=${shard}`,
        dimensions: shard === undefined ? { detector: 'campaigns' } : { detector: 'campaigns', shard },
        metric: 'unwatched_campaign_metrics',
        observed: unwatchedMetrics,
        expected: 0,
        strength: { z: 0 },
        score: event === 'firing' ? 0.5 : 0,
        since,
        windowStart: window.start,
        windowEnd: window.end,
        severity: 'warning',
      },
      event,
    );
    const at = `window ${new Date(window.start).toISOString().slice(11, 16)}–${new Date(window.end).toISOString().slice(11, 16)} UTC`;
    alert.summary =
      event === 'firing'
        ? `[warning] campaigns not watched: the detectors watch at most ${max} campaigns ${shard === undefined ? 'here' : `on shard ${shard}`} and already do, and ${unwatchedMetrics} metric events of further campaigns in ${at} were not scored (their events are in the lake and their windows in the metrics, but no anomaly of theirs can alert). So many campaigns usually means a producer writing other values into campaign_id; if they are real, raise detectorMaxCampaigns. A campaign's series are dropped ${this.config.forgetAfterMissing} windows after its last event, which makes room; since ${new Date(since).toISOString()}`
        : shardEnded
          ? `[warning] campaigns not watched on shard ${shard ?? '(unnamed)'}: resolved, the shard has ended (its child shards raise their own); unwatched since ${new Date(since).toISOString()}`
          : `[warning] every campaign is watched again: none past the limit of ${max} in ${at}; unwatched since ${new Date(since).toISOString()}`;
    return { event, alert };
  }

  /** The open alert of a series that stopped reporting resolves, saying why it never recovered. */
  private closeUnrecovered(series: SeriesState, watch: Watch, window: Window, closedBecause: string): AlertTransition {
    return this.transition(series, watch, window, 'resolved', series.lifecycle, { observed: 0, expected: series.lastExpected, strength: { z: 0 }, score: 0 }, closedBecause);
  }

  private transition(
    series: SeriesState,
    watch: Watch,
    window: Window,
    event: LifecycleEvent,
    basis: LifecycleState,
    numbers: Pick<AlertFacts, 'observed' | 'expected' | 'strength' | 'score'>,
    closedBecause?: string,
  ): AlertTransition {
    const alert = buildAlert(
      {
        detector: watch.name,
        key: series.key,
        dimensions: series.dimensions,
        metric: watch.metricName ?? watch.value,
        unit: watch.unit ?? (watch.test === 'binomial' || watch.test === 'poisson_rate' ? 'share' : 'count'),
        ...numbers,
        since: basis.since ?? window.start,
        windowStart: window.start,
        windowEnd: window.end,
        severity: basis.severity ?? 'warning',
        closedBecause,
      },
      event,
    );
    return { event, alert };
  }
}

/** For `ShardStateConfig.createDetector`: a fresh detector, or one restored from a checkpoint. */
export function volumeDetectorFactory(config: DetectorConfig): (snapshot?: unknown) => VolumeDetector {
  return (snapshot) => (snapshot ? VolumeDetector.restore(config, snapshot as DetectorSnapshot) : new VolumeDetector(config));
}
