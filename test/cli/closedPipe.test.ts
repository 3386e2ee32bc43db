/**
 * `adstream ... | head`: a reader that stops early closes stdout. A command that only reads (a dry
 * run) crashed with an uncaught "Error: write EPIPE" stack trace; it now ends quietly, exit 0, as
 * `head` expects, while a command that changes things still fails at the closed pipe.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endsQuietlyOnClosedPipe } from '../../stream/cli/closedPipe.ts';
import { startLocalServices } from '../../stream/local/embeddedServices.ts';
import { ADSTREAM_BIN } from '../support/cli.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'adstream-closed-pipe-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `adstream <args>` with its stdout closed before it prints anything: every write meets EPIPE. */
async function withClosedStdout(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stderr: string }> {
  const child = spawn('node', [ADSTREAM_BIN, ...args], { env: { ...process.env, ADSTREAM_CONFIG: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stderr };
}

describe('a closed stdout', () => {
  it('ends a dry run quietly, exit 0, and still fails a re-drive that puts records', async () => {
    const lake = join(dir, 'lake');
    await mkdir(join(lake, '_rejected'), { recursive: true });
    const [dryRun, redrive] = await Promise.all([withClosedStdout(['dlq', 'replay', '--dry-run', '--lake', lake]), withClosedStdout(['dlq', 'replay', '--lake', lake])]);
    expect(dryRun).toEqual({ code: 0, stderr: '' });
    expect(redrive.code).toBe(1);
    expect(redrive.stderr).toContain('EPIPE');
  });

  it('ends produce quietly, exit 0: it prints only once every record is put', async () => {
    const services = await startLocalServices({ buckets: [] });
    try {
      const outcome = await withClosedStdout(['produce', '--generate', '--hours', '1', '--rate', '5', '--stream', 'piped', '--create-stream', '1'], services.environment);
      expect(outcome).toEqual({ code: 0, stderr: '' });
    } finally {
      await services.stop();
    }
  });

  it('ends a digest quietly only when it has nothing to publish', () => {
    expect(endsQuietlyOnClosedPipe(['digest', '--alerts', 'a.jsonl'])).toBe(true);
    expect(endsQuietlyOnClosedPipe(['digest', '--sns-topic', 'arn:aws:sns:us-east-1:123456789012:t'])).toBe(false);
    expect(endsQuietlyOnClosedPipe(['digest', '--sns-topic=arn:aws:sns:us-east-1:123456789012:t'])).toBe(false);
    expect(endsQuietlyOnClosedPipe(['run', '--events'])).toBe(false);
  });
});
