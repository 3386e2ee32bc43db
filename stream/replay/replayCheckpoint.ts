/**
 * Where a replay stands, saved after every batch: per shard the index of its next record and the
 * reference of its state snapshot (in the state store, like a live worker's), plus the stage
 * state that spans shards (pipeline watermark, merger of partial windows, operational metrics).
 * A replay killed at any point resumes from it and ends with the same outputs as an
 * uninterrupted one.
 */
import type { ObjectStore } from '../../sinks/objectStore/objectStore.ts';
import type { OperationalMetricsSnapshot } from '../pipeline/operationalMetrics.ts';
import type { PipelineWatermarkSnapshot } from '../pipeline/pipelineWatermark.ts';
import type { StreamNotificationsSnapshot } from '../pipeline/streamNotifications.ts';
import type { WindowMergerSnapshot } from '../pipeline/windowMerger.ts';
import type { WindowConfig } from '../pipeline/eventTimeWindows.ts';

/**
 * What cuts a replay's commit points and shapes its outputs. A run resumed with other values
 * re-cuts the unit it stopped in, so that unit's rows land again under other file names, or mixes
 * window sizes in one metrics table: a resume must use the values the run started with.
 */
export interface ReplayRunSettings {
  batchSize: number;
  unitBytes: number;
  idleTimeoutMs: number;
  windows: WindowConfig;
  dedupeHorizonMs: number;
  maxFutureSkewMs: number;
  /**
   * Parts cut in arrival order, as a recording where a shard idles is (replay.ts, `arrivalOrder`);
   * absent where every part is --batch-size records, and in checkpoints of replays started before
   * such recordings were cut so (2026-12-07), which a resumed run could not continue alike.
   */
  parts?: 'arrival order';
  /**
   * The most user records a part and a commit point take (replay.ts): KPL aggregates can hold many
   * more than their bytes say. Absent in checkpoints of replays started before (2026-12-07), which
   * cut by Kinesis records and bytes alone.
   */
  userRecordLimits?: { part: number; commitPoint: number };
}

export interface ReplayCheckpoint {
  version: 1;
  /**
   * The recording it belongs to (stream, record count and digest, recording.ts), so a checkpoint
   * is not applied to another. `digest` is absent in older checkpoints and for recordings built in code.
   */
  recording: { stream: string; records: number; digest?: string };
  /** Absent in checkpoints written before it was kept. */
  settings?: ReplayRunSettings;
  shards: Record<string, { next: number; stateRef: string | null; done: boolean }>;
  clock: number | null;
  watermark: PipelineWatermarkSnapshot;
  merger: WindowMergerSnapshot;
  ops: OperationalMetricsSnapshot;
  /** The detector on the stream's own quality; absent in checkpoints from before it ran in replay. */
  streamDetector?: unknown;
  /** The stream's quality notifications (streamNotifications.ts); absent in checkpoints from before. */
  streamNotifications?: StreamNotificationsSnapshot;
  batches: number;
}

const KEY = 'replay-checkpoint.json';

async function loadJson<T>(store: ObjectStore, key: string): Promise<T | undefined> {
  const body = await store.get(key);
  return body ? (JSON.parse(Buffer.from(body).toString('utf8')) as T) : undefined;
}

export const loadReplayCheckpoint = (store: ObjectStore): Promise<ReplayCheckpoint | undefined> => loadJson(store, KEY);

export async function saveReplayCheckpoint(store: ObjectStore, checkpoint: ReplayCheckpoint): Promise<void> {
  await store.put(KEY, Buffer.from(JSON.stringify(checkpoint)));
}

/**
 * What a replay writes to its state before its first lake file: the recording and the settings
 * it cuts its files with. A checkpoint comes only after the first commit point, and a replay
 * killed before it, run again with another lakeFileTargetBytes, wrote the same records under other
 * file names beside the first ones; and a lake holding files with a state directory that merely
 * existed passed for this replay's own.
 */
export interface ReplayClaim {
  version: 1;
  recording: ReplayCheckpoint['recording'];
  settings: ReplayRunSettings;
  /** The lake the replay writes (an absolute path), so its state is not taken for another lake's. */
  lake?: string;
  /** Its metrics directory and alert log (absolute paths): a resume elsewhere split them in two. Absent in older claims. */
  metrics?: string;
  alertLog?: string;
}

const CLAIM_KEY = 'replay-claim.json';

export const loadReplayClaim = (store: ObjectStore): Promise<ReplayClaim | undefined> => loadJson(store, CLAIM_KEY);

export async function saveReplayClaim(store: ObjectStore, claim: ReplayClaim): Promise<void> {
  await store.put(CLAIM_KEY, Buffer.from(JSON.stringify(claim)));
}

/** Each setting as the user sets it: an option or a configuration name, not the field's. */
const SETTING_NAMES: Record<keyof ReplayRunSettings, string> = {
  batchSize: '--batch-size',
  unitBytes: 'lakeFileTargetBytes',
  idleTimeoutMs: '--idle-timeout-ms',
  windows: 'the window settings (windowMs, windowSlideMs, maxOutOfOrdernessMs, allowedLatenessMs, windowGroupings)',
  dedupeHorizonMs: 'dedupeHorizonMs',
  maxFutureSkewMs: 'maxFutureSkewMs',
  parts: 'the parts cut',
  userRecordLimits: 'the user records a part and a commit point take',
};

/** The settings `saved` was written with that `current` changes, as `name saved → current`; none: []. */
export function changedSettings(saved: ReplayRunSettings | undefined, current: ReplayRunSettings): string[] {
  if (!saved) return [];
  return (Object.keys(current) as (keyof ReplayRunSettings)[])
    .filter((name) => JSON.stringify(saved[name]) !== JSON.stringify(current[name]))
    .map((name) => `${SETTING_NAMES[name]} ${JSON.stringify(saved[name])} → ${JSON.stringify(current[name])}`);
}
