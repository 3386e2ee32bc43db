/**
 * `mkdir -p` that always ends. Node 20's recursive mkdir retries for ever where making a directory
 * fails with ENOENT although its parent exists (under /proc or /sys nothing new can be made, and
 * ENOENT is what they answer): a worker given `--lake /proc/x` read its whole stream and then spun
 * at full CPU, saying nothing. This makes the missing levels one at a time, each once, so such a
 * refusal comes back as the error it is.
 */
import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Whether `path` is a directory now: made meanwhile by another writer of the same lake, or one a
 * file system refuses to make again with something other than EEXIST (EACCES, EROFS), as Node's
 * own mkdir -p also accepts.
 */
const isDirectory = (path: string): Promise<boolean> => stat(path).then((info) => info.isDirectory(), () => false);

export async function makeDirectory(path: string): Promise<void> {
  try {
    await mkdir(path);
  } catch (error) {
    if (await isDirectory(path)) return;
    const parent = dirname(path);
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || parent === path) throw error;
    await makeDirectory(parent);
    try {
      await mkdir(path);
    } catch (again) {
      if (await isDirectory(path)) return;
      throw again;
    }
  }
}
