/**
 * One demo at a time per data directory. Each run's stream is new, so two demos started on the
 * same `--data` wrote their lakes side by side under file names that never collide: the lake held
 * every record twice while both summaries said ✓ (an operator review). The first run holds
 * `demo.pid` (created exclusively, holding its pid) until it ends; a second is refused while that
 * process runs, and takes over a file a killed run left.
 */
import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { processAlive } from '../../sinks/processAlive.ts';
import { ConfigError } from '../config/load.ts';

export const DEMO_LOCK_FILE = 'demo.pid';

/** Holds `dataDir` (which must exist) for this process; returns what releases it. */
export async function lockDemoDirectory(dataDir: string): Promise<() => Promise<void>> {
  const path = join(dataDir, DEMO_LOCK_FILE);
  for (;;) {
    try {
      const file = await open(path, 'wx');
      await file.writeFile(`${process.pid}\n`);
      await file.close();
      return () => rm(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && processAlive(holder)) {
      throw new ConfigError(`another demo (pid ${holder}) is writing to --data ${dataDir}; wait for it to end, or give this one another directory.`);
    }
    // Left by a run that was killed: this one takes it over.
    await rm(path, { force: true });
  }
}
