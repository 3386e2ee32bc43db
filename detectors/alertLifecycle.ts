/**
 * Life of one series' alert: normal → pending → firing → [resolving] → (resolved) normal.
 *
 * - pending → firing after `firingAfter` consecutive anomalous windows, or at once when a window
 *   is critical: with the default of 2, an anomaly is caught at the latest at the end of its
 *   second window, and a single noisy window never pages anyone.
 * - firing → resolved after `resolveAfter` consecutive normal windows. With a cooldown, the
 *   alert first waits `cooldownWindows` more windows (resolving): an anomaly in that time is the
 *   same incident flapping, so it goes back to firing silently, under the same id, instead of
 *   paging again. One incident, one firing and one resolved notification.
 * - A pending run that meets a normal window is dropped silently (it was a blip).
 * - A firing warning that turns critical is escalated (same alertId, severity critical).
 * - While firing, a reminder (renotified) goes out every `renotifyWindows` windows, if set, on
 *   the next anomalous window: its numbers are the incident's, not a calm window's.
 *
 * The state is plain JSON; `stepLifecycle` is a pure function of it, like the rest of detectors/.
 */
import type { AlertEvent, MetricUnit, Severity } from './types.ts';

export interface LifecycleConfig {
  firingAfter: number;
  resolveAfter: number;
  /** Windows a resolution waits for the incident to come back before it is announced. @default 0 */
  cooldownWindows?: number;
  /** Re-notify a firing alert every this many windows; 0 never. @default 0 */
  renotifyWindows?: number;
}

export interface LifecycleState {
  phase: 'normal' | 'pending' | 'firing' | 'resolving';
  /** Start of the first anomalous window of the current run (the alert's "since"). */
  since: number | null;
  anomalousRun: number;
  normalRun: number;
  severity: Severity | null;
  /** Windows since the last notification (firing, escalated or renotified). */
  sinceNotice?: number;
}

export type LifecycleEvent = 'firing' | 'escalated' | 'renotified' | 'resolved';

export const initialLifecycle = (): LifecycleState => ({
  phase: 'normal', since: null, anomalousRun: 0, normalRun: 0, severity: null,
});

/** Firing or waiting out its cooldown: an alert is open, and notifications refer to it. */
export const isOpen = (state: LifecycleState): boolean => state.phase === 'firing' || state.phase === 'resolving';

export interface WindowVerdict {
  anomalous: boolean;
  critical: boolean;
  windowStart: number;
  /**
   * Anomalous only in that it keeps an open alert open: a window back inside the band that the
   * incident's own level still explains (a click flood's empty minute, countRun.ts's calm
   * windows). It sends no reminder: a reminder describes its window, and one sent from such a
   * window told the operator of a click flood that the clicks had "dropped: observed 0 % vs
   * expected 0.774 % (p 1) (still firing)". The reminder waits for the next window of the
   * incident's own. @default false
   */
  holdsOpen?: boolean;
}

export function stepLifecycle(
  state: LifecycleState,
  verdict: WindowVerdict,
  config: LifecycleConfig,
): { state: LifecycleState; event?: LifecycleEvent } {
  // Nearly every window of nearly every series: nothing to change, so the state itself, not a copy.
  if (!verdict.anomalous && state.phase === 'normal') return { state };
  const s = { ...state };
  const cooldown = config.cooldownWindows ?? 0;
  const renotify = config.renotifyWindows ?? 0;
  if (isOpen(s)) s.sinceNotice = (s.sinceNotice ?? 0) + 1;
  if (!verdict.anomalous) {
    if (s.phase === 'pending') return { state: initialLifecycle() };
    if (s.phase === 'resolving') {
      s.normalRun += 1;
      if (s.normalRun >= config.resolveAfter + cooldown) return { state: initialLifecycle(), event: 'resolved' };
      return { state: s };
    }
    if (s.phase === 'firing') {
      s.normalRun += 1;
      // The caller describes the resolved alert from the state it passed in (since, severity).
      if (s.normalRun >= config.resolveAfter) {
        if (cooldown === 0) return { state: initialLifecycle(), event: 'resolved' };
        return { state: { ...s, phase: 'resolving' } };
      }
      // No reminder from a normal window: it would say "still firing" with numbers that look fine.
      return { state: s };
    }
    return { state: s };
  }
  const severity: Severity = verdict.critical ? 'critical' : 'warning';
  if (isOpen(s)) {
    // Back from resolving: the same incident, the same id, no new page.
    s.phase = 'firing';
    s.normalRun = 0;
    s.anomalousRun += 1;
    if (severity === 'critical' && s.severity !== 'critical') return { state: { ...s, severity, sinceNotice: 0 }, event: 'escalated' };
    return verdict.holdsOpen ? { state: s } : remind(s, renotify);
  }
  if (s.phase === 'normal') Object.assign(s, { phase: 'pending', since: verdict.windowStart, anomalousRun: 0, normalRun: 0 });
  s.anomalousRun += 1;
  if (s.severity !== 'critical') s.severity = severity;
  if (s.anomalousRun >= config.firingAfter || verdict.critical) return { state: { ...s, phase: 'firing', sinceNotice: 0 }, event: 'firing' };
  return { state: s };
}

function remind(s: LifecycleState, renotify: number): { state: LifecycleState; event?: LifecycleEvent } {
  if (renotify > 0 && s.phase === 'firing' && (s.sinceNotice ?? 0) >= renotify) return { state: { ...s, sinceNotice: 0 }, event: 'renotified' };
  return { state: s };
}

/** Readable, stable id: the same anomaly gets the same id in a replay or after a restart. */
export function alertIdOf(detector: string, key: string, since: number): string {
  return `${detector}:${key}@${new Date(since).toISOString()}`;
}

export interface AlertFacts {
  detector: string;
  key: string;
  dimensions: Record<string, string>;
  metric: string;
  observed: number;
  expected: number;
  /** What observed and expected measure, for the summary: a share reads as a percentage, milliseconds as a duration. @default 'count' */
  unit?: MetricUnit;
  /** How unusual the window is: a robust z-score, or for count and rate tests a probability. */
  strength: { z: number } | { p: number };
  score: number;
  since: number;
  windowStart: number;
  windowEnd: number;
  severity: Severity;
  /** Why an open alert closes although its series never came back to normal (it stopped reporting). */
  closedBecause?: string;
}

const hhmm = (ms: number): string => new Date(ms).toISOString().slice(11, 16);

/** Keeps summaries short: integers as they are, other numbers to 3 significant digits. */
export const formatNumber = (n: number): string => (Number.isInteger(n) ? String(n) : n.toPrecision(3));

/** A test's probability as a person reads it: 0.35, 2e-9; below what a double holds, "< 1e-300". */
export function formatProbability(p: number): string {
  if (p < 1e-300) return '< 1e-300';
  return p >= 0.01 ? String(Number(p.toPrecision(2))) : p.toExponential(0);
}

/** A delay as a person reads it: 850 ms, 12.3 s, 5 min 38 s, 2 h 5 min. */
export function formatDuration(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  if (abs < 1000) return `${sign}${Math.round(abs)} ms`;
  if (abs < 60_000) return `${sign}${Number((abs / 1000).toPrecision(3))} s`;
  const seconds = Math.round(abs / 1000);
  if (seconds < 3600) return `${sign}${Math.floor(seconds / 60)} min${seconds % 60 ? ` ${seconds % 60} s` : ''}`;
  const minutes = Math.round(seconds / 60);
  return `${sign}${Math.floor(minutes / 60)} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
}

/**
 * A value in its unit: an operator read "observed 0.294 vs expected 0.00976" for a duplicate
 * share and "observed 337856 vs expected 0" for a delay, and had to know which was which.
 */
export function formatValue(value: number, unit: MetricUnit = 'count'): string {
  if (unit === 'share') return `${formatNumber(Number((value * 100).toPrecision(12)))} %`;
  if (unit === 'ms') return formatDuration(value);
  return formatNumber(value);
}

const describeStrength = (strength: AlertFacts['strength']): string =>
  'p' in strength ? `p ${formatProbability(strength.p)}` : `z ${strength.z.toFixed(1)}`;

/**
 * Where, in words: the stream-wide merge's quality (`scope stream, quality stream` before) is the
 * whole stream, and a shard's own quality is that shard.
 */
function describeWhere(dimensions: Record<string, string>, key: string): string {
  if (dimensions.quality === 'stream') {
    if (dimensions.scope === 'stream') return 'the whole stream';
    if (dimensions.shard !== undefined && Object.keys(dimensions).length === 2) return `shard ${dimensions.shard}`;
  }
  const parts = Object.entries(dimensions).map(([k, v]) => `${k} ${v}`);
  return parts.length ? parts.join(', ') : key;
}

/** How a reminder's summary ends. */
export const STILL_FIRING = ' (still firing)';

/** One line a person can act on: what moved, where, by how much, since when, and for which window. */
export function summarize(facts: AlertFacts, event: LifecycleEvent): string {
  const where = describeWhere(facts.dimensions, facts.key);
  const way = facts.observed < facts.expected ? 'dropped' : 'spiked';
  const numbers = `observed ${formatValue(facts.observed, facts.unit)} vs expected ${formatValue(facts.expected, facts.unit)} (${describeStrength(facts.strength)})`;
  const window = `window ${hhmm(facts.windowStart)}–${hhmm(facts.windowEnd)} UTC`;
  const since = `anomalous since ${new Date(facts.since).toISOString()}`;
  if (event === 'resolved' && facts.closedBecause) {
    return `[${facts.severity}] ${facts.metric} alert closed for ${where}, not back to normal: ${facts.closedBecause}; ${since}`;
  }
  // "No longer anomalous", not "back to normal": a resolution says the windows stopped being
  // unlikely, and a campaign can resolve while still below its expected level (observed 6 vs
  // expected 14.7, p 0.05), which "back to normal" misstated (an operator review).
  const head = `[${facts.severity}] ${facts.metric} ${event === 'resolved' ? 'no longer anomalous' : way} for ${where}`;
  const tail = event === 'escalated' ? ' (escalated to critical)' : event === 'renotified' ? STILL_FIRING : '';
  return `${head}: ${numbers} in ${window}; ${since}${tail}`;
}

/**
 * What an alert is grouped by when several fire together: the campaign it is about, else the
 * stream-level cause (all quality alerts of a window share one notification).
 */
export function groupOf(dimensions: Record<string, string>): string {
  if (dimensions.campaign !== undefined) return `campaign=${dimensions.campaign}`;
  if (dimensions.quality !== undefined) return 'stream';
  return Object.entries(dimensions).map(([k, v]) => `${k}=${v}`).join('|') || 'stream';
}

/**
 * The SQL to look at the series around the incident (`adstream query`, Athena): its metric
 * events from half an hour before the anomaly began to the window that raised the alert. The
 * stream's own quality (`quality=stream`) is merged from the shards' windows and goes to the
 * metrics outputs, not to the lake, so its query shows each shard's quality instead
 * (`quality=stream|shard=<id>`): where the incident is, shard by shard.
 */
export function investigateQuery(key: string, since: number, until: number): string {
  const ts = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
  const range = `window_start >= TIMESTAMP '${ts(since - 30 * 60_000)}' AND window_start < TIMESTAMP '${ts(until)}'`;
  if (key === 'quality=stream') {
    return `SELECT window_start, key, metric, value FROM metrics WHERE key LIKE 'quality=stream|shard=%' AND ${range} ORDER BY window_start, key, metric`;
  }
  if (key === 'detector=campaigns' || key.startsWith('detector=campaigns|shard=')) {
    // The detector_capacity alert (volumeDetector.ts): how many campaigns the shard (each shard, for
    // an alert that names none) had a window, the most first.
    const shard = key.startsWith('detector=campaigns|shard=') ? ` AND shard_id = '${key.slice('detector=campaigns|shard='.length).replace(/'/g, "''")}'` : '';
    return `SELECT window_start, shard_id, count(DISTINCT campaign_id) AS campaigns FROM metrics WHERE campaign_id IS NOT NULL${shard} AND ${range} GROUP BY ALL ORDER BY campaigns DESC, window_start, shard_id`;
  }
  const quoted = key.replace(/'/g, "''");
  return `SELECT window_start, metric, value FROM metrics WHERE key = '${quoted}' AND ${range} ORDER BY window_start, metric`;
}

export function buildAlert(facts: AlertFacts, event: LifecycleEvent): AlertEvent {
  return {
    alertId: alertIdOf(facts.detector, facts.key, facts.since),
    detector: facts.detector,
    key: facts.key,
    dimensions: { ...facts.dimensions },
    severity: facts.severity,
    metric: facts.metric,
    observed: facts.observed,
    expected: facts.expected,
    unit: facts.unit ?? 'count',
    score: facts.score,
    windowStart: facts.windowStart,
    windowEnd: facts.windowEnd,
    summary: summarize(facts, event),
    since: facts.since,
    status: event === 'resolved' ? 'resolved' : 'firing',
    notification: event,
    group: groupOf(facts.dimensions),
    query: investigateQuery(facts.key, facts.since, facts.windowEnd),
  };
}
