/**
 * A campaign's later symptoms ride in its incident's next page. A win-rate collapse paged for
 * c008; two windows later its impressions dropped too, and that paged on its own, one window
 * before the win rate's escalation, which could have carried it. Alertmanager batches alerts that
 * join a group it has already notified and sends them at the group's next `group_interval`; so
 * here: the first notification (firing) of a paged alert whose group already has another paged
 * alert open waits for the group's next page (an escalation, a reminder, the firing of a member
 * that pages at once, or the resolution), which carries it in `related` (notificationOf lists the
 * members' related alerts); at the longest it waits `groupIntervalWindows` windows, then pages
 * on its own.
 *
 * - A reminder (renotified) waits the same way when its group paged for another alert in the last
 *   `groupIntervalWindows` windows, so a campaign's alerts, each reminded of on its own count,
 *   are reminded of in one page.
 * - No incident pages later than before: the group's first alert pages as it fires; only the
 *   symptoms that join it afterwards wait.
 * - The stream's quality alerts and alerts not paged are left alone, as in resolutionHold.ts.
 * - Time is the windows' event time, never the clock: an alert held from a window ending at `e`
 *   pages once a window ending at `e + groupIntervalWindows × its window length` has been
 *   observed, with any other alert held for its group, unless a page of its group carried it before. The result does not depend
 *   on how windows were batched into `apply` calls (alerts come in window order).
 * - What is held and which alerts each group has paged belong to the detector's snapshot; at the
 *   end of a bounded run (`flush`) what is still held is sent.
 *
 * It runs after ResolutionHold: a resolution reaching it is its group's last one.
 */
import { STREAM_GROUP, stepOf } from './alertGrouping.ts';
import { isPaged, type AlertEvent } from './types.ts';
import { sortedRecord } from './sortedRecord.ts';

export interface FollowerHoldSnapshot {
  /** Per group, its alerts paged and not resolved: each id with the end of the window it first paged in. */
  paged: Record<string, Record<string, number>>;
  /** First notifications (and reminders) waiting for their group's next page, oldest first. */
  held: AlertEvent[];
  /** Per group with paged alerts open, its latest page: the end of its window and the alert that led it. Absent in snapshots from before reminders were held. */
  lastPage?: Record<string, LastPage>;
}

const groupOf = (alert: AlertEvent): string => alert.group ?? alert.key;

export interface LastPage {
  at: number;
  alertId: string;
}

/** Event time after which a held alert pages on its own. */
const dueAt = (alert: AlertEvent, windows: number): number => alert.windowEnd + windows * (alert.windowEnd - alert.windowStart);

/** `alerts` (in window order) cut into their windows' runs. */
function byWindow(alerts: readonly AlertEvent[]): AlertEvent[][] {
  const windows: AlertEvent[][] = [];
  for (const alert of alerts) {
    const last = windows.at(-1);
    if (last && last[0].windowEnd === alert.windowEnd) last.push(alert);
    else windows.push([alert]);
  }
  return windows;
}

export class FollowerHold {
  private readonly paged = new Map<string, Map<string, number>>();
  private readonly lastPage = new Map<string, LastPage>();
  private held: AlertEvent[] = [];

  constructor(
    /** How many windows a held alert waits at most; 0 holds nothing. */
    private readonly groupIntervalWindows: number,
    saved?: FollowerHoldSnapshot,
  ) {
    for (const [group, ids] of Object.entries(saved?.paged ?? {})) for (const [id, at] of Object.entries(ids)) this.markPaged(group, id, at);
    for (const [group, last] of Object.entries(saved?.lastPage ?? {})) this.markLastPage(group, last);
    this.held = [...(saved?.held ?? [])];
  }

  /** Several snapshots' state as one (a child shard's parents). */
  static union(groupIntervalWindows: number, snapshots: readonly (FollowerHoldSnapshot | undefined)[]): FollowerHold {
    const hold = new FollowerHold(groupIntervalWindows);
    for (const saved of snapshots) {
      for (const [group, ids] of Object.entries(saved?.paged ?? {})) for (const [id, at] of Object.entries(ids)) hold.markPaged(group, id, at);
      for (const [group, last] of Object.entries(saved?.lastPage ?? {})) hold.markLastPage(group, last);
      hold.held.push(...(saved?.held ?? []));
    }
    return hold;
  }

  /**
   * `alerts` (in window order) less the first notifications held, each page of a group carrying
   * what was held for it. `observedUntil`: the end of the last window observed complete, after
   * which held alerts that are due page alone; undefined when the last window is still open.
   */
  apply(alerts: readonly AlertEvent[], observedUntil?: number): AlertEvent[] {
    const out: AlertEvent[] = [];
    for (const window of byWindow(alerts)) {
      // Due before this window ended: in a run shown one window at a time, they paged when an
      // earlier window was observed.
      this.releaseDue((due) => due < window[0].windowEnd, out);
      // The window's followers first, so that a page of their group in the same window carries
      // them whichever the detectors listed first. Listed after it (an escalation's series sorts
      // before one filled for a window without events), a follower was held past that page and
      // paged alone later, or rode in it when one commit unit took in both (notifications are
      // grouped per unit and window): where commits were cut changed the pages. Whether an alert
      // follows depends on earlier windows' pages only, so the order does not change it.
      for (const alert of [...window.filter((a) => this.follows(a)), ...window.filter((a) => !this.follows(a))]) {
        const group = groupOf(alert);
        if (!isPaged(alert) || group === STREAM_GROUP) {
          out.push(alert);
          continue;
        }
        if (this.follows(alert)) {
          this.held.push(alert);
          continue;
        }
        out.push(this.carrying(alert, this.take(group)));
      }
    }
    if (observedUntil !== undefined) this.releaseDue((due) => due <= observedUntil, out);
    return out;
  }

  /**
   * A paged alert's first notification, in a group that paged in an earlier window, or its
   * reminder, in a group whose page for another alert came in the last `groupIntervalWindows`
   * windows: it waits for the group's next page. Reminders come per alert, each every renotifyWindows from its own last
   * notice, so a campaign's alerts that paged a window or two apart were reminded of a window or
   * two apart (c008's win-rate collapse: its impressions' reminder alone, its win rate's the
   * next window); held, the second carries the first.
   */
  private follows(alert: AlertEvent): boolean {
    const group = groupOf(alert);
    if (this.groupIntervalWindows <= 0 || !isPaged(alert) || group === STREAM_GROUP) return false;
    const step = stepOf(alert);
    if (step === 'firing') return this.pagedBefore(group, alert);
    return step === 'renotified' && this.pagedRecently(group, alert);
  }

  /** The end of a bounded run: everything held, as it was. */
  flush(): AlertEvent[] {
    const held = this.held;
    this.held = [];
    return held;
  }

  snapshot(): FollowerHoldSnapshot {
    // A group's entry goes when it resolves, so none is empty.
    const snapshot: FollowerHoldSnapshot = { paged: sortedRecord([...this.paged].map(([group, ids]) => [group, sortedRecord(ids)])), held: [...this.held] };
    if (this.lastPage.size > 0) snapshot.lastPage = sortedRecord(this.lastPage);
    return snapshot;
  }

  /** `alert`, paged now, with what was `held` for its group in its related alerts; the group's paged alerts follow. */
  private carrying(alert: AlertEvent, held: AlertEvent[]): AlertEvent {
    const group = groupOf(alert);
    // A held reminder of an alert this page brings a later notice of (its resolution, its
    // escalation, its next reminder; itself or in its related alerts) is left out: a resolution
    // listed the alert it called no longer anomalous as "(still firing)" (and took SNS's
    // notification attribute "renotified"), and a reminder page listed its own alert twice.
    const noticed = new Set([alert, ...(alert.related ?? [])].map((member) => member.alertId));
    const carried = held.filter((member) => !(stepOf(member) === 'renotified' && noticed.has(member.alertId)));
    if (alert.status === 'resolved') {
      this.paged.delete(group);
      this.lastPage.delete(group);
    } else {
      for (const member of [alert, ...carried]) this.markPaged(group, member.alertId, alert.windowEnd);
      this.markLastPage(group, { at: alert.windowEnd, alertId: alert.alertId });
    }
    return carried.length > 0 ? { ...alert, related: [...(alert.related ?? []), ...carried] } : alert;
  }

  /**
   * The groups of held alerts whose wait is over page now: the oldest held alert, carrying the
   * rest of its group's (like any page of the group, it carries what was held for it).
   */
  private releaseDue(isOver: (due: number) => boolean, out: AlertEvent[]): void {
    const groups = new Set(this.held.filter((alert) => isOver(dueAt(alert, this.groupIntervalWindows))).map(groupOf));
    for (const group of groups) {
      const [oldest, ...others] = this.take(group);
      out.push(this.carrying(oldest, others));
    }
  }

  /** The group's held alerts, taken out. */
  private take(group: string): AlertEvent[] {
    const taken = this.held.filter((alert) => groupOf(alert) === group);
    if (taken.length > 0) this.held = this.held.filter((alert) => groupOf(alert) !== group);
    return taken;
  }

  /**
   * Whether another alert of the group paged in an earlier window: alerts of one window page
   * together anyway (one notification per group and window, alertGrouping.ts).
   */
  private pagedBefore(group: string, alert: AlertEvent): boolean {
    for (const [id, at] of this.paged.get(group) ?? []) if (id !== alert.alertId && at < alert.windowEnd) return true;
    return false;
  }

  /**
   * Whether the group's latest page, in an earlier window less than `groupIntervalWindows` windows
   * before the alert's, was led by another alert (an alert's reminders after its own pages keep
   * renotifyWindows, however short).
   */
  private pagedRecently(group: string, alert: AlertEvent): boolean {
    const last = this.lastPage.get(group);
    const windowMs = alert.windowEnd - alert.windowStart;
    return last !== undefined && last.alertId !== alert.alertId && last.at < alert.windowEnd && alert.windowEnd - last.at < this.groupIntervalWindows * windowMs;
  }

  private markLastPage(group: string, page: LastPage): void {
    const known = this.lastPage.get(group);
    if (!known || page.at > known.at || (page.at === known.at && page.alertId < known.alertId)) this.lastPage.set(group, page);
  }

  /** The first page of each alert is the one remembered. */
  private markPaged(group: string, alertId: string, at: number): void {
    const ids = this.paged.get(group) ?? new Map<string, number>();
    if (!ids.has(alertId)) ids.set(alertId, at);
    this.paged.set(group, ids);
  }
}
