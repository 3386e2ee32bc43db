/**
 * A campaign's count alert is not paged when the other campaigns of its shard moved the same way
 * in the same window: an ingestion delay or an outage upstream of the campaigns drops every
 * campaign at once, and the demo paged six campaign drops, their escalations and their
 * resolutions (14 of its 34 notifications) beside the stream-wide alert that already said "valid
 * dropped for the whole stream". Alertmanager calls this inhibition; here the data decides it,
 * not a rule naming alerts: the campaign's window is tested against its peers' (the conditional
 * test of two Poisson rates: given the events of the campaign and its peers together, the
 * campaign's share is binomial with the share it expects), and an alert whose window is ordinary
 * beside its peers (one-sided p ≥ the count test's startAlpha: not even the start of a run) only
 * followed them. A campaign whose traffic stopped while the others' did not keeps its page.
 *
 * Peers are the series of the same watch and window whose dimensions differ only in `campaign`
 * (for `event_volume`, the other campaigns' events of the same type), as far as this shard's
 * detector sees them. Their own window must be unlikely the same way (Poisson, p < startAlpha):
 * a campaign is only excused by peers that moved, not by peers too few to tell it apart.
 *
 * An inhibited alert stays inhibited for its life: its later steps are not paged either (its
 * resolution would announce an incident nobody was told of), unless a later escalation or
 * reminder is no longer explained by its peers (they recovered, the campaign did not), which is
 * then paged. The ids of open inhibited alerts belong to the detector's snapshot.
 *
 * Inhibited is not dropped: the alert goes on, marked `inhibited` with the figures that excused
 * it, to the alert log (which keeps it) and not to notifiers (which page). An operator who asks
 * why a campaign was not paged reads the answer there, and a wrong excuse can be seen.
 */
import { binomialCdf, binomialSf, poissonCdf, poissonSf } from './countTests.ts';
import { STILL_FIRING } from './alertLifecycle.ts';
import type { AlertEvent } from './types.ts';

/** One count series' window as its count test judged it (PeerInhibition compares those of campaigns). */
export interface CountReading {
  watch: string;
  key: string;
  dimensions: Record<string, string>;
  windowStart: number;
  observed: number;
  expected: number;
}

const PEER_DIMENSION = 'campaign';

/** Whether `b` has the dimensions `a` has besides its campaign (`groupKeys`, listed once for all of a's peers), and one more. */
function samePeerGroup(a: Record<string, string>, groupKeys: readonly string[], b: Record<string, string>): boolean {
  return groupKeys.length === Object.keys(b).length - 1 && groupKeys.every((k) => a[k] === b[k]);
}

/**
 * Why `alert`'s window is ordinary beside its peers' (p of its share of their events together,
 * in the alert's direction, at least `alpha`), as the alert log says it; undefined when the alert
 * is not a campaign count alert, its peers did not move the same way, or it moved further.
 */
export function peerExplanation(alert: AlertEvent, readings: readonly CountReading[], alpha: number): string | undefined {
  if (alert.dimensions[PEER_DIMENSION] === undefined) return undefined;
  const own = readings.find((r) => r.watch === alert.detector && r.key === alert.key && r.windowStart === alert.windowStart);
  if (!own) return undefined;
  const groupKeys = Object.keys(own.dimensions).filter((k) => k !== PEER_DIMENSION);
  let observed = 0;
  let expected = 0;
  let peers = 0;
  // Indexed: this runs for few alerts, each over every reading of its window, often before the
  // optimizing compiler takes it, and there for-of makes an iteration result per reading.
  for (let i = 0; i < readings.length; i++) {
    const r = readings[i];
    if (r.watch !== own.watch || r.windowStart !== own.windowStart || r.key === own.key) continue;
    if (r.dimensions[PEER_DIMENSION] === undefined || !samePeerGroup(own.dimensions, groupKeys, r.dimensions)) continue;
    observed += r.observed;
    expected += r.expected;
    peers += 1;
  }
  const down = own.observed < own.expected;
  // The peers must have moved themselves, the same way: with few events between them, the
  // comparison below has little power, and "no different from peers that did not move" is no cause.
  const peersMoved = expected > 0 && (down ? poissonCdf(observed, expected) : poissonSf(observed, expected)) < alpha;
  if (!peersMoved) return undefined;
  // Two Poisson counts compared given their sum: the campaign's share of all the events is
  // binomial, with the share it expects, if it moved as its peers did.
  const trials = own.observed + observed;
  const share = own.expected / (own.expected + expected);
  const p = down ? binomialCdf(own.observed, trials, share) : binomialSf(own.observed, trials, share);
  if (p < alpha) return undefined;
  const campaigns = peers === 1 ? 'campaign' : 'campaigns';
  return `the shard's ${peers} other ${campaigns} ${down ? 'dropped' : 'rose'} alike (${observed} ${pluralEvents(observed)}, expected ${expected.toFixed(1)}) and this one moved no further (${own.observed}, expected ${own.expected.toFixed(1)})`;
}

const pluralEvents = (n: number): string => (n === 1 ? 'event' : 'events');

/** A reminder as the first page it is: notification firing, its summary without "(still firing)". */
function asFirstPage(alert: AlertEvent): AlertEvent {
  const summary = alert.summary.endsWith(STILL_FIRING) ? alert.summary.slice(0, -STILL_FIRING.length) : alert.summary;
  return { ...alert, notification: 'firing', summary };
}

/** Why the later steps of an alert whose firing was inhibited are not paged either. */
const FOLLOWS_INHIBITED = 'its firing was not paged: the shard\'s other campaigns moved alike';

export class PeerInhibition {
  private readonly inhibited: Set<string>;

  constructor(
    private readonly alpha: number,
    inhibited: Iterable<string> = [],
  ) {
    this.inhibited = new Set(inhibited);
  }

  /**
   * `alerts`, those their peers explain (and the later steps of those) marked `inhibited` with
   * why: the alert log keeps them, notifiers do not page them.
   */
  mark(alerts: readonly AlertEvent[], readings: readonly CountReading[]): AlertEvent[] {
    return alerts.map((alert) => {
      const held = this.inhibited.has(alert.alertId);
      if (alert.status === 'resolved') {
        this.inhibited.delete(alert.alertId);
        return held ? { ...alert, inhibited: FOLLOWS_INHIBITED } : alert;
      }
      if (held || alert.notification === 'firing') {
        const explanation = peerExplanation(alert, readings, this.alpha);
        if (explanation !== undefined) {
          this.inhibited.add(alert.alertId);
          return { ...alert, inhibited: explanation };
        }
        this.inhibited.delete(alert.alertId);
        // Released by a reminder, it is the operator's first page of the alert: sent as a reminder
        // ("still firing", notification renotified), it read as news of a page never sent, and a
        // subscription that takes first pages and escalations but not reminders never heard of a
        // critical campaign drop at all, only of its resolution.
        if (held && alert.notification === 'renotified') return asFirstPage(alert);
      }
      return alert;
    });
  }

  /** Ids of the open alerts inhibited, for the snapshot. */
  snapshot(): string[] {
    return [...this.inhibited].sort();
  }
}
