/**
 * The commands' whole-number flags (seeds, counts, ports) read decimal digits only, as the
 * configuration's whole numbers do: Number() took `--seed 0x10` as 16 and `--seed ""` (an unset
 * shell variable) as 0, and generated a corpus of another seed without a word.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adstream } from '../support/cli.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'adstream-whole-number-flags-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('whole-number flags', () => {
  it('refuse a seed in hexadecimal, binary or octal, or empty, with exit 2 and nothing generated', async () => {
    for (const [i, seed] of ['0x10', '0b11', '0o17', ''].entries()) {
      const out = join(dir, `seed-${i}`);
      const run = await adstream(['generate', '--out', out, '--hours', '1', '--rate', '10', '--seed', seed]);
      expect(run.code, `--seed "${seed}": ${run.stderr}`).toBe(2);
      expect(run.stderr).toContain(`argument '${seed}' is invalid. must be a whole number from 0 to 4294967295.`);
      expect(existsSync(join(out, 'labels.json')), `--seed "${seed}"`).toBe(false);
    }
  });
});
