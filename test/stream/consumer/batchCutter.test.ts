import { describe, expect, it } from 'vitest';
import { BatchCutter } from '../../../stream/consumer/batchCutter.ts';
import type { ReadResult } from '../../../stream/consumer/shardReader.ts';

const record = (seq: number) => ({ shardId: 's', sequenceNumber: String(seq), partitionKey: 'k', arrivalTime: 0, data: new Uint8Array() });

function readerOf(reads: number[][]) {
  const queue = [...reads];
  return {
    read: async (): Promise<ReadResult> => {
      const next = queue.shift() ?? [];
      return { records: next.map(record), millisBehindLatest: queue.length ? 1000 : 0, shardEnded: false };
    },
  };
}

const seqs = (result: ReadResult) => result.records.map((r) => Number(r.sequenceNumber));

describe('re-cutting the batch that was pending at a crash', () => {
  it('splits a longer read at the recorded boundary and carries the rest over', async () => {
    const cutter = new BatchCutter(readerOf([[1, 2, 3, 4, 5]]), '3');
    expect(seqs(await cutter.next())).toEqual([1, 2, 3]);
    expect(seqs(await cutter.next())).toEqual([4, 5]);
  });

  it('combines shorter reads until the boundary is reached', async () => {
    const cutter = new BatchCutter(readerOf([[1], [2, 3], [4]]), '3');
    expect(seqs(await cutter.next())).toEqual([1, 2, 3]);
    expect(seqs(await cutter.next())).toEqual([4]);
  });

  it('compares sequence numbers as numbers, not strings', async () => {
    const cutter = new BatchCutter(readerOf([[9, 10, 11]]), '10');
    expect(seqs(await cutter.next())).toEqual([9, 10]);
  });

  it('passes reads through when nothing was pending', async () => {
    const cutter = new BatchCutter(readerOf([[1, 2], [3]]), undefined);
    expect(seqs(await cutter.next())).toEqual([1, 2]);
    expect(seqs(await cutter.next())).toEqual([3]);
  });
});
