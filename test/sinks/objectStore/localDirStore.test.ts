import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalDirStore } from '../../../sinks/objectStore/localDirStore.ts';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'adstream-localdir-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

/** A pid no process has any more: one of a child that has exited. */
const deadPid = (): number => Number(spawnSync('node', ['-e', 'console.log(process.pid)']).stdout.toString().trim());

describe('LocalDirStore', () => {
  it('creates an object only where none is, of two writers at once exactly one, and leaves no temporary', async () => {
    const store = new LocalDirStore(root);
    const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);
    const created = await Promise.all(['a', 'b'].map((who) => store.putIfAbsent('claims/x.json', new TextEncoder().encode(who))));
    expect(created.filter(Boolean)).toHaveLength(1);
    expect(text(await store.get('claims/x.json'))).toBe(created[0] ? 'a' : 'b');
    expect(await store.putIfAbsent('claims/x.json', new TextEncoder().encode('c'))).toBe(false);
    expect(await readdir(join(root, '.partial'))).toEqual([]);
  });

  it('puts atomically, keeps its temporaries out of the listing, and deletes those a killed process left', async () => {
    const partial = join(root, '.partial');
    await mkdir(partial, { recursive: true });
    // Left by a process killed mid-write on this host, by a live one (this process), and by another host.
    const dead = `${hostname()}.${deadPid()}.7.tmp`;
    const live = `${hostname()}.${process.pid}.999999.tmp`;
    const elsewhere = `some-other-host.1.1.tmp`;
    for (const name of [dead, live, elsewhere]) await writeFile(join(partial, name), 'PAR1 half written');

    const store = new LocalDirStore(root);
    await store.put('impressions/dt=2026-11-01/a.parquet', Buffer.from('whole'));
    expect(await readFile(join(root, 'impressions', 'dt=2026-11-01', 'a.parquet'), 'utf8')).toBe('whole');
    expect(await store.list('')).toEqual(['impressions/dt=2026-11-01/a.parquet']);
    expect((await readdir(partial)).sort()).toEqual([elsewhere, live].sort());
  });
});
