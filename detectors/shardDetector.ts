/**
 * The detector stage as the pipeline creates it per shard (`ShardStateConfig.createDetector`):
 * the watches of `defaultDetectorConfig` (or another config), state snapshotted with the shard's
 * checkpoint. It returns each alert event alone: they are grouped into notifications where they
 * are sent (alertGrouping.ts), a shard's quality alerts together with every other shard's. A
 * campaign's count alert that only followed the shard's other campaigns is returned marked
 * `inhibited`: logged, not paged (peerInhibition.ts). A campaign's resolution waits for the
 * last of its group's alerts (resolutionHold.ts), and an alert that joins a campaign's incident
 * already paged rides in its next page (followerHold.ts).
 *
 * ```ts
 * createDetector: shardDetectorFactory(),
 * ```
 */
import { defaultDetectorConfig } from './defaultConfig.ts';
import type { AlertEvent, MetricEvent } from './types.ts';
import { DEFAULT_COUNT_TEST, VolumeDetector, type DetectorConfig, type DetectorSnapshot, type ObserveOptions } from './volumeDetector.ts';
import { PeerInhibition } from './peerInhibition.ts';
import { ResolutionHold, type ResolutionHoldSnapshot } from './resolutionHold.ts';
import { FollowerHold, type FollowerHoldSnapshot } from './followerHold.ts';

export interface ConfiguredDetector {
  observe(metrics: MetricEvent[], options?: ObserveOptions): AlertEvent[];
  /** The end of a bounded run: alerts still held (FollowerHold.flush, then ResolutionHold.flush). */
  flush(): AlertEvent[];
  snapshot(): ShardDetectorSnapshot;
  inherit(shardId: string, others?: readonly unknown[]): void;
  /** The shard whose detector this is (VolumeDetector.forShard). */
  forShard(shardId: string): void;
}

/** How long alerts wait and repeat, as a worker's configuration sets them (alertCooldownWindows, alertRenotifyWindows, alertGroupIntervalWindows). */
export interface AlertTiming {
  alertCooldownWindows?: number;
  alertRenotifyWindows?: number;
  alertGroupIntervalWindows?: number;
  /** DetectorConfig.maxCampaigns (detectorMaxCampaigns); unset, no limit. */
  detectorMaxCampaigns?: number;
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
  groupIntervalWindows: settings.alertGroupIntervalWindows ?? defaultDetectorConfig.groupIntervalWindows,
  ...(settings.detectorMaxCampaigns !== undefined ? { maxCampaigns: settings.detectorMaxCampaigns } : {}),
  // Hopping windows: the detectors score the non-overlapping ones (DetectorConfig.scoredWindowStartsEveryMs).
  ...(settings.windowSlideMs !== undefined && settings.windowMs !== undefined && settings.windowSlideMs < settings.windowMs ? { scoredWindowStartsEveryMs: settings.windowMs } : {}),
});

/** The volume detector's snapshot, the open alerts PeerInhibition keeps from being paged, and ResolutionHold's and FollowerHold's state. */
export interface ShardDetectorSnapshot extends DetectorSnapshot {
  inhibitedAlerts?: string[];
  resolutionHold?: ResolutionHoldSnapshot;
  followerHold?: FollowerHoldSnapshot;
}

/** A snapshot without what the layers over VolumeDetector keep: what VolumeDetector restores from. */
function volumeSnapshotOf(snapshot: ShardDetectorSnapshot): DetectorSnapshot {
  const { inhibitedAlerts: _inhibited, resolutionHold: _hold, followerHold: _followers, ...volume } = snapshot;
  return volume;
}

export function shardDetectorFactory(config: DetectorConfig = defaultDetectorConfig): (snapshot?: unknown) => ConfiguredDetector {
  const alpha = (config.countTest ?? DEFAULT_COUNT_TEST).startAlpha;
  const groupInterval = config.groupIntervalWindows ?? 0;
  return (snapshot) => {
    const saved = snapshot as ShardDetectorSnapshot | undefined;
    const detector = saved ? VolumeDetector.restore(config, volumeSnapshotOf(saved)) : new VolumeDetector(config);
    let inhibition = new PeerInhibition(alpha, saved?.inhibitedAlerts);
    let hold = new ResolutionHold(saved?.resolutionHold);
    let followers = new FollowerHold(groupInterval, saved?.followerHold);
    return {
      observe: (metrics, options) => {
        const alerts = hold.apply(inhibition.mark(detector.observe(metrics, options), detector.lastReadings()));
        // The last window observed is complete unless the caller keeps it open.
        const observedUntil = (options?.windowsComplete ?? true) && metrics.length > 0 ? metrics.reduce((end, metric) => Math.max(end, metric.windowEnd), -Infinity) : undefined;
        return followers.apply(alerts, observedUntil);
      },
      flush: () => [...followers.flush(), ...hold.flush()],
      snapshot: () => ({ ...detector.snapshot(), inhibitedAlerts: inhibition.snapshot(), resolutionHold: hold.snapshot(), followerHold: followers.snapshot() }),
      forShard: (shardId) => detector.forShard(shardId),
      inherit: (shardId, others) => {
        const parents = (others ?? []) as ShardDetectorSnapshot[];
        detector.inherit(shardId, parents.map(volumeSnapshotOf));
        // A child keeps its parents' series, open alerts included, and so whether each is paged.
        inhibition = new PeerInhibition(alpha, [...inhibition.snapshot(), ...parents.flatMap((parent) => parent.inhibitedAlerts ?? [])]);
        hold = ResolutionHold.union([hold.snapshot(), ...parents.map((parent) => parent.resolutionHold)]);
        followers = FollowerHold.union(groupInterval, [followers.snapshot(), ...parents.map((parent) => parent.followerHold)]);
      },
    };
  };
}
