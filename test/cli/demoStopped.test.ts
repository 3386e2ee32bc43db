/**
 * Ctrl-C during `adstream demo` (`npm start`) ended the process where it stood: exit 130, nothing
 * said of what the data directory held, and the embedded S3's temporary folder left behind. It
 * now winds down as `run` does: the worker commits, the services stop, their folders go, and one
 * sentence says what is left.
 */
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startAdstream } from '../support/cli.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'adstream-demo-stopped-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('demo stopped by SIGINT mid-run says what the data directory holds, removes its temporary folders and exits 130', async () => {
  const data = join(dir, 'demo');
  // The demo's own temporary directory, to see what it leaves there.
  const temporary = join(dir, 'tmp');
  await mkdir(temporary);
  const demo = startAdstream(['demo', '--data', data, '--hours', '1', '--rate', '100'], { TMPDIR: temporary });
  // The first status line: records are being put and consumed.
  await demo.saying('produced ', 60_000);
  demo.child.kill('SIGINT');
  expect(await demo.exited, demo.output()).toBe(130);
  expect(demo.output()).toContain('SIGINT: stopping');
  expect(demo.output()).toMatch(new RegExp(`stopped by a signal after putting [\\d,]+ of [\\d,]+ records \\(the worker committed [\\d,]+\\): ${data} holds a partial run`));
  expect(demo.output()).not.toContain('written + rejected + duplicates');
  expect(await readdir(data)).toContain('labels.json');
  // The embedded S3's folder and the worker's spill folder are removed as at the end of a whole run.
  expect((await readdir(temporary)).filter((entry) => entry.startsWith('adstream-'))).toEqual([]);
}, 120_000);
