/**
 * Matches raised alerts against injected anomalies (the generator's labels), so the demo and the
 * quality tests can say which incidents were caught, how fast, and which alerts were noise.
 * An alert matches a label when its key covers the label's key (`*` covers any key) and the
 * anomaly it reports began inside the label's interval, extended by `graceMs` after the end
 * (detection can only follow the data). Where the anomaly began is the alert's `since` (the
 * first window of the run it fired on, which may end after the label: evidence of a moderate
 * shift can take longer to gather than the incident lasts), or its own window without one.
 * A run may also begin a few windows before the label (countRun.ts reaches back over quiet
 * windows, and a small campaign can be quiet by chance just before its incident), so a start up
 * to RUN_REACH_BACK_WINDOWS + 1 windows early still matches, provided the alert itself came after
 * the label's start.
 *
 * An alert that fits several labels does not count for one it reaches only through the grace
 * after that label's end when another fits it otherwise (its start inside that label, or just
 * before it: a run's reach-back). Without it the demo credited alerts of an ingestion delay that
 * began at 03:48 to a malformed burst that ended at 03:47. Labels that fit alike all keep it.
 */
import { RUN_REACH_BACK_WINDOWS } from './countRun.ts';
import type { AlertEvent } from './types.ts';

export interface LabelLike {
  kind: string;
  key: string;
  start: number;
  end: number;
}

export interface LabelMatch<L extends LabelLike> {
  label: L;
  alerts: AlertEvent[];
  /** Windows from the label's start to the first matching alert's window end. */
  delayWindows: number | undefined;
}

function keyCovers(labelKey: string, alertKey: string): boolean {
  if (labelKey === '*') return true;
  return alertKey.split('|').includes(labelKey) || alertKey === labelKey;
}

export function matchAlertsToLabels<L extends LabelLike>(
  labels: L[],
  alerts: AlertEvent[],
  windowMs: number,
  graceMs = 2 * windowMs,
): { matches: LabelMatch<L>[]; unmatched: AlertEvent[] } {
  // A resolved notification says an incident ended; only raised alerts can catch or be noise.
  alerts = alerts.filter((a) => (a.status ?? 'firing') !== 'resolved');
  const began = (a: AlertEvent): number => a.since ?? a.windowStart;
  const fits = (label: L, a: AlertEvent): boolean => {
    const earliest = label.start - (RUN_REACH_BACK_WINDOWS + 1) * windowMs;
    return keyCovers(label.key, a.key) && a.windowEnd > label.start && began(a) >= earliest && began(a) < label.end + graceMs;
  };
  // 1: reached only through the grace after the label's end; 0: otherwise.
  const fitRank = (label: L, a: AlertEvent): number => (began(a) >= label.end ? 1 : 0);
  // Labels that fit an alert equally well (two incidents at once on its key) all keep it.
  const bestRank = new Map<AlertEvent, number>();
  for (const alert of alerts) {
    for (const label of labels) {
      if (fits(label, alert)) bestRank.set(alert, Math.min(bestRank.get(alert) ?? Infinity, fitRank(label, alert)));
    }
  }
  const matches = labels.map((label) => {
    const hits = alerts.filter((a) => fits(label, a) && fitRank(label, a) === bestRank.get(a)).sort((a, b) => a.windowStart - b.windowStart);
    const delayWindows = hits.length ? Math.max(0, Math.ceil((hits[0].windowEnd - label.start) / windowMs)) : undefined;
    return { label, alerts: hits, delayWindows };
  });
  return { matches, unmatched: alerts.filter((a) => !bestRank.has(a)) };
}
