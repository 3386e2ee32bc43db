/**
 * The foundation's watch set (robust z-scores only), kept as the baseline the detector benchmark
 * compares the default watches against. The watches it ran, one per kind of incident an ad stream has: traffic or
 * click volume moving per campaign and event type, auctions that stop being won, and the stream
 * itself going bad (malformed records, duplicates, late or delayed data).
 *
 * Thresholds are robust z-scores. With the Poisson floor a count series needs a move of about
 * 4·√median before it scores, so low-volume campaigns stay quiet on ±1 and big ones are caught
 * within two windows of a real drop or spike.
 */
import { delayWatch } from './delayWatch.ts';
import type { DetectorConfig } from './volumeDetector.ts';

const isCampaignType = (_key: string, d: Record<string, string>): boolean => 'campaign' in d && 'type' in d;
const isCampaign = (_key: string, d: Record<string, string>): boolean => 'campaign' in d && !('type' in d);
const QUALITY = 'quality=stream';

export const zScoreDetectorConfig: DetectorConfig = {
  historyWindows: 30,
  warmupWindows: 10,
  firingAfter: 2,
  resolveAfter: 3,
  criticalScore: 0.99,
  forgetAfterMissing: 120,
  watches: [
    { name: 'event_count', match: isCampaignType, value: 'count', direction: 'both', threshold: 4 },
    {
      // A win rate over a handful of bids is noise: score only with enough bids, against a
      // binomial floor for that many bids.
      name: 'win_rate_drop',
      match: isCampaign,
      value: 'win_rate',
      direction: 'down',
      threshold: 4,
      floor: 'binomial',
      minScale: 0.005,
      zeroWhenMissing: false,
      trials: { value: 'bids', min: 100 },
    },
    { name: 'rejected_spike', keyPrefix: QUALITY, value: 'rejected', direction: 'up', threshold: 4 },
    { name: 'duplicates_spike', keyPrefix: QUALITY, value: 'duplicates', direction: 'up', threshold: 4 },
    { name: 'late_spike', keyPrefix: QUALITY, value: 'late', direction: 'up', threshold: 4 },
    delayWatch('ingestion_delay', 'ingestion_delay_p99_ms', QUALITY),
  ],
};
