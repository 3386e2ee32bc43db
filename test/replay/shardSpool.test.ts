/**
 * A recording's shards as replay reads them: spooled once while the file is read, then read a
 * part at a time from any record on, byte for byte as they were recorded, with nothing left in
 * $TMPDIR whatever happens to the process.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { SourceRecord } from '../../stream/pipeline/batch.ts';
import { ShardSpoolWriter } from '../../stream/replay/shardSpool.ts';

const SHARD = 'shardId-000000000007';

/** Records with what a spool must carry through: multi-byte keys, empty data, and one record larger than a read. */
function records(): SourceRecord[] {
  const list: SourceRecord[] = [];
  for (let i = 0; i < 3_000; i++) {
    const data = Buffer.alloc(i % 97, i % 251);
    list.push({ shardId: SHARD, sequenceNumber: String(49_600_000_000_000_000_000n + BigInt(i)), partitionKey: `campañа-${i % 13}-🚀`, arrivalTime: 1_790_000_000_000 + i * 7.5, data });
  }
  // Kinesis allows 1 MiB of data in a record: more than one read of the spool and one write buffer.
  list.splice(1_500, 0, { ...list[1_500], sequenceNumber: `${list[1_499].sequenceNumber}5`, data: Buffer.alloc(1024 * 1024, 7) });
  return list;
}

function spoolOf(list: SourceRecord[]) {
  const writer = new ShardSpoolWriter(SHARD);
  for (const record of list) writer.append(record);
  return writer.finish();
}

const spoolDescriptors = () => readdirSync('/proc/self/fd').filter((fd) => {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`).includes('adstream-spool-');
  } catch {
    return false; // the directory's own descriptor, closed by now
  }
});

describe('shard spools', () => {
  it('give back every record as it was appended, whole or a part at a time', async () => {
    const list = records();
    const spool = spoolOf(list);
    try {
      expect(spool.length).toBe(list.length);
      expect(spool.firstArrival).toBe(list[0].arrivalTime);
      const all = await spool.all();
      // Data compared as bytes (a deep equality of a 1 MiB buffer takes seconds).
      const withoutData = (r: SourceRecord) => ({ ...r, data: undefined });
      expect(all.map(withoutData)).toEqual(list.map(withoutData));
      expect(all.filter((r, i) => !Buffer.from(r.data).equals(list[i].data))).toEqual([]);
      const reader = await spool.read(0);
      const parts: SourceRecord[][] = [];
      for (let part = await reader.take(500); part.length > 0; part = await reader.take(500)) {
        parts.push(part);
        // The record after the part is known without a wait: replay orders shards by it.
        expect(reader.next?.sequenceNumber).toBe(list[parts.flat().length]?.sequenceNumber);
      }
      expect(parts.map((part) => part.length)).toEqual([500, 500, 500, 500, 500, 500, 1]);
      expect(parts.flat().map((r) => r.sequenceNumber)).toEqual(list.map((r) => r.sequenceNumber));
    } finally {
      spool.close();
    }
  });

  it('read from a record on (a resumed replay), knowing the sequence number before it', async () => {
    const list = records();
    const spool = spoolOf(list);
    try {
      for (const from of [0, 1, 1_500, 1_501, list.length - 1, list.length]) {
        const reader = await spool.read(from);
        expect(reader.previousSequenceNumber, `from ${from}`).toBe(list[from - 1]?.sequenceNumber);
        expect(reader.next?.sequenceNumber, `from ${from}`).toBe(list[from]?.sequenceNumber);
        expect((await reader.take(list.length)).length, `from ${from}`).toBe(list.length - from);
      }
    } finally {
      spool.close();
    }
  });

  it('take no name in $TMPDIR, even while open, and free their files on close', () => {
    const before = spoolDescriptors().length;
    const spools = [spoolOf(records()), spoolOf([]), spoolOf(records().slice(0, 1))];
    // Open but unlinked: the system frees them when the process ends, a SIGKILL included.
    expect(readdirSync(tmpdir()).filter((name) => name.startsWith(`adstream-spool-${process.pid}-`))).toEqual([]);
    expect(spoolDescriptors().length).toBe(before + spools.length);
    for (const descriptor of spoolDescriptors()) expect(readlinkSync(`/proc/self/fd/${descriptor}`)).toMatch(/\(deleted\)$/);
    for (const spool of spools) spool.close();
    expect(spoolDescriptors().length).toBe(before);
  });
});
