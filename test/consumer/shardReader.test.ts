/**
 * The shard reader against kinesalite through the real SDK client, with faults injected into the
 * client's middleware (before the SDK's own retries, as if they had all failed): a transient fault
 * is backed off and read past with nothing lost or repeated, an expired iterator is refreshed
 * after the last record delivered, and a mistake (access denied) still stops the reader.
 */
import { ExpiredIteratorException, PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kinesisClient } from '../../stream/aws/clients.ts';
import { ensureStream } from '../../stream/aws/streamAdmin.ts';
import { listShards } from '../../stream/consumer/leases/shardSync.ts';
import { ShardReader } from '../../stream/consumer/shardReader.ts';
import { startLocalServices, type LocalServices } from '../../stream/local/embeddedServices.ts';

let services: LocalServices;
beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  services = await startLocalServices();
});
afterAll(async () => {
  await services?.stop();
});

/** A client whose next GetRecords calls throw `faults`, in order, instead of reaching kinesalite. */
function faultyClient(faults: Error[]): KinesisClient {
  const client = kinesisClient({ region: 'us-east-1', kinesisEndpoint: services.endpoints.kinesisEndpoint });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'GetRecordsCommand' && faults.length > 0) throw faults.shift()!;
      return next(args);
    },
    { step: 'initialize', name: 'injectFaults' },
  );
  return client;
}

const serviceFault = (name: string, status: number, message: string): Error => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });

async function streamWith(client: KinesisClient, stream: string, values: string[]): Promise<string> {
  await ensureStream(client, stream, 1);
  await put(client, stream, values);
  return (await listShards(client, stream))[0].ShardId!;
}

async function put(client: KinesisClient, stream: string, values: string[]): Promise<void> {
  await client.send(new PutRecordsCommand({ StreamName: stream, Records: values.map((value) => ({ PartitionKey: 'k', Data: Buffer.from(value) })) }));
}

const textOf = (records: { data: Uint8Array }[]): string[] => records.map((record) => Buffer.from(record.data).toString());

describe('ShardReader', () => {
  it('backs off a transient fault the SDK gave up on, says so, and reads on with the same iterator: nothing skipped, nothing repeated', async () => {
    const faults: Error[] = [];
    const client = faultyClient(faults);
    const shardId = await streamWith(client, 'reader-faults', ['a', 'b', 'c']);
    const told: string[] = [];
    const reader = new ShardReader(client, 'reader-faults', shardId, { sleep: async () => undefined, onTransientError: (error) => told.push((error as Error).message) });
    await reader.start(undefined, 'TRIM_HORIZON');
    const first = await reader.read();
    expect(textOf(first.records)).toEqual(['a', 'b', 'c']);
    await put(client, 'reader-faults', ['d', 'e']);
    faults.push(serviceFault('InternalFailure', 500, 'We encountered an internal error.'), Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    const failed = await reader.read();
    expect(failed.records).toEqual([]);
    // A failed read says nothing new about the lag: the last one known, not "infinitely behind".
    expect(failed.millisBehindLatest).toBe(first.millisBehindLatest);
    expect((await reader.read()).records).toEqual([]);
    expect(textOf((await reader.read()).records)).toEqual(['d', 'e']);
    expect(told).toEqual(['We encountered an internal error.', 'socket hang up']);
  });

  it('gives up once transient faults have gone on for the limit, so the worker ends and another can take the shard', async () => {
    const faults = Array.from({ length: 10 }, () => serviceFault('ServiceUnavailable', 503, 'Service Unavailable'));
    const client = faultyClient(faults);
    const shardId = await streamWith(client, 'reader-outage', ['a']);
    let clock = 0;
    // Each back-off moves the clock a minute.
    const reader = new ShardReader(client, 'reader-outage', shardId, { now: () => clock, sleep: async () => void (clock += 60_000), transientFaultLimitMs: 300_000 });
    await reader.start(undefined, 'TRIM_HORIZON');
    const outcomes: string[] = [];
    for (let i = 0; i < 8; i++) outcomes.push(await reader.read().then(() => 'retried', (error: Error) => error.message));
    // Faults at 0, 1, …, 4 minutes are backed off; the one at 5 minutes ends the read.
    expect(outcomes.slice(0, 6)).toEqual(['retried', 'retried', 'retried', 'retried', 'retried', 'Service Unavailable']);
  });

  it('refreshes an expired iterator after the last record it delivered: nothing skipped, nothing repeated', async () => {
    const faults: Error[] = [];
    const client = faultyClient(faults);
    const shardId = await streamWith(client, 'reader-expiry', ['a', 'b']);
    const reader = new ShardReader(client, 'reader-expiry', shardId, { sleep: async () => undefined });
    await reader.start(undefined, 'TRIM_HORIZON');
    expect(textOf((await reader.read()).records)).toEqual(['a', 'b']);
    await put(client, 'reader-expiry', ['c', 'd']);
    faults.push(new ExpiredIteratorException({ message: 'Iterator expired', $metadata: { httpStatusCode: 400 } }));
    expect(textOf((await reader.read()).records)).toEqual(['c', 'd']);
  });

  it('stops on a fault no retry heals, rather than polling for ever', async () => {
    const client = faultyClient([serviceFault('AccessDeniedException', 400, 'User is not authorized to perform kinesis:GetRecords')]);
    const shardId = await streamWith(client, 'reader-denied', ['a']);
    const told: unknown[] = [];
    const reader = new ShardReader(client, 'reader-denied', shardId, { sleep: async () => undefined, onTransientError: (error) => told.push(error) });
    await reader.start(undefined, 'TRIM_HORIZON');
    await expect(reader.read()).rejects.toThrow('not authorized');
    expect(told).toEqual([]);
  });
});
