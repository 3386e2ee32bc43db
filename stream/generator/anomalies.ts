/**
 * Anomaly plan (the ground-truth labels) and its effects on the traffic model.
 *
 * The plan is fixed before any record is generated, so labels are known up front. Effects are
 * looked up per draw with the event time that matters for that effect (auction time for supply
 * and win rate, impression time for click floods, conversion time for conversion drops, record
 * event time for the stream-level faults).
 */
import type { AnomalyKind, AnomalyLabel } from './types.ts';
import type { CampaignProfile } from './campaigns.ts';
import { ANOMALY_KINDS, CAMPAIGN_ANOMALY_KINDS, type AnomalySpec } from './config.ts';
import type { Rng } from './rng.ts';

const MINUTE_MS = 60_000;
const WARM_UP_MS = 3_600_000;

/** How strongly each anomaly bends the traffic. */
export const ANOMALY_STRENGTH = {
  /** traffic_drop: share of auctions (hence impressions) that remain. */
  trafficRemaining: 0.1,
  /** bid_win_rate_collapse: win rate multiplier. */
  winRateFactor: 0.1,
  /** click_flood: total clicks multiplier (the extra ones come from a handful of users). */
  clickMultiplier: 10,
  /** click_flood: how many users the flood comes from. */
  floodUsers: 4,
  /** conversion_drop: share of conversions that still happen. */
  conversionsRemaining: 0.02,
  /** duplicate_storm and malformed_burst: the rates during the interval. */
  duplicateRate: 0.3,
  malformedRate: 0.2,
  /** ingestion_delay: share of traffic (by publisher) held back, and for how long (uniform). */
  delayedTrafficShare: 0.5,
  delayMinMs: 5 * MINUTE_MS,
  delayMaxMs: 10 * MINUTE_MS,
} as const;

export const campaignKey = (id: string): string => `campaign=${id}`;

/**
 * Which campaign each campaign-level anomaly hits: the largest one by the measure the anomaly
 * moves, so the effect stands out of the noise. Each kind gets a different campaign.
 */
function rankFor(kind: AnomalyKind, c: CampaignProfile): number {
  switch (kind) {
    case 'click_flood':
      return c.share * c.ctr;
    case 'conversion_drop':
      return c.share * c.ctr * c.cvr;
    default:
      return c.share;
  }
}

function pickCampaign(kind: AnomalyKind, campaigns: readonly CampaignProfile[], taken: Set<string>): string {
  const ranked = [...campaigns].sort((a, b) => rankFor(kind, b) - rankFor(kind, a) || (a.id < b.id ? -1 : 1));
  const choice = ranked.find((c) => !taken.has(c.id)) ?? ranked[0];
  taken.add(choice.id);
  return choice.id;
}

/**
 * One anomaly of each kind, in seeded order, each in its own slot after a warm-up (1 h, or a
 * quarter of a short run) so detectors have a baseline; 10–20 minutes long, whole minutes.
 */
export function planDefaultAnomalies(rng: Rng, start: number, durationMs: number, campaigns: readonly CampaignProfile[]): AnomalyLabel[] {
  const warmUp = Math.min(WARM_UP_MS, Math.floor(durationMs / 4 / MINUTE_MS) * MINUTE_MS);
  const kinds = [...ANOMALY_KINDS];
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [kinds[i], kinds[j]] = [kinds[j], kinds[i]];
  }
  const slotMinutes = Math.floor((durationMs - warmUp) / MINUTE_MS / kinds.length);
  if (slotMinutes < 4) {
    throw new RangeError(
      `durationMs ${durationMs} is too short for the default anomaly plan (7 anomalies after a warm-up); use at least 1 hour or pass anomalies: []`,
    );
  }
  const taken = new Set<string>();
  return kinds.map((kind, i) => {
    const length = Math.min(rng.int(10, 20), Math.floor(slotMinutes * 0.75));
    const offset = rng.int(0, slotMinutes - length);
    const s = start + warmUp + (i * slotMinutes + offset) * MINUTE_MS;
    const key = CAMPAIGN_ANOMALY_KINDS.includes(kind) ? campaignKey(pickCampaign(kind, campaigns, taken)) : '*';
    return { kind, key, start: s, end: s + length * MINUTE_MS };
  });
}

export function labelsFromSpecs(specs: readonly AnomalySpec[], campaigns: readonly CampaignProfile[]): AnomalyLabel[] {
  const taken = new Set<string>();
  for (const s of specs) if (s.key?.startsWith('campaign=')) taken.add(s.key.slice('campaign='.length));
  return specs.map((s) => {
    const campaignLevel = CAMPAIGN_ANOMALY_KINDS.includes(s.kind);
    const key = s.key ?? (campaignLevel ? campaignKey(pickCampaign(s.kind, campaigns, taken)) : '*');
    return { kind: s.kind, key, start: s.start, end: s.end };
  });
}

interface Interval {
  campaignId: string | null;
  start: number;
  end: number;
}

/** Fast per-draw lookups of what the plan does at a given event time. */
export class AnomalyEffects {
  private readonly byKind = new Map<AnomalyKind, Interval[]>();

  /**
   * @param delayedPublishers whose producers an ingestion delay holds back. A backlog hits some
   * producer fleets, not all: the rest keep flowing, so the held-back events arrive behind newer
   * ones (late, as a consumer's watermark sees it) rather than after a silence.
   */
  constructor(
    labels: readonly AnomalyLabel[],
    private readonly delayedPublishers: ReadonlySet<string> = new Set(),
  ) {
    for (const l of labels) {
      const campaignId = l.key.startsWith('campaign=') ? l.key.slice('campaign='.length) : null;
      const list = this.byKind.get(l.kind) ?? [];
      list.push({ campaignId, start: l.start, end: l.end });
      this.byKind.set(l.kind, list);
    }
  }

  private active(kind: AnomalyKind, t: number, campaignId?: string): boolean {
    const list = this.byKind.get(kind);
    if (!list) return false;
    for (const i of list) {
      if (t >= i.start && t < i.end && (i.campaignId === null || i.campaignId === campaignId)) return true;
    }
    return false;
  }

  /** Multiplier on a campaign's auctions at auction time `t`. */
  supplyFactor(campaignId: string, t: number): number {
    return this.active('traffic_drop', t, campaignId) ? ANOMALY_STRENGTH.trafficRemaining : 1;
  }

  winRateFactor(campaignId: string, t: number): number {
    return this.active('bid_win_rate_collapse', t, campaignId) ? ANOMALY_STRENGTH.winRateFactor : 1;
  }

  /** Whether an impression at `t` attracts flood clicks. */
  clickFlood(campaignId: string, t: number): boolean {
    return this.active('click_flood', t, campaignId);
  }

  /** Probability that a conversion at `t` still happens. */
  conversionKeep(campaignId: string, t: number): number {
    return this.active('conversion_drop', t, campaignId) ? ANOMALY_STRENGTH.conversionsRemaining : 1;
  }

  ingestionDelayed(t: number, publisherId: string): boolean {
    return this.delayedPublishers.has(publisherId) && this.active('ingestion_delay', t);
  }

  duplicateRate(t: number, base: number): number {
    return this.active('duplicate_storm', t) ? Math.max(base, ANOMALY_STRENGTH.duplicateRate) : base;
  }

  malformedRate(t: number, base: number): number {
    return this.active('malformed_burst', t) ? Math.max(base, ANOMALY_STRENGTH.malformedRate) : base;
  }
}

/** The publishers whose producers lag during an ingestion delay: about half of all traffic. */
export function pickDelayedPublishers(rng: Rng, publishers: readonly { id: string; weight: number }[]): Set<string> {
  const order = [...publishers];
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const total = publishers.reduce((a, p) => a + p.weight, 0);
  const delayed = new Set<string>();
  let share = 0;
  for (const p of order) {
    if (share >= ANOMALY_STRENGTH.delayedTrafficShare * total) break;
    delayed.add(p.id);
    share += p.weight;
  }
  return delayed;
}
