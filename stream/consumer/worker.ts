/**
 * A worker of the consumer group. It holds a share of the stream's shard leases (the lease
 * coordinator takes, renews, steals and releases them) and runs one processing loop per held
 * shard: read a batch (a commit unit of one or more GetRecords results, cut by size and age),
 * run the pure pipeline on it, commit its effects, repeat. One batch in flight per shard, so a
 * slow sink slows reading instead of growing memory.
 *
 * A shard's loop ends when its shard ends (checkpoint SHARD_END, lease released so its children
 * can start), when the lease is lost (found at the next fenced write: nothing more is written),
 * when the worker shuts down (the current batch is committed, then the lease is released so
 * another worker takes it at once), or, in bounded runs, when the input is complete and the
 * shard has caught up.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { EMPTY, Subject, catchError, defer, expand, from, lastValueFrom, mergeMap } from 'rxjs';
import type { AlertSink } from '../../sinks/alerts/alertSink.ts';
import type { LakeTables } from '../../sinks/lake/lakeTables.ts';
import { processBatch } from '../pipeline/processBatch.ts';
import { ShardState, type ShardStateConfig } from '../pipeline/shardState.ts';
import { BatchCutter } from './batchCutter.ts';
import { commitBatch, type CommitPosition } from './commitBatch.ts';
import { CommitUnit } from './commitUnit.ts';
import type { SpillOptions } from '../../sinks/lake/unitRows.ts';
import type { InputArchive } from '../../sinks/firehose/firehoseRecords.ts';
import type { HeldLease } from './leases/heldLease.ts';
import { SHARD_END, checkpointSequence, type Lease } from './leases/lease.ts';
import { LeaseCoordinator, type ConsumerEvent } from './leases/leaseCoordinator.ts';
import { LeaseLostError, type LeaseTable } from './leases/leaseTable.ts';
import { listShards } from './leases/shardSync.ts';
import type { SourceRecord } from '../pipeline/batch.ts';
import { hashRangeOf, userRecordParts } from '../kpl/index.ts';
import { ReadAhead } from './readAhead.ts';
import { ShardReader, type ShardReaderOptions, type StartingPosition } from './shardReader.ts';
import type { StateStore } from './stateStore.ts';
import { refuseLakeOfLostCheckpoints } from './lostCheckpoints.ts';
import { claimLakeForTable } from './lakeClaim.ts';
import { startingPositionFor } from './pinnedStart.ts';
import { canonicalLocation } from '../../sinks/objectStore/canonicalLocation.ts';
import { emptyStats, type WorkerStats } from './workerStats.ts';
import { cleanUpEndedParents } from './parentCleanup.ts';
import { StreamWindowMerge, type StreamWindowStats } from './streamWindowMerge.ts';
import { caughtUpMarker, caughtUpPosition, type PartialLog } from './windowPartials.ts';
import type { ObjectStore } from '../../sinks/objectStore/objectStore.ts';
import type { MetricRecord, MetricsSink } from '../../sinks/metrics/metricsSink.ts';
import { OperationalMetrics } from '../pipeline/operationalMetrics.ts';
import { ProcessingLagWatch, processingLagKey, type ProcessingLagConfig } from '../../detectors/processingLag.ts';
import type { AlertEvent, MetricEvent } from '../../detectors/types.ts';

export interface WorkerOptions {
  kinesis: KinesisClient;
  streamName: string;
  leases: LeaseTable;
  workerId: string;
  stateStore: StateStore;
  lake: LakeTables;
  alertSink: AlertSink;
  state: ShardStateConfig;
  maxFutureSkewMs: number;
  /** Where a shard with no checkpoint and no parent starts (children always start at their beginning). */
  startingPosition?: StartingPosition;
  reader?: ShardReaderOptions;
  /** How reads are combined into commit units (one set of lake files each); unset: one read per unit. */
  lakeFile?: { targetBytes: number; maxAgeMs: number };
  /** Also archives what each read brings to Firehose; flushed before every checkpoint. */
  archive?: InputArchive;
  /** Where a unit's rows go once they outgrow their memory budget; unset: they stay in memory. */
  spill?: SpillOptions;
  /** A lease whose counter has not moved for this long is expired and may be taken. */
  failoverTimeMs?: number;
  shardSyncIntervalMs?: number;
  /** Bounded runs: once this returns true, a shard that has caught up closes its windows and finishes. */
  inputComplete?: () => boolean;
  /** Graceful stop: each shard commits its current batch, then the leases are released. */
  signal?: AbortSignal;
  onProgress?: (stats: WorkerStats) => void;
  onEvent?: (event: ConsumerEvent) => void;
  /** Monotonic milliseconds (lease expiry); injected by tests. */
  now?: () => number;
  /**
   * Where metric events also go besides the lake's `_metrics` table (EMF lines on stdout, a
   * Kinesis metrics stream): each batch's window metrics, and each hour's operational metrics.
   */
  metricsSink?: MetricsSink;
  /** Epoch milliseconds for the operational metrics (processing time, delay to durable write). */
  wallClock?: () => number;
  /** Alerts when a shard stays behind the tip of the stream (MillisBehindLatest); unset: no watch. */
  processingLag?: ProcessingLagConfig;
  /**
   * Stream-wide windows: each unit's partial windows go to this log, and whichever worker holds
   * the merge lease merges them and sends the stream's windows to the metrics sink.
   */
  streamWindows?: { log: PartialLog; store: ObjectStore; idleTimeoutMs: number };
}

interface ShardCursor {
  held: HeldLease;
  cutter: BatchCutter;
  state: ShardState;
  lastSequenceNumber: string | undefined;
  /** Of the last user record when the checkpoint sits on a KPL aggregate. */
  lastSubSequenceNumber: number;
  stateRef: string | undefined;
  done: boolean;
  /** The stream-wide merge has been told this shard is at its tip (a unit or a caught-up marker). */
  reportedCaughtUp?: boolean;
}

export async function listShardIds(kinesis: KinesisClient, streamName: string): Promise<string[]> {
  return (await listShards(kinesis, streamName)).map((shard) => shard.ShardId!);
}

const DEFAULT_FAILOVER_TIME_MS = 10_000;

export class Worker {
  readonly stats: WorkerStats = emptyStats();
  /** A bounded run (`inputComplete`) read every shard it could to its end; false for one stopped first. */
  caughtUp = false;
  private readonly stopping = new AbortController();
  /** Shards this worker has read to the end of a bounded run (or to SHARD_END). */
  private readonly finished = new Set<string>();
  private coordinator: LeaseCoordinator | undefined;
  /** This worker's share of the hourly operational metrics; other workers report theirs. */
  private readonly ops = new OperationalMetrics();
  private readonly lagWatch: ProcessingLagWatch | undefined;
  /** Aborted when a shard finishes, so a bounded run ends then rather than at the next tick. */
  private shardFinished = new AbortController();
  private readonly merge: StreamWindowMerge | undefined;
  /** When this worker last looked for reshard parents to clean up (options.now). */
  private parentsCleanedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: WorkerOptions) {
    // A signal that came while the worker was set up (workerFromConfig's checks, before this
    // constructor) stops it as one that comes later: a listener added now would never hear it, and
    // a service run went on until a second signal.
    if (options.signal?.aborted) this.stopping.abort();
    else options.signal?.addEventListener('abort', () => this.stopping.abort(), { once: true });
    this.lagWatch = options.processingLag ? new ProcessingLagWatch(options.processingLag) : undefined;
    const sink = options.metricsSink;
    // Merged whether or not there is a metrics output: the stream's quality alerts come from the
    // merge (a replay raises them always), and without one a worker's alert log lacked them.
    if (options.streamWindows) {
      this.merge = new StreamWindowMerge({
        leases: options.leases,
        log: options.streamWindows.log,
        store: options.streamWindows.store,
        stream: options.streamName,
        workerId: options.workerId,
        allowedLatenessMs: options.state.windows.allowedLatenessMs,
        idleTimeoutMs: options.streamWindows.idleTimeoutMs,
        failoverTimeMs: options.failoverTimeMs ?? DEFAULT_FAILOVER_TIME_MS,
        now: options.now ?? (() => performance.now()),
        emit: async (name, events) => sink?.write(name, events),
        alerts: { sink: options.alertSink, createDetector: options.state.createDetector },
      });
    }
  }

  /** What this worker did as the stream-window merger; undefined when the merge is off. */
  get streamWindowStats(): StreamWindowStats | undefined {
    return this.merge?.stats;
  }

  get workerId(): string {
    return this.options.workerId;
  }

  /** Ready once the worker has joined the lease table, until it starts shutting down. */
  ready(): boolean {
    return this.coordinator !== undefined && this.coordinator.leases.length > 0 && !this.stopping.signal.aborted;
  }

  /** Shards held right now, for readiness reports. */
  heldShards(): string[] {
    return [...(this.coordinator?.held.keys() ?? [])].sort();
  }

  async run(): Promise<WorkerStats> {
    const { leases, kinesis, streamName, workerId } = this.options;
    const now = this.options.now ?? (() => performance.now());
    await leases.ensureTable();
    const { lake } = this.options;
    await leases.claimForStream(streamName, await canonicalLocation(lake.location), () => refuseLakeOfLostCheckpoints(lake.store, streamName, leases.tableName));
    await claimLakeForTable(lake.store, streamName, leases.tableName);
    const acquired = new Subject<HeldLease>();
    const coordinator = new LeaseCoordinator({
      table: leases,
      kinesis,
      streamName,
      workerId,
      failoverTimeMs: this.options.failoverTimeMs ?? DEFAULT_FAILOVER_TIME_MS,
      shardSyncIntervalMs: this.options.shardSyncIntervalMs ?? 10_000,
      now,
      onAcquired: (held) => acquired.next(held),
      onLost: () => (this.stats.leasesLost += 1),
      onEvent: (event) => this.onEvent(event),
    });
    this.coordinator = coordinator;
    const processing = lastValueFrom(acquired.pipe(mergeMap((held) => this.shardLoop(held))), { defaultValue: undefined });
    processing.catch(() => this.stopping.abort());
    // The merge step runs beside the ticks, one at a time, not awaited between them: the tick is
    // what renews this worker's shard leases, and a step can outlast failoverTimeMs (a backlog of
    // partials in S3, a metrics output that stalls while it emits). Awaited, no renewal went out
    // meanwhile, and the merging worker's own units were abandoned as their leases expired.
    // The reshard parents' cleanup likewise: it deletes a parent's state objects one by one.
    let mergeInFlight: Promise<void> | undefined;
    let cleanupInFlight: Promise<void> | undefined;
    try {
      while (!this.stopping.signal.aborted) {
        await coordinator.tick();
        cleanupInFlight ??= this.cleanUpParents(coordinator, now).finally(() => (cleanupInFlight = undefined));
        mergeInFlight ??= this.mergeStep(() => this.merge!.tick(coordinator.leases)).finally(() => (mergeInFlight = undefined));
        if (this.boundedRunComplete(coordinator)) {
          this.caughtUp = true;
          break;
        }
        this.shardFinished = new AbortController();
        await sleep(coordinator.intervalMs, AbortSignal.any([this.stopping.signal, this.shardFinished.signal]));
      }
    } finally {
      // Stop taking, let every shard commit its current batch, then hand the leases back.
      coordinator.stopTaking();
      this.stopping.abort();
      acquired.complete();
      await processing.finally(() => coordinator.releaseAll());
      await Promise.all([mergeInFlight, cleanupInFlight]);
      // Last, so the merge sees the units this worker's shards committed while stopping. A bounded
      // run that read its shards to the end makes sure a step after its closing flushes merges them:
      // the holder may be ending at the same moment (StreamWindowMerge.finishRun).
      await this.mergeStep(async () => {
        if (this.caughtUp) await this.merge!.finishRun(() => leases.list(), () => this.waitForMerge(coordinator));
        else await this.merge!.release(await leases.list());
      });
      await this.flushOperationalMetrics();
    }
    return this.stats;
  }

  /** Between looks at the merge lease at a bounded run's end; false once the worker is signalled to stop. */
  private async waitForMerge(coordinator: LeaseCoordinator): Promise<boolean> {
    const signal = this.options.signal ?? new AbortController().signal;
    await sleep(coordinator.intervalMs, signal);
    return !signal.aborted;
  }

  /**
   * The stream-wide merge is secondary to the shards: a failed step (an S3 or DynamoDB error) is
   * reported and retried from the saved state at the next tick, never the end of the worker.
   */
  private async mergeStep(step: () => Promise<void>): Promise<void> {
    if (!this.merge) return;
    try {
      await step();
    } catch (error) {
      this.merge.reset();
      this.options.onEvent?.({ name: 'consumer.stream_windows_failed', workerId: this.workerId, detail: (error as Error).message });
    }
  }

  /**
   * A bounded run is done when every shard has ended, or was read to its tip here, or is another
   * live worker's to finish (a bounded one ends its own; a live one reads on). Waiting for shards
   * others hold made two bounded workers wait for each other for ever. A shard nobody holds (one
   * released by a worker that finished, a child whose parents just ended) is still to be read.
   * Nor is a shard this worker holds, whatever the scan says: the scan is taken before the tick's
   * takes, so a lease just stolen still shows its previous owner renewing it. Judged another's,
   * the thief ended its run at once, stopped the shard after the unit in hand without the closing
   * flush, and released it; the previous owner, having lost it, had ended too. Nobody closed that
   * shard's last windows, so the stream-wide merge fired them without its partials (or never):
   * three bounded workers started together gave smaller stream-wide counts than one.
   */
  private boundedRunComplete(coordinator: LeaseCoordinator): boolean {
    if (!this.options.inputComplete?.() || coordinator.leases.length === 0) return false;
    return coordinator.leases.every(
      (lease) => lease.checkpoint === SHARD_END || this.finished.has(lease.leaseKey) || (!coordinator.held.has(lease.leaseKey) && coordinator.heldByAnother(lease)),
    );
  }

  private onEvent(event: ConsumerEvent): void {
    if (event.name === 'consumer.lease_taken') this.stats.leasesTaken += 1;
    if (event.name === 'consumer.lease_stolen') this.stats.leasesStolen += 1;
    this.options.onEvent?.(event);
  }

  private shardLoop(held: HeldLease) {
    return defer(() => this.startShard(held)).pipe(
      // Lost before its first read (pinning its start found the counter moved): the new owner reads it.
      catchError((error: unknown) => {
        if (error instanceof LeaseLostError) return EMPTY;
        throw error;
      }),
      expand((cursor) => (cursor.done ? EMPTY : defer(() => this.step(cursor)))),
    );
  }

  private async startShard(held: HeldLease): Promise<ShardCursor> {
    const { kinesis, streamName } = this.options;
    const startingPosition = await startingPositionFor(held, this.options.startingPosition, () => this.wallClock());
    const lease = held.lease;
    const state = await this.initialState(lease);
    const reader = new ShardReader(kinesis, streamName, lease.leaseKey, {
      ...this.options.reader,
      onTransientError: (error) => this.options.onEvent?.({ name: 'consumer.read_failed', workerId: this.workerId, shardId: lease.leaseKey, detail: (error as Error).message }),
    });
    await reader.start(checkpointSequence(lease), startingPosition);
    this.stats.shards[lease.leaseKey] = {
      lastSequenceNumber: checkpointSequence(lease),
      records: this.stats.shards[lease.leaseKey]?.records ?? 0,
      bytes: this.stats.shards[lease.leaseKey]?.bytes ?? 0,
      millisBehindLatest: Number.POSITIVE_INFINITY,
      caughtUp: false,
      finished: false,
    };
    this.options.onEvent?.({ name: 'consumer.shard_started', workerId: this.workerId, shardId: lease.leaseKey });
    return {
      held,
      cutter: new BatchCutter(new ReadAhead(reader), lease.pending, {
        ...this.options.lakeFile,
        now: this.options.now ?? (() => performance.now()),
        flushWhenCaughtUp: () => this.options.inputComplete?.() ?? false,
        stopRequested: () => this.stopping.signal.aborted || held.isLost,
      }),
      state,
      lastSequenceNumber: checkpointSequence(lease),
      lastSubSequenceNumber: lease.checkpointSubSequenceNumber,
      // Only the shard's own snapshot may be discarded when it is superseded, never a parent's.
      stateRef: lease.stateRef,
      done: false,
    };
  }

  /**
   * The shard's state at its checkpoint. A child shard with no state of its own starts from its
   * parents' final snapshots, so dedupe follows shard lineage: the first parent's state, with the
   * other parent's seen ids absorbed after a merge (its open windows were closed at its end).
   */
  private async initialState(lease: Lease): Promise<ShardState> {
    const { stateStore, state: config } = this.options;
    if (lease.stateRef) {
      const snapshot = await stateStore.load(lease.stateRef);
      await this.cleanUp(lease.leaseKey, () => stateStore.collectLeftovers(lease.stateRef!));
      return ShardState.create(config, lease.leaseKey, snapshot);
    }
    const parentRefs = lease.parentShardIds
      .map((parent) => this.coordinator?.leases.find((candidate) => candidate.leaseKey === parent)?.stateRef)
      .filter((ref): ref is string => Boolean(ref));
    const parents = await Promise.all(parentRefs.map((ref) => stateStore.load(ref)));
    return ShardState.forChild(config, lease.leaseKey, parents) ?? ShardState.create(config, lease.leaseKey);
  }

  /**
   * Read one commit unit, processing each read as it arrives (its rows spill to disk past the
   * memory budget), commit it; decide whether the shard goes on.
   */
  private step(cursor: ShardCursor) {
    const shardId = cursor.held.shardId;
    const progress = this.stats.shards[shardId];
    if (this.stopping.signal.aborted || cursor.held.isLost) return from(this.finish(cursor, false));
    const { streamName: stream, maxFutureSkewMs } = this.options;
    const unit = new CommitUnit(this.options.lake, stream, shardId, this.options.spill);
    // Processing time is the time spent on the unit's parts and its commit, not the wait for reads.
    let busyMs = 0;
    const processRecords = async (records: SourceRecord[], final: boolean) => {
      const began = this.wallClock();
      const processed = processBatch({ stream, shardId, records, millisBehindLatest: 0 }, cursor.state, { maxFutureSkewMs, final });
      await this.options.archive?.add(processed);
      await unit.add(processed);
      busyMs += this.wallClock() - began;
      this.stats.recordsRead += processed.batch.records.length;
      this.options.onProgress?.(this.stats);
    };
    // A read's user records in parts of at most PART_RECORDS: one read of KPL aggregates can hold
    // millions. The closing flush (final) is a part of no records.
    const processPart = async (raw: SourceRecord[], final = false) => {
      if (final) return processRecords([], true);
      for (const records of this.userRecordParts(cursor, raw)) await processRecords(records, false);
    };
    return from(cursor.cutter.next((raw) => processPart(raw))).pipe(
      mergeMap(async (read) => {
        progress.millisBehindLatest = read.millisBehindLatest;
        progress.caughtUp = read.recordCount === 0 && read.millisBehindLatest === 0;
        await this.watchLag(shardId, read.millisBehindLatest);
        // A shard known to be closed (it has children) ends only at its end: caught up there is
        // not done, or its children, which wait for it to end, would never be read.
        const closed = cursor.held.lease.childShardIds.length > 0;
        const final = read.shardEnded || (progress.caughtUp && !closed && (this.options.inputComplete?.() ?? false));
        if (read.recordCount === 0 && !final) {
          if (progress.caughtUp) await this.reportCaughtUp(cursor);
          return cursor;
        }
        try {
          // End of input or of the shard: every open window closes.
          if (final) await processPart([], true);
          const committingAt = this.wallClock();
          // Archived at least once: nothing is checkpointed that Firehose has not accepted.
          await this.options.archive?.flush();
          // The raw range moves the checkpoint even when an aggregate yielded no user record.
          await this.commit(cursor, unit, read.lastSequenceNumber, { caughtUp: read.millisBehindLatest === 0, final });
          await this.reportMetrics(cursor, unit, committingAt - busyMs);
          if (read.shardEnded) await this.endShard(cursor);
        } catch (error) {
          if (error instanceof LeaseLostError) return this.finish(cursor, false);
          throw error;
        } finally {
          await unit.discard();
        }
        return final ? this.finish(cursor, true) : cursor;
      }),
    );
  }

  /**
   * Tells the stream-wide merge, once per lease held, that the shard is at its tip with nothing to
   * commit: the merge holds its windows for a shard it has not heard from (may not have started),
   * and without this a shard that never gets a record would hold them for the whole bound
   * (streamWindowMerge.ts, holdUnheard).
   */
  private async reportCaughtUp(cursor: ShardCursor): Promise<void> {
    const log = this.merge ? this.options.streamWindows?.log : undefined;
    if (!log || cursor.reportedCaughtUp) return;
    try {
      await log.write(caughtUpMarker(cursor.held.shardId), caughtUpPosition(cursor.lastSequenceNumber));
      cursor.reportedCaughtUp = true;
    } catch (error) {
      // As for the merge itself: reported, tried again at the next empty read, never the end of the worker.
      this.options.onEvent?.({ name: 'consumer.stream_windows_failed', workerId: this.workerId, detail: (error as Error).message });
    }
  }

  /** Processing lag is about the consumer, in clock time: alerted live, never part of the lake. */
  private async watchLag(shardId: string, millisBehindLatest: number): Promise<void> {
    const alert = this.lagWatch?.observe(shardId, millisBehindLatest, this.wallClock());
    if (!alert) return;
    this.stats.lagAlerts += 1;
    await this.options.alertSink.send(alert);
  }

  private wallClock(): number {
    return (this.options.wallClock ?? Date.now)();
  }

  /**
   * After the commit, so only durable results are reported; at least once, like alerts (a batch
   * redone after a crash reports again under the same window bounds).
   */
  private async reportMetrics(cursor: ShardCursor, unit: CommitUnit, startedAt: number): Promise<void> {
    const sink = this.options.metricsSink;
    if (!sink) return;
    const durableAt = this.wallClock();
    this.ops.record(unit, { startedAt, durableAt });
    const shardId = cursor.held.shardId;
    const lag: MetricEvent = {
      windowStart: durableAt,
      windowEnd: durableAt,
      key: processingLagKey(shardId),
      dimensions: { consumer: 'lag', shard: shardId },
      values: { millis_behind_latest: this.stats.shards[shardId].millisBehindLatest },
      watermark: Number.isFinite(unit.newestWatermark) ? unit.newestWatermark : durableAt,
    };
    // Each partial names its shard: two shards' partials share a key and window, and without it a
    // consumer of the metrics stream could not tell them from a batch redone after a crash.
    const partials = unit.metrics.map((metric): MetricRecord => ({ ...metric, shard: shardId }));
    const metrics = [...partials, ...this.ops.flush(durableAt), lag];
    if (metrics.length > 0) await sink.write(`${unit.stream}-${cursor.held.shardId}-${cursor.lastSequenceNumber ?? 'start'}`, metrics);
  }

  /** The operational metrics of hours not over yet, on a graceful stop (nothing would report them). */
  private async flushOperationalMetrics(): Promise<void> {
    const metrics = this.ops.flush(this.wallClock(), true);
    if (metrics.length > 0) await this.options.metricsSink?.write(`${this.options.streamName}-ops-${this.options.workerId}`, metrics);
  }

  private async endShard(cursor: ShardCursor): Promise<void> {
    await cursor.held.shardEnded(cursor.stateRef);
    // Released, so the balancing counts no dead shard and the children can be taken at once.
    await cursor.held.release();
    this.coordinator?.drop(cursor.held.shardId);
    this.options.onEvent?.({ name: 'consumer.shard_ended', workerId: this.workerId, shardId: cursor.held.shardId });
  }

  /**
   * KPL aggregates become their user records (sub-records outside the shard's hash range, left
   * there by a reshard, are marked and go to the DLQ as `kpl_outside_shard`); plain records pass
   * through.
   */
  private userRecordParts(cursor: ShardCursor, raw: SourceRecord[]): Iterable<SourceRecord[]> {
    const { startingHashKey, endingHashKey } = cursor.held.lease;
    const range = startingHashKey && endingHashKey ? hashRangeOf(startingHashKey, endingHashKey) : undefined;
    return userRecordParts(cursor.held.shardId, raw, range);
  }

  private async commit(cursor: ShardCursor, unit: CommitUnit, rawLast: string | undefined, status: Pick<CommitPosition, 'caughtUp' | 'final'>): Promise<void> {
    const { stream, shardId } = unit;
    const first = unit.first?.sequenceNumber;
    const last = rawLast ?? unit.last?.sequenceNumber;
    if (last) cursor.lastSubSequenceNumber = unit.last?.sequenceNumber === last ? (unit.last.subSequenceNumber ?? 0) : 0;
    // A closing flush (no records) is named after the position it follows.
    const fileName = first ? `${stream}-${shardId}-${first}` : `${stream}-${shardId}-final-${cursor.lastSequenceNumber ?? 'start'}`;
    const context = { ...this.options, partialLog: this.merge ? this.options.streamWindows?.log : undefined };
    const committed = commitBatch(context, cursor.held, unit, cursor.state, {
      fileName,
      checkpointTo: last ?? cursor.lastSequenceNumber,
      checkpointSubSequenceNumber: cursor.lastSubSequenceNumber,
      previousStateRef: cursor.stateRef,
      ...status,
    });
    const { files, stateRef, notifications } = await committed.catch((error: unknown) => {
      // Said once: the shard's loop ends here, and the lease's new owner commits the unit again.
      if (error instanceof LeaseLostError) {
        const range = first ? `records ${first} to ${last}` : `the closing flush after ${cursor.lastSequenceNumber ?? 'the start'}`;
        this.options.onEvent?.({ name: 'consumer.commit_abandoned', workerId: this.workerId, shardId, detail: `${error.message}; the unit of ${range} is left to its new owner` });
      }
      throw error;
    });
    cursor.stateRef = stateRef;
    if (last) cursor.lastSequenceNumber = last;
    // A unit at the tip tells the merge as much as a marker would.
    if (status.caughtUp) cursor.reportedCaughtUp = true;
    this.account(unit, files.length, files.reduce((sum, file) => sum + file.bytes, 0), notifications);
    const progress = this.stats.shards[shardId];
    progress.lastSequenceNumber = cursor.lastSequenceNumber;
    progress.records += unit.recordsIn;
    progress.bytes += unit.bytesIn;
    this.options.onProgress?.(this.stats);
  }

  /** `notifications`: what the shard sent (its quality alerts, with the merge on, are the merge's to send). */
  private account(unit: CommitUnit, files: number, bytes: number, notifications: readonly AlertEvent[]): void {
    const stats = this.stats;
    stats.recordsIn += unit.recordsIn;
    stats.bytesIn += unit.bytesIn;
    stats.written += unit.written;
    stats.rejected += unit.rejected;
    for (const [reason, n] of Object.entries(unit.rejectedByReason)) stats.rejectedByReason[reason] = (stats.rejectedByReason[reason] ?? 0) + n;
    stats.duplicates += unit.duplicates;
    stats.late += unit.late;
    stats.filesWritten += files;
    stats.bytesWritten += bytes;
    stats.spills += unit.rows.spills;
    stats.metricEvents += unit.metrics.length;
    stats.alerts += notifications.length;
  }

  /**
   * A reshard's parents whose children have state of their own: their snapshots, segments and
   * lease go (parentCleanup.ts), looked for as often as shards are discovered. Every worker looks:
   * each step is fenced or idempotent.
   */
  private async cleanUpParents(coordinator: LeaseCoordinator, now: () => number): Promise<void> {
    const shards = coordinator.shards;
    if (!shards || now() - this.parentsCleanedAt < (this.options.shardSyncIntervalMs ?? 10_000)) return;
    const began = (this.parentsCleanedAt = now());
    // Within a renewal interval, the rest left to the next pass: a stream that doubled its shards
    // has as many parents at once, and a stop waits for the pass in progress.
    const goOn = () => now() - began < coordinator.intervalMs;
    try {
      const deleted = await cleanUpEndedParents(coordinator.leases, shards, this.options.leases, this.options.stateStore, this.options.streamName, goOn);
      for (const shardId of deleted) this.options.onEvent?.({ name: 'consumer.parent_cleaned_up', workerId: this.workerId, shardId });
    } catch (error) {
      this.options.onEvent?.({ name: 'consumer.state_cleanup_failed', workerId: this.workerId, detail: (error as Error).message });
    }
  }

  /** Deleting state objects no snapshot needs: a failure leaves them in the store and loses nothing, so it is reported, not thrown. */
  private async cleanUp(shardId: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.options.onEvent?.({ name: 'consumer.state_cleanup_failed', workerId: this.workerId, shardId, detail: (error as Error).message });
    }
  }

  private async finish(cursor: ShardCursor, readToEnd: boolean): Promise<ShardCursor> {
    const shardId = cursor.held.shardId;
    await this.cleanUp(shardId, () => this.options.stateStore.release(cursor.stateRef));
    this.stats.shards[shardId].finished = true;
    if (readToEnd) this.finished.add(shardId);
    this.shardFinished.abort();
    return { ...cursor, done: true };
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
