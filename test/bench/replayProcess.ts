/**
 * One replay in a process of its own, as `adstream replay <file>` runs: started with the Node
 * flags of the command itself, it reads the recording into its shard spools, replays it onto a
 * local directory with the bench settings, and prints one JSON line: the replay's stats and its
 * wall and CPU time (every thread of this process), and the reading's.
 *
 * In a process of its own for the reason ownProcess.ts gives.
 *
 * With `--plain-loop` it runs the hand-written loop (plainLoop.ts) over the same recording instead,
 * in the same conditions: read the same way, then one warm-up pass and `PLAIN_LOOP_PASSES` timed
 * ones, of which it prints the median.
 *
 *   node <flags> --import tsx test/bench/replayProcess.ts <recording> <lake dir> <batch size> [unitBytes]
 *   node <flags> --import tsx test/bench/replayProcess.ts --plain-loop <recording> <batch size>
 */
import { performance } from 'node:perf_hooks';
import { readRecording } from '../../stream/replay/recordingFile.ts';
import { replayToDirectory } from '../../stream/replay/replayToDirectory.ts';
import { directoriesFor } from '../../stream/replay/replayDefaults.ts';
import type { RecordBatch } from '../../stream/pipeline/batch.ts';
import { BENCH_SETTINGS, type PassTotals } from './pipeline.ts';
import { runPlainLoop } from './plainLoop.ts';

const PLAIN_LOOP_PASSES = 3;

export interface ReplayProcessResult {
  stats: Awaited<ReturnType<typeof replayToDirectory>>;
  ms: number;
  cpuMs: number;
  readMs: number;
  readCpuMs: number;
}

export interface PlainLoopProcessResult {
  totals: PassTotals;
  /** The median pass, of `passes`. */
  ms: number;
  passes: number;
}

const cpuMsSince = (before: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1_000;
};

async function main(argv: string[]): Promise<void> {
  const [path, lake, batchSizeArg, unitBytesArg] = argv;
  const batchSize = Number(batchSizeArg);
  if (!path || !lake || !(batchSize > 0)) throw new Error('usage: replayProcess.ts <recording> <lake dir> <batch size> [unitBytes]');
  const unitBytes = unitBytesArg ? Number(unitBytesArg) : undefined;
  let cpu = process.cpuUsage();
  let start = performance.now();
  const recording = await readRecording(path);
  const readMs = performance.now() - start;
  const readCpuMs = cpuMsSince(cpu);
  cpu = process.cpuUsage();
  start = performance.now();
  const stats = await replayToDirectory(recording, directoriesFor(lake), { ...BENCH_SETTINGS, parquetEncoder: 'duckdb' }, { batchSize, unitBytes });
  const ms = performance.now() - start;
  const cpuMs = cpuMsSince(cpu);
  await recording.close();
  const result: ReplayProcessResult = { stats, ms, cpuMs, readMs, readCpuMs };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** The recording's records in batches of `batchSize` per shard, as the plain loop takes them. */
async function batchesOf(path: string, batchSize: number): Promise<RecordBatch[]> {
  const recording = await readRecording(path);
  const batches: RecordBatch[] = [];
  for (const [shardId, shard] of recording.shards) {
    const records = await shard.all();
    for (let i = 0; i < records.length; i += batchSize) batches.push({ stream: recording.header.stream, shardId, records: records.slice(i, i + batchSize), millisBehindLatest: 0 });
  }
  await recording.close();
  return batches;
}

async function plainLoop(argv: string[]): Promise<void> {
  const [path, batchSizeArg] = argv;
  const batchSize = Number(batchSizeArg);
  if (!path || !(batchSize > 0)) throw new Error('usage: replayProcess.ts --plain-loop <recording> <batch size>');
  const batches = await batchesOf(path, batchSize);
  let totals = runPlainLoop(batches);
  const passes: number[] = [];
  for (let i = 0; i < PLAIN_LOOP_PASSES; i++) {
    const start = performance.now();
    totals = runPlainLoop(batches);
    passes.push(performance.now() - start);
  }
  const result: PlainLoopProcessResult = { totals, ms: passes.sort((a, b) => a - b)[Math.floor(passes.length / 2)], passes: passes.length };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

const args = process.argv.slice(2);
await (args[0] === '--plain-loop' ? plainLoop(args.slice(1)) : main(args));
