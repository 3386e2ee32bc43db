/**
 * The embedded Kinesis answers GetShardIterator AT_TIMESTAMP as Kinesis does: at the first record
 * that arrived at or after the time, and at the tip when none has (kinesalite alone never answered
 * that request, so a worker started AT_TIMESTAMP on a quiet shard stopped after three timeouts).
 */
import { GetRecordsCommand, GetShardIteratorCommand, PutRecordCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kinesisClient } from '../../../stream/aws/clients.ts';
import { ensureStream } from '../../../stream/aws/streamAdmin.ts';
import { startLocalServices, type LocalServices } from '../../../stream/local/embeddedServices.ts';

const STREAM = 'at-timestamp';
const SHARD = 'shardId-000000000000';
let services: LocalServices;
let kinesis: KinesisClient;

beforeAll(async () => {
  services = await startLocalServices();
  // Short timeouts and no wait for retries: a request kinesalite never answers fails the test in seconds.
  kinesis = kinesisClient({ region: 'us-east-1', kinesisEndpoint: services.endpoints.kinesisEndpoint }, 3_000);
  await ensureStream(kinesis, STREAM, 1);
});

afterAll(async () => {
  kinesis?.destroy();
  await services?.stop();
});

const put = (text: string) => kinesis.send(new PutRecordCommand({ StreamName: STREAM, PartitionKey: 'k', Data: new TextEncoder().encode(text) }));
const iteratorAt = async (time: Date) =>
  (await kinesis.send(new GetShardIteratorCommand({ StreamName: STREAM, ShardId: SHARD, ShardIteratorType: 'AT_TIMESTAMP', Timestamp: time }))).ShardIterator!;
const read = async (iterator: string) => {
  const result = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator }));
  return { data: (result.Records ?? []).map((record) => new TextDecoder().decode(record.Data)), next: result.NextShardIterator! };
};
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the embedded Kinesis, GetShardIterator AT_TIMESTAMP', () => {
  it('starts at the first record at or after the time, and at the tip when no record is that late', async () => {
    const before = new Date(Date.now() - 1_000);
    await put('first');
    await pause(1_100);
    const afterEvery = new Date();
    await pause(50);

    expect((await read(await iteratorAt(before))).data).toEqual(['first']);
    const atTip = await iteratorAt(afterEvery);
    const empty = await read(atTip);
    expect(empty.data).toEqual([]);
    // At the tip: what is put next is read next.
    await put('second');
    expect((await read(empty.next)).data).toEqual(['second']);
  });
});
