/**
 * Everything one key (e.g. `campaign=c7|type=click`) accumulates in one window, as mergeable
 * parts only: counters, sums, a min/max summary, a HyperLogLog of clicking users and a DDSketch
 * of bidder latency. Ratios (ctr, cvr, win_rate) and estimates are derived when the window is
 * emitted, never stored, so partials from several shards merge exactly.
 */
import type { AdEvent } from '../../events/types.ts';
import { HyperLogLog, type HyperLogLogSnapshot } from './hyperLogLog.ts';
import { QuantileSketch, type QuantileSketchSnapshot } from './quantileSketch.ts';
import { addToSummary, emptySummary, mergeSummary, type Summary } from './summary.ts';

export interface GroupAggregateSnapshot {
  counters: Counters;
  bidPrice: Summary;
  clickUsers: HyperLogLogSnapshot | null;
  bidderLatency: QuantileSketchSnapshot | null;
}

interface Counters {
  count: number;
  spend_micros: number;
  revenue_micros: number;
  impressions: number;
  clicks: number;
  conversions: number;
  bids: number;
  bids_won: number;
}

const zeroCounters = (): Counters => ({
  count: 0, spend_micros: 0, revenue_micros: 0, impressions: 0, clicks: 0, conversions: 0, bids: 0, bids_won: 0,
});

export class GroupAggregate {
  readonly counters: Counters = zeroCounters();
  readonly bidPrice: Summary = emptySummary();
  /** Created on first use: most keys of most windows never see a click or a bid. */
  clickUsers: HyperLogLog | undefined;
  bidderLatency: QuantileSketch | undefined;

  add(event: AdEvent): void {
    const c = this.counters;
    c.count += 1;
    switch (event.type) {
      case 'impression':
        c.spend_micros += event.body.cost_micros;
        c.impressions += 1;
        break;
      case 'click':
        c.spend_micros += event.body.cost_micros;
        c.clicks += 1;
        (this.clickUsers ??= new HyperLogLog()).add(event.body.user_id);
        break;
      case 'conversion':
        c.revenue_micros += event.body.revenue_micros;
        c.conversions += 1;
        break;
      case 'bid_request':
        c.bids += 1;
        if (event.body.won) c.bids_won += 1;
        addToSummary(this.bidPrice, event.body.bid_price_micros);
        (this.bidderLatency ??= new QuantileSketch()).accept(Math.max(0, event.body.bidder_latency_ms));
        break;
    }
  }

  merge(other: GroupAggregate): void {
    for (const name of Object.keys(this.counters) as (keyof Counters)[]) this.counters[name] += other.counters[name];
    mergeSummary(this.bidPrice, other.bidPrice);
    if (other.clickUsers) (this.clickUsers ??= new HyperLogLog()).merge(other.clickUsers);
    if (other.bidderLatency) (this.bidderLatency ??= new QuantileSketch()).merge(other.bidderLatency);
  }

  snapshot(): GroupAggregateSnapshot {
    return {
      counters: { ...this.counters },
      bidPrice: { ...this.bidPrice },
      clickUsers: this.clickUsers?.snapshot() ?? null,
      bidderLatency: this.bidderLatency?.snapshot() ?? null,
    };
  }

  static restore(snapshot: GroupAggregateSnapshot): GroupAggregate {
    const group = new GroupAggregate();
    Object.assign(group.counters, snapshot.counters);
    Object.assign(group.bidPrice, snapshot.bidPrice);
    if (snapshot.clickUsers) group.clickUsers = HyperLogLog.restore(snapshot.clickUsers);
    if (snapshot.bidderLatency) group.bidderLatency = QuantileSketch.restore(snapshot.bidderLatency);
    return group;
  }
}

/**
 * A ratio only where its denominator was seen: a window with no impressions has no CTR. Reported
 * as 0 it read as a CTR collapse on a dashboard and pulled an analyst's average CTR down.
 */
function putRatio(values: Record<string, number>, name: string, numerator: number, denominator: number): void {
  if (denominator > 0) values[name] = numerator / denominator;
}

/** Values of a key that includes the event type: the per-type volumes the detectors watch. */
export function typeValues(group: GroupAggregate): Record<string, number> {
  const { count, spend_micros, revenue_micros, bids } = group.counters;
  const values: Record<string, number> = { count, spend_micros, revenue_micros };
  if (bids > 0) Object.assign(values, bidValues(group));
  return values;
}

/** Values of a key across event types: funnel counts and the ratios derived from them. */
export function funnelValues(group: GroupAggregate): Record<string, number> {
  const c = group.counters;
  const values: Record<string, number> = {
    impressions: c.impressions,
    clicks: c.clicks,
    conversions: c.conversions,
    bids: c.bids,
    bids_won: c.bids_won,
    click_users: Math.round(group.clickUsers?.estimate() ?? 0),
    spend_micros: c.spend_micros,
    revenue_micros: c.revenue_micros,
  };
  putRatio(values, 'ctr', c.clicks, c.impressions);
  putRatio(values, 'cvr', c.conversions, c.clicks);
  putRatio(values, 'win_rate', c.bids_won, c.bids);
  if (c.bids > 0) Object.assign(values, bidValues(group));
  return values;
}

function bidValues(group: GroupAggregate): Record<string, number> {
  return {
    bid_price_min_micros: group.bidPrice.min ?? 0,
    bid_price_max_micros: group.bidPrice.max ?? 0,
    bidder_latency_p50_ms: group.bidderLatency?.quantile(0.5) ?? 0,
    bidder_latency_p99_ms: group.bidderLatency?.quantile(0.99) ?? 0,
  };
}
