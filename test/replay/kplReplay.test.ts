/**
 * KPL aggregates in a recording: replay opens them as the worker does, with each shard's hash
 * key range from the recording's header, so a sub-record left on the wrong shard (by a reshard,
 * or by an aggregator that mixes shards) goes to the DLQ with its reason and bytes, rather than
 * being processed here as well as on the shard it belongs to, or vanishing as the KCL lets it.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTraffic } from '../../stream/generator/index.ts';
import { RECORDING_FORMAT, RECORDING_VERSION, inMemoryRecording, recordsByShard, type Recording } from '../../stream/replay/recording.ts';
import { readRecording } from '../../stream/replay/recordingFile.ts';
import { replayToDirectory } from '../../stream/replay/replayToDirectory.ts';
import { directoriesFor } from '../../stream/replay/replayDefaults.ts';
import { LakeQuery } from '../../sinks/query/lakeQuery.ts';
import { emptySubRecords, handMadeAggregate } from '../support/kplAggregate.ts';
import { redriveRecord } from '../../stream/cli/redriveRecord.ts';
import { aggregateOne } from '../stream/kpl/awsKinesisAgg.ts';
import { FIXTURES, FIXTURE_NAME, FIXTURE_SETTINGS } from './fixtureSettings.ts';
import { goldenOutputs } from './goldenOutputs.ts';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'adstream-kpl-replay-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

const SHARD = 'shardId-000000000000';
const LOWER_HALF_END = (2n ** 127n - 1n).toString();
const UPPER_HALF_KEY = (2n ** 127n + 5n).toString();

/** Valid, distinct events: the generator's first records whose truth says so. */
function validEvents(count: number): Uint8Array[] {
  const events = [...generateTraffic({ seed: 5, durationMs: 600_000, impressionsPerMinute: 30, anomalies: [] }).records].filter((r) => r.truth.kind === 'valid');
  return events.slice(0, count).map((r) => r.data);
}

function recordingOf(hashRanges: Recording['header']['hashRanges']): Recording {
  const [a, b, c, d] = validEvents(4);
  // One aggregate of three sub-records, the last one explicitly hashed into the upper half of the
  // key space (last: aws-kinesis-agg lists integer-like table keys in numeric order, so in another
  // order it labels the sub-records with each other's keys); then a plain record.
  const aggregate = aggregateOne([
    { partitionKey: 'cmp-1', explicitHashKey: '1', data: a },
    { partitionKey: 'cmp-1', explicitHashKey: '2', data: b },
    { partitionKey: 'cmp-1', explicitHashKey: UPPER_HALF_KEY, data: c },
  ]);
  const arrivalTime = Date.UTC(2026, 10, 1, 7, 10);
  const records = [
    { shardId: SHARD, sequenceNumber: '100', partitionKey: aggregate.partitionKey, arrivalTime, data: aggregate.data },
    { shardId: SHARD, sequenceNumber: '101', partitionKey: 'cmp-1', arrivalTime, data: d },
  ];
  return inMemoryRecording({ format: RECORDING_FORMAT, version: RECORDING_VERSION, stream: 'kpl', shards: [SHARD], hashRanges }, new Map([[SHARD, records]]));
}

describe('replay of KPL aggregates', () => {
  it('opens aggregates into their user records and sends a sub-record outside the shard’s hash range to the DLQ, bytes and reason', async () => {
    const lake = join(work, 'lower-half', 'lake');
    const stats = await replayToDirectory(recordingOf({ [SHARD]: { start: '0', end: LOWER_HALF_END } }), directoriesFor(lake), FIXTURE_SETTINGS);
    expect(stats.recordsIn).toBe(4);
    expect(stats.written).toBe(3);
    expect(stats.rejected).toBe(1);
    const query = await LakeQuery.open(lake);
    try {
      // Its place in the aggregate and the explicit hash key that routes it (dlq replay puts it back with that key).
      const rows = await query.query('SELECT reason, raw_base64, partition_key, sub_sequence_number, explicit_hash_key FROM rejected');
      expect(rows).toEqual([
        { reason: 'kpl_outside_shard', raw_base64: Buffer.from(validEvents(4)[2]).toString('base64'), partition_key: 'cmp-1', sub_sequence_number: 2, explicit_hash_key: UPPER_HALF_KEY },
      ]);
    } finally {
      query.close();
    }
  });

  it('a part whose aggregates were all dropped still counts as its shard reading: no idle timeout makes the shard’s windows late', async () => {
    const fixture = await readRecording(join(FIXTURES, `${FIXTURE_NAME}.jsonl.gz`));
    const shards = await recordsByShard(fixture);
    await fixture.close();
    const [first, second] = [...shards.keys()];
    const records = shards.get(first)!;
    const at = 600;
    // 40 aggregates, a second apart, whose sub-records all belong to the other half of the key
    // space (rejected here); the shard's records after them come ten minutes later.
    const dropped = Array.from({ length: 40 }, (_, i) => {
      const aggregate = aggregateOne([{ partitionKey: 'x', explicitHashKey: UPPER_HALF_KEY, data: records[at].data }]);
      return { ...records[at], arrivalTime: records[at].arrivalTime + i * 1_000, partitionKey: aggregate.partitionKey, data: aggregate.data };
    });
    const rebuilt = [...records.slice(0, at), ...dropped, ...records.slice(at).map((r) => ({ ...r, arrivalTime: r.arrivalTime + 600_000 }))].map((r, i) => ({ ...r, sequenceNumber: String(10n ** 30n + BigInt(i)) }));
    const everything = (2n ** 128n - 1n).toString();
    const header: Recording['header'] = { format: RECORDING_FORMAT, version: RECORDING_VERSION, stream: 'kpl', shards: [first, second], hashRanges: { [first]: { start: '0', end: LOWER_HALF_END }, [second]: { start: '0', end: everything } } };
    const recording = inMemoryRecording(header, new Map([[first, rebuilt], [second, shards.get(second)!]]));
    const stats = await replayToDirectory(recording, directoriesFor(join(work, 'dropped-parts', 'lake')), FIXTURE_SETTINGS, { batchSize: 20, idleTimeoutMs: 10_000 });
    expect(stats.latePartials).toBe(0);
    expect(stats.recordsIn).toBe(stats.written + stats.rejected + stats.duplicates);
  });

  it('rejects nothing when the recording names no ranges (made before they were recorded)', async () => {
    const stats = await replayToDirectory(recordingOf(undefined), directoriesFor(join(work, 'no-ranges', 'lake')), FIXTURE_SETTINGS);
    expect(stats.rejected).toBe(0);
    expect(stats.recordsIn).toBe(4);
    expect(stats.written).toBe(4);
  });
  it('keeps the DLQ to one hash key and 256 characters of a sub-record key that an aggregate repeats: 40,000 copies of a 20,000-character key stopped the replay', async () => {
    // One 300 KB Kinesis record: a key table holding one 20,000-character key (the KPL's own
    // limit is 256; nothing checks an aggregate's table) and 40,000 one-byte sub-records under it.
    const longKey = 'k'.repeat(20_000);
    const aggregate = handMadeAggregate({ keys: [longKey], records: Array.from({ length: 40_000 }, () => ({ partition_key_index: 0, data: Buffer.from('g') })) });
    expect(aggregate.length).toBeLessThan(1024 * 1024);
    const header: Recording['header'] = { format: RECORDING_FORMAT, version: RECORDING_VERSION, stream: 'kpl', shards: [SHARD], hashRanges: { [SHARD]: { start: '0', end: (2n ** 128n - 1n).toString() } } };
    const records = [{ shardId: SHARD, sequenceNumber: '100', partitionKey: 'k', arrivalTime: Date.UTC(2026, 10, 1, 7, 10), data: aggregate }];
    const lake = join(work, 'long-key', 'lake');
    // Before: every row repeated the key, 800 MB of rows, and the replay failed ("Invalid string length").
    const stats = await replayToDirectory(inMemoryRecording(header, new Map([[SHARD, records]])), directoriesFor(lake), FIXTURE_SETTINGS);
    expect(stats).toMatchObject({ recordsIn: 40_000, rejected: 40_000, written: 0 });
    // Where Kinesis routes the key: the MD5 of its UTF-8 as a 128-bit big-endian integer.
    const hashKey = BigInt(`0x${createHash('md5').update(longKey).digest('hex')}`).toString();
    const query = await LakeQuery.open(lake);
    try {
      const rows = await query.query('SELECT reason, partition_key, explicit_hash_key, raw_base64, count(*) AS n FROM rejected GROUP BY ALL');
      expect(rows).toEqual([{ reason: 'csv_unknown_type', partition_key: 'k'.repeat(256), explicit_hash_key: hashKey, raw_base64: Buffer.from('g').toString('base64'), n: 40_000 }]);
      // dlq replay puts each back where the whole key would have sent it.
      expect(redriveRecord(rows[0]).explicitHashKey).toBe(hashKey);
    } finally {
      query.close();
    }
  });
  it('takes aggregates of empty sub-records in parts and commit points of bounded user records, every one in the DLQ: sixty of 1 MiB ran a replay out of memory', async () => {
    const header: Recording['header'] = { format: RECORDING_FORMAT, version: RECORDING_VERSION, stream: 'kpl', shards: [SHARD] };
    const at = Date.UTC(2026, 10, 1, 7, 10);
    const record = (sequence: number, data: Uint8Array) => ({ shardId: SHARD, sequenceNumber: String(sequence), partitionKey: 'k', arrivalTime: at, data });
    // Two aggregates of 170,000 (no bytes at all: commit points were cut by record bytes alone,
    // and none came), then thirty of 1,000 (one part of 500 Kinesis records held all 30,000).
    const small = emptySubRecords(1_000);
    const large = emptySubRecords(170_000);
    const records = [record(100, large), record(101, large), ...Array.from({ length: 30 }, (_, i) => record(200 + i, small))];
    const lake = join(work, 'empty-sub-records', 'lake');
    const parts: number[] = [];
    let seen = 0;
    const stats = await replayToDirectory(inMemoryRecording(header, new Map([[SHARD, records]])), directoriesFor(lake), FIXTURE_SETTINGS, {
      onBatch: ({ recordsIn }) => {
        parts.push(recordsIn - seen);
        seen = recordsIn;
      },
    });
    expect(stats).toMatchObject({ recordsIn: 370_000, rejected: 370_000, written: 0, duplicates: 0, late: 0, finished: true });
    // Parts of at most 10,000 user records, cut between Kinesis records; an aggregate larger than that is a part of its own.
    expect(parts).toEqual([170_000, 170_000, 10_000, 10_000, 10_000]);
    // A commit point once 250,000 are open (after the second large aggregate), and one at the end.
    expect(stats.batches).toBe(2);
    const query = await LakeQuery.open(lake);
    try {
      expect(await query.query('SELECT reason, sub_sequence_number IS NOT NULL AS sub, count(*) AS n, count(DISTINCT (sequence_number, sub_sequence_number)) AS positions FROM rejected GROUP BY ALL')).toEqual([
        { reason: 'empty_record', sub: true, n: 370_000, positions: 370_000 },
      ]);
    } finally {
      query.close();
    }
  });
  it('resumed from a commit point cut while a read of aggregates was only partly taken, ends with the parts, commit points and files of a run never stopped', async () => {
    // Six aggregates of 4,000 empty sub-records read 5 at a time: a part takes two (8,000; a third
    // would pass 10,000). Never stopped, the parts were [0,1] [2,3] [4] (the first read's last) [5];
    // a run stopped after the first commit point read afresh from aggregate 2 and cut [2,3] [4,5],
    // so its commit points, lake files and per-part metric lines were not the clean run's.
    const header: Recording['header'] = { format: RECORDING_FORMAT, version: RECORDING_VERSION, stream: 'kpl', shards: [SHARD] };
    const at = Date.UTC(2026, 10, 1, 7, 10);
    const aggregate = emptySubRecords(4_000);
    const records = Array.from({ length: 6 }, (_, i) => ({ shardId: SHARD, sequenceNumber: String(100 + i), partitionKey: 'k', arrivalTime: at + i * 1_000, data: aggregate }));
    const run = async (name: string, stops: (number | undefined)[]) => {
      const dirs = directoriesFor(join(work, name, 'lake'));
      const parts: number[] = [];
      let last: Awaited<ReturnType<typeof replayToDirectory>> | undefined;
      for (const stopAfterBatches of stops) {
        let seen: number | undefined;
        last = await replayToDirectory(inMemoryRecording(header, new Map([[SHARD, records]])), dirs, { ...FIXTURE_SETTINGS, lakeFileTargetBytes: 0 }, {
          batchSize: 5,
          stopAfterBatches,
          onBatch: ({ recordsIn }) => {
            parts.push(recordsIn - (seen ?? 0));
            seen = recordsIn;
          },
        });
      }
      const files = (await readdir(dirs.lake, { recursive: true })).filter((f) => f.endsWith('.parquet')).sort();
      return { stats: last!, files, outputs: await goldenOutputs(dirs) };
    };
    const clean = await run('carried-clean', [undefined]);
    const resumed = await run('carried-resumed', [1, undefined]);
    expect(clean.stats).toMatchObject({ recordsIn: 24_000, rejected: 24_000, finished: true });
    expect(resumed.stats.finished).toBe(true);
    expect(resumed.files).toEqual(clean.files);
    for (const name of Object.keys(clean.outputs)) expect(resumed.outputs[name], name).toBe(clean.outputs[name]);
    // A commit point after every part (lakeFileTargetBytes 0): [0,1] [2,3] [4,5].
    expect(clean.stats.batches).toBe(3);
  });
  it('does not resume a replay that cut its parts and commit points by Kinesis records and bytes alone', async () => {
    const header: Recording['header'] = { format: RECORDING_FORMAT, version: RECORDING_VERSION, stream: 'kpl', shards: [SHARD] };
    const at = Date.UTC(2026, 10, 1, 7, 10);
    const records = validEvents(40).map((data, i) => ({ shardId: SHARD, sequenceNumber: String(100 + i), partitionKey: 'k', arrivalTime: at + i, data }));
    const dirs = directoriesFor(join(work, 'old-cut', 'lake'));
    // Commit points of 400 record bytes, parts of 5 records: several points.
    const replayed = () => replayToDirectory(inMemoryRecording(header, new Map([[SHARD, records]])), dirs, { ...FIXTURE_SETTINGS, lakeFileTargetBytes: 400 }, { batchSize: 5, stopAfterBatches: 1 });
    expect((await replayed()).finished).toBe(false);
    // As a replay from before wrote it: no limits by user records, with which a part of aggregates
    // could now end elsewhere, and the records after the checkpoint land under other file names.
    const checkpoint = join(dirs.state, 'replay-checkpoint.json');
    const saved = JSON.parse(await readFile(checkpoint, 'utf8'));
    expect(saved.settings.userRecordLimits).toEqual({ part: 10_000, commitPoint: 250_000 });
    delete saved.settings.userRecordLimits;
    await writeFile(checkpoint, JSON.stringify(saved));
    await expect(replayed()).rejects.toThrow(/cut its parts and commit points by Kinesis records and record bytes alone.*start over/);
  });
});
