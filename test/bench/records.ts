/**
 * The bench input: seeded generator traffic, cut into Kinesis-like batches of one shard, built
 * once in memory so every measured pass reads exactly the same records.
 *
 * Arrival time is the newest event time seen so far plus a small ingestion lag: what a producer
 * writing in real time would give. Records the generator emits behind the frontier (ingestion
 * delays, producer retries) therefore arrive "late", and no valid event is ahead of its arrival.
 * Data is handed over as plain Uint8Array views, as the Kinesis SDK delivers it, all into one
 * ArrayBuffer: a million small Buffers would only add to every GC the measured passes trigger.
 */
import { generateTraffic, type GeneratorConfig } from '../../stream/generator/index.ts';
import type { RecordBatch, SourceRecord } from '../../stream/pipeline/batch.ts';

export const BENCH_SHARD_ID = 'shardId-000000000000';
export const BENCH_STREAM = 'adstream-bench';
const ARRIVAL_LAG_MS = 1_000;

export interface BenchInput {
  batches: RecordBatch[];
  records: number;
  bytes: number;
  /** The generator's own account: valid / duplicate / malformed. */
  truth: Record<'valid' | 'duplicate' | 'malformed', number>;
  config: GeneratorConfig;
}

export function buildInput(overrides: Partial<GeneratorConfig>, batchSize = 500): BenchInput {
  const run = generateTraffic(overrides);
  const batches: RecordBatch[] = [];
  const truth = { valid: 0, duplicate: 0, malformed: 0 };
  let current: SourceRecord[] = [];
  let frontier = run.config.start;
  let sequence = 0n;
  let records = 0;
  let bytes = 0;
  for (const generated of run.records) {
    truth[generated.truth.kind] += 1;
    if (generated.truth.kind !== 'malformed' && generated.truth.eventTime > frontier) frontier = generated.truth.eventTime;
    const { data } = generated;
    current.push({
      shardId: BENCH_SHARD_ID,
      // Kinesis sequence numbers are long decimal strings; keep that shape.
      sequenceNumber: (49_000_000_000_000_000_000n + sequence++).toString(),
      partitionKey: generated.partitionKey,
      arrivalTime: frontier + ARRIVAL_LAG_MS,
      data,
    });
    records += 1;
    bytes += data.byteLength;
    if (current.length === batchSize) {
      batches.push({ stream: BENCH_STREAM, shardId: BENCH_SHARD_ID, records: current, millisBehindLatest: 0 });
      current = [];
    }
  }
  if (current.length > 0) batches.push({ stream: BENCH_STREAM, shardId: BENCH_SHARD_ID, records: current, millisBehindLatest: 0 });
  const arena = new ArrayBuffer(bytes);
  let offset = 0;
  for (const batch of batches) {
    for (const record of batch.records) {
      const view = new Uint8Array(arena, offset, record.data.byteLength);
      view.set(record.data);
      record.data = view;
      offset += view.byteLength;
    }
  }
  return { batches, records, bytes, truth, config: run.config };
}
