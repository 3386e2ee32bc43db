/**
 * Ctrl-C during `adstream produce` ended it with exit 130 and nothing said, though part of the
 * traffic was on the stream and running it again would put that part a second time. It now stops
 * putting, waits for the calls in flight, and says how many records it put of how many.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { kinesisClient } from '../../stream/aws/clients.ts';
import { startLocalServices, type LocalServices } from '../../stream/local/embeddedServices.ts';
import { recordStream } from '../../stream/replay/recorder.ts';
import { startAdstream } from '../support/cli.ts';
import { kinesisHolding } from '../support/kinesisHolding.ts';

let services: LocalServices;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'adstream-produce-stopped-'));
  services = await startLocalServices({ buckets: [] });
});
afterAll(async () => {
  await services?.stop();
  await rm(dir, { recursive: true, force: true });
});

it('produce stopped by SIGINT waits for the calls in flight, says how many of how many records it put, and exits 130', async () => {
  // Every PutRecords call after the second waits: the producer is mid-traffic when it is signalled.
  const kinesis = await kinesisHolding(services.endpoints.kinesisEndpoint, 'PutRecords', 2);
  try {
    const produce = startAdstream(['produce', '--generate', '--hours', '1', '--rate', '100', '--stream', 'produce-stopped', '--create-stream', '2'], { ...services.environment, ADSTREAM_KINESIS_ENDPOINT: kinesis.endpoint });
    await kinesis.holding();
    produce.child.kill('SIGINT');
    await produce.saying('SIGINT: stopping');
    kinesis.release();
    expect(await produce.exited, produce.output()).toBe(130);
    const [, put, total] = /adstream: stopped by a signal after putting (\d+) of (\d+) records on produce-stopped; running the same command again puts every record again/.exec(produce.output()) ?? [];
    expect(Number(total), produce.output()).toBeGreaterThan(Number(put));
    expect(produce.output()).toContain('a worker counts a repeat as a duplicate (same event id) only within dedupeHorizonMs (3600000 ms of event time) of the newest event on its shard');
    // What it says it put is what the stream holds: the calls in flight were waited for.
    const client = kinesisClient({ region: 'us-east-1', ...services.endpoints });
    const onStream = await recordStream({ kinesis: client, streamName: 'produce-stopped', out: join(dir, 'on-stream.jsonl.gz'), untilCaughtUp: true, reader: { maxCallsPerSecond: 50 } });
    client.destroy();
    expect(onStream.records).toBe(Number(put));
  } finally {
    await kinesis.close();
  }
}, 90_000);
