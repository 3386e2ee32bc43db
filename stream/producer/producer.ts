/**
 * Puts records on a Kinesis stream with PutRecords, within the service's limits: at most 500
 * records and 5 MiB (data + partition keys) per request, 1 MiB per record, partition keys of
 * 1–256 characters. Records that cannot be sent are refused by `put()` before they are
 * buffered, so the caller decides whether the rest goes on.
 *
 * PutRecords is not atomic: a response can reject some entries (throttling, internal failure)
 * while storing the others. Only the rejected entries are sent again, in their original order,
 * after a full-jitter backoff; a call that fails as a whole is retried by the same retrier
 * (on top of the SDK client's own retries, which see only whole-call failures).
 *
 * Ordering: records are batched in the order they are put and batches are sent in that order,
 * up to `concurrency` at once. Kinesis does not order concurrent requests, so with more than one
 * in flight a key's records (and a shard's event times) may interleave across neighbouring
 * batches — the KPL has the same caveat with several requests in flight. `concurrency: 1` keeps
 * put order per key and per shard, except after a partial failure: a rejected entry is stored
 * after later entries of its request that were stored (PutRecords has no
 * SequenceNumberForOrdering), again as with the KPL.
 *
 * Given `maxOutOfOrdernessMs` (the consumers' watermark allowance) and records' event times, a
 * request waits while one in flight holds an event (its earliest, not its first: the input's own
 * disorder counts) more than that before the request's latest: whichever of the requests in flight
 * together is stored last, none of its records lands further behind a shard's newest event than
 * the consumers allow, retries included (a request is in flight until every entry is stored).
 * Without it, four requests of 500 records each of sparse traffic spanned half an hour, and one
 * stored behind the next put its records minutes behind the shard's watermark: of the generator's
 * hour of `--rate 20` files, 571 records came late in three runs of four, against the 135 of its
 * injected ingestion delay. Dense traffic keeps its four requests in flight.
 *
 * Why not route keys to lanes, each with one request in flight: that keeps per-key order, but a
 * lane holding quiet keys fills slowly and sends records long after their neighbours in put
 * order, so a shard sees event times jump back by minutes, which the consumer's per-shard
 * watermark turns into late events. Batching in put order keeps that skew to a few batches.
 *
 * After a request finally fails, the producer is failed: batches not yet sent are dropped and
 * every later `put()` and `flush()` rejects with that error.
 */
import { PutRecordsCommand, type KinesisClient, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { NonRetriableError, RetriesExceededError } from '../retry/errors.ts';
import { describeLastFailure, sendRetryingFailedEntries, UnsentEntriesError, type EntryResult } from '../retry/failedEntries.ts';

export { PartialFailureError } from '../retry/failedEntries.ts';

export const MAX_RECORDS_PER_REQUEST = 500;
export const MAX_BYTES_PER_REQUEST = 5 * 1024 * 1024;
export const MAX_RECORD_BYTES = 1024 * 1024;
export const MAX_PARTITION_KEY_LENGTH = 256;

export interface ProducerRecord {
  data: Uint8Array;
  partitionKey: string;
  /** Decimal hash key in [0, 2^128) that picks the shard instead of the partition key's hash. */
  explicitHashKey?: string;
  /** When the record's event happened, where the caller knows; not sent (see `maxOutOfOrdernessMs`). */
  eventTime?: number;
}

export interface ProduceStats {
  /** Records Kinesis has acknowledged. */
  records: number;
  /** Their data + partition key bytes, as Kinesis counts them against its limits. */
  bytes: number;
  /** PutRecords requests sent, retries included. */
  batches: number;
  /** Entries sent again after their request or their own entry failed. */
  retriedEntries: number;
  /** Requests that failed as a whole or had at least one entry rejected. */
  failedAttempts: number;
}

export interface ProducerOptions {
  streamName: string;
  /** Attempts per batch, the first included. Default 8. */
  maxAttempts?: number;
  /** Default 100. */
  baseDelayMs?: number;
  /** Default 5000. */
  maxDelayMs?: number;
  /** Uniform in [0, 1) for the backoff jitter. */
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** PutRecords requests in flight at once. Default 4; 1 keeps put order (see above). */
  concurrency?: number;
  /** The consumers' watermark allowance (config `maxOutOfOrdernessMs`): see above. Default: none. */
  maxOutOfOrdernessMs?: number;
  /** Called after every PutRecords response or failed request. */
  onProgress?: (stats: ProduceStats) => void;
}

/** A record over 1 MiB (data + partition key): Kinesis would reject the whole request. */
export class RecordTooLargeError extends NonRetriableError {
  constructor(
    readonly partitionKey: string,
    readonly size: number,
  ) {
    super(
      `record with partition key "${partitionKey}" is ${size} bytes (data + partition key); ` +
        `Kinesis accepts at most ${MAX_RECORD_BYTES} bytes (1 MiB) per record, so it was not sent`,
    );
  }
}

/** A partition key or explicit hash key Kinesis would reject. */
export class InvalidRecordKeyError extends NonRetriableError {}

interface Entry {
  record: ProducerRecord;
  size: number;
}

/** One PutRecords request's entries, with the event times that decide when it may go. */
interface Batch {
  entries: Entry[];
  /**
   * Its earliest event time, not its first record's: a record behind the first (the input's own
   * disorder, a re-sent duplicate) is stored behind the batches that went beside this one just as
   * the first is, so it is the one that lands furthest behind them.
   */
  earliest: number | undefined;
  /** Its latest event time. */
  latest: number | undefined;
}

function batchOf(entries: Entry[]): Batch {
  let earliest: number | undefined;
  let latest: number | undefined;
  for (const { record } of entries) {
    const time = record.eventTime;
    if (time === undefined || !Number.isFinite(time)) continue;
    if (earliest === undefined || time < earliest) earliest = time;
    if (latest === undefined || time > latest) latest = time;
  }
  return { entries, earliest, latest };
}

const EXPLICIT_HASH_KEY = /^(0|[1-9]\d{0,38})$/;
const MAX_HASH_KEY = 2n ** 128n;

/** Validates a record against Kinesis's per-record limits; returns its size as Kinesis counts it. */
function checkedSize(record: ProducerRecord): number {
  const { partitionKey, explicitHashKey } = record;
  // UTF-16 units, as kinesalite counts: never more than the 256 characters AWS allows.
  if (typeof partitionKey !== 'string' || partitionKey.length < 1 || partitionKey.length > MAX_PARTITION_KEY_LENGTH) {
    throw new InvalidRecordKeyError(
      `partition key must be 1 to ${MAX_PARTITION_KEY_LENGTH} characters, got ${typeof partitionKey === 'string' ? partitionKey.length : typeof partitionKey}` +
        (typeof partitionKey === 'string' && partitionKey.length > 0 ? ` ("${partitionKey.slice(0, 40)}${partitionKey.length > 40 ? '…' : ''}")` : ''),
    );
  }
  if (explicitHashKey !== undefined && (!EXPLICIT_HASH_KEY.test(explicitHashKey) || BigInt(explicitHashKey) >= MAX_HASH_KEY)) {
    throw new InvalidRecordKeyError(`explicit hash key must be a decimal integer in [0, 2^128), got "${explicitHashKey}"`);
  }
  const size = record.data.byteLength + Buffer.byteLength(partitionKey, 'utf8');
  if (size > MAX_RECORD_BYTES) throw new RecordTooLargeError(partitionKey, size);
  return size;
}

const toEntry = ({ record }: Entry): PutRecordsRequestEntry => ({
  Data: record.data,
  PartitionKey: record.partitionKey,
  ExplicitHashKey: record.explicitHashKey,
});

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be an integer ≥ 1, got ${value}`);
  return value;
}

export class Producer {
  private buffer: Entry[] = [];
  private bufferBytes = 0;
  /** Cut batches waiting for a free request slot, oldest first. */
  private readonly queue: Batch[] = [];
  /** Batches whose request is in flight (retries included). */
  private readonly inFlight = new Set<Batch>();
  /** Woken whenever a request settles, so `put()` and `flush()` can wait for room. */
  private readonly waiters: (() => void)[] = [];
  private readonly counters: ProduceStats = { records: 0, bytes: 0, batches: 0, retriedEntries: 0, failedAttempts: 0 };
  private failure: unknown;
  private readonly streamName: string;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly concurrency: number;
  private readonly maxOutOfOrdernessMs: number | undefined;
  private readonly onProgress: ((stats: ProduceStats) => void) | undefined;

  constructor(
    private readonly kinesis: KinesisClient,
    options: ProducerOptions,
  ) {
    this.streamName = options.streamName;
    this.maxAttempts = positiveInteger('maxAttempts', options.maxAttempts ?? 8);
    this.baseDelayMs = options.baseDelayMs ?? 100;
    this.maxDelayMs = options.maxDelayMs ?? 5000;
    // Jitter exists to decorrelate producers that throttle together, so the default must differ
    // between processes: Math.random here, at the edge; tests and replays inject a seeded one.
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? realSleep;
    this.concurrency = positiveInteger('concurrency', options.concurrency ?? 4);
    const allowance = options.maxOutOfOrdernessMs;
    if (allowance !== undefined && !(allowance >= 0)) throw new RangeError(`maxOutOfOrdernessMs must be ≥ 0, got ${allowance}`);
    this.maxOutOfOrdernessMs = allowance;
    this.onProgress = options.onProgress;
  }

  /**
   * Buffers a record; sends the batch once full. Rejects, without buffering, a record Kinesis
   * would refuse (RecordTooLargeError, InvalidRecordKeyError), leaving the producer usable.
   * Resolves once no full batch is waiting for a request slot (backpressure); rejects if a
   * batch has failed meanwhile.
   */
  async put(record: ProducerRecord): Promise<void> {
    this.throwIfFailed();
    const size = checkedSize(record);
    if (this.bufferBytes + size > MAX_BYTES_PER_REQUEST) this.cut();
    this.buffer.push({ record, size });
    this.bufferBytes += size;
    if (this.buffer.length === MAX_RECORDS_PER_REQUEST) this.cut();
    while (this.queue.length > 0) await this.settled();
    this.throwIfFailed();
  }

  /** Sends everything buffered and waits for every request; rejects if any batch failed. */
  async flush(): Promise<void> {
    this.cut();
    while (this.queue.length > 0 || this.inFlight.size > 0) await this.settled();
    this.throwIfFailed();
  }

  /**
   * Puts every record, then flushes. Stops at the first record refused or batch failed: what was
   * buffered before it is still flushed (so the stream holds a prefix of the input), and the
   * error is rethrown — unless that flush fails too, whose error (records lost) is then thrown.
   * Once `signal` aborts it takes no more records and flushes what it took: the stream holds a
   * prefix of the input then too, every record of it acknowledged.
   */
  async putAll(records: Iterable<ProducerRecord> | AsyncIterable<ProducerRecord>, signal?: AbortSignal): Promise<ProduceStats> {
    try {
      for await (const record of records) {
        if (signal?.aborted) break;
        await this.put(record);
      }
    } catch (error) {
      await this.flush();
      throw error;
    }
    await this.flush();
    return this.stats();
  }

  stats(): ProduceStats {
    return { ...this.counters };
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  private settled(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Queues the buffer as a batch and starts what the concurrency allows. */
  private cut(): void {
    if (this.buffer.length === 0) return;
    this.queue.push(batchOf(this.buffer));
    this.buffer = [];
    this.bufferBytes = 0;
    this.pump();
  }

  private pump(): void {
    while (this.inFlight.size < this.concurrency && this.queue.length > 0 && this.fitsBesideInFlight(this.queue[0])) {
      const batch = this.queue.shift()!;
      this.inFlight.add(batch);
      // Once failed, queued batches are dropped rather than sent after a gap in the stream.
      const sending = this.failure === undefined ? this.send(batch.entries) : Promise.resolve();
      void sending
        .catch((error: unknown) => {
          this.failure ??= error;
        })
        .finally(() => {
          this.inFlight.delete(batch);
          this.pump();
          for (const wake of this.waiters.splice(0)) wake();
        });
    }
  }

  /**
   * Whether `batch` may go while the requests in flight are not yet stored: its latest event is at
   * most the allowance past each one's earliest (see the header). An empty flight always has room.
   */
  private fitsBesideInFlight(batch: Batch): boolean {
    const allowance = this.maxOutOfOrdernessMs;
    if (allowance === undefined || batch.latest === undefined) return true;
    for (const other of this.inFlight) if (other.earliest !== undefined && batch.latest - other.earliest > allowance) return false;
    return true;
  }

  private async send(batch: Entry[]): Promise<void> {
    try {
      // Kinesis documents only retriable per-entry codes (throughput exceeded, internal failure).
      await sendRetryingFailedEntries(batch, (pending, attempt) => this.attempt(pending, attempt), {
        operation: 'PutRecords',
        maxAttempts: this.maxAttempts,
        baseDelayMs: this.baseDelayMs,
        maxDelayMs: this.maxDelayMs,
        random: this.random,
        sleep: this.sleep,
        onRequestFailed: () => {
          this.counters.failedAttempts += 1;
          this.onProgress?.(this.stats());
        },
        onResponse: (accepted, rejected) => {
          for (const entry of accepted) {
            this.counters.records += 1;
            this.counters.bytes += entry.size;
          }
          if (rejected.length > 0) this.counters.failedAttempts += 1;
          this.onProgress?.(this.stats());
        },
      });
    } catch (error) {
      if (!(error instanceof UnsentEntriesError)) throw error;
      throw new RetriesExceededError(
        `${error.unsent.length} of ${batch.length} records were not put on stream "${this.streamName}" ` +
          `after ${error.attempts} attempts; last error: ${describeLastFailure(error.lastCause)}`,
        error.attempts,
        error.lastCause,
      );
    }
  }

  /** One PutRecords request for `pending`; its per-entry results, in order. */
  private async attempt(pending: readonly Entry[], attempt: number): Promise<EntryResult[]> {
    if (attempt > 1) this.counters.retriedEntries += pending.length;
    this.counters.batches += 1;
    const response = await this.kinesis.send(new PutRecordsCommand({ StreamName: this.streamName, Records: pending.map(toEntry) }));
    return (response.Records ?? []).map((r) => ({ errorCode: r.ErrorCode, errorMessage: r.ErrorMessage }));
  }
}
