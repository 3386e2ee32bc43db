/**
 * A campaign's incident resolves once, when the last of its alerts does. A click flood raises a
 * click-rate alert and a click-volume alert for its campaign, paged together in one notification
 * (alertGrouping.ts); they come back to normal a window apart, and the demo paged "resolved" twice
 * for each of two incidents. Alertmanager sends a group's resolution when the group has no alert
 * left firing; so here: the resolution of a paged alert whose group (`campaign=c004`) still has
 * other paged alerts open is held, and rides in the group's last resolution, in `related`
 * (notificationOf keeps the related alerts of its members).
 *
 * - Only paged alerts count: an inhibited one (peerInhibition.ts) is not open for the operator.
 * - The stream's quality alerts are left alone: the stream-wide merge groups them over all shards
 *   (stream/pipeline/streamNotifications.ts).
 * - Nothing is lost: at the end of a bounded run (`flush`) a resolution still held is sent as
 *   it was, though its group has alerts still open.
 * - Which alerts are open and the resolutions held belong to the detector's snapshot.
 */
import { STREAM_GROUP } from './alertGrouping.ts';
import { isPaged, type AlertEvent } from './types.ts';

export interface ResolutionHoldSnapshot {
  /** Per group, the ids of its paged alerts not resolved. */
  open: Record<string, string[]>;
  /** Resolutions waiting for the last open alert of their group. */
  held: AlertEvent[];
}

const groupOf = (alert: AlertEvent): string => alert.group ?? alert.key;

export class ResolutionHold {
  private readonly open = new Map<string, Set<string>>();
  private held: AlertEvent[] = [];

  constructor(saved?: ResolutionHoldSnapshot) {
    for (const [group, ids] of Object.entries(saved?.open ?? {})) this.open.set(group, new Set(ids));
    this.held = [...(saved?.held ?? [])];
  }

  /** Several snapshots' state as one (a child shard's parents). */
  static union(snapshots: readonly (ResolutionHoldSnapshot | undefined)[]): ResolutionHold {
    const hold = new ResolutionHold();
    for (const saved of snapshots) {
      for (const [group, ids] of Object.entries(saved?.open ?? {})) for (const id of ids) hold.opened(group, id);
      hold.held.push(...(saved?.held ?? []));
    }
    return hold;
  }

  /** `alerts` less the resolutions held; a group's last resolution carries those held before it. */
  apply(alerts: readonly AlertEvent[]): AlertEvent[] {
    const out: AlertEvent[] = [];
    for (const alert of alerts) {
      const group = groupOf(alert);
      if (!isPaged(alert) || group === STREAM_GROUP) {
        out.push(alert);
        continue;
      }
      if (alert.status !== 'resolved') {
        this.opened(group, alert.alertId);
        out.push(alert);
        continue;
      }
      const open = this.open.get(group);
      open?.delete(alert.alertId);
      if (open && open.size > 0) {
        this.held.push(alert);
        continue;
      }
      this.open.delete(group);
      const carried = this.held.filter((held) => groupOf(held) === group);
      this.held = this.held.filter((held) => groupOf(held) !== group);
      out.push(carried.length > 0 ? { ...alert, related: [...(alert.related ?? []), ...carried] } : alert);
    }
    return out;
  }

  /** The end of a bounded run: every resolution still held, as it was. */
  flush(): AlertEvent[] {
    const held = this.held;
    this.held = [];
    return held;
  }

  snapshot(): ResolutionHoldSnapshot {
    const open = [...this.open].filter(([, ids]) => ids.size > 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return { open: Object.fromEntries(open.map(([group, ids]) => [group, [...ids].sort()])), held: [...this.held] };
  }

  private opened(group: string, alertId: string): void {
    const ids = this.open.get(group);
    if (ids) ids.add(alertId);
    else this.open.set(group, new Set([alertId]));
  }
}
