/**
 * `adstream replay` killed with SIGKILL mid-run, at several points, and run again on the same
 * directories, ends with exactly the outputs of a run that was never interrupted: the same lake
 * rows, metric lines and alerts. The kill is a real one, of the real command, so nothing gets to
 * tidy up: half-written files and a checkpoint behind the last files must all be recovered from,
 * and what the killed run saved and no checkpoint names any more must not stay in the state.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directoriesFor } from '../../stream/replay/replayToDirectory.ts';
import { adstream, ADSTREAM_BIN } from '../support/cli.ts';
import { waitFor } from '../support/childWorker.ts';
import { stateFiles } from '../support/stateFiles.ts';
import { FIXTURES, FIXTURE_NAME } from './fixtureSettings.ts';
import { goldenOutputs } from './goldenOutputs.ts';

const RECORDING = join(FIXTURES, `${FIXTURE_NAME}.jsonl.gz`);
/** Commit points every 16 KiB of record data: about twenty in this recording. */
const ENV = { ADSTREAM_LAKE_FILE_TARGET_BYTES: '16384' };

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'adstream-killed-replay-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

async function filesUnder(dir: string): Promise<number> {
  if (!existsSync(dir)) return 0;
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile()).length;
}

/** Starts the replay and SIGKILLs it once the lake holds `files` files; resolves to the signal it died of. */
async function killReplayAt(lake: string, files: number): Promise<NodeJS.Signals | null> {
  const child = spawn('node', [ADSTREAM_BIN, 'replay', RECORDING, '--lake', lake], { env: { ...process.env, ADSTREAM_CONFIG: '', ...ENV }, stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  let done = false;
  void exited.then(() => (done = true));
  await waitFor(`${files} lake files`, async () => (done || (await filesUnder(lake)) >= files ? true : undefined), 60_000, 10);
  child.kill('SIGKILL');
  return exited;
}

describe('adstream replay killed with SIGKILL', () => {
  it('resumes to the outputs of an uninterrupted run, whatever point it was killed at', async () => {
    const clean = directoriesFor(join(work, 'clean', 'lake'));
    const uninterrupted = await adstream(['replay', RECORDING, '--lake', clean.lake], ENV);
    expect(uninterrupted.code, uninterrupted.stderr).toBe(0);
    const expected = await goldenOutputs(clean);
    const total = await filesUnder(clean.lake);
    const cleanState = await stateFiles(clean.state);
    expect(total).toBeGreaterThan(40);

    const resumedRuns: number[] = [];
    for (const share of [0.1, 0.4, 0.75]) {
      const dirs = directoriesFor(join(work, `killed-${share}`, 'lake'));
      expect(await killReplayAt(dirs.lake, Math.round(share * total)), `killed at ${share}`).toBe('SIGKILL');
      const resumed = await adstream(['replay', RECORDING, '--lake', dirs.lake], ENV);
      expect(resumed.code, resumed.stderr).toBe(0);
      // Killed before its first checkpoint, a replay starts over; after one, it resumes.
      if (resumed.stderr.includes('resumed and replayed')) resumedRuns.push(share);
      const outputs = await goldenOutputs(dirs);
      for (const name of Object.keys(expected)) expect(outputs[name], `${name}, killed at ${share} of the lake files`).toBe(expected[name]);
      // Nor does the state keep anything of the killed run: its snapshots are the clean run's, and every segment left is named.
      const state = await stateFiles(dirs.state);
      expect(state.snapshots, `snapshots, killed at ${share}`).toEqual(cleanState.snapshots);
      expect(state.unnamedSegments, `segments no snapshot names, killed at ${share}`).toEqual([]);
    }
    expect(resumedRuns.length, 'runs that resumed from a checkpoint').toBeGreaterThanOrEqual(2);
  });
});
