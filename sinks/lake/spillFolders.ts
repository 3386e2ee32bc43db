/**
 * Where a worker's spill files go: a folder of its own per worker (`adstream-spill-<pid>-<n>`),
 * so two workers on one host never share files; it is removed when the worker closes. A worker
 * killed with SIGKILL cannot remove its folder, so each new worker removes those of processes that
 * no longer run: scratch nobody will read, since their batches are read again from the checkpoint.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { processAlive } from '../processAlive.ts';

const PREFIX = 'adstream-spill-';
const FOLDER = new RegExp(`^${PREFIX}(\\d+)-\\d+$`);
let foldersInProcess = 0;

export function newSpillFolder(root: string): string {
  return join(root, `${PREFIX}${process.pid}-${++foldersInProcess}`);
}

export async function removeAbandonedSpills(root: string): Promise<void> {
  const names = await readdir(root).catch(() => [] as string[]);
  for (const name of names) {
    const pid = FOLDER.exec(name)?.[1];
    if (pid && !processAlive(Number(pid))) await rm(join(root, name), { recursive: true, force: true });
  }
}
