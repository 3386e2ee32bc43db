/**
 * One replay in a process of its own, as `adstream replay <file>` runs: started with the Node
 * flags of the command itself, it reads the recording into its shard spools, replays it onto a
 * local directory with the bench settings, and prints one JSON line: the replay's stats and its
 * wall and CPU time (every thread of this process), and the reading's.
 *
 * Why a process of its own: measured inside the bench process, a replay shared the heap with the
 * million generated records the other benches read and with their garbage, and every major
 * collection marked them too: the replay counted more CPU than it does as the command.
 *
 *   node <flags> --import tsx test/bench/replayProcess.ts <recording> <lake dir> <batch size> [unitBytes]
 */
import { performance } from 'node:perf_hooks';
import { readRecording } from '../../stream/replay/recordingFile.ts';
import { replayToDirectory } from '../../stream/replay/replayToDirectory.ts';
import { directoriesFor } from '../../stream/replay/replayDefaults.ts';
import { BENCH_SETTINGS } from './pipeline.ts';

export interface ReplayProcessResult {
  stats: Awaited<ReturnType<typeof replayToDirectory>>;
  ms: number;
  cpuMs: number;
  readMs: number;
  readCpuMs: number;
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

await main(process.argv.slice(2));
