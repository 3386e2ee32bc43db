/**
 * The notifications on the stream's quality, made where every shard's quality alerts meet: the
 * stream-wide window merge (the live worker's StreamWindowMerge, and replay's). An incident that
 * hits the whole stream (a duplicate storm, a malformed burst, an ingestion delay) raises the
 * same alert on every shard and on the stream as a whole; sent by each shard, it paged five times
 * on four shards, and again five times when it resolved (an operator review of the demo).
 *
 * - Grouping: the alerts of one window and status (the stream's own, every shard's) are one
 *   notification, led by the stream-wide alert when there is one, the shards' in `related`.
 * - Inhibition (Alertmanager's inhibit_rules, with one rule: the stream-wide alert of a detector
 *   inhibits the shards' alerts of the same detector): while the stream-wide alert of detector D
 *   is open, a shard's firing, escalation or resolution of D in a window where the stream's D
 *   says nothing is not paged; it is carried in the next notification of the stream-wide D (its
 *   escalation, reminder or resolution) as a related alert. So a storm whose shards resolve over
 *   three windows resolves once, with the stream. A shard that alerts before the stream does, or
 *   after the stream's alert has resolved, pages as before.
 *
 * - A shard's resolution that comes after the stream-wide alert it was part of resolved (a shard
 *   whose duplicates settled a window after the others') is logged, not paged (`inhibited`): the
 *   operator was told the incident is over. A later escalation or reminder of that shard's alert
 *   pages, as news, and then so does its resolution.
 *
 * Deterministic: a function of the fired windows' alerts, taken window by window in event-time
 * order, so it does not depend on how windows were fired together (a live merge's step, a
 * replay's part) or which worker merges. Its state (which stream-wide alerts are open, the
 * alerts carried) is saved with the merge's. Nothing is dropped: what is still carried when the
 * stream ends (every shard ended: a bounded run, a replay) is sent then, grouped per window.
 */
import { STREAM_GROUP, groupNotifications, notificationOf } from '../../detectors/alertGrouping.ts';
import { isPaged, type AlertEvent } from '../../detectors/types.ts';

export interface StreamNotificationsSnapshot {
  /** Detectors whose stream-wide alert is open (fired and not resolved). */
  open: string[];
  /** Shards' alerts held for the next notification of their detector's stream-wide alert. */
  carried: AlertEvent[];
  /** Shards' alerts fired and not resolved: alert id → detector. */
  shardOpen?: Record<string, string>;
  /** Shards' alerts still open when the stream-wide alert of their detector resolved. */
  settled?: string[];
}

/** The stream-wide alert (scope=stream) leads a notification it is in. */
const isStreamWide = (alert: AlertEvent): boolean => alert.dimensions.scope === 'stream';

/** Why a shard's resolution after its incident's is not paged. */
const settledReason = (detector: string): string => `the stream-wide ${detector} alert it was part of resolved already`;

export class StreamNotifications {
  private readonly open = new Set<string>();
  private carried: AlertEvent[] = [];
  private readonly shardOpen = new Map<string, string>();
  private readonly settled = new Set<string>();

  static restore(snapshot: StreamNotificationsSnapshot | undefined): StreamNotifications {
    const notifications = new StreamNotifications();
    for (const detector of snapshot?.open ?? []) notifications.open.add(detector);
    notifications.carried = [...(snapshot?.carried ?? [])];
    for (const [alertId, detector] of Object.entries(snapshot?.shardOpen ?? {})) notifications.shardOpen.set(alertId, detector);
    for (const alertId of snapshot?.settled ?? []) notifications.settled.add(alertId);
    return notifications;
  }

  /**
   * Keeps track of a shard's alert; returns it marked `inhibited` when it is a resolution that
   * comes after its incident's stream-wide alert resolved.
   */
  private follow(alert: AlertEvent): AlertEvent {
    const settled = this.settled.delete(alert.alertId);
    if (alert.status !== 'resolved') {
      this.shardOpen.set(alert.alertId, alert.detector);
      return alert;
    }
    this.shardOpen.delete(alert.alertId);
    return settled && !this.open.has(alert.detector) ? { ...alert, inhibited: settledReason(alert.detector) } : alert;
  }

  /**
   * The notifications of fired windows: `shardAlerts`, the shards' quality alerts of those windows
   * (WindowMerger.takeAlerts), and `streamAlerts`, the stream-wide detector's. `final`: the stream
   * ended, nothing stays carried.
   */
  notify(shardAlerts: readonly AlertEvent[], streamAlerts: readonly AlertEvent[], final = false): AlertEvent[] {
    const out: AlertEvent[] = [];
    const starts = [...new Set([...shardAlerts, ...streamAlerts].map((alert) => alert.windowStart))].sort((a, b) => a - b);
    for (const start of starts) {
      const stream = streamAlerts.filter((alert) => alert.windowStart === start);
      const spoken = new Set(stream.map((alert) => alert.detector));
      const groups = new Map<string, AlertEvent[]>();
      const join = (key: string, alert: AlertEvent): void => {
        const members = groups.get(key);
        if (members) members.push(alert);
        else groups.set(key, [alert]);
      };
      const keyOf = (alert: AlertEvent): string => `${alert.status ?? 'firing'}|${alert.group ?? alert.key}`;
      for (const alert of stream) join(keyOf(alert), alert);
      for (const shardAlert of shardAlerts) {
        if (shardAlert.windowStart !== start) continue;
        const alert = this.follow(shardAlert);
        if (!isPaged(alert)) out.push(alert);
        else if (!spoken.has(alert.detector) && this.open.has(alert.detector)) this.carried.push(alert);
        else join(keyOf(alert), alert);
      }
      for (const alert of stream) {
        const carried = this.carried.filter((held) => held.detector === alert.detector);
        if (carried.length > 0) {
          this.carried = this.carried.filter((held) => held.detector !== alert.detector);
          for (const held of carried) groups.get(keyOf(alert))!.push(held);
        }
        if (alert.status === 'resolved') {
          this.open.delete(alert.detector);
          for (const [alertId, detector] of this.shardOpen) if (detector === alert.detector) this.settled.add(alertId);
        } else if (alert.group === STREAM_GROUP) this.open.add(alert.detector);
      }
      for (const members of groups.values()) out.push(notificationOf(members, isStreamWide));
    }
    if (final && this.carried.length > 0) {
      out.push(...groupNotifications(this.carried));
      this.carried = [];
    }
    return out;
  }

  /**
   * Shards' alerts whose window had fired when they came (a late partial): sent at once, as each
   * shard would have sent them (grouped per window, but with no other shard's nor the stream's).
   */
  late(alerts: readonly AlertEvent[]): AlertEvent[] {
    const followed = alerts.map((alert) => this.follow(alert));
    return [...groupNotifications(followed.filter(isPaged)), ...followed.filter((alert) => !isPaged(alert))];
  }

  snapshot(): StreamNotificationsSnapshot {
    return {
      open: [...this.open].sort(),
      carried: this.carried.map((alert) => ({ ...alert })),
      shardOpen: Object.fromEntries([...this.shardOpen].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
      settled: [...this.settled].sort(),
    };
  }
}
