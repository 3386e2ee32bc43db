/**
 * Overlaps waiting for Kinesis with processing: while the pipeline works on one GetRecords
 * result, the next one is already being fetched. At most one result waits, so memory stays
 * bounded and a slow sink still slows reading. A prefetched result that is never asked for (the
 * worker stopped, the lease was lost) is simply dropped: nothing was checkpointed past it.
 */
import type { ReadResult, ShardReader } from './shardReader.ts';

export class ReadAhead {
  private next: Promise<ReadResult> | undefined;

  constructor(private readonly reader: Pick<ShardReader, 'read'>) {}

  read(): Promise<ReadResult> {
    const current = this.next ?? this.reader.read();
    this.next = current.then((result) => (result.shardEnded ? result : this.reader.read()));
    // A failed prefetch must surface on the next read, not as an unhandled rejection now.
    this.next.catch(() => undefined);
    return current;
  }
}
