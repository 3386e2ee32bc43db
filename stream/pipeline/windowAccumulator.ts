/**
 * What one event-time window accumulates before it closes into metric events. Plain data so a
 * window can be snapshotted with the shard's state and restored after a restart.
 */
import type { AdEvent } from '../events/types.ts';
import type { MetricEvent } from '../../detectors/types.ts';

interface TypeTotals {
  count: number;
  spend_micros: number;
  revenue_micros: number;
}

interface CampaignTotals {
  impressions: number;
  clicks: number;
  conversions: number;
  bids: number;
  bids_won: number;
  clickUsers: string[];
}

/** Counted by arrival (the window holding the shard's event-time frontier), not by event time. */
export interface QualityTotals {
  valid: number;
  rejected: number;
  duplicates: number;
  late: number;
  delaysMs: number[];
}

export interface WindowAccumulator {
  start: number;
  byCampaignType: Record<string, TypeTotals>;
  byCampaign: Record<string, CampaignTotals>;
  quality: QualityTotals;
}

export function emptyWindow(start: number): WindowAccumulator {
  return {
    start,
    byCampaignType: {},
    byCampaign: {},
    quality: { valid: 0, rejected: 0, duplicates: 0, late: 0, delaysMs: [] },
  };
}

export function addEventToWindow(window: WindowAccumulator, event: AdEvent): void {
  const { campaign_id: campaign } = event.body;
  const typeKey = `campaign=${campaign}|type=${event.type}`;
  const totals = (window.byCampaignType[typeKey] ??= { count: 0, spend_micros: 0, revenue_micros: 0 });
  const perCampaign = (window.byCampaign[campaign] ??= {
    impressions: 0, clicks: 0, conversions: 0, bids: 0, bids_won: 0, clickUsers: [],
  });
  totals.count += 1;
  switch (event.type) {
    case 'impression':
      totals.spend_micros += event.body.cost_micros;
      perCampaign.impressions += 1;
      break;
    case 'click':
      totals.spend_micros += event.body.cost_micros;
      perCampaign.clicks += 1;
      if (!perCampaign.clickUsers.includes(event.body.user_id)) perCampaign.clickUsers.push(event.body.user_id);
      break;
    case 'conversion':
      totals.revenue_micros += event.body.revenue_micros;
      perCampaign.conversions += 1;
      break;
    case 'bid_request':
      perCampaign.bids += 1;
      if (event.body.won) perCampaign.bids_won += 1;
      break;
  }
}

const ratio = (numerator: number, denominator: number): number => (denominator > 0 ? numerator / denominator : 0);

/** Nearest-rank percentile: the smallest value with at least p of the values at or below it. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
}

/** Turn a closed window into metric events, sorted by key so output order is deterministic. */
export function windowMetrics(
  window: WindowAccumulator,
  sizeMs: number,
  watermark: number,
  shardId: string,
): MetricEvent[] {
  const base = { windowStart: window.start, windowEnd: window.start + sizeMs, watermark };
  const metrics: MetricEvent[] = [];
  for (const [key, totals] of Object.entries(window.byCampaignType)) {
    const [campaign, type] = key.split('|').map((part) => part.split('=')[1]);
    metrics.push({ ...base, key, dimensions: { campaign, type }, values: { ...totals } });
  }
  for (const [campaign, c] of Object.entries(window.byCampaign)) {
    metrics.push({
      ...base,
      key: `campaign=${campaign}`,
      dimensions: { campaign },
      values: {
        impressions: c.impressions,
        clicks: c.clicks,
        conversions: c.conversions,
        bids: c.bids,
        bids_won: c.bids_won,
        click_users: c.clickUsers.length,
        ctr: ratio(c.clicks, c.impressions),
        cvr: ratio(c.conversions, c.clicks),
        win_rate: ratio(c.bids_won, c.bids),
      },
    });
  }
  const q = window.quality;
  if (q.valid + q.rejected + q.duplicates + q.late > 0) {
    metrics.push({
      ...base,
      key: `quality=stream|shard=${shardId}`,
      dimensions: { quality: 'stream', shard: shardId },
      values: {
        valid: q.valid,
        rejected: q.rejected,
        duplicates: q.duplicates,
        late: q.late,
        ingestion_delay_p99_ms: percentile(q.delaysMs, 0.99),
      },
    });
  }
  return metrics.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
