/**
 * The detector stage as the pipeline creates it per shard (`ShardStateConfig.createDetector`):
 * the watches of `defaultDetectorConfig` (or another config), state snapshotted with the shard's
 * checkpoint. It returns each alert event alone: they are grouped into notifications where they
 * are sent (alertGrouping.ts), a shard's quality alerts together with every other shard's.
 *
 * ```ts
 * createDetector: shardDetectorFactory(),
 * ```
 */
import { defaultDetectorConfig } from './defaultConfig.ts';
import type { AlertEvent, MetricEvent } from './types.ts';
import { VolumeDetector, type DetectorConfig, type DetectorSnapshot, type ObserveOptions } from './volumeDetector.ts';

export interface ConfiguredDetector {
  observe(metrics: MetricEvent[], options?: ObserveOptions): AlertEvent[];
  snapshot(): DetectorSnapshot;
  inherit(shardId: string, others?: readonly unknown[]): void;
}

/** How long alerts wait and repeat, as a worker's configuration sets them (alertCooldownWindows, alertRenotifyWindows). */
export interface AlertTiming {
  alertCooldownWindows?: number;
  alertRenotifyWindows?: number;
}

/** What of a worker's configuration the detectors follow: the alert timing, and the windows. */
export interface DetectorSettings extends AlertTiming {
  windowMs?: number;
  windowSlideMs?: number;
}

/** The default watches with the configured alert timing and windows: what a worker runs, and a replay of its input too. */
export const configuredDetectorConfig = (settings: DetectorSettings): DetectorConfig => ({
  ...defaultDetectorConfig,
  cooldownWindows: settings.alertCooldownWindows ?? 0,
  renotifyWindows: settings.alertRenotifyWindows ?? 0,
  // Hopping windows: the detectors score the non-overlapping ones (DetectorConfig.scoredWindowStartsEveryMs).
  ...(settings.windowSlideMs !== undefined && settings.windowMs !== undefined && settings.windowSlideMs < settings.windowMs ? { scoredWindowStartsEveryMs: settings.windowMs } : {}),
});

export function shardDetectorFactory(config: DetectorConfig = defaultDetectorConfig): (snapshot?: unknown) => ConfiguredDetector {
  return (snapshot) => {
    const detector = snapshot ? VolumeDetector.restore(config, snapshot as DetectorSnapshot) : new VolumeDetector(config);
    return {
      observe: (metrics, options) => detector.observe(metrics, options),
      snapshot: () => detector.snapshot(),
      inherit: (shardId, others) => detector.inherit(shardId, others as DetectorSnapshot[] | undefined),
    };
  };
}
