/**
 * The Firehose sink through the real FirehoseClient against a wire-level double: requests stay
 * within 500 records and 4 MiB, every record is delivered exactly once, after a partial
 * failure only the rejected records are sent again, and a flush resolves only once Firehose has
 * every record put before it, whichever flush sent them.
 */
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../../stream/config/load.ts';
import { shardStateConfig } from '../../../stream/consumer/workerFromConfig.ts';
import { processBatch } from '../../../stream/pipeline/processBatch.ts';
import { ShardState } from '../../../stream/pipeline/shardState.ts';
import { RetriesExceededError } from '../../../stream/retry/errors.ts';
import { FirehoseRecordTooLargeError, FirehoseSink } from '../../../sinks/firehose/firehoseSink.ts';
import { rawRecords, validatedRecords } from '../../../sinks/firehose/firehoseRecords.ts';
import { buildInput } from '../../bench/records.ts';
import { startFirehoseDouble, type FirehoseDouble } from './firehoseDouble.ts';

const STREAM = 'adstream-archive';
let double: FirehoseDouble;
let client: FirehoseClient;
let sleeps: number[];

/** Record i: its number in 4 bytes, padded to `size` bytes, so the double's copy names it. */
function record(i: number, size = 16): Buffer {
  const data = Buffer.alloc(size, 0x61);
  data.writeUInt32BE(i, 0);
  return data;
}
const idOf = (data: Buffer) => data.readUInt32BE(0);

function sink(overrides: Partial<ConstructorParameters<typeof FirehoseSink>[1]> = {}): FirehoseSink {
  return new FirehoseSink(client, { deliveryStreamName: STREAM, random: () => 0.5, sleep: async (ms) => void sleeps.push(ms), ...overrides });
}

beforeAll(async () => {
  double = await startFirehoseDouble();
  // The SDK's own retries off: the sink's retrier (with the injected sleep) is under test.
  client = new FirehoseClient({ region: 'us-east-1', endpoint: double.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
});

afterAll(async () => {
  client?.destroy();
  await double?.close();
});

beforeEach(() => {
  double.requests.length = 0;
  double.delivered.length = 0;
  double.rejectEntry = () => false;
  double.failRequest = () => false;
  double.holdRequest = () => Promise.resolve();
  sleeps = [];
});

describe('FirehoseSink', () => {
  it('sends at most 500 records per request and delivers each record once, in order', async () => {
    const records = Array.from({ length: 1234 }, (_, i) => record(i));
    const stats = await sink().putAll(records);
    expect(double.requests.map((r) => r.records.length)).toEqual([500, 500, 234]);
    expect(double.requests.every((r) => r.deliveryStreamName === STREAM)).toBe(true);
    expect(double.delivered.map(idOf)).toEqual(records.map((_, i) => i));
    expect(stats).toEqual({ records: 1234, bytes: 1234 * 16, requests: 3, retriedRecords: 0 });
  });

  it('keeps every request within 4 MiB of record data', async () => {
    const size = 300 * 1024;
    const records = Array.from({ length: 40 }, (_, i) => record(i, size));
    await sink().putAll(records);
    // 13 records of 300 KiB fit in 4 MiB (3.81 MiB), 14 do not.
    expect(double.requests.map((r) => r.records.length)).toEqual([13, 13, 13, 1]);
    for (const request of double.requests) expect(request.records.reduce((n, r) => n + r.byteLength, 0)).toBeLessThanOrEqual(4 * 1024 * 1024);
    expect(double.delivered.map(idOf)).toEqual(records.map((_, i) => i));
  });

  it('retries only the rejected records, in their order, after a backoff', async () => {
    // Every 7th record is rejected the first time it is sent.
    const seen = new Set<number>();
    double.rejectEntry = (data) => {
      const id = idOf(data);
      const reject = id % 7 === 0 && !seen.has(id);
      seen.add(id);
      return reject;
    };
    const records = Array.from({ length: 100 }, (_, i) => record(i));
    const stats = await sink().putAll(records);
    const rejected = records.map((_, i) => i).filter((i) => i % 7 === 0);
    expect(double.requests.map((r) => r.records.map(idOf))).toEqual([records.map((_, i) => i), rejected]);
    expect(double.delivered.map(idOf).sort((a, b) => a - b)).toEqual(records.map((_, i) => i));
    expect(stats).toMatchObject({ records: 100, requests: 2, retriedRecords: rejected.length });
    // Full jitter with random() = 0.5: half of the 100 ms base before the first retry.
    expect(sleeps).toEqual([50]);
  });

  it('retries a request that failed as a whole', async () => {
    double.failRequest = (index) => index === 0;
    await sink().putAll(Array.from({ length: 10 }, (_, i) => record(i)));
    expect(double.requests).toHaveLength(2);
    expect(double.delivered.map(idOf)).toEqual(Array.from({ length: 10 }, (_, i) => i));
  });

  it('gives up after maxAttempts, naming how many records were not delivered', async () => {
    double.rejectEntry = (data) => idOf(data) < 3;
    const failure = await sink({ maxAttempts: 3 })
      .putAll(Array.from({ length: 10 }, (_, i) => record(i)))
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RetriesExceededError);
    expect((failure as Error).message).toBe(
      `3 of 10 records were not delivered to Firehose stream "${STREAM}" after 3 attempts; last error: ServiceUnavailableException: Slow down.`,
    );
    expect(double.delivered.map(idOf)).toEqual([3, 4, 5, 6, 7, 8, 9]);
  });

  it('refuses a record over 1,000 KiB without sending anything', async () => {
    await expect(sink().put(Buffer.alloc(1_000 * 1024 + 1))).rejects.toBeInstanceOf(FirehoseRecordTooLargeError);
    expect(double.requests).toHaveLength(0);
  });

  it('archives a processed batch raw, or its validated events as JSON Lines', async () => {
    const input = buildInput({ seed: 3, durationMs: 3_600_000, impressionsPerMinute: 5, campaigns: 3, publishers: 2, anomalies: [] }, 400);
    const state = ShardState.create(shardStateConfig(loadConfig({}, {})), input.batches[0].shardId);
    const processed = processBatch(input.batches[0], state, { maxFutureSkewMs: 300_000 });

    await sink().putAll(rawRecords(processed));
    expect(double.delivered.map((d) => d.toString('base64'))).toEqual(input.batches[0].records.map((r) => Buffer.from(r.data).toString('base64')));

    double.delivered.length = 0;
    await sink().putAll(validatedRecords(processed));
    const lines = double.delivered.map((d) => d.toString('utf8'));
    expect(lines.every((line) => line.endsWith('\n'))).toBe(true);
    expect(lines.map((line) => JSON.parse(line))).toEqual(processed.events.map((e) => ({ type: e.type, ...e.body })));
  });

  it("waits for another flush's request still in flight, and fails when it fails", async () => {
    // Shard A's record and shard B's share the sink; B's flush sends both, and that request is
    // slow, then fails. A must not checkpoint meanwhile: its record is in that request.
    let answer!: () => void;
    double.holdRequest = (index) => (index === 0 ? new Promise<void>((resolve) => (answer = resolve)) : Promise.resolve());
    double.failRequest = (index) => index === 0;
    const shared = sink({ maxAttempts: 1 });
    await shared.put(record(0));
    await shared.put(record(1));
    const flushB = shared.flush().catch((error: unknown) => error);
    let flushA: unknown = 'pending';
    const settledA = shared.flush().then(
      () => void (flushA = 'resolved'),
      (error: unknown) => void (flushA = error),
    );
    await vi.waitFor(() => expect(double.requests).toHaveLength(1));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(flushA).toBe('pending');
    answer();
    expect(await flushB).toBeInstanceOf(RetriesExceededError);
    await settledA;
    expect(flushA).toBeInstanceOf(RetriesExceededError);
    // The records are lost: no later flush may let a shard checkpoint past them.
    await expect(shared.flush()).rejects.toBeInstanceOf(RetriesExceededError);
    expect(double.delivered).toHaveLength(0);
  });
});
