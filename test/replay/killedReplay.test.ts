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
import { directoriesFor } from '../../stream/replay/replayDefaults.ts';
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

/** Starts the replay and sends it `signal` once the lake holds `files` files; resolves to how it ended. */
async function signalReplayAt(lake: string, files: number, signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> {
  const child = spawn('node', [ADSTREAM_BIN, 'replay', RECORDING, '--lake', lake], { env: { ...process.env, ADSTREAM_CONFIG: '', ...ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let done = false;
  void exited.then(() => (done = true));
  await waitFor(`${files} lake files`, async () => (done || (await filesUnder(lake)) >= files ? true : undefined), 60_000, 10);
  child.kill(signal);
  return { ...(await exited), output };
}

let clean: ReturnType<typeof directoriesFor>;
let expected: Record<string, string>;
let total: number;
beforeAll(async () => {
  clean = directoriesFor(join(work, 'clean', 'lake'));
  const uninterrupted = await adstream(['replay', RECORDING, '--lake', clean.lake], ENV);
  expect(uninterrupted.code, uninterrupted.stderr).toBe(0);
  expected = await goldenOutputs(clean);
  total = await filesUnder(clean.lake);
  expect(total).toBeGreaterThan(40);
}, 120_000);

describe('adstream replay killed with SIGKILL', () => {
  it('resumes to the outputs of an uninterrupted run, whatever point it was killed at', async () => {
    const cleanState = await stateFiles(clean.state);

    const resumedRuns: number[] = [];
    for (const share of [0.1, 0.4, 0.75]) {
      const dirs = directoriesFor(join(work, `killed-${share}`, 'lake'));
      expect((await signalReplayAt(dirs.lake, Math.round(share * total), 'SIGKILL')).signal, `killed at ${share}`).toBe('SIGKILL');
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

describe('adstream replay stopped with SIGTERM', () => {
  it('commits what it processed, says how to resume, exits 143 (not done), and run again ends with the outputs of an uninterrupted run', async () => {
    const dirs = directoriesFor(join(work, 'terminated', 'lake'));
    const stopped = await signalReplayAt(dirs.lake, Math.round(0.3 * total), 'SIGTERM');
    // A script running "replay && load-warehouse" must not go on with half a lake: 128 + SIGTERM's 15.
    expect(stopped.code, stopped.output).toBe(143);
    expect(stopped.output).toMatch(/stopped after commit point \d+; run the same command again to resume/);
    const resumed = await adstream(['replay', RECORDING, '--lake', dirs.lake], ENV);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('resumed and replayed');
    const outputs = await goldenOutputs(dirs);
    for (const name of Object.keys(expected)) expect(outputs[name], name).toBe(expected[name]);
  });
});
