/**
 * Makes a commit unit durable, in the order that keeps the lake exactly-once:
 * 1. record the unit's sequence range as pending on the checkpoint item;
 * 2. write its lake, DLQ and metric files under names derived from (stream, shard, first
 *    sequence number), so a retry after a crash overwrites them, then their lineage rows;
 * 3. publish its alerts (at least once; alert ids are deterministic so receivers can dedupe),
 *    grouped per window and campaign or cause, and append its partial windows to the log the
 *    stream-wide merge reads, with its quality alerts, which the merge notifies (below);
 * 4. snapshot the shard's state, then move the checkpoint to the unit's last record.
 * The checkpoint therefore never passes a record whose file is not committed. A worker that finds
 * its lease lost meanwhile (a renewal found it stolen or expired) stops before the next of these
 * effects: the new owner redoes the unit from its pending range and writes them all, so going on
 * only sent its alerts twice and saved a snapshot no checkpoint would name.
 */
import { EVENT_TYPES } from '../events/schemas.ts';
import { deliver, type AlertSink } from '../../sinks/alerts/alertSink.ts';
import type { LakeTables, MetricRow } from '../../sinks/lake/lakeTables.ts';
import { lineageRows } from '../../sinks/lake/lineage.ts';
import type { WrittenFile } from '../../sinks/lake/partitionedTable.ts';
import { groupNotifications, isStreamGroup } from '../../detectors/alertGrouping.ts';
import { isPaged, type AlertEvent, type MetricEvent } from '../../detectors/types.ts';
import type { CommitUnit } from './commitUnit.ts';
import type { ShardState } from '../pipeline/shardState.ts';
import type { StateStore } from './stateStore.ts';
import { partialsPosition, toPartials, type PartialLog } from './windowPartials.ts';

export interface CommitContext {
  lake: LakeTables;
  alertSink: AlertSink;
  stateStore: StateStore;
  /** Where the unit's partial windows go for the stream-wide merge; unset: nowhere. */
  partialLog?: PartialLog;
}

/** The shard's checkpoint as the committer sees it; a held lease fences both writes. */
export interface ShardCheckpointer {
  /** `final`: the unit closes every open window (the shard ended with it). */
  markPending(first: string, last: string, final: boolean): Promise<void>;
  checkpoint(sequenceNumber: string, stateRef: string, subSequenceNumber?: number): Promise<void>;
  /** Throws LeaseLostError once the lease is known lost; absent where there is no lease (a replay). */
  ensureHeld?(): void;
}

export interface CommitPosition {
  /** File name stem for this batch: deterministic from the source position. */
  fileName: string;
  /** Sequence number the checkpoint moves to (the batch's last record, or unchanged). */
  checkpointTo: string | undefined;
  /** Sub-sequence number of the last user record of a KPL aggregate at `checkpointTo`. */
  checkpointSubSequenceNumber?: number;
  previousStateRef: string | undefined;
  /** The shard had read up to its tip when the unit was cut (for the merge's idleness); default true. */
  caughtUp?: boolean;
  /** The shard (or the bounded run) ended with this unit. */
  final?: boolean;
}

/**
 * The lake's metric rows of one shard's unit, one per metric event: the table stores one per value
 * (lakeTables.ts says what `key_dimensions` and `shard_id` are for).
 */
function metricRows(metrics: MetricEvent[], shardId: string): MetricRow[] {
  return metrics.map((metric) => ({
    window_start: metric.windowStart,
    window_end: metric.windowEnd,
    key: metric.key,
    campaign_id: metric.dimensions.campaign ?? null,
    event_type: metric.dimensions.type ?? null,
    // A quality row counts one shard's records, which after a split may be its parent's.
    shard_id: metric.dimensions.shard ?? shardId,
    values: metric.values,
    watermark: metric.watermark,
    key_dimensions: Object.keys(metric.dimensions).join(','),
  }));
}

/**
 * What of a unit's alerts the shard sends, as notifications, what it only logs, and what it leaves
 * to the stream-wide merge. With a partial log its quality alerts (group `stream`) go there: an
 * incident on the whole stream raises them on every shard, and only the merge sees them all, so it
 * sends one notification per window with the stream's own alert (an operator review counted five
 * pages for one duplicate storm on four shards). Without one (the merge off), the shard sends them
 * all. Alerts marked `inhibited` (a campaign's that its peers explain) are logged, each alone, not
 * grouped into a page.
 */
export function shardNotifications(alerts: readonly AlertEvent[], merged: boolean): { notifications: AlertEvent[]; inhibited: AlertEvent[]; forMerge: AlertEvent[] } {
  const forMerge = merged ? alerts.filter(isStreamGroup) : [];
  const own = merged ? alerts.filter((alert) => !isStreamGroup(alert)) : alerts;
  return { notifications: groupNotifications(own.filter(isPaged)), inhibited: own.filter((alert) => !isPaged(alert)), forMerge };
}

/** Returns the files written, the new state reference and the notifications the shard sent. */
export async function commitBatch(
  context: CommitContext,
  checkpointer: ShardCheckpointer,
  unit: CommitUnit,
  state: Pick<ShardState, 'snapshot' | 'saved'>,
  position: CommitPosition,
): Promise<{ files: WrittenFile[]; stateRef: string | undefined; notifications: AlertEvent[] }> {
  // Checked before every effect below, in memory: a lease found lost while the unit was being
  // written is not written further.
  const ensureHeld = () => checkpointer.ensureHeld?.();
  if (unit.first && unit.last) await checkpointer.markPending(unit.first.sequenceNumber, unit.last.sequenceNumber, position.final ?? false);
  const files: WrittenFile[] = [];
  for (const type of EVENT_TYPES) {
    ensureHeld();
    files.push(...(await unit.rows.write(context.lake.events[type], position.fileName)));
  }
  ensureHeld();
  files.push(...(await unit.rows.write(context.lake.rejected, position.fileName)));
  ensureHeld();
  if (unit.metrics.length > 0) files.push(...(await context.lake.metrics.write(position.fileName, metricRows(unit.metrics, unit.shardId))));
  await unit.discard();
  if (files.length > 0) {
    ensureHeld();
    const source = {
      stream: unit.stream,
      shardId: unit.shardId,
      firstSequenceNumber: unit.first?.sequenceNumber,
      lastSequenceNumber: unit.last?.sequenceNumber ?? position.checkpointTo,
      sourceTime: unit.recordsIn > 0 ? unit.newestArrivalTime : Math.max(...unit.metrics.map((m) => m.watermark), 0),
    };
    await context.lake.lineage.write(position.fileName, lineageRows(files, context.lake.location, source));
  }
  const { notifications, inhibited, forMerge } = shardNotifications(unit.alerts, context.partialLog !== undefined);
  for (const alert of [...notifications, ...inhibited]) {
    ensureHeld();
    await deliver(context.alertSink, alert);
  }
  const partialsKey = partialsPosition(unit.first?.sequenceNumber, position.checkpointTo);
  // A closing flush (no records) at a position whose flush is already in the log is left there.
  // Another bounded worker that takes a shard a first one finished (released at its last record,
  // not SHARD_END) restores the state that flush saved, with every window closed, and flushes
  // again under the same key with no windows: written over the first before the merge read it,
  // the shard's last windows were lost and the merge ended the stream's without them (three
  // bounded workers counted fewer records in the stream-wide windows than one). A redo of a flush
  // that crashed before its checkpoint closes the same state, so the one in the log is the same.
  const closingFlush = (position.final ?? false) && unit.recordsIn === 0;
  const flushedAlready = context.partialLog !== undefined && closingFlush && (await context.partialLog.read(context.partialLog.keyOf(unit.shardId, partialsKey))) !== undefined;
  if (context.partialLog && !flushedAlready) {
    ensureHeld();
    await context.partialLog.write(
      {
        version: 1,
        shardId: unit.shardId,
        watermark: Number.isFinite(unit.newestWatermark) ? unit.newestWatermark : null,
        arrivalTime: unit.recordsIn > 0 ? unit.newestArrivalTime : null,
        caughtUp: position.caughtUp ?? true,
        final: position.final ?? false,
        windows: toPartials(unit.windows),
        ...(forMerge.length > 0 ? { alerts: forMerge } : {}),
      },
      partialsKey,
    );
  }
  if (position.checkpointTo === undefined) return { files, stateRef: position.previousStateRef, notifications };
  ensureHeld();
  const snapshot = state.snapshot();
  const { ref: stateRef, persisted } = await context.stateStore.save(unit.stream, unit.shardId, position.checkpointTo + (unit.recordsIn === 0 ? '-final' : ''), snapshot);
  // From here the next snapshot builds on what this one saved: its segments exist whether or not
  // the checkpoint below commits, and none is deleted while a saved or newer snapshot names it.
  state.saved(snapshot, persisted);
  await checkpointer.checkpoint(position.checkpointTo, stateRef, position.checkpointSubSequenceNumber);
  if (position.previousStateRef && position.previousStateRef !== stateRef) await context.stateStore.discard(position.previousStateRef, stateRef);
  return { files, stateRef, notifications };
}
