/**
 * The default watches with seasonal volume baselines, for traffic with a daily shape (busy
 * days, quiet nights) that the trend-following level alone would page on at every sharp
 * change of pace. Only the volume watches get a profile: rates and stream quality do not
 * follow the clock the way traffic does.
 *
 * ```ts
 * createDetector: shardDetectorFactory(seasonalDetectorConfig),
 * // or a business's local day, weekly shape, 30-minute slots:
 * createDetector: shardDetectorFactory(withSeasonality(defaultDetectorConfig, { period: 'week', slotMs: 1_800_000, utcOffsetMinutes: 60 })),
 * ```
 */
import { defaultDetectorConfig } from './defaultConfig.ts';
import type { SeasonalityConfig } from './seasonalProfile.ts';
import type { DetectorConfig } from './volumeDetector.ts';

const VOLUME_WATCHES: readonly string[] = ['event_volume', 'campaign_auctions', 'stream_volume'];

/** `config` with `seasonality` on the named watches (by default the volume watches). */
export function withSeasonality(config: DetectorConfig, seasonality: SeasonalityConfig, watches: readonly string[] = VOLUME_WATCHES): DetectorConfig {
  return { ...config, watches: config.watches.map((w) => (watches.includes(w.name) ? { ...w, seasonality } : w)) };
}

/** Hour-of-day profiles (UTC) on the volume watches; everything else as `defaultDetectorConfig`. */
export const seasonalDetectorConfig: DetectorConfig = withSeasonality(defaultDetectorConfig, { period: 'day' });
