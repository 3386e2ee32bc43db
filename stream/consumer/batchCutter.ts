/**
 * Cuts a shard's records into batches. Normally a batch is one GetRecords result. After a crash
 * the first batch must have exactly the bounds the crashed attempt recorded as pending (its files
 * are named after its first sequence number and hold exactly its records), so it is re-cut at
 * that boundary: reads are combined until the boundary is reached, and anything past it is
 * carried over to the next batch.
 */
import type { SourceRecord } from '../pipeline/batch.ts';
import type { ReadResult, ShardReader } from './shardReader.ts';

const isAfter = (a: string, b: string): boolean => BigInt(a) > BigInt(b);

export class BatchCutter {
  private carried: SourceRecord[] = [];

  constructor(
    private readonly reader: Pick<ShardReader, 'read'>,
    private boundary: string | undefined,
  ) {}

  async next(): Promise<ReadResult> {
    if (this.boundary !== undefined) return this.cutAtBoundary(this.boundary);
    if (this.carried.length > 0) {
      const records = this.carried;
      this.carried = [];
      return { records, millisBehindLatest: 0, shardEnded: false };
    }
    return this.reader.read();
  }

  private async cutAtBoundary(boundary: string): Promise<ReadResult> {
    const records: SourceRecord[] = [];
    let last: ReadResult;
    for (;;) {
      last = await this.reader.read();
      records.push(...last.records);
      const reached = records.length > 0 && !isAfter(boundary, records[records.length - 1].sequenceNumber);
      // An empty, caught-up read means the boundary's records are gone (trimmed): stop waiting.
      if (reached || last.shardEnded || (last.records.length === 0 && last.millisBehindLatest === 0)) break;
    }
    this.boundary = undefined;
    const cut = records.findIndex((record) => isAfter(record.sequenceNumber, boundary));
    if (cut >= 0) this.carried = records.splice(cut);
    return { ...last, records, shardEnded: last.shardEnded && this.carried.length === 0 };
  }
}
