/**
 * The pure part of the pipeline for one batch: decode → validate → dedupe → event-time windows →
 * detectors. It returns what the sinks must make durable; it performs no I/O and reads no clock
 * (time comes from event time and the records' arrival timestamps), so the same batches in the
 * same order give the same output live, after a restart, and in a replay.
 */
import { decodeRecord } from '../events/wire.ts';
import type { AdEvent, Rejection } from '../events/types.ts';
import type { AlertEvent, MetricEvent } from '../../detectors/types.ts';
import type { RecordBatch, SourceRecord } from './batch.ts';
import type { ShardState } from './shardState.ts';

export interface ProcessedBatch {
  batch: RecordBatch;
  /** Valid first-seen events, in record order; late ones included (late data is still data). */
  events: AdEvent[];
  rejected: { record: SourceRecord; rejection: Rejection }[];
  duplicates: number;
  late: number;
  metrics: MetricEvent[];
  alerts: AlertEvent[];
}

export interface ProcessOptions {
  maxFutureSkewMs: number;
  /** End of input (bounded runs): close every open window. */
  final?: boolean;
}

export function processBatch(batch: RecordBatch, state: ShardState, options: ProcessOptions): ProcessedBatch {
  const result: ProcessedBatch = { batch, events: [], rejected: [], duplicates: 0, late: 0, metrics: [], alerts: [] };
  for (const record of batch.records) {
    const decoded = decodeRecord(record.data, { arrivalTime: record.arrivalTime, maxFutureSkewMs: options.maxFutureSkewMs });
    if (!decoded.ok) {
      result.rejected.push({ record, rejection: decoded.rejection });
      state.windows.countAtArrival('rejected');
      continue;
    }
    const { event } = decoded;
    if (!state.dedupe.firstSighting(event.body.event_id, event.body.event_time)) {
      result.duplicates += 1;
      state.windows.countAtArrival('duplicates');
      continue;
    }
    result.events.push(event);
    if (!state.windows.addEvent(event)) result.late += 1;
  }
  state.dedupe.evict();
  result.metrics = state.windows.close(options.final);
  result.alerts = state.detector.observe(result.metrics);
  return result;
}
