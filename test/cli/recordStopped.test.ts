/**
 * `adstream record --until-caught-up` stopped by a signal before every shard reached its tip
 * printed "recorded N records" and exited 0, as if the recording held the whole stream. It now
 * exits 128 + the signal, as `run --until-caught-up` does, and says what the file holds.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { kinesisClient } from '../../stream/aws/clients.ts';
import { ensureStream } from '../../stream/aws/streamAdmin.ts';
import { startLocalServices, type LocalServices } from '../../stream/local/embeddedServices.ts';
import { readRecording } from '../../stream/replay/recordingFile.ts';
import { startAdstream } from '../support/cli.ts';
import { kinesisHolding } from '../support/kinesisHolding.ts';

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

it('record --until-caught-up stopped by a signal exits 130, says it is not caught up, and leaves a whole recording of what it read', async () => {
  // Every read after the first waits: the recorder is mid-stream when it is signalled.
  const kinesis = await kinesisHolding(services.endpoints.kinesisEndpoint, 'GetRecords', 1);
  const out = join(dir, 'stopped.avro');
  try {
    const record = startAdstream(['record', '--stream', 'record-stopped', '--out', out, '--until-caught-up'], { ...services.environment, ADSTREAM_KINESIS_ENDPOINT: kinesis.endpoint });
    await record.saying('recorded 10000 records');
    record.child.kill('SIGINT');
    await record.saying('SIGINT: stopping');
    kinesis.release();
    expect(await record.exited, record.output()).toBe(130);
    expect(record.output()).toContain(
      `not caught up: stopped by a signal after recording 10500 records from 1 shard of record-stopped; ${out} is a whole recording of those records (replay reads it as it is) but not of the stream to its tip`,
    );
    expect(record.output()).not.toContain(`recorded 10500 records from 1 shard of record-stopped to ${out}`);
    // Closed as at any stop: read without --allow-truncated.
    const recording = await readRecording(out);
    expect(recording.records).toBe(10_500);
    await recording.close();
  } finally {
    await kinesis.close();
  }
}, 90_000);
