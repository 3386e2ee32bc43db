/**
 * A worker whose services stop answering must still be stoppable: the first SIGTERM asks it to
 * wind down (which can wait on those services), a second signal ends it at once and says what
 * that leaves undone. The services here accept connections and never answer, the case that held
 * a worker, SIGTERM and all, until it was SIGKILLed.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { mkdtemp, rm } from 'node:fs/promises';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { join } from 'node:path';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kinesisClient } from '../../stream/aws/clients.ts';
import { ensureStream } from '../../stream/aws/streamAdmin.ts';
import { startLocalServices, type LocalServices } from '../../stream/local/embeddedServices.ts';
import { ADSTREAM_BIN } from '../support/cli.ts';
import { waitFor } from '../support/childWorker.ts';

const held: Socket[] = [];
const silent = createServer((socket) => void held.push(socket));
let silentEndpoint: string;
let services: LocalServices;
beforeAll(async () => {
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  silentEndpoint = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  services = await startLocalServices({ buckets: [] });
  const kinesis = kinesisClient({ region: 'us-east-1', ...services.endpoints });
  await ensureStream(kinesis, 'signalled', 1);
  kinesis.destroy();
});
afterAll(async () => {
  for (const socket of held) socket.destroy();
  silent.close();
  await services?.stop();
});

/** `adstream run` with `env`; its output so far, its exit, and a way to signal it. */
function startWorker(env: Record<string, string>, args: string[] = []) {
  const child = spawn('node', [ADSTREAM_BIN, 'run', '--stream', 'signalled', ...args], { env: { ...process.env, ADSTREAM_CONFIG: '', ADSTREAM_HEALTH_PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const worker = { output: '', exited: new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code))), child };
  child.stdout.on('data', (chunk: Buffer) => (worker.output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (worker.output += chunk.toString()));
  return worker;
}

const requestsHeld = (count: number) => waitFor(`${count} request(s) held by the silent endpoint`, async () => (held.length >= count ? true : undefined), 30_000, 20);

describe('adstream run on services that never answer', () => {
  it('stopped while it asks whether the stream exists, it stops at once: nothing is taken yet', async () => {
    const worker = startWorker({ ADSTREAM_KINESIS_ENDPOINT: silentEndpoint, ADSTREAM_DYNAMODB_ENDPOINT: silentEndpoint, ADSTREAM_S3_ENDPOINT: silentEndpoint });
    await requestsHeld(held.length + 1);
    worker.child.kill('SIGTERM');
    expect(await worker.exited, worker.output).toBe(0);
    expect(worker.output).toContain('SIGTERM: stopping');
  });

  it('a bounded run (--until-caught-up) stopped by a signal exits 128 + the signal and says it is not caught up, so a script does not go on', async () => {
    const worker = startWorker({ ADSTREAM_KINESIS_ENDPOINT: silentEndpoint, ADSTREAM_DYNAMODB_ENDPOINT: silentEndpoint, ADSTREAM_S3_ENDPOINT: silentEndpoint }, ['--until-caught-up']);
    await requestsHeld(held.length + 1);
    worker.child.kill('SIGTERM');
    expect(await worker.exited, worker.output).toBe(143);
    expect(worker.output).toContain('not caught up: stopped by a signal before every shard was read to its end; run the same command again to go on from the checkpoints.');
  });

  it('a bounded run stopped by a signal once its worker is running exits 128 + the signal too, and one left to finish exits 0', async () => {
    const kinesis = kinesisClient({ region: 'us-east-1', ...services.endpoints });
    await ensureStream(kinesis, 'signalled-busy', 1);
    // Records the worker rejects (not events) do as well as any: the run is not caught up until it has read them.
    for (let batch = 0; batch < 4; batch++) {
      await kinesis.send(new PutRecordsCommand({ StreamName: 'signalled-busy', Records: Array.from({ length: 500 }, (_, i) => ({ PartitionKey: `k${i}`, Data: Buffer.from(`not an event ${batch}-${i}`) })) }));
    }
    kinesis.destroy();
    const dirs = await mkdtemp(join(tmpdir(), 'adstream-signalled-busy-'));
    const env = { ...services.environment, ADSTREAM_LAKE: join(dirs, 'lake'), ADSTREAM_STATE: join(dirs, 'state') };
    try {
      const stopped = startWorker(env, ['--until-caught-up', '--stream', 'signalled-busy']);
      await waitFor('the worker to start', async () => (stopped.output.includes('health on') ? true : undefined), 30_000, 20);
      stopped.child.kill('SIGTERM');
      expect(await stopped.exited, stopped.output).toBe(143);
      expect(stopped.output).toContain('not caught up: stopped by a signal before every shard was read to its end');
      const finished = startWorker(env, ['--until-caught-up', '--stream', 'signalled-busy']);
      expect(await finished.exited, finished.output).toBe(0);
      expect(finished.output).not.toContain('not caught up');
      // What the stopped run committed is not read again: the two runs commit every record once.
      const committed = (output: string) => Number(/stopped: read \d+ · committed (\d+)/.exec(output)?.[1]);
      expect(committed(stopped.output) + committed(finished.output), `${stopped.output}\n${finished.output}`).toBe(2_000);
    } finally {
      await rm(dirs, { recursive: true, force: true });
    }
  }, 90_000);

  it('winds down at the first signal and exits at once at a second while the lease table never answers, naming what is left undone', async () => {
    // Kinesis answers (the stream exists); DynamoDB, where the worker's start waits, does not.
    const before = held.length;
    const worker = startWorker({ ...services.environment, ADSTREAM_DYNAMODB_ENDPOINT: silentEndpoint, ADSTREAM_LAKE: join(tmpdir(), 'adstream-signalled-lake'), ADSTREAM_STATE: join(tmpdir(), 'adstream-signalled-state') });
    await requestsHeld(before + 1);
    worker.child.kill('SIGTERM');
    await waitFor('the worker to say it is stopping', async () => (worker.output.includes('stopping') ? true : undefined), 30_000, 20);
    worker.child.kill('SIGINT');
    expect(await worker.exited, worker.output).toBe(130);
    expect(worker.output).toContain(
      "adstream: a second signal (SIGINT): exiting at once; the batches being read are not committed and this worker's leases expire after failoverTimeMs; the next owner resumes each shard from its last checkpoint.",
    );
  });
});
