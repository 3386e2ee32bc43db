/**
 * A benchmark in a process of its own, started as `adstream` starts (the Node flags of bin.js's
 * first line): what it prints last, one line of JSON, is its result.
 *
 * Why: inside the bench process every measurement shares the heap with the million generated
 * records the in-memory passes read, and every major collection marks them too. Measured there,
 * the replay counted 43,819 records per CPU-second (2026-12-05 11:54) and in a process of its
 * own 66,212 (the same day, 21:20); DuckDB's Parquet encoding 4.8 µs of CPU a row there and
 * 2.7 µs alone.
 */
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The Node flags `adstream` starts with (bin.js's first line), so a bench here runs as the command does. */
function commandNodeFlags(): string[] {
  const shebang = readFileSync(fileURLToPath(new URL('../../stream/cli/bin.js', import.meta.url)), 'utf8').split('\n')[0];
  return shebang.split(/\s+/).filter((word) => word.startsWith('--'));
}

/**
 * Whether a process can be held to one CPU here: `taskset` (util-linux) is on Linux machines, not
 * on macOS, where the rows measured on one core are left out.
 */
export const canPinToOneCore = ((): boolean => {
  try {
    execFileSync('taskset', ['-c', '0', process.execPath, '--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/**
 * Runs `script` (a TypeScript file beside this one) with `args` in a fresh Node process; its last
 * line of output, parsed. With `oneCore`, the process and every thread of it (V8's compiler and
 * GC helpers, libuv's pool) run on CPU 0 alone (`taskset -c 0`): "one core" taken literally.
 */
export async function inOwnProcess<T>(script: string, args: readonly string[], { oneCore = false } = {}): Promise<T> {
  const path = fileURLToPath(new URL(script, import.meta.url));
  const node = [process.execPath, ...commandNodeFlags(), '--import', 'tsx', path, ...args];
  const [command, ...commandArgs] = oneCore ? ['taskset', '-c', '0', ...node] : node;
  const { stdout } = await execFileAsync(command, commandArgs, { maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as T;
}
