/**
 * The pipeline's output must not depend on how GetRecords cut a shard into batches: a worker
 * restarted from a checkpoint, a consumer reading a stream still being filled and a replay with
 * another --batch-size all cut it differently. Generated traffic (late events, ingestion delays,
 * injected anomalies) through processBatch with the worker's default detector, as one batch and
 * as other cuts, with and without a snapshot and restore between batches: every metric event
 * (with the watermark that closed its window) and every alert must be the same. (attribution.test.ts has the hand-built case of a funnel lookup a cut moved.)
 */
import { describe, expect, it } from 'vitest';
import type { SourceRecord } from '../../../stream/pipeline/batch.ts';
import { Rng } from '../../../stream/generator/rng.ts';
import { processBatch } from '../../../stream/pipeline/processBatch.ts';
import { ShardState, type ShardStateConfig, type ShardStateSnapshot } from '../../../stream/pipeline/shardState.ts';
import { BENCH_SETTINGS, benchStateConfig } from '../../bench/pipeline.ts';
import { BENCH_SHARD_ID, BENCH_STREAM, buildInput } from '../../bench/records.ts';

const records: SourceRecord[] = buildInput({ seed: 5, durationMs: 3 * 3_600_000, impressionsPerMinute: 60 }).batches.flatMap((batch) => batch.records);

/** Hopping windows that stay open a while after the watermark passes them. */
const hoppingConfig: ShardStateConfig = { ...benchStateConfig, windows: { sizeMs: 5 * 60_000, slideMs: 60_000, maxOutOfOrdernessMs: 30_000, allowedLatenessMs: 45_000 } };

/**
 * Runs the records cut before every index `cutBefore` approves; the last batch is final. With
 * `restart`, the state goes through a JSON snapshot between batches, as at a worker's restart.
 */
function run(cutBefore: (index: number) => boolean, { config = benchStateConfig, restart = false } = {}) {
  let state = ShardState.create(config, BENCH_SHARD_ID);
  const batches: SourceRecord[][] = [[]];
  records.forEach((record, i) => {
    if (i > 0 && cutBefore(i)) batches.push([]);
    batches.at(-1)!.push(record);
  });
  const out = { metrics: [] as unknown[], alerts: [] as unknown[], batches: batches.length };
  batches.forEach((batch, i) => {
    const result = processBatch({ stream: BENCH_STREAM, shardId: BENCH_SHARD_ID, records: batch, millisBehindLatest: 0 }, state, {
      maxFutureSkewMs: BENCH_SETTINGS.maxFutureSkewMs,
      final: i === batches.length - 1,
    });
    out.metrics.push(...result.metrics);
    out.alerts.push(...result.alerts);
    if (restart) state = ShardState.create(config, BENCH_SHARD_ID, JSON.parse(JSON.stringify(state.snapshot())) as ShardStateSnapshot);
  });
  return out;
}

describe('batch cuts', () => {
  it('one batch, a batch per record, and seeded random cuts give the same metric events and alerts', () => {
    const whole = run(() => false);
    expect(whole.metrics.length).toBeGreaterThan(10_000);
    expect(whole.alerts.length).toBeGreaterThan(0);
    const rng = Rng.seeded(11);
    for (const [name, cut] of [
      ['a batch per record', () => true],
      ['GetRecords-sized batches', (i: number) => i % 500 === 0],
      ['random cuts', () => rng.int(0, 40) === 0],
    ] as const) {
      const cutRun = run(cut);
      expect(cutRun.batches, name).toBeGreaterThan(10);
      expect(cutRun.metrics, name).toEqual(whole.metrics);
      expect(cutRun.alerts, name).toEqual(whole.alerts);
    }
  });

  it('the same holds with a restart from a snapshot after every batch, and for hopping windows with allowed lateness', () => {
    const rng = Rng.seeded(12);
    expect(run((i) => i % 500 === 0, { restart: true })).toEqual({ ...run(() => false), batches: expect.any(Number) as number });
    const hopping = run(() => false, { config: hoppingConfig });
    expect(hopping.metrics.length).toBeGreaterThan(10_000);
    // A snapshot carries the dedupe ids: restarts every few hundred records keep the test quick.
    for (const [cut, restart] of [[(i: number) => i % 7 === 0, false], [() => rng.int(0, 300) === 0, true]] as const) {
      const cutRun = run(cut, { config: hoppingConfig, restart });
      expect(cutRun.metrics).toEqual(hopping.metrics);
      expect(cutRun.alerts).toEqual(hopping.alerts);
    }
  });
});
