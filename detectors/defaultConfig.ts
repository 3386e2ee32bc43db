/**
 * The watches adstream runs by default, one per kind of incident an ad stream has:
 * - volumes per campaign and event type, and per shard overall (`valid`), tested as counts
 *   (Poisson, or negative binomial when the history varies more), so a drop from 14 to 2 a
 *   minute is caught and a wobble from 2 to 4 is not;
 * - rates tested as rates: CTR, CVR and win rate against their pooled baseline rate, so one click
 *   on 40 impressions is nothing and 0 wins in 18 bids at a 40 % win rate is an incident;
 * - click floods: a campaign's clicks among all its events, against 6 hours of its own history,
 *   and clicks repeated by the same users within a window;
 * - stream quality: rejected, duplicate and late shares of what arrived, the p99 delay behind
 *   the shard's newest event (a backlog of some producers) and the p99 of arrival − event time
 *   (all of them falling behind);
 * - discrepancies the pipeline may report (`orphan_clicks`, `orphan_conversions`) and rejections
 *   by reason (`quality=rejected|reason=<code>` keys), scored when those metrics are present.
 *
 * Count and rate tests accumulate evidence over a run of unlikely windows (countRun.ts) and
 * fire when the run's p-value is below 1e-6: strong enough that a few hundred series watched
 * every minute raise well under one false alert a day.
 */
import { delayWatch } from './delayWatch.ts';
import type { DetectorConfig, Watch } from './volumeDetector.ts';

const isCampaignType = (_key: string, d: Record<string, string>): boolean => 'campaign' in d && 'type' in d;
const isCampaign = (_key: string, d: Record<string, string>): boolean => 'campaign' in d && !('type' in d);
const isRejectReason = (_key: string, d: Record<string, string>): boolean => d.quality === 'rejected' && 'reason' in d;
const QUALITY = 'quality=stream';
const ARRIVED = ['valid', 'rejected', 'duplicates', 'late'] as const;

const rate = (name: string, successes: string, trials: string | readonly string[], test: Watch['test'], extra: Partial<Watch> = {}, min = 1): Watch => ({
  name,
  value: successes,
  trials: { value: trials, min },
  test,
  direction: 'both',
  threshold: 0,
  zeroWhenMissing: false,
  ...extra,
});

export const defaultDetectorConfig: DetectorConfig = {
  historyWindows: 60,
  warmupWindows: 10,
  firingAfter: 2,
  resolveAfter: 3,
  // Alertmanager's default group_interval (5 min) in windows of a minute.
  groupIntervalWindows: 5,
  criticalScore: 0.99,
  forgetAfterMissing: 120,
  countTest: { startAlpha: 0.01, continueAlpha: 0.1, fireAlpha: 1e-6, criticalAlpha: 1e-12, tolerance: 0.15, rateTolerance: 0.1 },
  watches: [
    { name: 'event_volume', match: isCampaignType, value: 'count', test: 'count', direction: 'both', threshold: 0 },
    {
      // A campaign's auctions: the larger of its bid requests and impressions (a source may send
      // either alone), not the sum of all its events. An impression is a won bid and a click
      // follows it, so one auction makes 2–3 correlated events, and the sum, tested as a count,
      // was overconfident: one won auction with a click on a sparse campaign alerted as "3 events
      // against 0.04 expected". Counting auctions cut false alerts from 18 to 7 over 19 simulated
      // days (60–1,400 impressions a minute, 40 and 200 campaigns); a drop shows a window later
      // in some runs, because the sum's extra confidence was partly false. A new name, not the
      // old `campaign_volume`: a snapshot's history of sums, restored under the same name, would
      // read as every busy campaign dropping by half (its series are dropped on restore instead).
      name: 'campaign_auctions',
      match: isCampaign,
      value: 'auctions',
      compute: (v) => Math.max(v.bids ?? 0, v.impressions ?? 0),
      test: 'count',
      direction: 'both',
      threshold: 0,
    },
    { name: 'stream_volume', keyPrefix: QUALITY, value: 'valid', test: 'count', direction: 'both', threshold: 0 },
    // Clicks and conversions trail the impressions and clicks they belong to: a window with a
    // handful of trials says little about the rate (the click count watch covers small campaigns).
    rate('ctr', 'clicks', 'impressions', 'poisson_rate', { match: isCampaign, metricName: 'ctr' }, 20),
    rate('cvr', 'conversions', 'clicks', 'poisson_rate', { match: isCampaign, metricName: 'cvr' }, 10),
    rate('win_rate', 'bids_won', 'bids', 'binomial', { match: isCampaign, metricName: 'win_rate' }),
    // A campaign's clicks among all its events (impressions and bid requests): a share that,
    // unlike a count, does not follow the time of day, so it can rest on 6 hours of history,
    // which a small campaign needs to hold enough clicks to know its rate; its events, unlike
    // its impressions alone, are plentiful every minute. Up only: a flood (a fall is the CTR's).
    rate('click_rate', 'clicks', ['impressions', 'bids'], 'poisson_rate', { match: isCampaign, direction: 'up', metricName: 'clicks_per_event', historyWindows: 360 }),
    rate('click_concentration', 'repeat_clicks', 'clicks', 'binomial', {
      match: isCampaign,
      direction: 'up',
      metricName: 'repeat_clicks',
      // Clicks by a user already counted in this window: HyperLogLog is exact at these sizes.
      compute: (v) => (v.clicks === undefined || v.click_users === undefined ? undefined : Math.max(0, v.clicks - v.click_users)),
    }),
    rate('orphan_clicks', 'orphan_clicks', 'clicks', 'binomial', { match: isCampaign, direction: 'up' }),
    rate('orphan_conversions', 'orphan_conversions', 'conversions', 'binomial', { match: isCampaign, direction: 'up' }),
    rate('rejected_rate', 'rejected', ARRIVED, 'binomial', { keyPrefix: QUALITY, direction: 'up' }),
    rate('duplicate_rate', 'duplicates', ARRIVED, 'binomial', { keyPrefix: QUALITY, direction: 'up' }),
    rate('late_rate', 'late', ['valid', 'late'], 'binomial', { keyPrefix: QUALITY, direction: 'up' }),
    { name: 'rejected_reason', match: isRejectReason, value: 'count', test: 'count', direction: 'up', threshold: 0 },
    delayWatch('ingestion_delay', 'ingestion_delay_p99_ms', QUALITY),
    // Arrival on the stream minus event time: a whole fleet of producers falling behind moves
    // every event alike, which the delay behind the newest event cannot see.
    delayWatch('arrival_delay', 'arrival_delay_p99_ms', QUALITY),
  ],
};
