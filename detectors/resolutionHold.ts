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
 * - The group's one resolution is sent for the alert that led its first page (the strongest of
 *   that window's, as notificationOf chose it), carrying the others: the click flood paged for
 *   its click rate, and its resolution came led by the click volume, which resolved last.
 * - Which alerts are open, which led, and the resolutions held belong to the detector's snapshot.
 */
import { STREAM_GROUP, stronger } from './alertGrouping.ts';
import { isPaged, type AlertEvent } from './types.ts';
import { sortedRecord } from './sortedRecord.ts';

export interface ResolutionHoldSnapshot {
  /** Per group, the ids of its paged alerts not resolved. */
  open: Record<string, string[]>;
  /** Resolutions waiting for the last open alert of their group. */
  held: AlertEvent[];
  /** Per open group, the alert that led its first page (absent in snapshots of older versions). */
  leads?: Record<string, AlertEvent>;
}

const groupOf = (alert: AlertEvent): string => alert.group ?? alert.key;

export class ResolutionHold {
  private readonly open = new Map<string, Set<string>>();
  private held: AlertEvent[] = [];
  private readonly leads = new Map<string, AlertEvent>();

  constructor(saved?: ResolutionHoldSnapshot) {
    for (const [group, ids] of Object.entries(saved?.open ?? {})) this.open.set(group, new Set(ids));
    this.held = [...(saved?.held ?? [])];
    for (const [group, lead] of Object.entries(saved?.leads ?? {})) this.leads.set(group, lead);
  }

  /** Several snapshots' state as one (a child shard's parents). */
  static union(snapshots: readonly (ResolutionHoldSnapshot | undefined)[]): ResolutionHold {
    const hold = new ResolutionHold();
    for (const saved of snapshots) {
      for (const [group, ids] of Object.entries(saved?.open ?? {})) for (const id of ids) hold.opened(group, id);
      hold.held.push(...(saved?.held ?? []));
      for (const [group, lead] of Object.entries(saved?.leads ?? {})) if (!hold.leads.has(group)) hold.leads.set(group, lead);
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
        this.noteLead(group, alert);
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
      const resolutions = [...this.held.filter((held) => groupOf(held) === group), alert];
      this.held = this.held.filter((held) => groupOf(held) !== group);
      const leadId = this.leads.get(group)?.alertId;
      this.leads.delete(group);
      const carrier = resolutions.find((resolution) => resolution.alertId === leadId) ?? alert;
      const carried = resolutions.filter((resolution) => resolution !== carrier);
      out.push(carried.length > 0 ? { ...carrier, related: [...(carrier.related ?? []), ...carried] } : carrier);
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
    const open = [...this.open].filter(([, ids]) => ids.size > 0).map(([group, ids]): [string, string[]] => [group, [...ids].sort()]);
    return { open: sortedRecord(open), held: [...this.held], leads: sortedRecord(this.leads) };
  }

  /**
   * A firing alert of a group with nothing open leads its first page, unless a stronger one of the
   * same window does (one window's alerts of a group are one notification, led by the strongest).
   */
  private noteLead(group: string, alert: AlertEvent): void {
    const lead = this.leads.get(group);
    const firstOfIncident = !this.open.has(group);
    const strongerInLeadsWindow = lead !== undefined && lead.windowStart === alert.windowStart && stronger(alert, lead) < 0;
    if (firstOfIncident || strongerInLeadsWindow) this.leads.set(group, { ...alert, related: undefined });
  }

  private opened(group: string, alertId: string): void {
    const ids = this.open.get(group);
    if (ids) ids.add(alertId);
    else this.open.set(group, new Set([alertId]));
  }
}
