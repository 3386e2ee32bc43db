/**
 * Reads one shard with GetRecords polling, at most `maxCallsPerSecond` calls (Kinesis allows 5
 * per second per shard). Throughput errors, and the transient faults the SDK gave up on after its
 * own attempts (a 500, a reset connection), back off and read again with the same iterator, which
 * GetRecords allows: one shard's bad second must not end the worker and every shard it holds.
 * Faults that go on for `transientFaultLimitMs` (5 minutes, an iterator's lifetime) are not a bad
 * second: the last one is thrown, so the worker ends and its leases go to a worker that can read.
 * An expired iterator is refreshed from the last delivered sequence number, so nothing is skipped
 * or repeated.
 */
import {
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  type ShardIteratorType,
} from '@aws-sdk/client-kinesis';
import type { SourceRecord } from '../pipeline/batch.ts';
import { isRetriableAwsError } from '../retry/backoff.ts';

/** Where a shard with no checkpoint starts: its oldest record, its tip, or a point in time. */
export type StartingPosition = 'TRIM_HORIZON' | 'LATEST' | { atTimestamp: number };

export interface ShardReaderOptions {
  limit?: number;
  maxCallsPerSecond?: number;
  /** Injected so tests and replays control pacing; defaults to real timers. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** Told of each transient fault the reader backs off from (not throttling: that is Kinesis's pacing). */
  onTransientError?: (error: unknown) => void;
  /** How long transient faults may go on, every read failing, before the last one is thrown. @default 300000 */
  transientFaultLimitMs?: number;
}

export interface ReadResult {
  records: SourceRecord[];
  millisBehindLatest: number;
  /** The shard was closed by a reshard and every record has been read. */
  shardEnded: boolean;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class ShardReader {
  private iterator: string | undefined;
  private lastDelivered: string | undefined;
  private startingPosition: StartingPosition = 'TRIM_HORIZON';
  private lastCallAt = -Infinity;
  private throttledStreak = 0;
  /** When the current run of transient faults began (the `now` clock), or undefined. */
  private faultingSince: number | undefined;
  /** The lag of the last successful read: a failed read reports it rather than a made-up one. */
  private lastMillisBehind = Number.POSITIVE_INFINITY;
  private readonly limit: number;
  private readonly minIntervalMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly onTransientError: (error: unknown) => void;
  private readonly transientFaultLimitMs: number;

  constructor(
    private readonly client: KinesisClient,
    private readonly streamName: string,
    readonly shardId: string,
    options: ShardReaderOptions = {},
  ) {
    this.limit = options.limit ?? 10_000;
    this.minIntervalMs = 1000 / (options.maxCallsPerSecond ?? 5);
    this.sleep = options.sleep ?? realSleep;
    this.now = options.now ?? (() => performance.now());
    this.onTransientError = options.onTransientError ?? (() => undefined);
    this.transientFaultLimitMs = options.transientFaultLimitMs ?? 300_000;
  }

  /** Positions the reader after `sequenceNumber`, or at the starting position when there is none. */
  async start(sequenceNumber: string | undefined, startingPosition: StartingPosition = 'TRIM_HORIZON'): Promise<void> {
    this.lastDelivered = sequenceNumber;
    this.startingPosition = startingPosition;
    this.iterator = await this.iteratorAfter(sequenceNumber, startingPosition);
  }

  private async iteratorAfter(sequenceNumber: string | undefined, startingPosition: StartingPosition): Promise<string> {
    const atTimestamp = typeof startingPosition === 'object' ? new Date(startingPosition.atTimestamp) : undefined;
    const type: ShardIteratorType = sequenceNumber ? 'AFTER_SEQUENCE_NUMBER' : atTimestamp ? 'AT_TIMESTAMP' : (startingPosition as ShardIteratorType);
    const response = await this.client.send(
      new GetShardIteratorCommand({
        StreamName: this.streamName,
        ShardId: this.shardId,
        ShardIteratorType: type,
        StartingSequenceNumber: sequenceNumber,
        Timestamp: sequenceNumber ? undefined : atTimestamp,
      }),
    );
    return response.ShardIterator!;
  }

  async read(): Promise<ReadResult> {
    if (this.iterator === undefined) return { records: [], millisBehindLatest: 0, shardEnded: true };
    const wait = this.lastCallAt + this.minIntervalMs - this.now();
    if (wait > 0) await this.sleep(wait);
    this.lastCallAt = this.now();
    try {
      const response = await this.client.send(new GetRecordsCommand({ ShardIterator: this.iterator, Limit: this.limit }));
      this.throttledStreak = 0;
      this.faultingSince = undefined;
      this.lastMillisBehind = response.MillisBehindLatest ?? 0;
      this.iterator = response.NextShardIterator;
      const records: SourceRecord[] = (response.Records ?? []).map((record) => ({
        shardId: this.shardId,
        sequenceNumber: record.SequenceNumber!,
        partitionKey: record.PartitionKey!,
        arrivalTime: record.ApproximateArrivalTimestamp!.getTime(),
        data: record.Data!,
      }));
      if (records.length > 0) this.lastDelivered = records[records.length - 1].sequenceNumber;
      return {
        records,
        millisBehindLatest: this.lastMillisBehind,
        shardEnded: this.iterator === undefined,
      };
    } catch (error) {
      if (error instanceof ExpiredIteratorException) {
        // The refresh is a call of its own, and may meet the same transient faults.
        const refreshed = await this.iteratorAfter(this.lastDelivered, this.startingPosition).catch((refreshError: unknown) => this.backOff(refreshError));
        if (typeof refreshed !== 'string') return refreshed;
        this.iterator = refreshed;
        return this.read();
      }
      return this.backOff(error);
    }
  }

  /**
   * Throttling and transient faults: back off exponentially (capped at 5 s) and let the caller poll
   * again, with nothing read; the lag stays the last one known. Anything else is thrown, and so is
   * a transient fault once they have gone on for the limit.
   */
  private async backOff(error: unknown): Promise<ReadResult> {
    const throttled = (error as { name?: string }).name === 'ProvisionedThroughputExceededException';
    if (!throttled && !isRetriableAwsError(error)) throw error;
    if (!throttled) {
      this.faultingSince ??= this.now();
      if (this.now() - this.faultingSince >= this.transientFaultLimitMs) throw error;
      this.onTransientError(error);
    }
    this.throttledStreak += 1;
    await this.sleep(Math.min(5000, this.minIntervalMs * 2 ** this.throttledStreak));
    return { records: [], millisBehindLatest: this.lastMillisBehind, shardEnded: false };
  }
}
