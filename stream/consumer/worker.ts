/**
 * One worker that reads every shard of a stream (the consumer issue turns this into leases shared
 * by many workers). Per shard, an RxJS loop reads a batch, runs the pure pipeline on it and
 * commits its effects before reading the next one: one batch in flight per shard, so a slow sink
 * slows reading instead of growing memory.
 *
 * Shard lifecycle: starting (load checkpoint + state) → consuming → finished, where finished
 * means the shard ended, the worker was asked to stop, or (bounded runs) the input is complete
 * and the shard has caught up.
 */
import { ListShardsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { EMPTY, defer, expand, from, lastValueFrom, merge, mergeMap } from 'rxjs';
import type { AlertSink } from '../../sinks/alerts/alertSink.ts';
import type { LakeTables } from '../../sinks/lake/lakeTables.ts';
import { processBatch, type ProcessedBatch } from '../pipeline/processBatch.ts';
import { ShardState, type ShardStateConfig } from '../pipeline/shardState.ts';
import { BatchCutter } from './batchCutter.ts';
import type { CheckpointStore } from './checkpointStore.ts';
import { commitBatch } from './commitBatch.ts';
import { ShardReader, type ShardReaderOptions, type StartingPosition } from './shardReader.ts';
import type { StateStore } from './stateStore.ts';
import { emptyStats, type WorkerStats } from './workerStats.ts';

export interface WorkerOptions {
  kinesis: KinesisClient;
  streamName: string;
  checkpoints: CheckpointStore;
  stateStore: StateStore;
  lake: LakeTables;
  alertSink: AlertSink;
  state: ShardStateConfig;
  maxFutureSkewMs: number;
  startingPosition?: StartingPosition;
  reader?: ShardReaderOptions;
  /** Bounded runs: once this returns true, a shard that has caught up closes its windows and finishes. */
  inputComplete?: () => boolean;
  /** Graceful stop: each shard finishes its current batch, commits it and stops. */
  signal?: AbortSignal;
  onProgress?: (stats: WorkerStats) => void;
}

interface ShardCursor {
  cutter: BatchCutter;
  state: ShardState;
  lastSequenceNumber: string | undefined;
  stateRef: string | undefined;
  done: boolean;
}

export async function listShardIds(kinesis: KinesisClient, streamName: string): Promise<string[]> {
  const ids: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await kinesis.send(
      nextToken ? new ListShardsCommand({ NextToken: nextToken }) : new ListShardsCommand({ StreamName: streamName }),
    );
    for (const shard of page.Shards ?? []) ids.push(shard.ShardId!);
    nextToken = page.NextToken;
  } while (nextToken);
  return ids;
}

export class Worker {
  readonly stats: WorkerStats = emptyStats();

  constructor(private readonly options: WorkerOptions) {}

  async run(): Promise<WorkerStats> {
    const shardIds = await listShardIds(this.options.kinesis, this.options.streamName);
    await lastValueFrom(merge(...shardIds.map((shardId) => this.shardLoop(shardId))), { defaultValue: undefined });
    return this.stats;
  }

  private shardLoop(shardId: string) {
    return defer(() => this.startShard(shardId)).pipe(
      expand((cursor) => (cursor.done ? EMPTY : defer(() => this.step(shardId, cursor)))),
    );
  }

  private async startShard(shardId: string): Promise<ShardCursor> {
    const { checkpoints, stateStore, kinesis, streamName } = this.options;
    const checkpoint = await checkpoints.get(shardId);
    const snapshot = checkpoint.stateRef ? await stateStore.load(checkpoint.stateRef) : undefined;
    const reader = new ShardReader(kinesis, streamName, shardId, this.options.reader);
    await reader.start(checkpoint.sequenceNumber, this.options.startingPosition);
    this.stats.shards[shardId] = {
      lastSequenceNumber: checkpoint.sequenceNumber,
      millisBehindLatest: Number.POSITIVE_INFINITY,
      caughtUp: false,
      finished: false,
    };
    return {
      cutter: new BatchCutter(reader, checkpoint.pending?.last),
      state: ShardState.create(this.options.state, shardId, snapshot),
      lastSequenceNumber: checkpoint.sequenceNumber,
      stateRef: checkpoint.stateRef,
      done: false,
    };
  }

  /** Read one batch, process it, commit it; decide whether the shard goes on. */
  private step(shardId: string, cursor: ShardCursor) {
    const progress = this.stats.shards[shardId];
    if (this.options.signal?.aborted) return from([this.finish(cursor, shardId)]);
    return from(cursor.cutter.next()).pipe(
      mergeMap(async (read) => {
        progress.millisBehindLatest = read.millisBehindLatest;
        progress.caughtUp = read.records.length === 0 && read.millisBehindLatest === 0;
        const final = read.shardEnded || (progress.caughtUp && (this.options.inputComplete?.() ?? false));
        if (read.records.length === 0 && !final) return cursor;
        const processed = processBatch(
          { stream: this.options.streamName, shardId, records: read.records, millisBehindLatest: read.millisBehindLatest },
          cursor.state,
          { maxFutureSkewMs: this.options.maxFutureSkewMs, final },
        );
        await this.commit(cursor, processed);
        return final ? this.finish(cursor, shardId) : cursor;
      }),
    );
  }

  private async commit(cursor: ShardCursor, processed: ProcessedBatch): Promise<void> {
    const { records, stream, shardId } = processed.batch;
    const first = records[0]?.sequenceNumber;
    const last = records[records.length - 1]?.sequenceNumber;
    // A closing flush (no records) is named after the position it follows.
    const fileName = first ? `${stream}-${shardId}-${first}` : `${stream}-${shardId}-final-${cursor.lastSequenceNumber ?? 'start'}`;
    const { files, stateRef } = await commitBatch(
      this.options,
      processed,
      cursor.state,
      { fileName, checkpointTo: last ?? cursor.lastSequenceNumber, previousStateRef: cursor.stateRef },
    );
    cursor.stateRef = stateRef;
    if (last) cursor.lastSequenceNumber = last;
    this.account(processed, files.length, files.reduce((sum, file) => sum + file.bytes, 0));
    this.stats.shards[shardId].lastSequenceNumber = cursor.lastSequenceNumber;
    this.options.onProgress?.(this.stats);
  }

  private account(processed: ProcessedBatch, files: number, bytes: number): void {
    const stats = this.stats;
    stats.recordsIn += processed.batch.records.length;
    for (const record of processed.batch.records) stats.bytesIn += record.data.byteLength;
    stats.written += processed.events.length;
    stats.rejected += processed.rejected.length;
    for (const { rejection } of processed.rejected) {
      stats.rejectedByReason[rejection.reason] = (stats.rejectedByReason[rejection.reason] ?? 0) + 1;
    }
    stats.duplicates += processed.duplicates;
    stats.late += processed.late;
    stats.filesWritten += files;
    stats.bytesWritten += bytes;
    stats.metricEvents += processed.metrics.length;
    stats.alerts.push(...processed.alerts);
  }

  private finish(cursor: ShardCursor, shardId: string): ShardCursor {
    this.stats.shards[shardId].finished = true;
    return { ...cursor, done: true };
  }
}
