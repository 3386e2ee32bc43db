/**
 * Scratch folders owned by one process: `<prefix><pid>-<n>` under a root (a worker's spill files,
 * the DuckDB encoder's temp files), so two processes on one host never share files; each is
 * removed when its owner closes. A process killed with SIGKILL cannot remove its folders, so the
 * next process to make one removes those of processes that no longer run: scratch nobody will
 * read (a killed worker's batches are read again from its checkpoint).
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { processAlive } from './processAlive.ts';

let foldersInProcess = 0;

export function newProcessFolder(root: string, prefix: string): string {
  return join(root, `${prefix}${process.pid}-${++foldersInProcess}`);
}

export async function removeAbandonedFolders(root: string, prefix: string): Promise<void> {
  const folder = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\d+)-\\d+$`);
  const names = await readdir(root).catch(() => [] as string[]);
  for (const name of names) {
    const pid = folder.exec(name)?.[1];
    if (pid && !processAlive(Number(pid))) await rm(join(root, name), { recursive: true, force: true });
  }
}
