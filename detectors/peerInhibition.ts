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
 */
import { binomialCdf, binomialSf, poissonCdf, poissonSf } from './countTests.ts';
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

function samePeerGroup(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a).filter((k) => k !== PEER_DIMENSION);
  return keys.length === Object.keys(b).length - 1 && keys.every((k) => a[k] === b[k]);
}

/**
 * Whether `alert`'s window is ordinary beside its peers': p of its share of their events
 * together, in the alert's direction, at least `alpha`. False when the alert is not a campaign
 * count alert or its peers did not move the same way.
 */
export function explainedByPeers(alert: AlertEvent, readings: readonly CountReading[], alpha: number): boolean {
  if (alert.dimensions[PEER_DIMENSION] === undefined) return false;
  const own = readings.find((r) => r.watch === alert.detector && r.key === alert.key && r.windowStart === alert.windowStart);
  if (!own) return false;
  let observed = 0;
  let expected = 0;
  for (const r of readings) {
    if (r.watch !== own.watch || r.windowStart !== own.windowStart || r.key === own.key) continue;
    if (r.dimensions[PEER_DIMENSION] === undefined || !samePeerGroup(own.dimensions, r.dimensions)) continue;
    observed += r.observed;
    expected += r.expected;
  }
  const down = own.observed < own.expected;
  // The peers must have moved themselves, the same way: with few events between them, the
  // comparison below has little power, and "no different from peers that did not move" is no cause.
  const peersMoved = expected > 0 && (down ? poissonCdf(observed, expected) : poissonSf(observed, expected)) < alpha;
  if (!peersMoved) return false;
  // Two Poisson counts compared given their sum: the campaign's share of all the events is
  // binomial, with the share it expects, if it moved as its peers did.
  const trials = own.observed + observed;
  const share = own.expected / (own.expected + expected);
  const p = down ? binomialCdf(own.observed, trials, share) : binomialSf(own.observed, trials, share);
  return p >= alpha;
}

export class PeerInhibition {
  private readonly inhibited: Set<string>;

  constructor(
    private readonly alpha: number,
    inhibited: Iterable<string> = [],
  ) {
    this.inhibited = new Set(inhibited);
  }

  /** The alerts to notify: `alerts` less those their peers explain, and the later steps of those. */
  filter(alerts: readonly AlertEvent[], readings: readonly CountReading[]): AlertEvent[] {
    return alerts.filter((alert) => {
      const held = this.inhibited.has(alert.alertId);
      if (alert.status === 'resolved') {
        this.inhibited.delete(alert.alertId);
        return !held;
      }
      if (held || alert.notification === 'firing') {
        if (explainedByPeers(alert, readings, this.alpha)) {
          this.inhibited.add(alert.alertId);
          return false;
        }
        this.inhibited.delete(alert.alertId);
      }
      return true;
    });
  }

  /** Ids of the open alerts inhibited, for the snapshot. */
  snapshot(): string[] {
    return [...this.inhibited].sort();
  }
}
