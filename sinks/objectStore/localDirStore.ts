/** An ObjectStore on a local directory; keys are relative paths with `/` separators. */
import { copyFile, link, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { processAlive } from '../processAlive.ts';
import type { ObjectStore } from './objectStore.ts';
import { makeDirectory } from '../makeDirectory.ts';

let temporaryCounter = 0;
const PARTIAL_DIR = '.partial';
/** Host and pid, so that only this host's dead processes' temporaries are ever deleted (the root may be a shared mount). */
const TEMPORARY_PREFIX = `${hostname()}.${process.pid}.`;

/** The pid in a temporary's name written on this host, or undefined. */
function pidOfTemporary(name: string): number | undefined {
  if (!name.startsWith(`${hostname()}.`) || !name.endsWith('.tmp')) return undefined;
  const pid = Number(name.slice(hostname().length + 1).split('.')[0]);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

export class LocalDirStore implements ObjectStore {
  readonly location: string;

  constructor(private readonly root: string) {
    this.location = root;
  }

  private pathOf(key: string): string {
    return join(this.root, ...key.split('/'));
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    await this.replaceAtomically(key, (temporary) => writeFile(temporary, body));
  }

  async putIfAbsent(key: string, body: Uint8Array): Promise<boolean> {
    const path = this.pathOf(key);
    await makeDirectory(dirname(path));
    await (this.partialReady ??= this.preparePartial());
    const temporary = join(this.root, PARTIAL_DIR, `${TEMPORARY_PREFIX}${++temporaryCounter}.tmp`);
    await writeFile(temporary, body);
    try {
      // A link, unlike a rename, never replaces what is there.
      await link(temporary, path);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    } finally {
      await rm(temporary, { force: true });
    }
  }

  async putFile(key: string, source: string): Promise<void> {
    // Copied, not moved: the source may sit on another filesystem (the spill directory).
    await this.replaceAtomically(key, (temporary) => copyFile(source, temporary));
  }

  /**
   * Writes into `.partial/` under the root and renames into place: rename is atomic on one
   * filesystem, so a crash never leaves a truncated Parquet file where a query would read it
   * (dot-prefixed names are ignored by `list` and the lake's globs). A process killed mid-write
   * leaves its temporary there, named by host and pid; the first write of a later store on the
   * root deletes those of processes on this host that are gone.
   */
  private async replaceAtomically(key: string, write: (temporary: string) => Promise<void>): Promise<void> {
    const path = this.pathOf(key);
    await makeDirectory(dirname(path));
    await (this.partialReady ??= this.preparePartial());
    const temporary = join(this.root, PARTIAL_DIR, `${TEMPORARY_PREFIX}${++temporaryCounter}.tmp`);
    await write(temporary);
    await rename(temporary, path);
  }

  private partialReady: Promise<void> | undefined;

  private async preparePartial(): Promise<void> {
    const dir = join(this.root, PARTIAL_DIR);
    await makeDirectory(dir);
    for (const name of await readdir(dir)) {
      const pid = pidOfTemporary(name);
      if (pid !== undefined && !processAlive(pid)) await rm(join(dir, name), { force: true });
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return await readFile(this.pathOf(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    await this.walk(prefix, (key) => {
      keys.push(key);
      return false;
    });
    return keys.sort();
  }

  async find(prefix: string, matches: (key: string) => boolean): Promise<string | undefined> {
    let found: string | undefined;
    await this.walk(prefix, (key) => {
      if (matches(key)) found = key;
      return found !== undefined;
    });
    return found;
  }

  /**
   * Visits the keys under `prefix`, from the folder the prefix names (not the whole root: a lake's
   * other tables are not read for its lineage), until `visit` returns true.
   */
  private async walk(prefix: string, visit: (key: string) => boolean): Promise<void> {
    const folder = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    const walkFrom = async (dir: string): Promise<boolean> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') return false;
        throw error;
      }
      for (const entry of entries) {
        if (entry.name.startsWith('.')) continue;
        const path = join(dir, entry.name);
        if (entry.isDirectory()) {
          if (await walkFrom(path)) return true;
        } else {
          const key = relative(this.root, path).split(sep).join('/');
          if (key.startsWith(prefix) && visit(key)) return true;
        }
      }
      return false;
    };
    await walkFrom(folder ? this.pathOf(folder) : this.root);
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }
}
