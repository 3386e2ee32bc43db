/**
 * The daily digest: what the alerting said about one UTC day, for the operator who reads one
 * message a morning instead of every page. A pure function of the day's alert notifications and
 * the DLQ's rejection counts by reason; reading the log and the lake is the caller's job.
 *
 * - An alert belongs to the day its notification's window starts on (UTC), like the lake's
 *   event-time partitions. Grouped notifications count every alert they stand for (`related`).
 * - "Raised" counts each alertId once among the day's firing notifications (firing, escalated or
 *   renotified; older logs have no status and are firing), at the highest severity it had that
 *   day, so an escalated warning counts as one critical alert, not as two alerts.
 * - "Resolved" counts each alertId once among the day's resolved notifications, and a paged
 *   alert's resolution that was logged only (a shard's, after the stream-wide alert it was part of
 *   resolved: streamNotifications.ts) with them: it was raised, so it counts as resolved too.
 * - Alerts logged but never paged (`inhibited`: a campaign's alert its peers explain) are counted
 *   apart, as "not paged", and nowhere else: the digest's other figures are what was paged.
 */
import { isPaged, type AlertEvent, type Severity } from '../../detectors/types.ts';

export const TOP_N = 10;
export const SEVERITIES: readonly Severity[] = ['critical', 'warning'];

export interface DetectorCount {
  detector: string;
  bySeverity: Record<Severity, number>;
  total: number;
}

export interface ReasonCount {
  reason: string;
  records: number;
}

export interface CampaignCount {
  campaign: string;
  /** Distinct alerts raised about the campaign that day. */
  alerts: number;
  /** Highest anomaly score among them: the tie-break, strongest first. */
  maxScore: number;
}

export interface DailyDigest {
  /** UTC date, YYYY-MM-DD. */
  day: string;
  raised: number;
  raisedBySeverity: Record<Severity, number>;
  /** Most alerts first, then detector name. */
  byDetector: DetectorCount[];
  resolved: number;
  /** Distinct alerts of the day logged but never paged (`inhibited`). */
  notPaged: number;
  /** Every rejected record of the day, not only the top reasons. */
  rejected: number;
  topRejections: ReasonCount[];
  topCampaigns: CampaignCount[];
  /**
   * When the day has no rejections: the days the DLQ does hold records on (most first, at most
   * three). Alerts are dated by event time and rejections by arrival, so a replay, a backfill or
   * the demo's generated day puts them on different days, and the day would look clean.
   */
  rejectedOnOtherDays?: { day: string; records: number }[];
}

/** True for a real calendar date written YYYY-MM-DD (2026-02-30 is not one). */
export function isUtcDay(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const time = Date.parse(`${text}T00:00:00Z`);
  return Number.isFinite(time) && new Date(time).toISOString().slice(0, 10) === text;
}

export const utcDayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** Every alert a list of notifications speaks for: each one, then the alerts grouped into it. */
export function flattenAlerts(notifications: readonly AlertEvent[]): AlertEvent[] {
  return notifications.flatMap((n) => [n, ...(n.related ?? [])]);
}

/**
 * How many alerts of a log were never paged: logged `inhibited` only. A shard's alert whose
 * firing was paged and whose late resolution was logged only (streamNotifications.ts) was paged.
 */
export function notPagedAlerts(logged: readonly AlertEvent[]): number {
  const alerts = flattenAlerts(logged);
  const paged = new Set(alerts.filter(isPaged).map((a) => a.alertId));
  return new Set(alerts.filter((a) => !isPaged(a) && !paged.has(a.alertId)).map((a) => a.alertId)).size;
}

/** The latest day any alert in the log is about, or undefined for an empty log. */
export function latestAlertDay(notifications: readonly AlertEvent[]): string | undefined {
  const alerts = flattenAlerts(notifications);
  if (alerts.length === 0) return undefined;
  return utcDayOf(Math.max(...alerts.map((a) => a.windowStart)));
}

interface Raised {
  alert: AlertEvent;
  severity: Severity;
  maxScore: number;
}

function raisedAlerts(alerts: readonly AlertEvent[]): Map<string, Raised> {
  const raised = new Map<string, Raised>();
  for (const alert of alerts) {
    if ((alert.status ?? 'firing') !== 'firing') continue;
    const seen = raised.get(alert.alertId);
    if (!seen) {
      raised.set(alert.alertId, { alert, severity: alert.severity, maxScore: alert.score });
      continue;
    }
    if (alert.severity === 'critical') seen.severity = 'critical';
    seen.maxScore = Math.max(seen.maxScore, alert.score);
  }
  return raised;
}

const zeroBySeverity = (): Record<Severity, number> => ({ critical: 0, warning: 0 });

function countByDetector(raised: Iterable<Raised>): DetectorCount[] {
  const rows = new Map<string, DetectorCount>();
  for (const { alert, severity } of raised) {
    let row = rows.get(alert.detector);
    if (!row) rows.set(alert.detector, (row = { detector: alert.detector, bySeverity: zeroBySeverity(), total: 0 }));
    row.bySeverity[severity] += 1;
    row.total += 1;
  }
  return [...rows.values()].sort((a, b) => b.total - a.total || (a.detector < b.detector ? -1 : 1));
}

function topCampaigns(raised: Iterable<Raised>): CampaignCount[] {
  const rows = new Map<string, CampaignCount>();
  for (const { alert, maxScore } of raised) {
    const campaign = alert.dimensions.campaign;
    if (campaign === undefined) continue;
    const row = rows.get(campaign);
    if (!row) rows.set(campaign, { campaign, alerts: 1, maxScore });
    else Object.assign(row, { alerts: row.alerts + 1, maxScore: Math.max(row.maxScore, maxScore) });
  }
  return [...rows.values()]
    .sort((a, b) => b.alerts - a.alerts || b.maxScore - a.maxScore || (a.campaign < b.campaign ? -1 : 1))
    .slice(0, TOP_N);
}

function topReasons(rejections: Readonly<Record<string, number>>): ReasonCount[] {
  return Object.entries(rejections)
    .filter(([, records]) => records > 0)
    .map(([reason, records]) => ({ reason, records }))
    .sort((a, b) => b.records - a.records || (a.reason < b.reason ? -1 : 1))
    .slice(0, TOP_N);
}

/**
 * The digest of `day` from alert notifications (other days' are ignored, so the whole log may be
 * passed) and the day's rejected records by reason.
 */
export function buildDailyDigest(day: string, notifications: readonly AlertEvent[], rejections: Readonly<Record<string, number>>): DailyDigest {
  if (!isUtcDay(day)) throw new RangeError(`day must be a UTC date YYYY-MM-DD, got "${day}"`);
  const logged = flattenAlerts(notifications).filter((a) => utcDayOf(a.windowStart) === day);
  const ofDay = logged.filter(isPaged);
  const raised = raisedAlerts(ofDay);
  const pagedEver = new Set(flattenAlerts(notifications).filter(isPaged).map((a) => a.alertId));
  const raisedBySeverity = zeroBySeverity();
  for (const { severity } of raised.values()) raisedBySeverity[severity] += 1;
  return {
    day,
    raised: raised.size,
    raisedBySeverity,
    byDetector: countByDetector(raised.values()),
    resolved: new Set(logged.filter((a) => a.status === 'resolved' && pagedEver.has(a.alertId)).map((a) => a.alertId)).size,
    notPaged: notPagedAlerts(logged),
    rejected: Object.values(rejections).reduce((sum, n) => sum + n, 0),
    topRejections: topReasons(rejections),
    topCampaigns: topCampaigns(raised.values()),
  };
}
