/**
 * The real pipeline over the bench input: processBatch with a fresh ShardState per pass, the
 * production window/dedupe defaults and the worker's default detector (shardDetectorFactory), final flush on the last
 * batch. Returns totals so the work cannot be optimised away and can be checked.
 */
import { defaultDetectorConfig } from '../../detectors/defaultConfig.ts';
import { shardDetectorFactory } from '../../detectors/shardDetector.ts';
import { isPaged } from '../../detectors/types.ts';
import type { RecordBatch } from '../../stream/pipeline/batch.ts';
import { processBatch } from '../../stream/pipeline/processBatch.ts';
import { ShardState, type ShardStateConfig } from '../../stream/pipeline/shardState.ts';
import { BENCH_SHARD_ID } from './records.ts';

export const BENCH_SETTINGS = {
  windowMs: 60_000,
  maxOutOfOrdernessMs: 30_000,
  allowedLatenessMs: 0,
  dedupeHorizonMs: 3_600_000,
  maxFutureSkewMs: 300_000,
} as const;

export interface PassTotals {
  valid: number;
  rejected: number;
  duplicates: number;
  late: number;
  /** Pipeline: metric events emitted; plain loop: (minute, campaign) counters closed. */
  outputs: number;
  alerts: number;
}

export const benchStateConfig: ShardStateConfig = {
  windows: {
    sizeMs: BENCH_SETTINGS.windowMs,
    maxOutOfOrdernessMs: BENCH_SETTINGS.maxOutOfOrdernessMs,
    allowedLatenessMs: BENCH_SETTINGS.allowedLatenessMs,
  },
  dedupeHorizonMs: BENCH_SETTINGS.dedupeHorizonMs,
  createDetector: shardDetectorFactory(defaultDetectorConfig),
};

export function runPipeline(batches: RecordBatch[]): PassTotals {
  const state = ShardState.create(benchStateConfig, BENCH_SHARD_ID);
  const totals: PassTotals = { valid: 0, rejected: 0, duplicates: 0, late: 0, outputs: 0, alerts: 0 };
  const last = batches.length - 1;
  batches.forEach((batch, i) => {
    const out = processBatch(batch, state, { maxFutureSkewMs: BENCH_SETTINGS.maxFutureSkewMs, final: i === last });
    totals.valid += out.events.length - out.late;
    totals.rejected += out.rejected.length;
    totals.duplicates += out.duplicates;
    totals.late += out.late;
    totals.outputs += out.metrics.length;
    totals.alerts += out.alerts.filter(isPaged).length;
  });
  return totals;
}
