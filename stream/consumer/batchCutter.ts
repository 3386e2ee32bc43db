/**
 * Cuts a shard's records into commit units ("batches"): each unit becomes one set of lake files,
 * named after its first sequence number, and one checkpoint. Reads are combined into a unit until
 * it holds `targetBytes` of record data, or its first record was read `maxAgeMs` ago, or the shard
 * ends, or the worker stops; in bounded runs a caught-up shard flushes at once instead of waiting
 * out the age. Larger units mean fewer, larger files (what Athena and COPY want) at the cost of
 * delay and memory: the unit is held in memory until it is committed (no spill to disk).
 *
 * None of this needs to be repeatable: the committer records the unit's range as pending before
 * writing anything. But after a crash the first unit must have exactly the bounds the crashed
 * attempt recorded (its files are named after its first sequence number and hold exactly its
 * records), so it is re-cut at that boundary whatever the limits say: reads are combined until
 * the boundary is reached, and anything past it is carried over to the next unit.
 */
import type { SourceRecord } from '../pipeline/batch.ts';
import type { ReadResult, ShardReader } from './shardReader.ts';

export interface UnitLimits {
  /** Record bytes after which a unit is cut (it may overshoot by one read); 0 cuts after every read. */
  targetBytes: number;
  /** A unit is cut once this long has passed since its first record was read; 0 cuts after every read. */
  maxAgeMs: number;
  /** Monotonic milliseconds; injected so tests control the age. */
  now: () => number;
  /** True once nothing more is coming (bounded runs): a caught-up shard then flushes its unit. */
  flushWhenCaughtUp: () => boolean;
  /** Graceful stop or a lost lease: hand over what is buffered instead of reading on. */
  stopRequested: () => boolean;
}

/** Without limits every GetRecords result is its own unit. */
const ONE_READ_PER_UNIT: UnitLimits = {
  targetBytes: 0,
  maxAgeMs: 0,
  now: () => performance.now(),
  flushWhenCaughtUp: () => true,
  stopRequested: () => false,
};

const isAfter = (a: string, b: string): boolean => BigInt(a) > BigInt(b);
const bytesOf = (records: SourceRecord[]): number => records.reduce((sum, record) => sum + record.data.byteLength, 0);
/**
 * Kinesalite reports MillisBehindLatest 0 on every read, and a real read that reaches the tip
 * says 0 too while the next one may still bring records; only an empty read at 0 is caught up.
 */
const caughtUp = (read: ReadResult): boolean => read.records.length === 0 && read.millisBehindLatest === 0;

export class BatchCutter {
  private carried: SourceRecord[] = [];
  /** The reader reported SHARD_END: it is never asked again (a read-ahead would repeat that read). */
  private ended = false;
  private readonly limits: UnitLimits;

  constructor(
    private readonly reader: Pick<ShardReader, 'read'>,
    private boundary: string | undefined,
    limits: Partial<UnitLimits> = {},
  ) {
    this.limits = { ...ONE_READ_PER_UNIT, ...limits };
  }

  async next(): Promise<ReadResult> {
    if (this.boundary !== undefined) return this.cutAtBoundary(this.boundary);
    return this.accumulate();
  }

  private async read(): Promise<ReadResult> {
    if (this.ended) return { records: [], millisBehindLatest: 0, shardEnded: true };
    const result = await this.reader.read();
    this.ended = result.shardEnded;
    return result;
  }

  private async accumulate(): Promise<ReadResult> {
    const { targetBytes, maxAgeMs, now, flushWhenCaughtUp, stopRequested } = this.limits;
    const records = this.carried;
    this.carried = [];
    let bytes = bytesOf(records);
    let firstReadAt = records.length > 0 ? now() : undefined;
    let last: ReadResult = { records: [], millisBehindLatest: 0, shardEnded: this.ended };
    const full = (since: number) => bytes >= targetBytes || now() - since >= maxAgeMs || stopRequested();
    for (;;) {
      if (firstReadAt !== undefined && full(firstReadAt)) break;
      last = await this.read();
      records.push(...last.records);
      bytes += bytesOf(last.records);
      // Nothing buffered: hand the empty read over, so the worker sees lag and can stop or finish.
      if (records.length === 0) return last;
      firstReadAt ??= now();
      if (last.shardEnded || (caughtUp(last) && flushWhenCaughtUp())) break;
    }
    return { ...last, records };
  }

  private async cutAtBoundary(boundary: string): Promise<ReadResult> {
    const records: SourceRecord[] = [];
    let last: ReadResult;
    for (;;) {
      last = await this.read();
      records.push(...last.records);
      const reached = records.length > 0 && !isAfter(boundary, records[records.length - 1].sequenceNumber);
      // An empty, caught-up read means the boundary's records are gone (trimmed): stop waiting.
      if (reached || last.shardEnded || caughtUp(last)) break;
    }
    this.boundary = undefined;
    const cut = records.findIndex((record) => isAfter(record.sequenceNumber, boundary));
    if (cut >= 0) this.carried = records.splice(cut);
    return { ...last, records, shardEnded: last.shardEnded && this.carried.length === 0 };
  }
}
