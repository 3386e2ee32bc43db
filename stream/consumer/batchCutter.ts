/**
 * Cuts a shard's records into commit units ("batches"): each unit becomes one set of lake files,
 * named after its first sequence number, and one checkpoint. Reads are combined into a unit until
 * it holds `targetBytes` of record data, or its first record was read `maxAgeMs` ago, or the shard
 * ends, or the worker stops; in bounded runs a caught-up shard flushes at once instead of waiting
 * out the age. Larger units mean fewer, larger files (what Athena and COPY want) at the cost of
 * delay. Each read is handed to the caller as soon as it is part of a unit, so the records are
 * processed (and their rows spilled if need be) as they come: the cutter never holds a unit whole.
 *
 * None of this needs to be repeatable: the committer records the unit's range as pending before
 * writing anything. But after a crash the first unit must have exactly the bounds the crashed
 * attempt recorded (its files are named after its first sequence number and hold exactly its
 * records), so it is re-cut at that boundary whatever the limits say: reads are combined until
 * the boundary is reached, and anything past it is carried over to the next unit. A unit the
 * crashed attempt committed as the shard's last is read on to the shard's end, so the redo ends
 * the shard as it did: kinesalite reports the end on an empty read after the last records, and
 * a redo that stopped at the boundary would leave its windows open, write different files under
 * the same names, and close the windows a second time in a unit of its own.
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

/** How a unit ended: what the worker needs to commit it and to decide whether the shard goes on. */
export interface UnitRead {
  /** Records read into the unit (a KPL aggregate counts as one). */
  recordCount: number;
  /** Sequence number of the unit's last record; the checkpoint moves there. */
  lastSequenceNumber: string | undefined;
  millisBehindLatest: number;
  shardEnded: boolean;
}

/** Receives the unit's records part by part, in order; the next read waits for it. */
export type PartHandler = (records: SourceRecord[]) => Promise<void>;

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
    private pending: { last: string; final?: boolean } | undefined,
    limits: Partial<UnitLimits> = {},
  ) {
    this.limits = { ...ONE_READ_PER_UNIT, ...limits };
  }

  async next(onPart: PartHandler): Promise<UnitRead> {
    const unit = { recordCount: 0, bytes: 0, lastSequenceNumber: undefined as string | undefined };
    const take = async (records: SourceRecord[]) => {
      if (records.length === 0) return;
      unit.recordCount += records.length;
      unit.bytes += bytesOf(records);
      unit.lastSequenceNumber = records[records.length - 1].sequenceNumber;
      await onPart(records);
    };
    const pending = this.pending;
    this.pending = undefined;
    const last = pending ? await this.cutAtBoundary(pending.last, pending.final ?? false, take) : await this.accumulate(take, () => unit.recordCount, () => unit.bytes);
    return { recordCount: unit.recordCount, lastSequenceNumber: unit.lastSequenceNumber, millisBehindLatest: last.millisBehindLatest, shardEnded: last.shardEnded };
  }

  private async read(): Promise<ReadResult> {
    if (this.ended) return { records: [], millisBehindLatest: 0, shardEnded: true };
    const result = await this.reader.read();
    this.ended = result.shardEnded;
    return result;
  }

  private async accumulate(take: PartHandler, recordCount: () => number, bytes: () => number): Promise<ReadResult> {
    const { targetBytes, maxAgeMs, now, flushWhenCaughtUp, stopRequested } = this.limits;
    const carried = this.carried;
    this.carried = [];
    let firstReadAt = carried.length > 0 ? now() : undefined;
    await take(carried);
    let last: ReadResult = { records: [], millisBehindLatest: 0, shardEnded: this.ended };
    const full = (since: number) => bytes() >= targetBytes || now() - since >= maxAgeMs || stopRequested();
    for (;;) {
      if (firstReadAt !== undefined && full(firstReadAt)) break;
      last = await this.read();
      if (last.records.length > 0) firstReadAt ??= now();
      await take(last.records);
      // Nothing in the unit: hand the empty read over, so the worker sees lag and can stop or finish.
      if (recordCount() === 0) return last;
      if (last.shardEnded || (caughtUp(last) && flushWhenCaughtUp())) break;
    }
    return last;
  }

  private async cutAtBoundary(boundary: string, final: boolean, take: PartHandler): Promise<ReadResult> {
    let last: ReadResult;
    for (;;) {
      last = await this.read();
      const cut = last.records.findIndex((record) => isAfter(record.sequenceNumber, boundary));
      if (cut >= 0) this.carried = last.records.slice(cut);
      const mine = cut >= 0 ? last.records.slice(0, cut) : last.records;
      await take(mine);
      const reached = cut >= 0 || (mine.length > 0 && !isAfter(boundary, mine[mine.length - 1].sequenceNumber));
      // An empty, caught-up read means the boundary's records are gone (trimmed): stop waiting.
      if (reached || last.shardEnded || caughtUp(last)) break;
    }
    // The end follows the last records on a read of its own (kinesalite), or comes with them (Kinesis).
    while (final && !last.shardEnded && this.carried.length === 0) {
      last = await this.read();
      this.carried = last.records;
      if (last.records.length > 0 || caughtUp(last)) break;
    }
    return { ...last, shardEnded: last.shardEnded && this.carried.length === 0 };
  }
}
