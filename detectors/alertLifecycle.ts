/**
 * Life of one series' alert: normal → pending → firing → (resolved) normal.
 *
 * - pending → firing after `firingAfter` consecutive anomalous windows, or at once when a window
 *   is critical: with the default of 2, an anomaly is caught at the latest at the end of its
 *   second window, and a single noisy window never pages anyone.
 * - firing → resolved after `resolveAfter` consecutive normal windows.
 * - A pending run that meets a normal window is dropped silently (it was a blip).
 * - A firing warning that turns critical is escalated (same alertId, severity critical).
 *
 * The state is plain JSON; `stepLifecycle` is a pure function of it, like the rest of detectors/.
 */
import type { AlertEvent, Severity } from './types.ts';

export interface LifecycleConfig {
  firingAfter: number;
  resolveAfter: number;
}

export interface LifecycleState {
  phase: 'normal' | 'pending' | 'firing';
  /** Start of the first anomalous window of the current run (the alert's "since"). */
  since: number | null;
  anomalousRun: number;
  normalRun: number;
  severity: Severity | null;
}

export type LifecycleEvent = 'firing' | 'escalated' | 'resolved';

export const initialLifecycle = (): LifecycleState => ({
  phase: 'normal', since: null, anomalousRun: 0, normalRun: 0, severity: null,
});

export interface WindowVerdict {
  anomalous: boolean;
  critical: boolean;
  windowStart: number;
}

export function stepLifecycle(
  state: LifecycleState,
  verdict: WindowVerdict,
  config: LifecycleConfig,
): { state: LifecycleState; event?: LifecycleEvent } {
  const s = { ...state };
  if (!verdict.anomalous) {
    if (s.phase === 'pending') return { state: initialLifecycle() };
    if (s.phase === 'firing') {
      s.normalRun += 1;
      // The caller describes the resolved alert from the state it passed in (since, severity).
      if (s.normalRun >= config.resolveAfter) return { state: initialLifecycle(), event: 'resolved' };
    }
    return { state: s };
  }
  const severity: Severity = verdict.critical ? 'critical' : 'warning';
  if (s.phase === 'firing') {
    s.normalRun = 0;
    s.anomalousRun += 1;
    if (severity === 'critical' && s.severity !== 'critical') return { state: { ...s, severity }, event: 'escalated' };
    return { state: s };
  }
  if (s.phase === 'normal') Object.assign(s, { phase: 'pending', since: verdict.windowStart, anomalousRun: 0, normalRun: 0 });
  s.anomalousRun += 1;
  if (s.severity !== 'critical') s.severity = severity;
  if (s.anomalousRun >= config.firingAfter || verdict.critical) return { state: { ...s, phase: 'firing' }, event: 'firing' };
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
  z: number;
  score: number;
  since: number;
  windowStart: number;
  windowEnd: number;
  severity: Severity;
}

const hhmm = (ms: number): string => new Date(ms).toISOString().slice(11, 16);

/** Keeps summaries short: integers as they are, other numbers to 3 significant digits. */
export const formatNumber = (n: number): string => (Number.isInteger(n) ? String(n) : n.toPrecision(3));

function describeWhere(dimensions: Record<string, string>, key: string): string {
  const parts = Object.entries(dimensions).map(([k, v]) => `${k} ${v}`);
  return parts.length ? parts.join(', ') : key;
}

/** One line a person can act on: what moved, where, by how much, since when, and for which window. */
export function summarize(facts: AlertFacts, event: LifecycleEvent): string {
  const where = describeWhere(facts.dimensions, facts.key);
  const way = facts.observed < facts.expected ? 'dropped' : 'spiked';
  const numbers = `observed ${formatNumber(facts.observed)} vs expected ${formatNumber(facts.expected)} (z ${facts.z.toFixed(1)})`;
  const window = `window ${hhmm(facts.windowStart)}–${hhmm(facts.windowEnd)} UTC`;
  const since = `anomalous since ${new Date(facts.since).toISOString()}`;
  const head = `[${facts.severity}] ${facts.metric} ${event === 'resolved' ? 'back to normal' : way} for ${where}`;
  const tail = event === 'escalated' ? ' (escalated to critical)' : '';
  return `${head}: ${numbers} in ${window}; ${since}${tail}`;
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
    score: facts.score,
    windowStart: facts.windowStart,
    windowEnd: facts.windowEnd,
    summary: summarize(facts, event),
  };
}
