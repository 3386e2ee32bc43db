/**
 * Replay: feeds a recording through the same pipeline a live worker runs (processBatch, then
 * commitBatch's lake/DLQ/metric files, alerts, state snapshot, checkpoint) with virtual time and
 * no AWS at all, and merges the shards' partial windows into stream-wide windows as the
 * multi-worker consumer does, with the pipeline watermark's idleness judged on virtual time.
 *
 * Determinism: batches are cut at fixed record counts from each shard's start (in arrival order
 * where a shard idles, see `arrivalOrder`: a cut that depends only on the recording), shards take turns
 * by the arrival time of their next record (ties by shard id; a child shard only once its
 * parents in the recording are done, starting from their state as the worker's child does), and
 * the clock is the newest arrival time seen. So every replay of a recording cuts the same batches
 * in the same order and writes the same files, and a replay resumed from its checkpoint continues
 * exactly where the killed one committed.
 */
import { deliver, type AlertSink } from '../../sinks/alerts/alertSink.ts';
import type { LakeTables } from '../../sinks/lake/lakeTables.ts';
import type { MetricsSink } from '../../sinks/metrics/metricsSink.ts';
import type { ObjectStore } from '../../sinks/objectStore/objectStore.ts';
import { commitBatch, shardNotifications, type ShardCheckpointer } from '../consumer/commitBatch.ts';
import { CommitUnit } from '../consumer/commitUnit.ts';
import { StateStore } from '../consumer/stateStore.ts';
import { ConfigError } from '../config/load.ts';
import { configSchema } from '../config/schema.ts';
import { PART_RECORDS, hashRangeOf, userRecordsUpTo } from '../kpl/index.ts';
import type { SourceRecord } from '../pipeline/batch.ts';
import { processBatch } from '../pipeline/processBatch.ts';
import { OperationalMetrics } from '../pipeline/operationalMetrics.ts';
import { PipelineWatermark } from '../pipeline/pipelineWatermark.ts';
import { ShardState, type ShardStateConfig, type ShardStateSnapshot } from '../pipeline/shardState.ts';
import { WindowMerger } from '../pipeline/windowMerger.ts';
import { observeClosedWindows } from '../pipeline/detectorInput.ts';
import { StreamNotifications } from '../pipeline/streamNotifications.ts';
import { KINESIS_NAME_RULE, isKinesisName, type Recording, type ShardReader } from './recording.ts';
import { changedSettings, loadReplayCheckpoint, loadReplayClaim, saveReplayCheckpoint, saveReplayClaim, type ReplayCheckpoint, type ReplayRunSettings } from './replayCheckpoint.ts';
import { DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_REPLAY_BATCH_SIZE } from './replayDefaults.ts';

export interface ReplayOptions {
  recording: Recording;
  lake: LakeTables;
  alertSink: AlertSink;
  metricsSink?: MetricsSink;
  /** Shard state snapshots and the replay checkpoint. */
  stateStore: ObjectStore;
  /** Where the lake is, as the claim names it (replayCheckpoint.ts). */
  lakeLocation?: string;
  /** Where the metrics and the alert log go, as the claim names them. */
  outputLocations?: { metrics: string; alertLog: string };
  state: ShardStateConfig;
  maxFutureSkewMs: number;
  /** Records per part: what one GetRecords call would return (10,000 at most on Kinesis). */
  batchSize?: number;
  /**
   * Record bytes gathered over all shards before a commit point (the worker's lakeFileTargetBytes):
   * fewer, larger lake files and one snapshot per shard per commit. 0 commits after every part.
   */
  unitBytes?: number;
  /** A shard with no record for this long (virtual time) stops holding the pipeline watermark. */
  idleTimeoutMs?: number;
  /** Processing-time clock for operational metrics; defaults to virtual time (so processing_ms is 0). */
  processingClock?: () => number;
  /** Stop cleanly after this many commit points (a kill between them). */
  stopAfterBatches?: number;
  /** Aborted (SIGINT, SIGTERM), the replay commits the parts it has processed and stops; run again, it resumes there. */
  signal?: AbortSignal;
  /** Throw before the checkpoint of this commit point (1-based): files, alerts and snapshots written, checkpoint not moved. */
  crashBeforeCheckpointOf?: number;
  onBatch?: (stats: ReplayStats) => void;
}

export interface ReplayStats {
  /** Commit points so far, resumed runs included. */
  batches: number;
  /** User records: a KPL aggregate counts as the records it holds. */
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

/** What a commit point writes, taken when it was cut. */
interface CommitPoint {
  /** 1-based over the whole replay, resumed runs included. */
  number: number;
  units: {
    shardId: string;
    unit: CommitUnit;
    fileName: string;
    lastSequence: string;
    position: { next: number; done: boolean };
    state: Pick<ShardState, 'snapshot' | 'saved'>;
  }[];
  stage: Pick<ReplayCheckpoint, 'clock' | 'watermark' | 'merger' | 'ops' | 'streamDetector' | 'streamNotifications'>;
}

export const DEFAULT_REPLAY_UNIT_BYTES = configSchema.lakeFileTargetBytes.default;

/**
 * The user records after which a commit point is cut, whatever their bytes: a replay holds a
 * point's rows in memory, and a producer's empty KPL sub-records have no bytes (60 aggregates of
 * them, 10 million rows, ran a replay out of memory). Plain records average far above the 34
 * bytes it takes for 8 MiB of them to reach it.
 */
const UNIT_RECORDS = 250_000;

export async function replay(options: ReplayOptions): Promise<ReplayStats> {
  const { recording, lake, alertSink } = options;
  const stream = recording.header.stream;
  const partSize = options.batchSize ?? DEFAULT_REPLAY_BATCH_SIZE;
  // A part takes --batch-size Kinesis records unless their user records pass this (only KPL
  // aggregates can): parts of plain records are cut as they always were.
  const partRecords = Math.max(PART_RECORDS, partSize);
  const unitBytes = options.unitBytes ?? DEFAULT_REPLAY_UNIT_BYTES;
  const shardIds = [...recording.shards.keys()].sort();
  // Names become file and state paths (recording.ts); readers check them, and so does this, for recordings built in code.
  const unnamed = [stream, ...shardIds].find((name) => !isKinesisName(name));
  if (unnamed !== undefined || stream === undefined) throw new ConfigError(`the recording's stream or shard ${JSON.stringify(unnamed)} is not ${KINESIS_NAME_RULE}.`);
  const stateStore = new StateStore(options.stateStore);
  const saved = await loadReplayCheckpoint(options.stateStore);
  // Before the first checkpoint, the claim stands for it (replayCheckpoint.ts).
  const claim = saved ? undefined : await loadReplayClaim(options.stateStore);
  const started = saved ?? claim;
  const recordingId = { stream, records: recording.records, digest: recording.digest };
  const what = saved ? 'replay checkpoint' : 'replay claim';
  if (started && started.recording.records !== recording.records) {
    throw new ConfigError(`the ${what} in ${options.stateStore.location} belongs to another recording (stream ${started.recording.stream}, ${started.recording.records} records); use an empty state directory (--state) or another --lake.`);
  }
  // As many records can still be other records (an edited copy of the file); the digest tells,
  // where both sides have one (older claims and recordings built in code do not).
  const digests = started?.recording.digest !== undefined && recording.digest !== undefined;
  if (started && digests && started.recording.digest !== recording.digest) {
    throw new ConfigError(
      `the ${what} in ${options.stateStore.location} is of another recording of as many records (its records or lineage differ from this file's): a replay resumes only with the recording it started with; to replay this one, start over with an empty state directory (--state) and another --lake.`,
    );
  }
  if (started && started.recording.stream !== stream) {
    throw new ConfigError(
      digests
        ? `the ${what} in ${options.stateStore.location} is of a replay of these records that named its stream ${started.recording.stream}, not ${stream}: resume with --stream ${started.recording.stream}.`
        : `the ${what} in ${options.stateStore.location} is of a replay that named its stream ${started.recording.stream}, not ${stream}: if it was this recording, resume with --stream ${started.recording.stream}; if another recording of as many records, start over with an empty state directory (--state) and another --lake.`,
    );
  }
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  // Virtual time starts at the recording's first arrival: shards registered then have been quiet
  // for no time at all, so one whose first record arrives a moment later is not idle meanwhile.
  const firstArrival = Math.min(...[...recording.shards.values()].map((records) => records.firstArrival ?? Infinity));
  // A shard idles only in a silence longer than the idle timeout: between two of its records, or
  // before its first. Where the recording holds one, parts follow arrival order exactly (a part
  // ends where another shard's next record came first, and a shard's last record is a part of its
  // own), as parts of one record would: a part of --batch-size records read on past the silence
  // before the quiet shard was judged idle, and the stream-wide windows (and their alerts)
  // depended on the part size (a quiet shard's first-minute impressions in the stream's window
  // at --batch-size 7, late at 1). Without one no shard ever idles, and any cut gives the same.
  const arrivalOrder =
    Number.isFinite(firstArrival) &&
    [...recording.shards.values()].some((records) => records.longestGap >= idleTimeoutMs || (records.firstArrival ?? firstArrival) - firstArrival >= idleTimeoutMs);
  const settings: ReplayRunSettings = {
    batchSize: partSize,
    unitBytes,
    idleTimeoutMs,
    windows: options.state.windows,
    dedupeHorizonMs: options.state.dedupeHorizonMs,
    maxFutureSkewMs: options.maxFutureSkewMs,
    // The cut is the recording's (and the idle timeout's), not a choice: kept so that a replay
    // started when every part was --batch-size records is not resumed with parts in arrival
    // order, which gave neither run's stream-wide windows (and left metric files under the old
    // parts' names beside the new ones).
    ...(arrivalOrder ? { parts: 'arrival order' as const } : {}),
    userRecordLimits: { part: partRecords, commitPoint: UNIT_RECORDS },
  };
  // The cut follows from the recording and the idle timeout: those are told first, as a change of
  // them is what the user can undo.
  const { parts, userRecordLimits, ...chosen } = settings;
  if (started?.settings && started.settings.userRecordLimits === undefined) {
    throw new ConfigError(
      `the ${what} in ${options.stateStore.location} is of a replay that cut its parts and commit points by Kinesis records and record bytes alone; replay now also cuts them by user records (at most ${partRecords} a part, ${UNIT_RECORDS} a commit point), and a resumed run could write the records after the checkpoint under other file names beside the first run's: start over with an empty state directory (--state) and another --lake.`,
    );
  }
  const changed = changedSettings(started?.settings, { ...chosen, userRecordLimits });
  if (changed.length > 0) {
    throw new ConfigError(`the ${what} in ${options.stateStore.location} was written with other settings (${changed.join(', ')}); resume with the settings the run started with, or start over with an empty state directory (--state) and another --lake.`);
  }
  if (started?.settings && started.settings.parts !== parts) {
    throw new ConfigError(
      parts === 'arrival order'
        ? `the ${what} in ${options.stateStore.location} is of a replay that cut this recording into parts of --batch-size records; a shard of it is quiet for longer than the idle timeout, so replay now cuts its parts in arrival order (README, "Warehouse and replay"), and a resumed run would mix the two cuts in the stream-wide windows: start over with an empty state directory (--state) and another --lake.`
        : `the ${what} in ${options.stateStore.location} is of a replay that cut its recording's parts in arrival order, which this recording does not need: start over with an empty state directory (--state) and another --lake.`,
    );
  }
  if (!started) await saveReplayClaim(options.stateStore, { version: 1, recording: recordingId, settings, lake: options.lakeLocation, ...options.outputLocations });
  let clock = saved?.clock ?? (Number.isFinite(firstArrival) ? firstArrival : -Infinity);
  const now = () => clock;
  const processingClock = options.processingClock ?? now;
  const watermark = saved ? PipelineWatermark.restore({ idleTimeoutMs, now }, saved.watermark) : new PipelineWatermark({ idleTimeoutMs, now });
  const lateness = options.state.windows.allowedLatenessMs;
  const merger = saved ? WindowMerger.restore(lateness, saved.merger) : new WindowMerger(lateness);
  const ops = saved ? OperationalMetrics.restore(saved.ops) : new OperationalMetrics();
  // The stream's quality series (every shard's merged), through the detectors a shard's goes
  // through, as the live worker's stream-window merge does: without it replay missed the alerts
  // a worker with a metrics output raises on the stream as a whole.
  const streamDetector = options.state.createDetector(saved?.streamDetector);
  // The shards' quality alerts are notified with the stream's, as the live merge does (streamNotifications.ts).
  const streamNotifications = StreamNotifications.restore(saved?.streamNotifications);
  // `next` is where processing stands; `committed` is what the checkpoint names. They differ by
  // the parts processed since the last commit point.
  // `fromParents`: a shard not started yet, whose state comes from its parents when it starts.
  // `reader`: open from the shard's first part to its last; `before`: the sequence number before `next`.
  const cursors = new Map<string, { next: number; done: boolean; state: ShardState; fromParents: boolean; reader?: ShardReader; before?: string }>();
  const committed = new Map<string, ReplayCheckpoint['shards'][string]>();
  async function openReader(shardId: string): Promise<ShardReader> {
    const cursor = cursors.get(shardId)!;
    const reader = await recording.shards.get(shardId)!.read(cursor.next);
    cursor.reader = reader;
    cursor.before = reader.previousSequenceNumber;
    return reader;
  }
  /** Arrival of the shard's next record; undefined when none is left. */
  function nextArrival(shardId: string): number | undefined {
    const cursor = cursors.get(shardId)!;
    if (cursor.reader) return cursor.reader.next?.arrivalTime;
    // Not opened yet: the shard is at its start (or done).
    const shard = recording.shards.get(shardId)!;
    return cursor.next < shard.length ? shard.firstArrival : undefined;
  }
  for (const shardId of shardIds) {
    const at = saved?.shards[shardId] ?? { next: 0, stateRef: null, done: false };
    const snapshot = at.stateRef ? await stateStore.load(at.stateRef) : undefined;
    const cursor = { next: at.next, done: at.done, state: ShardState.create(options.state, shardId, snapshot), fromParents: at.next === 0 && !at.stateRef };
    cursors.set(shardId, cursor);
    committed.set(shardId, { ...at });
    // A shard resumed part-way is read from where it stands (the others open at their first part).
    if (at.next > 0 && !at.done) await openReader(shardId);
    if (!saved) watermark.register(shardId);
  }
  // Resumed, the state holds what the stopped or killed run saved and no checkpoint names any more.
  if (saved) await stateStore.sweep(stream, shardIds, [...committed.values()].flatMap(({ stateRef }) => (stateRef ? [stateRef] : [])));
  const stats: ReplayStats = {
    batches: saved?.batches ?? 0, recordsIn: 0, written: 0, rejected: 0, duplicates: 0, late: 0,
    metricEvents: 0, mergedMetricEvents: 0, alerts: 0, latePartials: merger.latePartials, resumed: saved !== undefined, finished: false,
  };
  /** Per shard, the unit of the parts processed since the last commit point. */
  const open = new Map<string, { unit: CommitUnit; start: number; before: string | undefined }>();
  let openBytes = 0;
  let openRecords = 0;

  /** The shard's parents that are in the recording (a parent trimmed before recording is long done). */
  const parentsOf = (shardId: string): string[] => (recording.header.parents?.[shardId] ?? []).filter((parent) => cursors.has(parent));

  /** A child shard starts from its parents' final state, as the worker's does (ShardState.forChild). */
  const stateFromParents = (shardId: string): ShardState | undefined =>
    ShardState.forChild(options.state, shardId, parentsOf(shardId).map((parent) => cursors.get(parent)!.state.snapshot({ inline: true })));

  const nextShard = (): string | undefined => {
    let best: string | undefined;
    let bestTime = Infinity;
    for (const shardId of shardIds) {
      const cursor = cursors.get(shardId)!;
      if (cursor.done) continue;
      if (parentsOf(shardId).some((parent) => !cursors.get(parent)!.done)) continue;
      // A shard with nothing left still needs its closing flush: take it first.
      const time = nextArrival(shardId) ?? -Infinity;
      if (time < bestTime) {
        best = shardId;
        bestTime = time;
      }
    }
    return best;
  };

  const hashRanges = new Map(Object.entries(recording.header.hashRanges ?? {}).map(([shardId, { start, end }]) => [shardId, hashRangeOf(start, end)]));

  /**
   * Whether a record of this shard came before every other shard's next one (a tie ends the part:
   * taken in a part of its own, the record makes the other shard touched, not idle, only from its
   * own arrival on, as in parts of one record).
   */
  const keepTurn = (shardId: string): ((record: { arrivalTime: number }) => boolean) => {
    let first = Infinity;
    for (const id of shardIds) {
      const cursor = cursors.get(id)!;
      if (id === shardId || cursor.done || parentsOf(id).some((parent) => !cursors.get(parent)!.done)) continue;
      first = Math.min(first, nextArrival(id) ?? -Infinity);
    }
    return ({ arrivalTime }) => arrivalTime < first;
  };

  /** The shard's next `partSize` Kinesis records (in arrival order, those before every other shard's next). */
  const readPart = async (shardId: string): Promise<{ reader: ShardReader; read: SourceRecord[] }> => {
    const cursor = cursors.get(shardId)!;
    const reader = cursor.reader ?? (await openReader(shardId));
    const left = recording.shards.get(shardId)!.length - cursor.next;
    const read = arrivalOrder ? await reader.takeWhile(left > 1 ? Math.min(partSize, left - 1) : partSize, keepTurn(shardId)) : await reader.take(partSize);
    return { reader, read };
  };

  /**
   * One part (a GetRecords result's worth: `partSize` Kinesis records, or fewer where their user
   * records would pass `partRecords`; a KPL aggregate is never split) of the shard, opened into its
   * user records as the worker opens them, and processed into its open unit.
   */
  const processPart = async (shardId: string): Promise<void> => {
    const cursor = cursors.get(shardId)!;
    if (cursor.fromParents) {
      cursor.state = stateFromParents(shardId) ?? cursor.state;
      cursor.fromParents = false;
    }
    const before = cursor.before;
    const length = recording.shards.get(shardId)!.length;
    const { reader, read } = await readPart(shardId);
    const { records, taken } = userRecordsUpTo(shardId, read, hashRanges.get(shardId), partRecords);
    const raw = taken === read.length ? read : read.slice(0, taken);
    // The records read past the part go back to the reader, and the next part reads afresh from
    // the record after this one, as a run resumed from a commit point cut here reads: kept aside
    // and taken as the next part, they cut the parts (and so the commit points and their files)
    // by where the read began, which a resumed run does not know.
    if (taken < read.length) reader.putBack(read.slice(taken), raw[raw.length - 1].sequenceNumber);
    const final = cursor.next + raw.length >= length;
    if (final) {
      await reader.close();
      cursor.reader = undefined;
    }
    if (raw.length > 0) cursor.before = raw[raw.length - 1].sequenceNumber;
    if (raw.length > 0) clock = Math.max(clock, raw[raw.length - 1].arrivalTime);
    // Shards with records that have arrived by now are behind, not idle (a live shard with
    // MillisBehindLatest > 0): only a shard with nothing to read may time out.
    for (const [id, other] of cursors) {
      // This shard by the part it is processing (whose user records may all have been dropped).
      const arrival = id === shardId ? raw[0]?.arrivalTime : other.done ? undefined : nextArrival(id);
      if (arrival !== undefined && arrival <= clock) watermark.touch(id);
    }
    const startedAt = processingClock();
    const processed = processBatch({ stream, shardId, records, millisBehindLatest: 0 }, cursor.state, { maxFutureSkewMs: options.maxFutureSkewMs, final });

    // Stream-wide windows: the shard's partials (with its quality alerts, as a live worker's partial
    // log carries them), its watermark, then whatever the pipeline watermark released.
    const { forMerge } = shardNotifications(processed.alerts, true);
    const late = streamNotifications.late(merger.add(processed.windows, forMerge));
    if (final) watermark.remove(shardId);
    else watermark.observe(shardId, processed.watermark, records.length > 0);
    const lastShard = final && [...cursors.values()].every((c) => c === cursor || c.done);
    const { events: merged, quality, alerts: shardAlerts } = merger.fireMetrics(watermark.value, lastShard);
    // Sent now, like the merged metrics below: a resumed replay sends the same again, which the
    // alert log keeps once (SNS at least once, as every alert).
    const streamAlerts = [...late, ...streamNotifications.notify(shardAlerts, observeClosedWindows(streamDetector, quality), lastShard)];
    let streamPages = 0;
    for (const alert of streamAlerts) if (await deliver(alertSink, alert)) streamPages += 1;

    let entry = open.get(shardId);
    if (!entry) open.set(shardId, (entry = { unit: new CommitUnit(lake, stream, shardId), start: cursor.next, before }));
    // The shard's own alerts: its quality alerts are the merge's to send.
    const work = await entry.unit.add({ ...processed, alerts: processed.alerts.filter((alert) => !forMerge.includes(alert)) });
    ops.record(work, { startedAt, durableAt: processingClock() });
    const opsMetrics = ops.flush(now(), lastShard);
    // Named after the part's position, so a resumed replay rewrites the same metric files.
    const partName = raw.length > 0 ? `${stream}-${shardId}-${raw[0].sequenceNumber}` : `${stream}-${shardId}-final-${cursor.next}`;
    await options.metricsSink?.write(partName, [...merged, ...opsMetrics]);

    cursor.next += raw.length;
    cursor.done = final;
    openBytes += work.bytesIn;
    openRecords += work.recordsIn;
    stats.recordsIn += records.length;
    stats.written += processed.events.length;
    stats.rejected += processed.rejected.length;
    stats.duplicates += processed.duplicates;
    stats.late += processed.late;
    stats.metricEvents += processed.metrics.length;
    stats.mergedMetricEvents += merged.length;
    stats.alerts += streamPages;
    stats.latePartials = merger.latePartials;
    options.onBatch?.(stats);
  };

  /**
   * Cuts a commit point: each shard's open unit with its file name, position and state snapshot,
   * and the stage state, all taken now, so the parts after it can be processed while it is
   * written.
   */
  let pointsCut = saved?.batches ?? 0;
  const cutCommitPoint = (): CommitPoint => {
    const units = [...open.keys()].sort().map((shardId) => {
      const { unit, start, before } = open.get(shardId)!;
      const cursor = cursors.get(shardId)!;
      // Copied now, as processing goes on while the point is written; except the dedupe ids, the
      // bulk of it (megabytes of base64): their snapshot is built fresh and shares nothing with the
      // live state, so copying it only cost time.
      const taken = cursor.state.snapshot();
      const snapshot = { ...taken, windows: structuredClone(taken.windows), detector: structuredClone(taken.detector) };
      return {
        shardId,
        unit,
        fileName: unit.first ? `${stream}-${shardId}-${unit.first.sequenceNumber}` : `${stream}-${shardId}-final-${start}`,
        lastSequence: unit.last?.sequenceNumber ?? before ?? 'start',
        position: { next: cursor.next, done: cursor.done },
        state: { snapshot: () => snapshot, saved: (taken: ShardStateSnapshot, persisted: ShardStateSnapshot) => cursor.state.saved(taken, persisted) },
      };
    });
    open.clear();
    openBytes = 0;
    openRecords = 0;
    const stage = structuredClone({ clock: Number.isFinite(clock) ? clock : null, watermark: watermark.snapshot(), merger: merger.snapshot(), ops: ops.snapshot(), streamDetector: streamDetector.snapshot(), streamNotifications: streamNotifications.snapshot() });
    return { number: ++pointsCut, units, stage };
  };

  /**
   * Writes a commit point: each shard's unit (files, lineage, alerts, state snapshot), then ONE
   * replay checkpoint naming every shard's position together with the stage state, so a resumed
   * replay never counts a part twice in the stream-wide windows. The snapshots it replaces are
   * deleted only after it is saved.
   */
  const writeCommitPoint = async (point: CommitPoint): Promise<void> => {
    const replaced: { ref: string; by: string }[] = [];
    for (const { shardId, unit, fileName, lastSequence, position, state } of point.units) {
      let stateRef: string | null = null;
      const recordStateRef: ShardCheckpointer = { markPending: async () => {}, checkpoint: async (_sequence, ref) => void (stateRef = ref) };
      const { notifications } = await commitBatch({ lake, alertSink, stateStore }, recordStateRef, unit, state, { fileName, checkpointTo: lastSequence, previousStateRef: undefined });
      stats.alerts += notifications.length;
      const previous = committed.get(shardId)!.stateRef;
      if (previous && stateRef && previous !== stateRef) replaced.push({ ref: previous, by: stateRef });
      committed.set(shardId, { ...position, stateRef });
    }
    if (options.crashBeforeCheckpointOf === point.number) throw new ReplayCrash(`simulated crash before the checkpoint of commit ${point.number}`);
    await saveReplayCheckpoint(options.stateStore, {
      version: 1,
      recording: recordingId,
      settings,
      shards: Object.fromEntries(committed),
      ...point.stage,
      batches: point.number,
    });
    for (const { ref, by } of replaced) await stateStore.discard(ref, by);
    stats.batches = point.number;
  };

  // One commit point is written while the parts after it are processed: DuckDB's encoding and
  // the file writes run off the event loop meanwhile. Points are written one at a time, in order.
  let writing: Promise<void> = Promise.resolve();
  try {
    return await replayParts();
  } finally {
    for (const cursor of cursors.values()) await cursor.reader?.close();
  }

  async function replayParts(): Promise<ReplayStats> {
    for (let shardId = nextShard(); shardId !== undefined; shardId = nextShard()) {
      await processPart(shardId);
      const stopping = options.signal?.aborted ?? false;
      if (openBytes < unitBytes && openRecords < UNIT_RECORDS && nextShard() !== undefined && !stopping) continue;
      const point = cutCommitPoint();
      await writing;
      writing = writeCommitPoint(point);
      // Handled where it is awaited: at the next commit point or below.
      writing.catch(() => {});
      const stop = stopping || (options.stopAfterBatches !== undefined && point.number - (saved?.batches ?? 0) >= options.stopAfterBatches);
      if (stop && nextShard() !== undefined) {
        await writing;
        await releaseShards();
        return stats;
      }
    }
    await writing;
    await releaseShards();
    stats.finished = true;
    return stats;
  }

  /** Stopped or done, no snapshot is cut after the last commit point's: what its discards left waiting goes. */
  async function releaseShards(): Promise<void> {
    for (const { stateRef } of committed.values()) await stateStore.release(stateRef ?? undefined);
  }
}
