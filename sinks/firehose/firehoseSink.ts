/**
 * Sends records to an Amazon Data Firehose delivery stream with PutRecordBatch, for teams that
 * archive the stream through Firehose (to S3, Redshift, OpenSearch...). Within the service's
 * limits: at most 500 records and 4 MiB per request, 1,000 KiB per record.
 *
 * PutRecordBatch is not atomic: a response can reject some records (ServiceUnavailableException,
 * InternalFailure) while delivering the others; only the rejected ones are sent again, after a
 * full-jitter backoff, by the same loop the Kinesis producer uses (stream/retry/failedEntries.ts).
 * Requests go one at a time, in put order, so records reach Firehose in the order they were put,
 * except that a rejected record is delivered after later records of its request.
 *
 * Every shard of a worker puts into one sink, so a shard's records may leave in a request another
 * shard's flush sent: `flush()` waits for every request sent before it returns, not only its own,
 * or a shard would checkpoint records still in flight. After a request finally fails, the sink is
 * failed, as the Kinesis producer is: batches not yet sent are dropped and every later `put()` and
 * `flush()` rejects with that error, since the lost records may be any shard's.
 *
 * Firehose concatenates records into its output objects as they are, so a record should carry
 * its own delimiter: `validatedRecords` ends each JSON line with a newline.
 */
import { PutRecordBatchCommand, type FirehoseClient } from '@aws-sdk/client-firehose';
import { NonRetriableError, RetriesExceededError } from '../../stream/retry/errors.ts';
import { describeLastFailure, sendRetryingFailedEntries, UnsentEntriesError } from '../../stream/retry/failedEntries.ts';

export const FIREHOSE_MAX_RECORDS_PER_REQUEST = 500;
export const FIREHOSE_MAX_BYTES_PER_REQUEST = 4 * 1024 * 1024;
export const FIREHOSE_MAX_RECORD_BYTES = 1_000 * 1024;

export interface FirehoseSinkOptions {
  deliveryStreamName: string;
  /** Attempts per batch, the first included. Default 8. */
  maxAttempts?: number;
  /** Default 100. */
  baseDelayMs?: number;
  /** Default 5000. */
  maxDelayMs?: number;
  /** Uniform in [0, 1), for the backoff jitter. */
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface FirehoseStats {
  /** Records Firehose accepted. */
  records: number;
  bytes: number;
  /** PutRecordBatch requests sent, retries included. */
  requests: number;
  /** Records sent again after their request or their own entry failed. */
  retriedRecords: number;
}

/** A record over 1,000 KiB: Firehose would reject the whole request. */
export class FirehoseRecordTooLargeError extends NonRetriableError {
  constructor(readonly size: number) {
    super(`record of ${size} bytes is over Firehose's limit of ${FIREHOSE_MAX_RECORD_BYTES} bytes (1,000 KiB), so it was not sent`);
  }
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class FirehoseSink {
  private buffer: Uint8Array[] = [];
  private bufferBytes = 0;
  private readonly counters: FirehoseStats = { records: 0, bytes: 0, requests: 0, retriedRecords: 0 };
  private readonly options: Required<FirehoseSinkOptions>;
  /** The last request sent, settled or not; requests queue behind it. Never rejects. */
  private sent: Promise<void> = Promise.resolve();
  /** Why the first request that finally failed did; set, the sink is failed. */
  private failure: unknown;

  constructor(
    private readonly client: FirehoseClient,
    options: FirehoseSinkOptions,
  ) {
    // Math.random at the edge only: jitter must differ between processes; tests inject a seeded one.
    this.options = { maxAttempts: 8, baseDelayMs: 100, maxDelayMs: 5000, random: Math.random, sleep: realSleep, ...options };
  }

  /** Buffers a record; sends the buffer first when the record would not fit in its request. */
  async put(data: Uint8Array): Promise<void> {
    if (data.byteLength > FIREHOSE_MAX_RECORD_BYTES) throw new FirehoseRecordTooLargeError(data.byteLength);
    this.throwIfFailed();
    if (this.bufferBytes + data.byteLength > FIREHOSE_MAX_BYTES_PER_REQUEST) await this.flush();
    this.buffer.push(data);
    this.bufferBytes += data.byteLength;
    if (this.buffer.length === FIREHOSE_MAX_RECORDS_PER_REQUEST) await this.flush();
  }

  /**
   * Sends what is buffered and waits for every request sent before, by any caller; rejects with
   * RetriesExceededError if some records, of this flush or an earlier one, could not be delivered.
   */
  async flush(): Promise<void> {
    const batch = this.buffer;
    if (batch.length > 0) {
      this.buffer = [];
      this.bufferBytes = 0;
      this.sent = this.sent.then(async () => {
        if (this.failure !== undefined) return;
        await this.send(batch).catch((error: unknown) => void (this.failure ??= error));
      });
    }
    await this.sent;
    this.throwIfFailed();
  }

  async putAll(records: Iterable<Uint8Array>): Promise<FirehoseStats> {
    for (const record of records) await this.put(record);
    await this.flush();
    return this.stats();
  }

  stats(): FirehoseStats {
    return { ...this.counters };
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  private async send(batch: Uint8Array[]): Promise<void> {
    const { deliveryStreamName, maxAttempts, baseDelayMs, maxDelayMs, random, sleep } = this.options;
    try {
      await sendRetryingFailedEntries(
        batch,
        async (pending, attempt) => {
          if (attempt > 1) this.counters.retriedRecords += pending.length;
          this.counters.requests += 1;
          const response = await this.client.send(
            new PutRecordBatchCommand({ DeliveryStreamName: deliveryStreamName, Records: pending.map((Data) => ({ Data })) }),
          );
          return (response.RequestResponses ?? []).map((r) => ({ errorCode: r.ErrorCode, errorMessage: r.ErrorMessage }));
        },
        {
          operation: 'PutRecordBatch',
          maxAttempts,
          baseDelayMs,
          maxDelayMs,
          random,
          sleep,
          onResponse: (accepted) => {
            this.counters.records += accepted.length;
            for (const data of accepted) this.counters.bytes += data.byteLength;
          },
        },
      );
    } catch (error) {
      if (!(error instanceof UnsentEntriesError)) throw error;
      throw new RetriesExceededError(
        `${error.unsent.length} of ${batch.length} records were not delivered to Firehose stream "${deliveryStreamName}" ` +
          `after ${error.attempts} attempts; last error: ${describeLastFailure(error.lastCause)}`,
        error.attempts,
        error.lastCause,
      );
    }
  }
}
