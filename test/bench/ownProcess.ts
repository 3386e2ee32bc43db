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
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The Node flags `adstream` starts with (bin.js's first line), so a bench here runs as the command does. */
function commandNodeFlags(): string[] {
  const shebang = readFileSync(fileURLToPath(new URL('../../stream/cli/bin.js', import.meta.url)), 'utf8').split('\n')[0];
  return shebang.split(/\s+/).filter((word) => word.startsWith('--'));
}

/** Runs `script` (a TypeScript file beside this one) with `args` in a fresh Node process; its last line of output, parsed. */
export async function inOwnProcess<T>(script: string, args: readonly string[]): Promise<T> {
  const path = fileURLToPath(new URL(script, import.meta.url));
  const { stdout } = await execFileAsync(process.execPath, [...commandNodeFlags(), '--import', 'tsx', path, ...args], { maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as T;
}
