/**
 * One notification per campaign (or per stream-level cause) and window: a traffic drop moves a
 * campaign's bid requests, impressions and clicks at once, and an operator should get one page
 * saying so, not three. The notification is the strongest alert of the group (critical first,
 * then the highest score), keeps that alert's deterministic id, and carries the others in
 * `related`; firing and resolved notifications are grouped separately.
 *
 * Grouping happens where notifications are sent, not in the detectors: a shard groups its own
 * alerts when it commits them (stream/consumer/commitBatch.ts), and the stream's quality alerts
 * (group `stream`), which every shard raises for an incident that hits the whole stream, are
 * grouped over all shards by the stream-wide merge (stream/pipeline/streamNotifications.ts).
 */
import type { AlertEvent, Severity } from './types.ts';

const severityRank: Record<Severity, number> = { critical: 1, warning: 0 };

/** Strongest first; a total order (one alert's firing and later resolution carried together, oldest first), so any input order groups alike. */
export function stronger(a: AlertEvent, b: AlertEvent): number {
  return (
    severityRank[b.severity] - severityRank[a.severity] ||
    b.score - a.score ||
    (a.alertId < b.alertId ? -1 : a.alertId > b.alertId ? 1 : 0) ||
    a.windowStart - b.windowStart ||
    (a.status === b.status ? 0 : a.status === 'resolved' ? 1 : -1)
  );
}

/** The group a quality alert is in (alertLifecycle.ts, groupOf): the one the stream-wide merge notifies for. */
export const STREAM_GROUP = 'stream';

/** An alert on the stream's quality (a shard's or the whole stream's): notified through the stream-wide merge when there is one. */
export const isStreamGroup = (alert: AlertEvent): boolean => (alert.group ?? alert.key) === STREAM_GROUP;

/**
 * One notification standing for `members` (one window and status of one group): led by the
 * strongest, or by the strongest `preferred` one when any is (the stream-wide alert before the
 * shards' own), the others in `related`, strongest first. The same members in any order give the
 * same notification.
 */
export function notificationOf(members: readonly AlertEvent[], preferred: (alert: AlertEvent) => boolean = () => false): AlertEvent {
  // A member may carry alerts already: a campaign's resolution carries the resolutions held for
  // it (resolutionHold.ts), a campaign's page the alerts that waited for it (followerHold.ts).
  // They are members like the others, but the carrier leads (after a preferred one): it is the
  // alert the notification is sent for, the one that led the incident's first page, and a
  // resolution led by another alert than its firing read as news of another incident.
  const carriers = new Set(members.filter((member) => (member.related?.length ?? 0) > 0).map(stepIdOf));
  const carrier = (alert: AlertEvent): number => Number(carriers.has(stepIdOf(alert)));
  const all = members.flatMap((member) => (member.related ? [{ ...member, related: undefined }, ...member.related] : [member]));
  const sorted = distinct(all).sort((a, b) => Number(preferred(b)) - Number(preferred(a)) || carrier(b) - carrier(a) || stronger(a, b));
  const [primary, ...others] = sorted;
  const related = others.map((r) => ({ ...r, related: undefined }));
  if (related.length === 0) return primary;
  const where = primary.group ?? primary.key;
  // Alerts, not members: a shard's alert carried with its firing and its resolution is one alert.
  const alerts = new Set([primary, ...related].map((member) => member.alertId)).size;
  return {
    ...primary,
    summary: alerts > 1 ? `${alerts} alerts for ${where}: ${primary.summary}` : primary.summary,
    related,
  };
}

/**
 * The members less repeats of one notification of one alert (id, window, lifecycle step): after a
 * split both children inherit the parent shard's open quality alerts and close each alike ("shard
 * X was resharded"), and the group carried the same alert twice.
 */
function distinct(members: readonly AlertEvent[]): AlertEvent[] {
  const seen = new Set<string>();
  return members.filter((alert) => {
    const id = stepIdOf(alert);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** One notification of one alert: its id, window and lifecycle step. */
const stepIdOf = (alert: AlertEvent): string => `${alert.alertId}|${alert.windowStart}|${alert.notification ?? alert.status ?? 'firing'}`;

/** Notifications of `alerts`: one per window, status and group, in the order each group first appears. */
export function groupNotifications(alerts: readonly AlertEvent[], preferred?: (alert: AlertEvent) => boolean): AlertEvent[] {
  const groups = new Map<string, AlertEvent[]>();
  for (const alert of alerts) {
    const id = `${alert.windowStart}|${alert.status ?? 'firing'}|${alert.group ?? alert.key}`;
    const list = groups.get(id);
    if (list) list.push(alert);
    else groups.set(id, [alert]);
  }
  return [...groups.values()].map((members) => notificationOf(members, preferred));
}

/** Which lifecycle step a notification of an alert is. */
export const stepOf = (alert: AlertEvent): NonNullable<AlertEvent['notification']> => alert.notification ?? alert.status ?? 'firing';

const STEP_ORDER: Record<NonNullable<AlertEvent['notification']>, number> = { firing: 0, escalated: 1, renotified: 2, resolved: 3 };

/**
 * The other alerts of a notification, each once (in the order the notification lists them,
 * strongest first) with its steps in the order they happened. A shard's alert that fired,
 * escalated and resolved while the stream-wide alert was open is carried with all three steps at
 * once, and `related`, ordered by strength, named it three times, out of order.
 */
export function relatedAlerts(notification: AlertEvent): AlertEvent[][] {
  const steps = new Map<string, AlertEvent[]>();
  for (const related of notification.related ?? []) {
    const list = steps.get(related.alertId);
    if (list) list.push(related);
    else steps.set(related.alertId, [related]);
  }
  return [...steps.values()].map((members) => [...members].sort((a, b) => a.windowStart - b.windowStart || STEP_ORDER[stepOf(a)] - STEP_ORDER[stepOf(b)]));
}

