/**
 * Assembles a replay on local directories, as `adstream replay` runs it: the lake (Parquet), the
 * alert log, EMF metric lines (one file per batch), the shard state and the replay checkpoint,
 * with the configured windows, dedupe horizon and detector. No AWS client is created.
 */
import { resolve } from 'node:path';
import { configuredDetectorConfig, shardDetectorFactory, type DetectorSettings } from '../../detectors/shardDetector.ts';
import { LogAlertSink } from '../../sinks/alerts/logAlertSink.ts';
import { lakeTables } from '../../sinks/lake/lakeTables.ts';
import { EmfStoreSink } from '../../sinks/metrics/emfStoreSink.ts';
import { LocalDirStore } from '../../sinks/objectStore/localDirStore.ts';
import { createParquetEncoder, type ParquetEncoderName } from '../../sinks/parquet/encoder.ts';
import type { ShardStateConfig } from '../pipeline/shardState.ts';
import { windowGroupingsOf } from '../config/groupings.ts';
import type { Recording } from './recording.ts';
import { replay, type ReplayOptions, type ReplayStats } from './replay.ts';
import type { ReplayDirectories } from './replayDefaults.ts';

export interface ReplaySettings extends DetectorSettings {
  windowMs: number;
  /** Hop between window starts (hopping windows); unset, windows tumble. */
  windowSlideMs?: number;
  maxOutOfOrdernessMs: number;
  allowedLatenessMs: number;
  dedupeHorizonMs: number;
  maxFutureSkewMs: number;
  parquetEncoder: ParquetEncoderName;
  /** Record bytes per commit point, as the worker's commit units (default: its default). */
  lakeFileTargetBytes?: number;
  /** Window keys as the worker's `windowGroupings` (default: campaign × type and campaign). */
  windowGroupings?: string;
}

export function replayStateConfig(settings: ReplaySettings): ShardStateConfig {
  return {
    windows: {
      sizeMs: settings.windowMs,
      // A slide of the window's own length is tumbling, as unset: a resume must not take it for a change.
      slideMs: settings.windowSlideMs === settings.windowMs ? undefined : settings.windowSlideMs,
      maxOutOfOrdernessMs: settings.maxOutOfOrdernessMs,
      allowedLatenessMs: settings.allowedLatenessMs,
      groupings: settings.windowGroupings === undefined ? undefined : windowGroupingsOf(settings.windowGroupings),
    },
    dedupeHorizonMs: settings.dedupeHorizonMs,
    // The live worker's detector (workerFromConfig.ts), so a replay raises the same alerts.
    createDetector: shardDetectorFactory(configuredDetectorConfig(settings)),
  };
}

export async function replayToDirectory(
  recording: Recording,
  dirs: ReplayDirectories,
  settings: ReplaySettings,
  extra: Pick<ReplayOptions, 'batchSize' | 'unitBytes' | 'idleTimeoutMs' | 'stopAfterBatches' | 'signal' | 'crashBeforeCheckpointOf' | 'onBatch' | 'processingClock'> = {},
): Promise<ReplayStats> {
  const encoder = createParquetEncoder(settings.parquetEncoder);
  const alertSink = new LogAlertSink({ path: dirs.alertLog });
  try {
    const stats = await replay({
      recording,
      lake: lakeTables(new LocalDirStore(dirs.lake), encoder),
      alertSink,
      metricsSink: new EmfStoreSink(new LocalDirStore(dirs.metrics)),
      stateStore: new LocalDirStore(dirs.state),
      lakeLocation: resolve(dirs.lake),
      outputLocations: { metrics: resolve(dirs.metrics), alertLog: resolve(dirs.alertLog) },
      state: replayStateConfig(settings),
      maxFutureSkewMs: settings.maxFutureSkewMs,
      unitBytes: settings.lakeFileTargetBytes,
      ...extra,
    });
    // The summary names the alert log: a replay without alerts leaves it empty, not missing.
    await alertSink.prepare();
    return stats;
  } finally {
    await encoder.close?.();
  }
}
