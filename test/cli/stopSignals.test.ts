/**
 * A worker whose services stop answering must still be stoppable: the first SIGTERM asks it to
 * wind down (which waits on those services), a second signal ends it at once and says what that
 * leaves undone. The services here accept connections and never answer, the case that held a
 * worker, SIGTERM and all, until it was SIGKILLed.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADSTREAM_BIN } from '../support/cli.ts';
import { waitFor } from '../support/childWorker.ts';

const held: Socket[] = [];
const silent = createServer((socket) => void held.push(socket));
let endpoint: string;
beforeAll(async () => {
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  endpoint = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
});
afterAll(() => {
  for (const socket of held) socket.destroy();
  silent.close();
});

describe('adstream run on services that never answer', () => {
  it('winds down at the first signal and exits at once at a second, naming what is left undone', async () => {
    const env = { ...process.env, ADSTREAM_CONFIG: '', ADSTREAM_KINESIS_ENDPOINT: endpoint, ADSTREAM_DYNAMODB_ENDPOINT: endpoint, ADSTREAM_S3_ENDPOINT: endpoint, ADSTREAM_HEALTH_PORT: '0' };
    const child = spawn('node', [ADSTREAM_BIN, 'run'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // Stuck on its first request to the lease table, or to Kinesis.
    await waitFor('a request to reach the silent endpoint', async () => (held.length > 0 ? true : undefined), 30_000, 20);
    child.kill('SIGTERM');
    await waitFor('the worker to say it is stopping', async () => (output.includes('stopping') ? true : undefined), 30_000, 20);
    child.kill('SIGINT');
    expect(await exited, output).toBe(130);
    expect(output).toContain(
      "adstream: a second signal (SIGINT): exiting at once; the shards' current batches are not committed and their leases expire after failoverTimeMs; the next owner resumes each shard from its last checkpoint.",
    );
  });
});
