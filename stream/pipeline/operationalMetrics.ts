/**
 * The operational metrics operators of a stream pipeline ask for, per hour of (injected) clock
 * time and per source stream: records in by event type, rejected and duplicate records, bytes
 * ingested, processing time, and the delay from event time to durable write (p50/p99 through a
 * DDSketch). An hour is emitted once the clock has passed its end, as metric events with key
 * `ops=ingest|source=<stream>`, so they flow to the same sinks as window metrics.
 *
 * Time comes from the caller: a replay passes virtual time (the batch's arrival time), a live
 * worker a real clock. Nothing here reads a clock itself.
 */
import type { MetricEvent } from '../../detectors/types.ts';
import { QuantileSketch, type QuantileSketchSnapshot } from './aggregates/quantileSketch.ts';
import { floorTo } from './eventTimeWindows.ts';

export const HOUR_MS = 3_600_000;

interface HourTotals {
  counts: Record<string, number>;
  durableDelay: QuantileSketch;
}

export interface OperationalMetricsSnapshot {
  hours: { start: number; source: string; counts: Record<string, number>; durableDelay: QuantileSketchSnapshot }[];
}

export interface BatchTiming {
  /** When processing of the batch started and when its effects were durable, by the injected clock. */
  startedAt: number;
  durableAt: number;
}

/** What a committed unit of work adds to the hour's totals. */
export interface CommittedWork {
  stream: string;
  recordsIn: number;
  bytesIn: number;
  rejected: number;
  duplicates: number;
  late: number;
  writtenByType: Record<string, number>;
  /** Event time of each written event. */
  eventTimes: number[];
}

export class OperationalMetrics {
  private readonly hours = new Map<string, { start: number; source: string; totals: HourTotals }>();

  constructor(private readonly periodMs = HOUR_MS) {}

  record(work: CommittedWork, timing: BatchTiming): void {
    const source = work.stream;
    const start = floorTo(timing.durableAt, this.periodMs);
    const id = `${start}|${source}`;
    let hour = this.hours.get(id);
    if (!hour) {
      hour = { start, source, totals: { counts: {}, durableDelay: new QuantileSketch() } };
      this.hours.set(id, hour);
    }
    const counts = hour.totals.counts;
    const add = (name: string, n: number) => (counts[name] = (counts[name] ?? 0) + n);
    add('records_in', work.recordsIn);
    add('bytes_in', work.bytesIn);
    add('rejected', work.rejected);
    add('duplicates', work.duplicates);
    add('late', work.late);
    add('processing_ms', Math.max(0, timing.durableAt - timing.startedAt));
    add('batches', 1);
    for (const [type, n] of Object.entries(work.writtenByType)) add(`records_${type}`, n);
    for (const eventTime of work.eventTimes) hour.totals.durableDelay.accept(Math.max(0, timing.durableAt - eventTime));
  }

  /** Hours the clock has passed (all when `final`), as metric events, oldest first. */
  flush(now: number, final = false): MetricEvent[] {
    const out: MetricEvent[] = [];
    const ready = [...this.hours.entries()]
      .filter(([, h]) => final || h.start + this.periodMs <= now)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [id, { start, source, totals }] of ready) {
      this.hours.delete(id);
      out.push({
        windowStart: start,
        windowEnd: start + this.periodMs,
        key: `ops=ingest|source=${source}`,
        dimensions: { ops: 'ingest', source },
        values: {
          ...Object.fromEntries(Object.entries(totals.counts).sort(([a], [b]) => (a < b ? -1 : 1))),
          durable_write_delay_p50_ms: totals.durableDelay.quantile(0.5),
          durable_write_delay_p99_ms: totals.durableDelay.quantile(0.99),
        },
        watermark: now,
      });
    }
    return out;
  }

  snapshot(): OperationalMetricsSnapshot {
    return {
      hours: [...this.hours.values()].map(({ start, source, totals }) => ({ start, source, counts: { ...totals.counts }, durableDelay: totals.durableDelay.snapshot() })),
    };
  }

  static restore(snapshot: OperationalMetricsSnapshot, periodMs = HOUR_MS): OperationalMetrics {
    const ops = new OperationalMetrics(periodMs);
    for (const h of snapshot.hours) {
      ops.hours.set(`${h.start}|${h.source}`, { start: h.start, source: h.source, totals: { counts: { ...h.counts }, durableDelay: QuantileSketch.restore(h.durableDelay) } });
    }
    return ops;
  }
}
