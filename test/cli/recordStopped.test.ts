/**
 * `adstream record --until-caught-up` stopped by a signal before every shard reached its tip
 * printed "recorded N records" and exited 0, as if the recording held the whole stream. It now
 * exits 128 + the signal, as `run --until-caught-up` does, and says what the file holds.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { kinesisClient } from '../../stream/aws/clients.ts';
import { ensureStream } from '../../stream/aws/streamAdmin.ts';
import { startLocalServices, type LocalServices } from '../../stream/local/embeddedServices.ts';
import { listenLocally } from '../../stream/local/localHttp.ts';
import { readRecording } from '../../stream/replay/recordingFile.ts';
import { ADSTREAM_BIN } from '../support/cli.ts';
import { waitFor } from '../support/childWorker.ts';

let services: LocalServices;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'adstream-record-stopped-'));
  services = await startLocalServices({ buckets: [] });
  const kinesis = kinesisClient({ region: 'us-east-1', ...services.endpoints });
  await ensureStream(kinesis, 'record-stopped', 1);
  // More than one GetRecords call returns (10,000), so the recorder is not caught up after its first read.
  for (let batch = 0; batch < 21; batch++) {
    await kinesis.send(new PutRecordsCommand({ StreamName: 'record-stopped', Records: Array.from({ length: 500 }, (_, i) => ({ PartitionKey: `k${i}`, Data: Buffer.from(`r${batch}-${i}`) })) }));
  }
  kinesis.destroy();
});
afterAll(async () => {
  await services?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Kinesis, except that every GetRecords after the first waits until `release()`: the recorder is mid-stream when it is signalled. */
async function kinesisHoldingReads() {
  const held: (() => void)[] = [];
  let reads = 0;
  const target = new URL(services.endpoints.kinesisEndpoint);
  const server = createServer((req, res) => {
    const forward = () => req.pipe(request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(res);
    }));
    if (String(req.headers['x-amz-target']).endsWith('.GetRecords') && ++reads > 1) held.push(forward);
    else forward();
  });
  const listening = await listenLocally(server);
  return { ...listening, release: () => held.splice(0).forEach((go) => go()) };
}

it('record --until-caught-up stopped by a signal exits 130, says it is not caught up, and leaves a whole recording of what it read', async () => {
  const kinesis = await kinesisHoldingReads();
  const out = join(dir, 'stopped.avro');
  try {
    const child = spawn('node', [ADSTREAM_BIN, 'record', '--stream', 'record-stopped', '--out', out, '--until-caught-up'], {
      env: { ...process.env, ADSTREAM_CONFIG: '', ...services.environment, ADSTREAM_KINESIS_ENDPOINT: kinesis.endpoint },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await waitFor('the first read to be recorded', () => (output.includes('recorded 10000 records') ? true : undefined), 30_000, 20);
    child.kill('SIGINT');
    await waitFor('the recorder to say it is stopping', () => (output.includes('SIGINT: stopping') ? true : undefined), 30_000, 20);
    kinesis.release();
    expect(await exited, output).toBe(130);
    expect(output).toContain(
      `not caught up: stopped by a signal after recording 10500 records from 1 shard of record-stopped; ${out} is a whole recording of those records (replay reads it as it is) but not of the stream to its tip`,
    );
    expect(output).not.toContain(`recorded 10500 records from 1 shard of record-stopped to ${out}`);
    // Closed as at any stop: read without --allow-truncated.
    const recording = await readRecording(out);
    expect(recording.records).toBe(10_500);
    await recording.close();
  } finally {
    kinesis.release();
    await kinesis.close();
  }
}, 90_000);
