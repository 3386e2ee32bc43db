/**
 * Replay: feeds a recording through the same pipeline a live worker runs (processBatch, then
 * commitBatch's lake/DLQ/metric files, alerts, state snapshot, checkpoint) with virtual time and
 * no AWS at all, and merges the shards' partial windows into stream-wide windows as the
 * multi-worker consumer does, with the pipeline watermark's idleness judged on virtual time.
 *
 * Determinism: batches are cut at fixed record counts from each shard's start, shards take turns
 * by the arrival time of their next record (ties by shard id), and the clock is the newest
 * arrival time seen. So every replay of a recording cuts the same batches in the same order and
 * writes the same files, and a replay resumed from its checkpoint continues exactly where the
 * killed one committed.
 */
import type { AlertSink } from '../../sinks/alerts/alertSink.ts';
import type { LakeTables } from '../../sinks/lake/lakeTables.ts';
import type { MetricsSink } from '../../sinks/metrics/metricsSink.ts';
import type { ObjectStore } from '../../sinks/objectStore/objectStore.ts';
import type { MetricEvent } from '../../detectors/types.ts';
import { commitBatch, type ShardCheckpointer } from '../consumer/commitBatch.ts';
import { CommitUnit } from '../consumer/commitUnit.ts';
import { StateStore } from '../consumer/stateStore.ts';
import { processBatch } from '../pipeline/processBatch.ts';
import { OperationalMetrics } from '../pipeline/operationalMetrics.ts';
import { PipelineWatermark } from '../pipeline/pipelineWatermark.ts';
import { ShardState, type ShardStateConfig } from '../pipeline/shardState.ts';
import { WindowMerger } from '../pipeline/windowMerger.ts';
import type { Recording } from './recording.ts';
import { loadReplayCheckpoint, saveReplayCheckpoint, type ReplayCheckpoint } from './replayCheckpoint.ts';

export interface ReplayOptions {
  recording: Recording;
  lake: LakeTables;
  alertSink: AlertSink;
  metricsSink?: MetricsSink;
  /** Shard state snapshots and the replay checkpoint. */
  stateStore: ObjectStore;
  state: ShardStateConfig;
  maxFutureSkewMs: number;
  batchSize?: number;
  /** A shard with no record for this long (virtual time) stops holding the pipeline watermark. */
  idleTimeoutMs?: number;
  /** Processing-time clock for operational metrics; defaults to virtual time (so processing_ms is 0). */
  processingClock?: () => number;
  /** Stop cleanly after this many committed batches (a kill between batches). */
  stopAfterBatches?: number;
  /** Throw inside the checkpoint of this batch (1-based): files and alerts written, checkpoint not moved. */
  crashBeforeCheckpointOf?: number;
  onBatch?: (stats: ReplayStats) => void;
}

export interface ReplayStats {
  batches: number;
  recordsIn: number;
  written: number;
  rejected: number;
  duplicates: number;
  late: number;
  metricEvents: number;
  mergedMetricEvents: number;
  alerts: number;
  latePartials: number;
  resumed: boolean;
  finished: boolean;
}

export class ReplayCrash extends Error {}

export const DEFAULT_REPLAY_BATCH_SIZE = 500;
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

export async function replay(options: ReplayOptions): Promise<ReplayStats> {
  const { recording, lake, alertSink } = options;
  const stream = recording.header.stream;
  const batchSize = options.batchSize ?? DEFAULT_REPLAY_BATCH_SIZE;
  const shardIds = [...recording.shards.keys()].sort();
  const stateStore = new StateStore(options.stateStore);
  const saved = await loadReplayCheckpoint(options.stateStore);
  if (saved && (saved.recording.stream !== stream || saved.recording.records !== recording.records)) {
    throw new Error(`the replay checkpoint in ${options.stateStore.location} belongs to another recording (stream ${saved.recording.stream}, ${saved.recording.records} records); use an empty state directory`);
  }
  let clock = saved?.clock ?? -Infinity;
  const now = () => clock;
  const processingClock = options.processingClock ?? now;
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const watermark = saved ? PipelineWatermark.restore({ idleTimeoutMs, now }, saved.watermark) : new PipelineWatermark({ idleTimeoutMs, now });
  const lateness = options.state.windows.allowedLatenessMs;
  const merger = saved ? WindowMerger.restore(lateness, saved.merger) : new WindowMerger(lateness);
  const ops = saved ? OperationalMetrics.restore(saved.ops) : new OperationalMetrics();
  const cursors = new Map<string, { next: number; stateRef: string | null; done: boolean; state: ShardState }>();
  for (const shardId of shardIds) {
    const at = saved?.shards[shardId] ?? { next: 0, stateRef: null, done: false };
    const snapshot = at.stateRef ? await stateStore.load(at.stateRef) : undefined;
    cursors.set(shardId, { ...at, state: ShardState.create(options.state, shardId, snapshot) });
    if (!saved) watermark.register(shardId);
  }
  const stats: ReplayStats = {
    batches: saved?.batches ?? 0, recordsIn: 0, written: 0, rejected: 0, duplicates: 0, late: 0,
    metricEvents: 0, mergedMetricEvents: 0, alerts: 0, latePartials: merger.latePartials, resumed: saved !== undefined, finished: false,
  };
  let batchesThisRun = 0;

  const nextShard = (): string | undefined => {
    let best: string | undefined;
    let bestTime = Infinity;
    for (const shardId of shardIds) {
      const cursor = cursors.get(shardId)!;
      if (cursor.done) continue;
      const records = recording.shards.get(shardId)!;
      // A shard with nothing left still needs its closing flush: take it first.
      const time = cursor.next < records.length ? records[cursor.next].arrivalTime : -Infinity;
      if (time < bestTime) {
        best = shardId;
        bestTime = time;
      }
    }
    return best;
  };

  for (let shardId = nextShard(); shardId !== undefined; shardId = nextShard()) {
    if (options.stopAfterBatches !== undefined && batchesThisRun >= options.stopAfterBatches) return stats;
    const cursor = cursors.get(shardId)!;
    const all = recording.shards.get(shardId)!;
    const records = all.slice(cursor.next, cursor.next + batchSize);
    const final = cursor.next + records.length >= all.length;
    if (records.length > 0) clock = Math.max(clock, records[records.length - 1].arrivalTime);
    // Shards with records that have arrived by now are behind, not idle (a live shard with
    // MillisBehindLatest > 0): only a shard with nothing to read may time out.
    for (const [id, other] of cursors) {
      const pending = recording.shards.get(id)!;
      if (!other.done && other.next < pending.length && pending[other.next].arrivalTime <= clock) watermark.touch(id);
    }
    const startedAt = processingClock();
    const processed = processBatch({ stream, shardId, records, millisBehindLatest: 0 }, cursor.state, { maxFutureSkewMs: options.maxFutureSkewMs, final });

    // Stream-wide windows: the shard's partials, its watermark, then whatever the pipeline watermark released.
    merger.add(processed.windows);
    if (final) watermark.remove(shardId);
    else watermark.observe(shardId, processed.watermark, records.length > 0);
    const lastShard = final && [...cursors.values()].every((c) => c === cursor || c.done);
    const merged: MetricEvent[] = merger.fireMetrics(watermark.value, lastShard);

    const first = records[0]?.sequenceNumber;
    const fileName = first ? `${stream}-${shardId}-${first}` : `${stream}-${shardId}-final-${cursor.next}`;
    const unit = await CommitUnit.of(lake, processed);
    ops.record(unit, { startedAt, durableAt: processingClock() });
    const opsMetrics = ops.flush(now(), lastShard);
    await options.metricsSink?.write(fileName, [...merged, ...opsMetrics]);

    const batchNumber = stats.batches + 1;
    const checkpointer: ShardCheckpointer = {
      markPending: async () => {},
      checkpoint: async (_sequenceNumber, stateRef) => {
        if (options.crashBeforeCheckpointOf === batchNumber) throw new ReplayCrash(`simulated crash before the checkpoint of batch ${batchNumber}`);
        const shards: ReplayCheckpoint['shards'] = {};
        for (const [id, c] of cursors) shards[id] = { next: c.next, stateRef: c.stateRef, done: c.done };
        shards[shardId] = { next: cursor.next + records.length, stateRef, done: final };
        await saveReplayCheckpoint(options.stateStore, {
          version: 1,
          recording: { stream, records: recording.records },
          shards,
          clock: Number.isFinite(clock) ? clock : null,
          watermark: watermark.snapshot(),
          merger: merger.snapshot(),
          ops: ops.snapshot(),
          batches: batchNumber,
        });
      },
    };
    const lastSequence = records[records.length - 1]?.sequenceNumber ?? (cursor.next > 0 ? all[cursor.next - 1].sequenceNumber : 'start');
    const { stateRef } = await commitBatch({ lake, alertSink, stateStore }, checkpointer, unit, cursor.state, {
      fileName,
      checkpointTo: lastSequence,
      previousStateRef: cursor.stateRef ?? undefined,
    });
    cursor.next += records.length;
    cursor.stateRef = stateRef ?? null;
    cursor.done = final;
    batchesThisRun += 1;
    stats.batches = batchNumber;
    stats.recordsIn += records.length;
    stats.written += processed.events.length;
    stats.rejected += processed.rejected.length;
    stats.duplicates += processed.duplicates;
    stats.late += processed.late;
    stats.metricEvents += processed.metrics.length;
    stats.mergedMetricEvents += merged.length;
    stats.alerts += processed.alerts.length;
    stats.latePartials = merger.latePartials;
    options.onBatch?.(stats);
  }
  stats.finished = true;
  return stats;
}
