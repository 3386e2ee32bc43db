/**
 * One large commit unit, rows held in memory versus spilled to disk: the same records processed
 * part by part (500-record batches, as GetRecords delivers them) into a CommitUnit and committed
 * through commitBatch to a local lake with the configuration's default Parquet encoder (the direct
 * one, which reads a spill back a row group at a time). What spilling should buy is a heap that
 * stays near its budget whatever the unit's size, at a price in time paid in JSON lines written
 * and read back; the in-memory unit, measured in the same run, is the baseline. Heap is sampled
 * every few parts (after a GC when node runs with --expose-gc).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { commitBatch } from '../../stream/consumer/commitBatch.ts';
import { CommitUnit } from '../../stream/consumer/commitUnit.ts';
import { StateStore } from '../../stream/consumer/stateStore.ts';
import { processBatch } from '../../stream/pipeline/processBatch.ts';
import { ShardState } from '../../stream/pipeline/shardState.ts';
import { lakeTables } from '../../sinks/lake/lakeTables.ts';
import type { SpillOptions } from '../../sinks/lake/unitRows.ts';
import { LocalDirStore } from '../../sinks/objectStore/localDirStore.ts';
import { createParquetEncoder } from '../../sinks/parquet/encoder.ts';
import { configSchema } from '../../stream/config/schema.ts';
import { BENCH_SETTINGS, benchStateConfig } from './pipeline.ts';
import { BENCH_SHARD_ID, BENCH_STREAM, type BenchInput } from './records.ts';

export interface SpillRow {
  mode: string;
  records: number;
  recordMb: number;
  seconds: number;
  peakHeapMb: number;
  spills: number;
  files: number;
  parquetMb: number;
}

const MIB = 1024 ** 2;
export const SPILL_BENCH_RECORDS = 450_000;
/** The encoder a worker writes the lake with unless configured otherwise. */
const SPILL_ENCODER = configSchema.parquetEncoder.default;
/** Parts between heap samples: a forced GC per part would dominate the timing. */
const SAMPLE_EVERY = 25;
const heapUsed = () => {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
};

async function commitOneUnit(input: BenchInput, dir: string, spill: SpillOptions | undefined): Promise<Omit<SpillRow, 'mode'>> {
  const encoder = createParquetEncoder(SPILL_ENCODER);
  const lake = lakeTables(new LocalDirStore(join(dir, 'lake')), encoder);
  const stateStore = new StateStore(new LocalDirStore(join(dir, 'state')));
  const state = ShardState.create(benchStateConfig, BENCH_SHARD_ID);
  const base = heapUsed();
  let peak = 0;
  const started = performance.now();
  const unit = new CommitUnit(lake, BENCH_STREAM, BENCH_SHARD_ID, spill);
  let sampling = 0;
  for (const batch of input.batches) {
    await unit.add(processBatch(batch, state, { maxFutureSkewMs: BENCH_SETTINGS.maxFutureSkewMs }));
    if (++sampling % SAMPLE_EVERY === 0) peak = Math.max(peak, heapUsed() - base);
  }
  peak = Math.max(peak, heapUsed() - base);
  const checkpointer = { markPending: async () => {}, checkpoint: async () => {} };
  const { files } = await commitBatch({ lake, alertSink: { send: async () => {} }, stateStore }, checkpointer, unit, state, {
    fileName: `${BENCH_STREAM}-${BENCH_SHARD_ID}-unit`,
    checkpointTo: input.batches.at(-1)!.records.at(-1)!.sequenceNumber,
    previousStateRef: undefined,
  });
  const seconds = (performance.now() - started) / 1_000;
  await encoder.close?.();
  const events = files.filter((file) => !file.key.startsWith('_'));
  return {
    records: input.records,
    recordMb: input.bytes / 1e6,
    seconds,
    peakHeapMb: peak / MIB,
    spills: unit.rows.spills,
    files: events.length,
    parquetMb: events.reduce((sum, file) => sum + file.bytes, 0) / 1e6,
  };
}

/** The input's first batches holding about `records` records: one unit's worth. */
export function firstRecords(input: BenchInput, records: number): BenchInput {
  const batches = [];
  let count = 0;
  let bytes = 0;
  for (const batch of input.batches) {
    if (count >= records) break;
    batches.push(batch);
    count += batch.records.length;
    for (const record of batch.records) bytes += record.data.byteLength;
  }
  return { ...input, batches, records: count, bytes };
}

export async function benchSpill(input: BenchInput, log: (message: string) => void = () => undefined): Promise<SpillRow[]> {
  const dir = await mkdtemp(join(tmpdir(), 'adstream-bench-spill-'));
  const rows: SpillRow[] = [];
  try {
    for (const [mode, spill] of [
      ['rows in memory (baseline)', undefined],
      ['spilled past 32 MiB (default)', { directory: join(dir, 'spill-32'), memoryBytes: 32 * MIB }],
      ['spilled past 4 MiB', { directory: join(dir, 'spill-4'), memoryBytes: 4 * MIB }],
    ] as const) {
      log(`commit unit: ${mode} ...`);
      rows.push({ mode, ...(await commitOneUnit(input, join(dir, String(rows.length)), spill)) });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return rows;
}

export function spillSection(rows: SpillRow[]): string {
  const gc = typeof (globalThis as { gc?: unknown }).gc === 'function' ? 'after a forced GC' : 'without forced GC (run node with --expose-gc for tighter numbers)';
  return [
    '',
    '## One large commit unit: rows in memory vs spilled to disk (test/bench/spill.ts)',
    '',
    `The first ${rows[0].records.toLocaleString('en-US')} bench records (${rows[0].recordMb.toFixed(1)} MB of record data) as ONE commit unit: processed part by part, committed through commitBatch to a local lake (the ${SPILL_ENCODER} encoder, the default). Peak heap is the most the heap grew over its starting point, sampled every ${SAMPLE_EVERY} parts ${gc}.`,
    '',
    '| unit rows | records/s (process + commit) | peak heap growth | spills | event files | Parquet MB |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.mode} | ${Math.round(r.records / r.seconds).toLocaleString('en-US')} | ${r.peakHeapMb.toFixed(0)} MiB | ${r.spills} | ${r.files} | ${r.parquetMb.toFixed(1)} |`),
    '',
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { buildInput } = await import('./records.ts');
  const input = firstRecords(buildInput({ seed: 42, impressionsPerMinute: 1_400, durationMs: 2 * 3_600_000 }), SPILL_BENCH_RECORDS);
  console.log(spillSection(await benchSpill(input, (message) => process.stderr.write(`${message}\n`))));
}
