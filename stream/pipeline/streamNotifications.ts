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
 * Deterministic: a function of the fired windows' alerts, taken window by window in event-time
 * order, so it does not depend on how windows were fired together (a live merge's step, a
 * replay's part) or which worker merges. Its state (which stream-wide alerts are open, the
 * alerts carried) is saved with the merge's. Nothing is dropped: what is still carried when the
 * stream ends (every shard ended: a bounded run, a replay) is sent then, grouped per window.
 */
import { STREAM_GROUP, groupNotifications, notificationOf } from '../../detectors/alertGrouping.ts';
import type { AlertEvent } from '../../detectors/types.ts';

export interface StreamNotificationsSnapshot {
  /** Detectors whose stream-wide alert is open (fired and not resolved). */
  open: string[];
  /** Shards' alerts held for the next notification of their detector's stream-wide alert. */
  carried: AlertEvent[];
}

/** The stream-wide alert (scope=stream) leads a notification it is in. */
const isStreamWide = (alert: AlertEvent): boolean => alert.dimensions.scope === 'stream';

export class StreamNotifications {
  private readonly open = new Set<string>();
  private carried: AlertEvent[] = [];

  static restore(snapshot: StreamNotificationsSnapshot | undefined): StreamNotifications {
    const notifications = new StreamNotifications();
    for (const detector of snapshot?.open ?? []) notifications.open.add(detector);
    notifications.carried = [...(snapshot?.carried ?? [])];
    return notifications;
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
      for (const alert of shardAlerts) {
        if (alert.windowStart !== start) continue;
        if (!spoken.has(alert.detector) && this.open.has(alert.detector)) this.carried.push(alert);
        else join(keyOf(alert), alert);
      }
      for (const alert of stream) {
        const carried = this.carried.filter((held) => held.detector === alert.detector);
        if (carried.length > 0) {
          this.carried = this.carried.filter((held) => held.detector !== alert.detector);
          for (const held of carried) groups.get(keyOf(alert))!.push(held);
        }
        if (alert.status === 'resolved') this.open.delete(alert.detector);
        else if (alert.group === STREAM_GROUP) this.open.add(alert.detector);
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
    return groupNotifications(alerts);
  }

  snapshot(): StreamNotificationsSnapshot {
    return { open: [...this.open].sort(), carried: this.carried.map((alert) => ({ ...alert })) };
  }
}
