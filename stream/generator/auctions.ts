/**
 * The traffic model for one simulated minute: per campaign, a Poisson number of auctions
 * (bid requests) shaped by the diurnal curve; won auctions become impressions a moment later;
 * an impression is clicked with the campaign's CTR after seconds to minutes; a click converts
 * with the campaign's CVR after minutes. Everything is handed to `schedule` with its event time;
 * the caller orders it.
 */
import type { AdEvent, BidRequest, Click, Conversion, Impression } from '../events/types.ts';
import type { CampaignProfile } from './campaigns.ts';
import type { Publisher } from './dimensions.ts';
import { COUNTRIES, DEVICE_TYPES, PLACEMENTS } from './dimensions.ts';
import { ANOMALY_STRENGTH, type AnomalyEffects } from './anomalies.ts';
import { diurnalMultiplier } from './diurnal.ts';
import { Rng, WeightedPicker } from './rng.ts';

const MINUTE_MS = 60_000;

export interface TrafficModel {
  campaigns: readonly CampaignProfile[];
  publishers: WeightedPicker<Publisher>;
  effects: AnomalyEffects;
  impressionsPerMinute: number;
  /** Event times at or after this are not generated. */
  end: number;
  /** Per campaign, the few users a click flood comes from. */
  floodUsers: ReadonlyMap<string, readonly string[]>;
  /** Distinguishes this run's ids from another run's on the same stream. */
  runTag: string;
}

const countries = new WeightedPicker(COUNTRIES);
const devices = new WeightedPicker(DEVICE_TYPES);
const placements = new WeightedPicker(PLACEMENTS);

/** The dimensions an auction fixes for its impression, clicks and conversions. */
type Dims = Omit<Impression, 'event_id' | 'event_time' | 'auction_id' | 'cost_micros'>;

const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

export class AuctionSimulator {
  private counter = 0;

  constructor(
    private readonly model: TrafficModel,
    private readonly rng: Rng,
  ) {}

  private nextId(prefix: string): string {
    return `${prefix}-${this.model.runTag}-${(this.counter++).toString(36).padStart(7, '0')}`;
  }

  simulateMinute(minuteStart: number, schedule: (event: AdEvent) => void): void {
    const { rng, model } = this;
    const level = model.impressionsPerMinute * diurnalMultiplier(minuteStart + MINUTE_MS / 2);
    const mid = minuteStart + MINUTE_MS / 2;
    for (const c of model.campaigns) {
      // Supply is counted in auctions: a campaign that wins a share w needs 1/w auctions per impression.
      const auctions = rng.poisson((level * c.share * model.effects.supplyFactor(c.id, mid)) / c.winRate);
      for (let i = 0; i < auctions; i++) this.auction(c, minuteStart + rng.int(0, MINUTE_MS - 1), schedule);
    }
  }

  private auction(c: CampaignProfile, t: number, schedule: (event: AdEvent) => void): void {
    const { rng, model } = this;
    if (t >= model.end) return;
    const pub = model.publishers.pick(rng);
    const n = this.counter++;
    const suffix = `${model.runTag}-${n.toString(36).padStart(7, '0')}`;
    const dims: Dims = {
      campaign_id: c.id,
      ad_id: rng.pick(c.adIds),
      publisher_id: pub.id,
      site_id: rng.pick(pub.sites),
      placement: placements.pick(rng),
      country: countries.pick(rng),
      device_type: devices.pick(rng),
      user_id: rng.pick(c.userIds),
    };
    const floor = Math.round(pub.floorShare * c.priceMicros);
    const bidPrice = Math.max(floor + 1, Math.round(c.priceMicros * rng.logNormal(1.1, 0.25)));
    const won = rng.chance(c.winRate * model.effects.winRateFactor(c.id, t));
    // Second-price-like: the winner pays between the floor and its own bid.
    const clearing = won ? floor + Math.round(rng.float() * (bidPrice - floor)) : 0;
    const latency = clamp(Math.round(rng.logNormal(60, 0.5)), 20, 200);
    const bid: BidRequest = {
      event_id: `brq-${suffix}`,
      event_time: t,
      ...dims,
      auction_id: `auc-${suffix}`,
      bid_id: `bid-${suffix}`,
      floor_micros: floor,
      bid_price_micros: bidPrice,
      clearing_price_micros: clearing,
      won,
      bidder_latency_ms: latency,
    };
    schedule({ type: 'bid_request', body: bid });
    if (!won) return;

    // The ad renders after the bidder answers and the creative loads.
    const impTime = t + latency + rng.int(50, 1500);
    if (impTime >= model.end) return;
    const imp: Impression = { event_id: `imp-${suffix}`, event_time: impTime, ...dims, auction_id: bid.auction_id, cost_micros: clearing };
    schedule({ type: 'impression', body: imp });

    if (rng.chance(c.ctr)) this.click(c, imp, impTime + clamp(Math.round(rng.logNormal(15_000, 1)), 1_000, 5 * MINUTE_MS), dims, dims.user_id, true, schedule);
    if (model.effects.clickFlood(c.id, impTime)) {
      // Bots re-click served impressions within seconds; they never convert.
      const extra = rng.poisson((ANOMALY_STRENGTH.clickMultiplier - 1) * c.ctr);
      const bots = model.floodUsers.get(c.id) ?? [];
      for (let k = 0; k < extra; k++) this.click(c, imp, impTime + rng.int(500, 10_000), dims, rng.pick(bots), false, schedule);
    }
  }

  private click(
    c: CampaignProfile,
    imp: Impression,
    t: number,
    dims: Dims,
    userId: string,
    canConvert: boolean,
    schedule: (event: AdEvent) => void,
  ): void {
    const { rng, model } = this;
    if (t >= model.end) return;
    const click: Click = { event_id: this.nextId('clk'), event_time: t, ...dims, user_id: userId, impression_id: imp.event_id, cost_micros: c.cpcMicros };
    schedule({ type: 'click', body: click });
    if (!canConvert || !rng.chance(c.cvr)) return;
    const convTime = t + clamp(Math.round(rng.logNormal(4 * MINUTE_MS, 0.8)), 30_000, 45 * MINUTE_MS);
    if (convTime >= model.end || !rng.chance(model.effects.conversionKeep(c.id, convTime))) return;
    const type = c.conversionTypes.pick(rng);
    const revenue = type === 'purchase' ? Math.round(c.orderValueMicros * rng.logNormal(1, 0.4)) : type === 'install' ? rng.int(1_000_000, 3_000_000) : 0;
    const conversion: Conversion = {
      ...dims,
      event_id: this.nextId('cnv'),
      event_time: convTime,
      click_id: click.event_id,
      impression_id: imp.event_id,
      conversion_type: type,
      revenue_micros: revenue,
    };
    schedule({ type: 'conversion', body: conversion });
  }
}
