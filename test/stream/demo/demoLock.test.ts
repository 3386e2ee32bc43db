/**
 * One demo at a time per data directory: the lock a run holds refuses a second run while its
 * process lives, is taken over when the process that left it is gone, and is released at the end.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../stream/config/load.ts';
import { lockDemoDirectory } from '../../../stream/demo/demoLock.ts';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('lockDemoDirectory', () => {
  it('holds the directory until released; a second lock is refused meanwhile', async () => {
    dir = await mkdtemp(join(tmpdir(), 'adstream-demolock-'));
    const release = await lockDemoDirectory(dir);
    expect(await readFile(join(dir, 'demo.pid'), 'utf8')).toBe(`${process.pid}\n`);
    // Another live process's lock (this one's parent), as a second demo sees this one's.
    await writeFile(join(dir, 'demo.pid'), `${process.ppid}\n`);
    await expect(lockDemoDirectory(dir)).rejects.toThrow(new ConfigError(`another demo (pid ${process.ppid}) is writing to --data ${dir}; wait for it to end, or give this one another directory.`));
    await writeFile(join(dir, 'demo.pid'), `${process.pid}\n`);
    await release();
    expect(existsSync(join(dir, 'demo.pid'))).toBe(false);
  });

  it('takes over a lock whose process is gone (a demo killed with SIGKILL)', async () => {
    dir = await mkdtemp(join(tmpdir(), 'adstream-demolock-'));
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    await writeFile(join(dir, 'demo.pid'), `${Number(gone.stdout)}\n`);
    const release = await lockDemoDirectory(dir);
    expect(await readFile(join(dir, 'demo.pid'), 'utf8')).toBe(`${process.pid}\n`);
    await release();
  });
});
