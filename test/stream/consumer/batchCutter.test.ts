import { describe, expect, it } from 'vitest';
import { BatchCutter } from '../../../stream/consumer/batchCutter.ts';
import type { ReadResult } from '../../../stream/consumer/shardReader.ts';
import type { SourceRecord } from '../../../stream/pipeline/batch.ts';

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

/** The next unit with the parts handed over gathered back: what the cutter put in it. */
async function nextUnit(cutter: BatchCutter) {
  const records: SourceRecord[] = [];
  const end = await cutter.next(async (part) => void records.push(...part));
  return { ...end, records };
}

const seqs = (result: { records: SourceRecord[] }) => result.records.map((r) => Number(r.sequenceNumber));

describe('re-cutting the batch that was pending at a crash', () => {
  it('splits a longer read at the recorded boundary and carries the rest over', async () => {
    const cutter = new BatchCutter(readerOf([[1, 2, 3, 4, 5]]), { last: '3' });
    expect(seqs(await nextUnit(cutter))).toEqual([1, 2, 3]);
    expect(seqs(await nextUnit(cutter))).toEqual([4, 5]);
  });

  it('combines shorter reads until the boundary is reached', async () => {
    const cutter = new BatchCutter(readerOf([[1], [2, 3], [4]]), { last: '3' });
    expect(seqs(await nextUnit(cutter))).toEqual([1, 2, 3]);
    expect(seqs(await nextUnit(cutter))).toEqual([4]);
  });

  it('compares sequence numbers as numbers, not strings', async () => {
    const cutter = new BatchCutter(readerOf([[9, 10, 11]]), { last: '10' });
    expect(seqs(await nextUnit(cutter))).toEqual([9, 10]);
  });

  it('passes reads through when nothing was pending', async () => {
    const cutter = new BatchCutter(readerOf([[1, 2], [3]]), undefined);
    expect(seqs(await nextUnit(cutter))).toEqual([1, 2]);
    expect(seqs(await nextUnit(cutter))).toEqual([3]);
  });
});

/** A scripted shard: each read advances the injected clock by `readMs` (GetRecords pacing). */
function scriptedShard(reads: { seqs: number[]; behind?: number; ended?: boolean }[], readMs = 200) {
  const clock = { now: 0, reads: 0 };
  const reader = {
    read: async (): Promise<ReadResult> => {
      clock.reads += 1;
      clock.now += readMs;
      const next = reads.shift() ?? { seqs: [] };
      return {
        records: next.seqs.map((seq) => ({ ...record(seq), data: new Uint8Array(100) })),
        millisBehindLatest: next.behind ?? 0,
        shardEnded: next.ended ?? false,
      };
    },
  };
  return { reader, clock, now: () => clock.now };
}

const live = { flushWhenCaughtUp: () => false, stopRequested: () => false };

describe('combining reads into commit units', () => {
  it('cuts a unit once it holds the target bytes, and starts the next one from there', async () => {
    const { reader, now } = scriptedShard([{ seqs: [1] }, { seqs: [2, 3] }, { seqs: [4] }, { seqs: [5, 6] }, { seqs: [7] }]);
    const cutter = new BatchCutter(reader, undefined, { ...live, targetBytes: 250, maxAgeMs: 60_000, now });
    expect(seqs(await nextUnit(cutter))).toEqual([1, 2, 3]);
    expect(seqs(await nextUnit(cutter))).toEqual([4, 5, 6]);
  });

  it('on a live tail, lets a trickle accumulate across empty reads until the unit is maxAgeMs old', async () => {
    const { reader, clock, now } = scriptedShard([{ seqs: [1] }, { seqs: [] }, { seqs: [2] }, { seqs: [] }, { seqs: [] }, { seqs: [3] }, { seqs: [4] }], 1000);
    const cutter = new BatchCutter(reader, undefined, { ...live, targetBytes: 1_000_000, maxAgeMs: 4000, now });
    // First record read at t=1000; after the (empty) read at t=5000 the unit is 4 s old.
    expect(seqs(await nextUnit(cutter))).toEqual([1, 2]);
    expect(clock.now).toBe(5000);
    expect(seqs(await nextUnit(cutter))).toEqual([3, 4]);
    expect(clock.now).toBe(10_000);
  });

  it('hands an empty read over at once when nothing is buffered', async () => {
    const { reader, clock, now } = scriptedShard([{ seqs: [] }, { seqs: [1] }]);
    const cutter = new BatchCutter(reader, undefined, { ...live, targetBytes: 1_000_000, maxAgeMs: 60_000, now });
    expect(await nextUnit(cutter)).toEqual({ records: [], recordCount: 0, lastSequenceNumber: undefined, millisBehindLatest: 0, shardEnded: false });
    expect(clock.reads).toBe(1);
  });

  it('in a bounded run, flushes when the shard has caught up instead of waiting out the age', async () => {
    // A read at the tip says MillisBehindLatest 0 and may still have records; the empty one after it is caught up.
    const { reader, clock, now } = scriptedShard([{ seqs: [1], behind: 5000 }, { seqs: [2] }, { seqs: [] }, { seqs: [3] }]);
    const cutter = new BatchCutter(reader, undefined, { targetBytes: 1_000_000, maxAgeMs: 60_000, now, flushWhenCaughtUp: () => true });
    const unit = await nextUnit(cutter);
    expect(seqs(unit)).toEqual([1, 2]);
    expect(unit.millisBehindLatest).toBe(0);
    expect(clock.reads).toBe(3);
  });

  it('flushes at SHARD_END and never reads a closed shard again', async () => {
    const { reader, clock, now } = scriptedShard([{ seqs: [1] }, { seqs: [2], ended: true }]);
    const cutter = new BatchCutter(reader, undefined, { ...live, targetBytes: 1_000_000, maxAgeMs: 60_000, now });
    expect(await nextUnit(cutter)).toMatchObject({ shardEnded: true });
    expect(await nextUnit(cutter)).toEqual({ records: [], recordCount: 0, lastSequenceNumber: undefined, millisBehindLatest: 0, shardEnded: true });
    expect(clock.reads).toBe(2);
  });

  it('hands over what is buffered as soon as a stop is requested', async () => {
    let stopping = false;
    const { reader, clock, now } = scriptedShard([{ seqs: [1] }, { seqs: [2] }, { seqs: [3] }]);
    const cutter = new BatchCutter(reader, undefined, { targetBytes: 1_000_000, maxAgeMs: 60_000, now, flushWhenCaughtUp: () => false, stopRequested: () => (stopping = clock.reads >= 2) });
    expect(seqs(await nextUnit(cutter))).toEqual([1, 2]);
    expect(stopping).toBe(true);
  });

  it('re-cuts the pending unit exactly at its boundary even when it is above the target', async () => {
    const { reader, now } = scriptedShard([{ seqs: [1] }, { seqs: [2] }, { seqs: [3, 4] }]);
    const cutter = new BatchCutter(reader, { last: '3' }, { ...live, targetBytes: 150, maxAgeMs: 0, now });
    expect(seqs(await nextUnit(cutter))).toEqual([1, 2, 3]);
    expect(seqs(await nextUnit(cutter))).toEqual([4]);
  });

  it('starts the unit after a re-cut from the carried rest and rolls it by size', async () => {
    const { reader, now } = scriptedShard([{ seqs: [1, 2, 3, 4] }, { seqs: [5] }, { seqs: [6] }]);
    const cutter = new BatchCutter(reader, { last: '2' }, { ...live, targetBytes: 250, maxAgeMs: 60_000, now });
    expect(seqs(await nextUnit(cutter))).toEqual([1, 2]);
    expect(seqs(await nextUnit(cutter))).toEqual([3, 4, 5]);
  });

  it('passes a carried rest on its own at SHARD_END without reading the closed shard again', async () => {
    const { reader, clock, now } = scriptedShard([{ seqs: [1, 2, 3], ended: true }]);
    const cutter = new BatchCutter(reader, { last: '2' }, { ...live, targetBytes: 1_000_000, maxAgeMs: 60_000, now });
    expect(await nextUnit(cutter)).toMatchObject({ shardEnded: false });
    const rest = await nextUnit(cutter);
    expect(seqs(rest)).toEqual([3]);
    expect(rest.shardEnded).toBe(true);
    expect(clock.reads).toBe(1);
  });

  it('reads a unit that was committed as the shard’s last on to the shard’s end, so the redo ends the shard too', async () => {
    // kinesalite: the last records, then the end on an empty read of its own.
    const crashed = () => scriptedShard([{ seqs: [1, 2], behind: 500 }, { seqs: [], ended: true }]);
    const uninterrupted = new BatchCutter(crashed().reader, undefined, { ...live, targetBytes: 1_000_000, maxAgeMs: 60_000, now: crashed().now });
    expect(await nextUnit(uninterrupted)).toMatchObject({ shardEnded: true, lastSequenceNumber: '2' });
    const redo = await nextUnit(new BatchCutter(crashed().reader, { last: '2', final: true }, { ...live, targetBytes: 1_000_000, maxAgeMs: 60_000, now: crashed().now }));
    expect(seqs(redo)).toEqual([1, 2]);
    expect(redo.shardEnded).toBe(true);
    // A unit that was not the last is re-cut at its boundary and no further.
    const notLast = new BatchCutter(crashed().reader, { last: '2', final: false }, { ...live, targetBytes: 1_000_000, maxAgeMs: 60_000, now: crashed().now });
    expect(await nextUnit(notLast)).toMatchObject({ shardEnded: false, lastSequenceNumber: '2' });
  });

  it('hands each read over as it arrives, before reading on, so a unit is never held whole', async () => {
    const { reader, clock, now } = scriptedShard([{ seqs: [1] }, { seqs: [2, 3] }, { seqs: [4] }]);
    const cutter = new BatchCutter(reader, undefined, { ...live, targetBytes: 1_000_000, maxAgeMs: 2_500, now });
    const handed: { seqs: number[]; readsSoFar: number }[] = [];
    const end = await cutter.next(async (part) => void handed.push({ seqs: part.map((r) => Number(r.sequenceNumber)), readsSoFar: clock.reads }));
    expect(handed).toEqual([
      { seqs: [1], readsSoFar: 1 },
      { seqs: [2, 3], readsSoFar: 2 },
      { seqs: [4], readsSoFar: 3 },
    ]);
    expect(end).toEqual({ recordCount: 4, lastSequenceNumber: '4', millisBehindLatest: 0, shardEnded: false });
  });
});
