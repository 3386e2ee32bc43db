/**
 * The generator's output as the pipeline will see it: every record is decoded with the
 * pipeline's own decoder (decodeRecord), and rates, links and ordering are measured from the
 * decoded events, not from the generator's internals.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateTraffic } from '../../../stream/generator/traffic.ts';
import type { GeneratorConfig } from '../../../stream/generator/config.ts';
import type { GeneratedRecord } from '../../../stream/generator/types.ts';
import { decodeRecord } from '../../../stream/events/wire.ts';
import type { AdEvent, BidRequest, Click, Conversion, Impression } from '../../../stream/events/types.ts';

const ARRIVAL = Date.UTC(2026, 10, 23);
const HOUR = 3_600_000;
const MIN = 60_000;

function digest(records: Iterable<GeneratedRecord>): { hash: string; count: number } {
  const h = createHash('sha256');
  let count = 0;
  for (const r of records) {
    h.update(r.partitionKey).update('\0').update(r.data).update('\0');
    count++;
  }
  return { hash: h.digest('hex'), count };
}

function decodeAll(config: Partial<GeneratorConfig>): { records: GeneratedRecord[]; events: AdEvent[] } {
  const records = [...generateTraffic(config).records];
  const events: AdEvent[] = [];
  for (const r of records) {
    if (r.truth.kind !== 'valid') continue;
    const d = decodeRecord(r.data, { arrivalTime: ARRIVAL });
    if (!d.ok) throw new Error(`valid record rejected: ${d.rejection.reason}`);
    events.push(d.event);
  }
  return { records, events };
}

describe('determinism', () => {
  const small: Partial<GeneratorConfig> = { durationMs: 2 * HOUR, impressionsPerMinute: 60, campaigns: 10 };

  it('gives byte-identical output for the same config, and on a second pass over the same run', () => {
    const run = generateTraffic({ ...small, seed: 7 });
    const a = digest(run.records);
    expect(a.count).toBeGreaterThan(1000);
    expect(digest(run.records)).toEqual(a);
    expect(digest(generateTraffic({ ...small, seed: 7 }).records)).toEqual(a);
    expect(generateTraffic({ ...small, seed: 7 }).labels).toEqual(run.labels);
  });

  it('gives different output for a different seed', () => {
    expect(digest(generateTraffic({ ...small, seed: 8 }).records).hash).not.toBe(digest(generateTraffic({ ...small, seed: 7 }).records).hash);
  });
});

describe('realistic traffic, no anomalies', () => {
  // Busy hours and few campaigns, so per-campaign rates have enough events to measure.
  const config: Partial<GeneratorConfig> = {
    seed: 3,
    start: Date.UTC(2026, 10, 1, 17),
    durationMs: HOUR,
    campaigns: 6,
    impressionsPerMinute: 300,
    anomalies: [],
  };
  const run = generateTraffic(config);
  const { records, events } = decodeAll(config);
  const of = <T extends AdEvent['type']>(type: T) =>
    events.filter((e) => e.type === type).map((e) => e.body) as Extract<AdEvent, { type: T }>['body'][];
  const bids = of('bid_request') as BidRequest[];
  const impressions = of('impression') as Impression[];
  const clicks = of('click') as Click[];
  const conversions = of('conversion') as Conversion[];

  it('yields records in non-decreasing event-time order', () => {
    const times = events.map((e) => e.body.event_time);
    expect(times.filter((t, i) => i > 0 && t < times[i - 1])).toEqual([]);
  });

  it('gives every event its campaign as partition key and a unique event id', () => {
    expect(records.filter((r) => r.truth.kind === 'valid' && r.partitionKey !== r.truth.campaignId)).toEqual([]);
    expect(new Set(events.map((e) => e.body.event_id)).size).toBe(events.length);
  });

  it('links every impression to an earlier won bid of the same campaign that it paid the clearing price of', () => {
    const byAuction = new Map(bids.map((b) => [b.auction_id, b]));
    const unlinked = impressions.filter((imp) => {
      const bid = byAuction.get(imp.auction_id as string);
      return !bid || !bid.won || bid.campaign_id !== imp.campaign_id || bid.event_time >= imp.event_time || bid.clearing_price_micros !== imp.cost_micros;
    });
    expect(unlinked).toEqual([]);
    const won = bids.filter((b) => b.won).length;
    // Impressions whose render time fell past the end of the run are not generated.
    expect(impressions.length).toBeGreaterThan(won * 0.99);
    expect(impressions.length).toBeLessThanOrEqual(won);
  });

  it('prices like programmatic display: lost bids clear at 0, winners between floor and bid, CPM 0.5–5 USD', () => {
    const wrong = bids.filter(
      (b) =>
        b.bid_price_micros <= b.floor_micros ||
        (b.won ? b.clearing_price_micros < b.floor_micros || b.clearing_price_micros > b.bid_price_micros : b.clearing_price_micros !== 0) ||
        b.bidder_latency_ms < 20 ||
        b.bidder_latency_ms > 200,
    );
    expect(wrong).toEqual([]);
    for (const c of run.campaigns) {
      const costs = impressions.filter((i) => i.campaign_id === c.id).map((i) => i.cost_micros);
      const cpmUsd = costs.reduce((a, b) => a + b, 0) / costs.length / 1000;
      expect(cpmUsd).toBeGreaterThan(0.4);
      expect(cpmUsd).toBeLessThan(6);
    }
  });

  it('clicks follow their impression within seconds to minutes, in the same campaign', () => {
    const byId = new Map(impressions.map((i) => [i.event_id, i]));
    expect(clicks.length).toBeGreaterThan(100);
    const unlinked = clicks.filter((click) => {
      const imp = byId.get(click.impression_id);
      const delay = imp ? click.event_time - imp.event_time : NaN;
      return !imp || imp.campaign_id !== click.campaign_id || !(delay > 0 && delay <= 5 * MIN);
    });
    expect(unlinked).toEqual([]);
  });

  it('conversions follow their click within minutes, with the click’s impression', () => {
    const byId = new Map(clicks.map((c) => [c.event_id, c]));
    expect(conversions.length).toBeGreaterThan(5);
    const unlinked = conversions.filter((conv) => {
      const click = byId.get(conv.click_id);
      const delay = click ? conv.event_time - click.event_time : NaN;
      return !click || click.campaign_id !== conv.campaign_id || conv.impression_id !== click.impression_id || !(delay >= 30_000 && delay <= 45 * MIN);
    });
    expect(unlinked).toEqual([]);
  });

  it('measures each campaign’s CTR inside the 0.1–3 % band and near its configured value', () => {
    for (const c of run.campaigns) {
      const imps = impressions.filter((i) => i.campaign_id === c.id).length;
      const clk = clicks.filter((k) => k.campaign_id === c.id).length;
      const ctr = clk / imps;
      // Poisson noise: allow 4 standard deviations of the expected click count.
      const tolerance = 4 * Math.sqrt(c.ctr * imps) / imps;
      expect(Math.abs(ctr - c.ctr)).toBeLessThan(tolerance);
      if (c.ctr * imps >= 30) {
        expect(ctr).toBeGreaterThan(0.001 * 0.7);
        expect(ctr).toBeLessThan(0.03 * 1.3);
      }
    }
  });

  it('measures each campaign’s win rate near its configured value (10–60 %)', () => {
    for (const c of run.campaigns) {
      const mine = bids.filter((b) => b.campaign_id === c.id);
      const rate = mine.filter((b) => b.won).length / mine.length;
      expect(rate).toBeGreaterThan(0.08);
      expect(rate).toBeLessThan(0.62);
      expect(Math.abs(rate - c.winRate)).toBeLessThan(4 * Math.sqrt((c.winRate * (1 - c.winRate)) / mine.length));
    }
  });

  it('draws countries, devices and users from skewed lists and per-campaign pools', () => {
    const share = (pred: (i: Impression) => boolean) => impressions.filter(pred).length / impressions.length;
    expect(share((i) => i.country === 'US')).toBeGreaterThan(0.3);
    expect(share((i) => i.device_type === 'mobile')).toBeGreaterThan(share((i) => i.device_type === 'desktop'));
    const usersOf = (id: string) => new Set(impressions.filter((i) => i.campaign_id === id).map((i) => i.user_id));
    const [a, b] = run.campaigns;
    const usersOfB = usersOf(b.id);
    const overlap = [...usersOf(a.id)].filter((u) => usersOfB.has(u));
    expect(overlap).toEqual([]);
  });
});

describe('diurnal curve', () => {
  it('has a night trough around 04:00 UTC and an evening peak around 20:00 UTC', () => {
    const run = generateTraffic({ seed: 5, durationMs: 24 * HOUR, impressionsPerMinute: 20, campaigns: 8, anomalies: [], duplicateRate: 0, malformedRate: 0 });
    const perHour = new Array(24).fill(0);
    for (const r of run.records) {
      if (r.truth.kind === 'valid' && r.truth.eventType === 'impression') perHour[new Date(r.truth.eventTime).getUTCHours()]++;
    }
    const mean = perHour.reduce((a, b) => a + b, 0) / 24;
    // Over a whole day the average is the configured impressionsPerMinute.
    expect(mean / 60).toBeGreaterThan(20 * 0.9);
    expect(mean / 60).toBeLessThan(20 * 1.1);
    expect(perHour[4] / mean).toBeLessThan(0.45);
    expect(perHour[20] / mean).toBeGreaterThan(1.5);
    const trough = perHour.indexOf(Math.min(...perHour));
    const peak = perHour.indexOf(Math.max(...perHour));
    expect(trough).toBeGreaterThanOrEqual(2);
    expect(trough).toBeLessThanOrEqual(6);
    expect(peak).toBeGreaterThanOrEqual(18);
    expect(peak).toBeLessThanOrEqual(22);
  });
});
