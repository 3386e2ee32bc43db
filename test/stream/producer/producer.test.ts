/**
 * The producer against real kinesalite through the real SDK client. Faults are injected with an
 * SDK middleware that edits the request before it leaves and the response after it returns, so
 * a "rejected" entry is one kinesalite really never stored.
 */
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type KinesisClient,
  type PutRecordsCommandInput,
  type PutRecordsCommandOutput,
  type PutRecordsRequestEntry,
  type PutRecordsResultEntry,
} from '@aws-sdk/client-kinesis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { kinesisClient } from '../../../stream/aws/clients.ts';
import { ensureStream } from '../../../stream/aws/streamAdmin.ts';
import { generateTraffic } from '../../../stream/generator/index.ts';
import { Rng } from '../../../stream/generator/rng.ts';
import { startLocalServices, type LocalServices } from '../../../stream/local/embeddedServices.ts';
import {
  InvalidRecordKeyError,
  MAX_BYTES_PER_REQUEST,
  MAX_RECORD_BYTES,
  MAX_RECORDS_PER_REQUEST,
  Producer,
  RecordTooLargeError,
  RetriesExceededError,
  type ProducerOptions,
  type ProducerRecord,
} from '../../../stream/producer/index.ts';

let services: LocalServices;
const clients: KinesisClient[] = [];
let streams = 0;

beforeAll(async () => {
  services = await startLocalServices();
});

afterAll(async () => {
  await services?.stop();
});

afterEach(() => {
  for (const client of clients.splice(0)) client.destroy();
});

function client(): KinesisClient {
  const kinesis = kinesisClient({ region: 'us-east-1', kinesisEndpoint: services.endpoints.kinesisEndpoint });
  clients.push(kinesis);
  return kinesis;
}

/** A fresh stream per test, so reading back sees only that test's records. */
async function freshStream(kinesis: KinesisClient, shards = 2): Promise<string> {
  streams += 1;
  const name = `producer-test-${streams}`;
  await ensureStream(kinesis, name, shards);
  return name;
}

/** Test options: seeded jitter, sleeps recorded instead of waited for. */
function testOptions(streamName: string, overrides: Partial<ProducerOptions> = {}): ProducerOptions & { sleeps: number[] } {
  const rng = Rng.seeded(3);
  const sleeps: number[] = [];
  return {
    streamName,
    random: () => rng.float(),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    sleeps,
    ...overrides,
  };
}

interface StoredRecord {
  shardId: string;
  partitionKey: string;
  data: Buffer;
}

/** Every record on the stream, shard by shard, each shard in sequence-number order. */
async function readAll(kinesis: KinesisClient, streamName: string): Promise<StoredRecord[]> {
  const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName: streamName }));
  const stored: StoredRecord[] = [];
  for (const { ShardId } of Shards) {
    let { ShardIterator: iterator } = await kinesis.send(
      new GetShardIteratorCommand({ StreamName: streamName, ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    while (iterator) {
      const { Records = [], NextShardIterator } = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator }));
      if (Records.length === 0) break;
      for (const record of Records) stored.push({ shardId: ShardId!, partitionKey: record.PartitionKey!, data: Buffer.from(record.Data!) });
      iterator = NextShardIterator;
    }
  }
  return stored;
}

let generated: ProducerRecord[] | undefined;
/** The first 2,000 records of 15 generated minutes (no anomalies: those need an hour or more). */
function twoThousandRecords(): ProducerRecord[] {
  if (!generated) {
    generated = [];
    for (const { data, partitionKey } of generateTraffic({ durationMs: 15 * 60_000, anomalies: [] }).records) {
      if (generated.push({ data, partitionKey }) === 2000) break;
    }
  }
  expect(generated).toHaveLength(2000);
  return generated;
}

const keyed = (partitionKey: string, data: Uint8Array) => `${partitionKey}|${Buffer.from(data).toString('base64')}`;
const sortedKeyed = (records: readonly { partitionKey: string; data: Uint8Array }[]) => records.map((r) => keyed(r.partitionKey, r.data)).sort();

let middlewares = 0;

/**
 * Installs `edit` around every PutRecords call, before signing and the SDK's own retries:
 * `edit(input, send)` returns the response the producer sees.
 */
function aroundPutRecords(
  kinesis: KinesisClient,
  edit: (input: PutRecordsCommandInput, send: (input: PutRecordsCommandInput) => Promise<PutRecordsCommandOutput>) => Promise<PutRecordsCommandOutput>,
): void {
  middlewares += 1;
  kinesis.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'PutRecordsCommand') return next(args);
      let result: Awaited<ReturnType<typeof next>> | undefined;
      const output = await edit(args.input as PutRecordsCommandInput, async (input) => {
        result = await next({ ...args, input });
        return result.output as PutRecordsCommandOutput;
      });
      return { ...(result ?? { response: undefined }), output };
    },
    { step: 'initialize', name: `testAroundPutRecords${middlewares}` },
  );
}

/** Records every PutRecords input as sent. */
function recordPutRecords(kinesis: KinesisClient): PutRecordsRequestEntry[][] {
  const sent: PutRecordsRequestEntry[][] = [];
  aroundPutRecords(kinesis, (input, send) => {
    sent.push([...input.Records!]);
    return send(input);
  });
  return sent;
}

const requestBytes = (entries: PutRecordsRequestEntry[]) =>
  entries.reduce((sum, entry) => sum + entry.Data!.byteLength + Buffer.byteLength(entry.PartitionKey!, 'utf8'), 0);

/** `count` distinct records of `size` data bytes over `keys` partition keys. */
function sizedRecords(count: number, size: number, keys: number): ProducerRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const data = Buffer.alloc(size, i % 251);
    data.writeUInt32BE(i, 0);
    return { data, partitionKey: `k${String(i % keys).padStart(3, '0')}` };
  });
}

const THROTTLED: PutRecordsResultEntry = {
  ErrorCode: 'ProvisionedThroughputExceededException',
  ErrorMessage: 'Rate exceeded for shard shardId-000000000000 in stream under account 000000000000.',
};

/**
 * A realistic partial failure: the entries at the positions `reject` picks are removed from the
 * request (kinesalite never stores them) and answered as throttled in the response, in place.
 */
function throttleEntries(kinesis: KinesisClient, reject: (call: number, index: number, entry: PutRecordsRequestEntry) => boolean): PutRecordsRequestEntry[][] {
  const sent: PutRecordsRequestEntry[][] = [];
  let calls = 0;
  aroundPutRecords(kinesis, async (input, send) => {
    const call = calls++;
    const entries = input.Records!;
    sent.push([...entries]);
    const rejected = entries.map((entry, i) => reject(call, i, entry));
    const kept = entries.filter((_, i) => !rejected[i]);
    const response = kept.length > 0 ? await send({ ...input, Records: kept }) : ({ Records: [], $metadata: {} } as PutRecordsCommandOutput);
    const stored = [...(response.Records ?? [])];
    const results = rejected.map((isRejected) => (isRejected ? { ...THROTTLED } : stored.shift()!));
    return { ...response, Records: results, FailedRecordCount: rejected.filter(Boolean).length };
  });
  return sent;
}

describe('Producer against kinesalite', () => {
  it('puts 2,000 generated records that read back as the same multiset, each with its key', async () => {
    const kinesis = client();
    const stream = await freshStream(kinesis, 2);
    const records = twoThousandRecords();
    const stats = await new Producer(kinesis, testOptions(stream)).putAll(records);

    expect(stats.records).toBe(2000);
    expect(stats.bytes).toBe(records.reduce((sum, r) => sum + r.data.byteLength + Buffer.byteLength(r.partitionKey), 0));
    expect(stats.failedAttempts).toBe(0);
    const stored = await readAll(kinesis, stream);
    expect(sortedKeyed(stored)).toEqual(sortedKeyed(records));
    expect(new Set(stored.map((r) => r.shardId)).size).toBe(2);
  });

  it('keeps put order on every shard with one request in flight', async () => {
    const kinesis = client();
    const stream = await freshStream(kinesis, 2);
    const records = twoThousandRecords();
    await new Producer(kinesis, testOptions(stream, { concurrency: 1 })).putAll(records);
    const stored = await readAll(kinesis, stream);
    // Each key lives on one shard, so per-key order read back is the shard's order.
    const byKey = (list: readonly { partitionKey: string; data: Uint8Array }[]) => {
      const keys = new Map<string, string[]>();
      for (const r of list) keys.set(r.partitionKey, [...(keys.get(r.partitionKey) ?? []), Buffer.from(r.data).toString('base64')]);
      return keys;
    };
    expect(byKey(stored)).toEqual(byKey(records));
  });

  it('never sends more than 500 records per request', async () => {
    const kinesis = client();
    const stream = await freshStream(kinesis, 1);
    const sent = recordPutRecords(kinesis);
    // 10 KiB records: 500 of them are ~4.9 MiB, so the count is the binding limit.
    await new Producer(kinesis, testOptions(stream, { concurrency: 1 })).putAll(sizedRecords(1200, 10 * 1024, 7));
    expect(sent.map((entries) => entries.length)).toEqual([500, 500, 200]);
    for (const entries of sent) expect(requestBytes(entries)).toBeLessThanOrEqual(MAX_BYTES_PER_REQUEST);
  });

  it('never sends more than 5 MiB (data + partition keys) per request', async () => {
    const kinesis = client();
    const stream = await freshStream(kinesis, 1);
    const sent = recordPutRecords(kinesis);
    // 20 KiB + a 4-byte key: 255 fit in 5 MiB, the 256th would not.
    await new Producer(kinesis, testOptions(stream, { concurrency: 1 })).putAll(sizedRecords(600, 20 * 1024, 7));
    expect(sent.map((entries) => entries.length)).toEqual([255, 255, 90]);
    for (const entries of sent) {
      expect(requestBytes(entries)).toBeLessThanOrEqual(MAX_BYTES_PER_REQUEST);
      expect(entries.length).toBeLessThanOrEqual(MAX_RECORDS_PER_REQUEST);
    }
    expect(await readAll(kinesis, stream)).toHaveLength(600);
  });

  it('keeps every request within both limits, and at most `concurrency` in flight', async () => {
    const kinesis = client();
    const stream = await freshStream(kinesis, 2);
    let inFlight = 0;
    let mostInFlight = 0;
    aroundPutRecords(kinesis, async (input, send) => {
      inFlight += 1;
      mostInFlight = Math.max(mostInFlight, inFlight);
      try {
        return await send(input);
      } finally {
        inFlight -= 1;
      }
    });
    const sent = recordPutRecords(kinesis);
    const records = sizedRecords(3000, 1024, 40);
    const stats = await new Producer(kinesis, testOptions(stream, { concurrency: 4 })).putAll(records);
    expect(stats.records).toBe(3000);
    expect(sent.reduce((sum, entries) => sum + entries.length, 0)).toBe(3000);
    for (const entries of sent) {
      expect(entries.length).toBeLessThanOrEqual(MAX_RECORDS_PER_REQUEST);
      expect(requestBytes(entries)).toBeLessThanOrEqual(MAX_BYTES_PER_REQUEST);
    }
    expect(mostInFlight).toBe(4);
  });
});

describe('Producer retries', () => {
  it('sends again only the rejected entries, in order, and every record lands exactly once', async () => {
    const kinesis = client();
    const stream = await freshStream(kinesis, 2);
    // First request: reject every 7th entry (keys repeat every 5, so stored neighbours share keys).
    const sent = throttleEntries(kinesis, (call, i) => call === 0 && i % 7 === 3);
    const records = sizedRecords(300, 64, 5);
    const options = testOptions(stream, { concurrency: 1, baseDelayMs: 100 });
    const stats = await new Producer(kinesis, options).putAll(records);

    expect(sent).toHaveLength(2);
    const expectedRetry = sent[0].filter((_, i) => i % 7 === 3);
    expect(sent[1].map((e) => keyed(e.PartitionKey!, e.Data!))).toEqual(expectedRetry.map((e) => keyed(e.PartitionKey!, e.Data!)));
    expect(stats).toEqual({ records: 300, bytes: 300 * (64 + 4), batches: 2, retriedEntries: expectedRetry.length, failedAttempts: 1 });
    expect(options.sleeps).toHaveLength(1);
    expect(options.sleeps[0]).toBeGreaterThanOrEqual(0);
    expect(options.sleeps[0]).toBeLessThanOrEqual(100);

    expect(sortedKeyed(await readAll(kinesis, stream))).toEqual(sortedKeyed(records));
  });

  it('narrows the retry to what is still rejected, attempt after attempt', async () => {
    const kinesis = client();
    const stream = await freshStream(kinesis, 1);
    // Call 0 rejects 10 entries; call 1 (those 10) rejects 4 of them; call 2 stores the rest.
    const sent = throttleEntries(kinesis, (call, i) => (call === 0 ? i % 10 === 0 : call === 1 ? i % 3 === 0 : false));
    const records = sizedRecords(100, 32, 3);
    const stats = await new Producer(kinesis, testOptions(stream, { concurrency: 1 })).putAll(records);
    expect(sent.map((entries) => entries.length)).toEqual([100, 10, 4]);
    expect(sent[2]).toEqual([sent[1][0], sent[1][3], sent[1][6], sent[1][9]]);
    expect(stats.retriedEntries).toBe(14);
    expect(sortedKeyed(await readAll(kinesis, stream))).toEqual(sortedKeyed(records));
  });

  it('retries a request that failed as a whole (connection reset) with all its entries', async () => {
    const kinesis = client();
    const stream = await freshStream(kinesis, 1);
    let calls = 0;
    aroundPutRecords(kinesis, (input, send) => {
      calls += 1;
      if (calls === 1) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      return send(input);
    });
    const records = sizedRecords(50, 16, 3);
    const stats = await new Producer(kinesis, testOptions(stream, { concurrency: 1 })).putAll(records);
    expect(stats).toMatchObject({ records: 50, batches: 2, retriedEntries: 50, failedAttempts: 1 });
    expect(sortedKeyed(await readAll(kinesis, stream))).toEqual(sortedKeyed(records));
  });

  it('gives up after maxAttempts with how many records failed and the last error code', async () => {
    const kinesis = client();
    const stream = await freshStream(kinesis, 1);
    const sent = throttleEntries(kinesis, (_call, _i, entry) => entry.PartitionKey === 'k001');
    const options = testOptions(stream, { concurrency: 1, maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 15 });
    const producer = new Producer(kinesis, options);
    const error = await producer.putAll(sizedRecords(30, 16, 3)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RetriesExceededError);
    expect((error as RetriesExceededError).attempts).toBe(3);
    expect((error as Error).message).toBe(
      `10 of 30 records were not put on stream "${stream}" after 3 attempts; last error: ` +
        `ProvisionedThroughputExceededException: ${THROTTLED.ErrorMessage}`,
    );
    expect(sent.map((entries) => entries.length)).toEqual([30, 10, 10]);
    expect(options.sleeps).toHaveLength(2);
    expect(options.sleeps[0]).toBeLessThanOrEqual(10);
    expect(options.sleeps[1]).toBeLessThanOrEqual(15);
    expect(producer.stats()).toMatchObject({ records: 20, failedAttempts: 3 });
    // The producer stays failed: later calls report the same error.
    await expect(producer.flush()).rejects.toBe(error);
  });
});

describe('Producer refusals', () => {
  it('refuses a 1 MiB + 1 byte record with RecordTooLargeError, before sending anything', async () => {
    const kinesis = client();
    const stream = await freshStream(kinesis, 1);
    const sent = recordPutRecords(kinesis);
    const producer = new Producer(kinesis, testOptions(stream));
    const partitionKey = 'c042';
    const big = { data: new Uint8Array(MAX_RECORD_BYTES + 1 - partitionKey.length), partitionKey };

    const error = await producer.put(big).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RecordTooLargeError);
    expect((error as Error).message).toBe(
      'record with partition key "c042" is 1048577 bytes (data + partition key); ' +
        'Kinesis accepts at most 1048576 bytes (1 MiB) per record, so it was not sent',
    );
    expect(sent).toEqual([]);

    // Exactly 1 MiB is accepted, and the producer is still usable after the refusal.
    await producer.put({ data: new Uint8Array(MAX_RECORD_BYTES - partitionKey.length), partitionKey });
    await producer.flush();
    expect(producer.stats().records).toBe(1);
  });

  it('putAll stops at a refused record after flushing the records before it', async () => {
    const kinesis = client();
    const stream = await freshStream(kinesis, 1);
    const [first, last] = sizedRecords(2, 8, 2);
    const big = { data: new Uint8Array(MAX_RECORD_BYTES), partitionKey: 'big' };
    await expect(new Producer(kinesis, testOptions(stream)).putAll([first, big, last])).rejects.toBeInstanceOf(RecordTooLargeError);
    expect(sortedKeyed(await readAll(kinesis, stream))).toEqual(sortedKeyed([first]));
  });

  it('refuses empty and over-long partition keys and malformed explicit hash keys', async () => {
    const producer = new Producer(client(), testOptions('unused'));
    const data = new Uint8Array(1);
    await expect(producer.put({ data, partitionKey: '' })).rejects.toThrow(new InvalidRecordKeyError('partition key must be 1 to 256 characters, got 0'));
    await expect(producer.put({ data, partitionKey: 'x'.repeat(257) })).rejects.toThrow(/partition key must be 1 to 256 characters, got 257/);
    await expect(producer.put({ data, partitionKey: 'k', explicitHashKey: '2'.repeat(40) })).rejects.toBeInstanceOf(InvalidRecordKeyError);
    await expect(producer.put({ data, partitionKey: 'k', explicitHashKey: '-1' })).rejects.toBeInstanceOf(InvalidRecordKeyError);
    await producer.put({ data, partitionKey: 'x'.repeat(256), explicitHashKey: '340282366920938463463374607431768211455' });
  });
});

/**
 * Kinesis stores concurrent requests in any order; this stores each group of requests that reach
 * it together (before the event loop's next turns) newest first, the worst order. No I/O happens
 * between one request and the producer's next when the next may go, so three turns see them all.
 */
function storeConcurrentRequestsNewestFirst(kinesis: KinesisClient): void {
  const held: { input: PutRecordsCommandInput; send: (input: PutRecordsCommandInput) => Promise<PutRecordsCommandOutput>; settle: (output: Promise<PutRecordsCommandOutput>) => void }[] = [];
  aroundPutRecords(kinesis, (input, send) => {
    const stored = new Promise<PutRecordsCommandOutput>((resolve) => held.push({ input, send, settle: resolve }));
    const arrived = held.length;
    void (async () => {
      for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
      if (held.length !== arrived) return; // a later request arrived: it releases the group
      for (const request of held.splice(0).reverse()) {
        const output = request.send(request.input);
        request.settle(output);
        await output.catch(() => undefined);
      }
    })();
    return stored;
  });
}

/** Each stored record's event time (the test's records carry it in their first 8 bytes) in the shard's order. */
async function storedEventTimes(kinesis: KinesisClient, stream: string): Promise<number[]> {
  return (await readAll(kinesis, stream)).map((record) => Number(record.data.readBigUInt64BE(0)));
}

/** `count` records `stepMs` of event time apart, from 0, on 5 keys. */
function timedRecords(count: number, stepMs: number): ProducerRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const data = Buffer.alloc(64, i % 251);
    data.writeBigUInt64BE(BigInt(i * stepMs), 0);
    return { data, partitionKey: `k${i % 5}`, eventTime: i * stepMs };
  });
}

/** How far the stored record furthest behind the newest event stored before it on its shard lies behind it. */
function furthestBehind(times: readonly number[]): number {
  let newest = Number.NEGATIVE_INFINITY;
  let furthest = 0;
  for (const time of times) {
    furthest = Math.max(furthest, newest - time);
    newest = Math.max(newest, time);
  }
  return furthest;
}

describe("Producer within the consumers' out-of-orderness allowance", () => {
  const allowance = 30_000;

  it('stores no record of sparse traffic further behind its shard than the allowance, though requests land newest first', async () => {
    // One record a second: a request of 500 spans 499 s, so requests in flight together spanned half an hour.
    const records = timedRecords(2000, 1000);
    const without = client();
    const before = await freshStream(without, 1);
    storeConcurrentRequestsNewestFirst(without);
    await new Producer(without, testOptions(before)).putAll(records);
    // Four requests of 500 in flight, stored 4, 3, 2, 1: the first request's first record lands
    // behind the fourth's last, 1,999 s later.
    expect(furthestBehind(await storedEventTimes(without, before))).toBe(1_999_000);

    const kinesis = client();
    const stream = await freshStream(kinesis, 1);
    storeConcurrentRequestsNewestFirst(kinesis);
    const stats = await new Producer(kinesis, testOptions(stream, { maxOutOfOrdernessMs: allowance })).putAll(records);
    expect(stats.records).toBe(2000);
    const times = await storedEventTimes(kinesis, stream);
    expect([...times].sort((a, b) => a - b)).toEqual(records.map((r) => r.eventTime));
    expect(furthestBehind(times)).toBeLessThanOrEqual(allowance);
  });

  it('keeps four requests in flight for dense traffic, reordered within the allowance', async () => {
    // A hundred records a second of event time: a request of 500 spans 4.99 s.
    const records = timedRecords(4000, 10);
    const kinesis = client();
    const stream = await freshStream(kinesis, 1);
    const sent = recordPutRecords(kinesis);
    storeConcurrentRequestsNewestFirst(kinesis);
    await new Producer(kinesis, testOptions(stream, { maxOutOfOrdernessMs: allowance })).putAll(records);
    expect(sent.map((entries) => entries.length)).toEqual([500, 500, 500, 500, 500, 500, 500, 500]);
    const times = await storedEventTimes(kinesis, stream);
    // Stored newest first: the first request's first record (0 s) landed behind the fourth's last
    // (19.99 s) at least, so four requests or more were in flight together; the allowance held.
    expect(furthestBehind(times)).toBeGreaterThanOrEqual(19_990);
    expect(furthestBehind(times)).toBeLessThanOrEqual(allowance);
  });

  it('holds a request back by its earliest event, not its first, when the input is out of order within the allowance', async () => {
    // A hundred records a second, each request's first record 20 s ahead of the rest: the input
    // itself puts no record more than 19.99 s behind one before it.
    const records = timedRecords(4000, 10).map(({ data, partitionKey, eventTime }, i) => {
      if (i % MAX_RECORDS_PER_REQUEST !== 0) return { data, partitionKey, eventTime };
      const ahead = Buffer.from(data);
      ahead.writeBigUInt64BE(BigInt(eventTime! + 20_000), 0);
      return { data: ahead, partitionKey, eventTime: eventTime! + 20_000 };
    });
    expect(furthestBehind(records.map((r) => r.eventTime!))).toBe(19_990);
    const kinesis = client();
    const stream = await freshStream(kinesis, 1);
    storeConcurrentRequestsNewestFirst(kinesis);
    await new Producer(kinesis, testOptions(stream, { maxOutOfOrdernessMs: allowance })).putAll(records);
    // Kept by each request's first record, a request whose first was 20 s ahead let the next
    // three go beside it, and its second record (0.01 s) landed 49.99 s behind the sixth's first.
    expect(furthestBehind(await storedEventTimes(kinesis, stream))).toBeLessThanOrEqual(allowance);
  });
});
