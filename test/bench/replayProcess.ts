/**
 * One replay in a process of its own, as `adstream replay <file>` runs: started with the Node
 * flags of the command itself, it reads the recording into its shard spools, replays it onto a
 * local directory with the bench settings, and prints one JSON line: the replay's stats and its
 * wall and CPU time (every thread of this process), and the reading's.
 *
 * In a process of its own for the reason ownProcess.ts gives.
 *
 * With `--then-warm` it then replays the recording a second time, read anew, onto `<lake dir>-warm`
 * and reports that pass as `warm`: the same work with V8's optimising compiler done. A cold replay
 * of the bench recording spends about a tenth of its CPU compiling (TurboFan on V8's worker
 * threads, mostly in its first seconds: `perf record` of 2026-12-07), which a long replay or a
 * worker that runs for days pays once; the plain loop and DuckDB are measured warm too.
 *
 * With `--plain-loop` it runs the hand-written loop (plainLoop.ts) over the same recording instead,
 * in the same conditions: read the same way, then one warm-up pass and `PLAIN_LOOP_PASSES` timed
 * ones, of which it prints the median.
 *
 * The lake is written with the configuration's default Parquet encoder, or the one `--encoder=<name>`
 * names (the bench replays with DuckDB's too, for comparison).
 *
 *   node <flags> --import tsx test/bench/replayProcess.ts [--encoder=<name>] [--then-warm] <recording> <lake dir> <batch size> [unitBytes]
 *   node <flags> --import tsx test/bench/replayProcess.ts --plain-loop <recording> <batch size>
 */
import { performance } from 'node:perf_hooks';
import { readRecording } from '../../stream/replay/recordingFile.ts';
import { replayToDirectory } from '../../stream/replay/replayToDirectory.ts';
import { directoriesFor } from '../../stream/replay/replayDefaults.ts';
import type { RecordBatch } from '../../stream/pipeline/batch.ts';
import type { Recording } from '../../stream/replay/recording.ts';
import { configSchema, PARQUET_ENCODER_NAMES } from '../../stream/config/schema.ts';
import type { ParquetEncoderName } from '../../sinks/parquet/encoder.ts';
import { BENCH_SETTINGS, type PassTotals } from './pipeline.ts';
import { runPlainLoop } from './plainLoop.ts';

const PLAIN_LOOP_PASSES = 3;

type ReplayStats = Awaited<ReturnType<typeof replayToDirectory>>;

interface TimedReplay {
  stats: ReplayStats;
  ms: number;
  cpuMs: number;
}

export interface ReplayProcessResult extends TimedReplay {
  readMs: number;
  readCpuMs: number;
  /** With `--then-warm`: the second replay of the recording in this process. */
  warm?: TimedReplay;
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

async function main(argv: string[], thenWarm: boolean, parquetEncoder: ParquetEncoderName): Promise<void> {
  const [path, lake, batchSizeArg, unitBytesArg] = argv;
  const batchSize = Number(batchSizeArg);
  if (!path || !lake || !(batchSize > 0)) throw new Error('usage: replayProcess.ts [--then-warm] <recording> <lake dir> <batch size> [unitBytes]');
  const unitBytes = unitBytesArg ? Number(unitBytesArg) : undefined;
  const cpu = process.cpuUsage();
  const start = performance.now();
  const recording = await readRecording(path);
  const readMs = performance.now() - start;
  const readCpuMs = cpuMsSince(cpu);
  const replayOnto = async (directory: string, read: Recording): Promise<TimedReplay> => {
    const cpu = process.cpuUsage();
    const start = performance.now();
    const stats = await replayToDirectory(read, directoriesFor(directory), { ...BENCH_SETTINGS, parquetEncoder }, { batchSize, unitBytes });
    const timed = { stats, ms: performance.now() - start, cpuMs: cpuMsSince(cpu) };
    await read.close();
    return timed;
  };
  const cold = await replayOnto(lake, recording);
  const warm = thenWarm ? await replayOnto(`${lake}-warm`, await readRecording(path)) : undefined;
  const result: ReplayProcessResult = { ...cold, readMs, readCpuMs, ...(warm && { warm }) };
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

/** `--encoder=<name>` from the front of the arguments, else the configuration's default. */
function encoderOption(args: string[]): { encoder: ParquetEncoderName; rest: string[] } {
  const option = args[0]?.match(/^--encoder=(.*)$/);
  if (!option) return { encoder: configSchema.parquetEncoder.default, rest: args };
  const encoder = PARQUET_ENCODER_NAMES.find((name) => name === option[1]);
  if (!encoder) throw new Error(`unknown encoder "${option[1]}"; choose one of ${PARQUET_ENCODER_NAMES.join(', ')}`);
  return { encoder, rest: args.slice(1) };
}

const { encoder, rest: args } = encoderOption(process.argv.slice(2));
if (args[0] === '--plain-loop') await plainLoop(args.slice(1));
else if (args[0] === '--then-warm') await main(args.slice(1), true, encoder);
else await main(args, false, encoder);
