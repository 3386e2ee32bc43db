/**
 * `adstream` as a user runs it: the real bin in a child process, with its exit code, stdout and
 * stderr, so tests check what a shell would see. `ADSTREAM_CONFIG` is cleared unless given, so a
 * developer's own config file never leaks into a test.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const ADSTREAM_BIN = join(import.meta.dirname, '../../stream/cli/bin.js');

export interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** `timeoutMs`: the command is killed after that long, for a test whose failure would be a hang (its code is then null). */
export async function adstream(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 0): Promise<CliOutcome> {
  try {
    const { stdout, stderr } = await run('node', [ADSTREAM_BIN, ...args], { env: { ...process.env, ADSTREAM_CONFIG: '', ...env }, maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

export interface RunningAdstream {
  child: ChildProcess;
  /** stdout and stderr so far, interleaved as they came. */
  output(): string;
  exited: Promise<number | null>;
  /** Resolves once the output holds `text`; rejects after `timeoutMs`. */
  saying(text: string, timeoutMs?: number): Promise<void>;
}

/** `adstream <args>` left running, for a test that signals it: its output so far and its exit code. */
export function startAdstream(args: string[], env: NodeJS.ProcessEnv = {}): RunningAdstream {
  const child = spawn('node', [ADSTREAM_BIN, ...args], { env: { ...process.env, ADSTREAM_CONFIG: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const saying = async (text: string, timeoutMs = 30_000): Promise<void> => {
    const deadline = performance.now() + timeoutMs;
    while (!output.includes(text)) {
      if (performance.now() > deadline) throw new Error(`no "${text}" within ${timeoutMs} ms in:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  return { child, output: () => output, exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))), saying };
}
