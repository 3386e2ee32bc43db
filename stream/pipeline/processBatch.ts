/**
 * The pure part of the pipeline for one batch: decode → validate → dedupe → event-time windows →
 * detectors. It returns what the sinks must make durable; it performs no I/O and reads no clock
 * (time comes from event time and the records' arrival timestamps), so the same records in the
 * same order give the same output live, after a restart, and in a replay, however GetRecords
 * cut them into batches: a window fires at the record that moves the watermark past it.
 */
import { decodeRecord } from '../events/wire.ts';
import type { AdEvent, Rejection } from '../events/types.ts';
import type { AlertEvent, MetricEvent } from '../../detectors/types.ts';
import type { RecordBatch, SourceRecord } from './batch.ts';
import type { ClosedWindow } from './eventTimeWindows.ts';
import type { ShardState } from './shardState.ts';
import { closedWindowMetrics, observeClosedWindows } from './detectorInput.ts';

export interface ProcessedBatch {
  batch: RecordBatch;
  /** Valid first-seen events, in record order; late ones included (late data is still data). */
  events: AdEvent[];
  rejected: { record: SourceRecord; rejection: Rejection }[];
  duplicates: number;
  late: number;
  metrics: MetricEvent[];
  alerts: AlertEvent[];
  /**
   * The windows this batch fired, as mergeable partial aggregates (the source of `metrics`): a
   * multi-shard stage merges them per window once every shard's watermark has passed its end.
   */
  windows: ClosedWindow[];
  /** The shard's watermark after the batch. */
  watermark: number;
}

export interface ProcessOptions {
  maxFutureSkewMs: number;
  /** End of input (bounded runs): close every open window. */
  final?: boolean;
}

function fireWindows(state: ShardState, fired: ClosedWindow[], final = false): void {
  for (const closed of state.windows.closeWindows(final)) {
    // Before the window turns into metrics, and before another shard's partials could merge in.
    closed.window.resolveReferences(state.dedupe);
    fired.push(closed);
  }
}

export function processBatch(batch: RecordBatch, state: ShardState, options: ProcessOptions): ProcessedBatch {
  const result: ProcessedBatch = { batch, events: [], rejected: [], duplicates: 0, late: 0, metrics: [], alerts: [], windows: [], watermark: -Infinity };
  // Windows fire at the record that moved the watermark past them, not at the batch's end: their
  // funnel lookups then see the same ids however GetRecords cut the stream.
  const fireDue = (): void => {
    if (state.windows.hasWindowToFire) fireWindows(state, result.windows, false);
  };
  // One decode context for the batch, its arrival time set per record: a new one per record was
  // an object and a boxed double each (the decoders keep no reference to it).
  const decodeContext = { arrivalTime: Number.NaN, maxFutureSkewMs: options.maxFutureSkewMs };
  for (const record of batch.records) {
    decodeContext.arrivalTime = record.arrivalTime;
    const decoded = record.rejection ? { ok: false as const, rejection: record.rejection } : decodeRecord(record.data, decodeContext);
    if (!decoded.ok) {
      result.rejected.push({ record, rejection: decoded.rejection });
      state.windows.countAtArrival('rejected', record.arrivalTime);
      fireDue();
      continue;
    }
    const { event } = decoded;
    // The horizon runs from the newest event time, each event's taken at most at its arrival, as
    // the watermark takes it: one producer with a clock minutes fast (within maxFutureSkewMs)
    // otherwise expired every id a horizon behind its events, and retries of events seconds old
    // were written twice.
    if (!state.dedupe.firstSighting(event.body.event_id, Math.min(event.body.event_time, record.arrivalTime))) {
      result.duplicates += 1;
      state.windows.countAtArrival('duplicates', record.arrivalTime);
      fireDue();
      continue;
    }
    result.events.push(event);
    if (!state.windows.addEvent(event, record.arrivalTime)) result.late += 1;
    fireDue();
  }
  fireWindows(state, result.windows, options.final);
  const byWindow = result.windows.map(({ window, watermark }) => closedWindowMetrics(window, window.metrics(watermark)));
  result.metrics = byWindow.flatMap(({ metrics }) => metrics);
  result.watermark = state.windows.watermark;
  result.alerts = observeClosedWindows(state.detector, byWindow);
  if (options.final) result.alerts.push(...(state.detector.flush?.() ?? []));
  return result;
}
