/**
 * `adstream` as a user runs it: the real bin in a child process, with its exit code, stdout and
 * stderr, so tests check what a shell would see. `ADSTREAM_CONFIG` is cleared unless given, so a
 * developer's own config file never leaks into a test.
 */
import { execFile } from 'node:child_process';
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
