/**
 * `mkdir -p` that always ends. Node 20's recursive mkdir retries for ever where making a directory
 * fails with ENOENT although its parent exists (under /proc or /sys nothing new can be made, and
 * ENOENT is what they answer): a worker given `--lake /proc/x` read its whole stream and then spun
 * at full CPU, saying nothing. This makes the missing levels one at a time, each once, so such a
 * refusal comes back as the error it is.
 */
import { mkdirSync, statSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

const codeOf = (error: unknown): string | undefined => (error as NodeJS.ErrnoException).code;

export async function makeDirectory(path: string): Promise<void> {
  try {
    await mkdir(path);
  } catch (error) {
    if (codeOf(error) === 'EEXIST' && (await stat(path)).isDirectory()) return;
    const parent = dirname(path);
    if (codeOf(error) !== 'ENOENT' || parent === path) throw error;
    await makeDirectory(parent);
    try {
      await mkdir(path);
    } catch (again) {
      // Made meanwhile by someone else (another writer of the same lake): as good.
      if (codeOf(again) === 'EEXIST' && (await stat(path)).isDirectory()) return;
      throw again;
    }
  }
}

/** makeDirectory for the places that must not wait (a command's checks before it starts). */
export function makeDirectorySync(path: string): void {
  try {
    mkdirSync(path);
  } catch (error) {
    if (codeOf(error) === 'EEXIST' && statSync(path).isDirectory()) return;
    const parent = dirname(path);
    if (codeOf(error) !== 'ENOENT' || parent === path) throw error;
    makeDirectorySync(parent);
    try {
      mkdirSync(path);
    } catch (again) {
      if (codeOf(again) === 'EEXIST' && statSync(path).isDirectory()) return;
      throw again;
    }
  }
}
