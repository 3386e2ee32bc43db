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
import type { WindowMergerSnapshot } from '../pipeline/windowMerger.ts';

export interface ReplayCheckpoint {
  version: 1;
  /** The recording it belongs to (stream and record count), so a checkpoint is not applied to another. */
  recording: { stream: string; records: number };
  shards: Record<string, { next: number; stateRef: string | null; done: boolean }>;
  clock: number | null;
  watermark: PipelineWatermarkSnapshot;
  merger: WindowMergerSnapshot;
  ops: OperationalMetricsSnapshot;
  /** The detector on the stream's own quality; absent in checkpoints from before it ran in replay. */
  streamDetector?: unknown;
  batches: number;
}

const KEY = 'replay-checkpoint.json';

export async function loadReplayCheckpoint(store: ObjectStore): Promise<ReplayCheckpoint | undefined> {
  const body = await store.get(KEY);
  return body ? (JSON.parse(Buffer.from(body).toString('utf8')) as ReplayCheckpoint) : undefined;
}

export async function saveReplayCheckpoint(store: ObjectStore, checkpoint: ReplayCheckpoint): Promise<void> {
  await store.put(KEY, Buffer.from(JSON.stringify(checkpoint)));
}
