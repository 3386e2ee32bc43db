/**
 * Hand-built lifecycle steps of one campaign's alerts, in one-minute windows from `t0`, and the
 * notifications they make, written compactly: what the hold tests (resolutionHold, followerHold)
 * build their incidents from and assert on.
 */
import { groupNotifications } from '../../../detectors/alertGrouping.ts';
import type { AlertEvent } from '../../../detectors/types.ts';

export const WINDOW_MS = 60_000;

export type Step = 'firing' | 'escalated' | 'renotified' | 'resolved';

/**
 * A builder of `campaign`'s alert steps: `detector` in window `window` (0 starts at `t0`), its
 * key the campaign's unless `fields` name another. The `strongest` detector scores highest, so
 * it leads a notification of warnings.
 */
export function campaignAlertSteps(campaign: string, t0: number, strongest: string) {
  return (detector: string, window: number, notification: Step, fields: Partial<AlertEvent> = {}): AlertEvent => {
    const key = fields.key ?? `campaign=${campaign}`;
    return {
      alertId: `${detector}:${key}@${t0}`,
      detector,
      key,
      dimensions: { campaign },
      severity: notification === 'escalated' ? 'critical' : 'warning',
      metric: detector,
      observed: 9,
      expected: 2,
      score: detector === strongest ? 0.9 : 0.7,
      windowStart: t0 + window * WINDOW_MS,
      windowEnd: t0 + (window + 1) * WINDOW_MS,
      summary: `${detector} ${notification}`,
      status: notification === 'resolved' ? 'resolved' : 'firing',
      notification,
      group: `campaign=${campaign}`,
      ...fields,
    };
  };
}

/** Each notification of `alerts` as `window step detector [related detector:step…]`, windows counted from `t0`. */
export const pagesOf = (alerts: AlertEvent[], t0: number): string[] =>
  groupNotifications(alerts).map((n) => [(n.windowStart - t0) / WINDOW_MS, n.notification, n.detector, ...(n.related ?? []).map((r) => `${r.detector}:${r.notification}`)].join(' '));
