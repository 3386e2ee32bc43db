/**
 * The lineage log says, for every lake object, which records it came from: the shard and the
 * first and last sequence numbers of the batch that wrote it, and how many rows it holds. Checked
 * on a replay of a hand-made recording cut into batches of 4, so each batch's first and last
 * records are known before the pipeline runs.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LakeQuery } from '../../../sinks/query/lakeQuery.ts';
import { generateTraffic } from '../../../stream/generator/index.ts';
import type { SourceRecord } from '../../../stream/pipeline/batch.ts';
import { RECORDING_FORMAT, RECORDING_VERSION, inMemoryRecording } from '../../../stream/replay/recording.ts';
import { directoriesFor } from '../../../stream/replay/replayDefaults.ts';
import { replayToDirectory } from '../../../stream/replay/replayToDirectory.ts';
import { FIXTURE_SETTINGS } from '../../replay/fixtureSettings.ts';

const SHARD = 'shardId-000000000000';
let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'adstream-lineage-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

/** 10 valid events and, 7th, a malformed record (so the DLQ gets an object too), sequence numbers 1001–1011. */
function shardRecords(): SourceRecord[] {
  const valid = [...generateTraffic({ seed: 5, durationMs: 600_000, impressionsPerMinute: 30, anomalies: [] }).records].filter((r) => r.truth.kind === 'valid').slice(0, 10);
  const latest = Math.max(...valid.map((r) => (r.truth as { eventTime: number }).eventTime));
  const data = [...valid.slice(0, 6).map((r) => r.data), Buffer.from('{"event_id": "x", "event_time": '), ...valid.slice(6).map((r) => r.data)];
  return data.map((bytes, i) => ({ shardId: SHARD, sequenceNumber: String(1001 + i), partitionKey: `k${i}`, arrivalTime: latest + 1_000 * (i + 1), data: bytes }));
}

describe('lineage log', () => {
  it('names for each object the first and last sequence numbers of the batch that wrote it, and its row count', async () => {
    const records = shardRecords();
    const recording = inMemoryRecording({ format: RECORDING_FORMAT, version: RECORDING_VERSION, stream: 'lineage', shards: [SHARD] }, new Map([[SHARD, records]]));
    const dirs = directoriesFor(join(work, 'lake'));
    // Batches of 4, each committed on its own: 1001–1004, 1005–1008, 1009–1011.
    const stats = await replayToDirectory(recording, dirs, FIXTURE_SETTINGS, { batchSize: 4, unitBytes: 0 });
    expect(stats).toMatchObject({ recordsIn: 11, written: 10, rejected: 1 });
    const lastOfBatch: Record<string, string> = { '1001': '1004', '1005': '1008', '1009': '1011' };
    const lake = await LakeQuery.open(dirs.lake);
    try {
      const lineage = await lake.query('SELECT object_key, shard_id, first_sequence_number, last_sequence_number, rows FROM lineage ORDER BY object_key');
      expect(new Set(lineage.map((row) => row.first_sequence_number))).toEqual(new Set(Object.keys(lastOfBatch)));
      for (const row of lineage) {
        const key = row.object_key as string;
        expect(row.shard_id, key).toBe(SHARD);
        expect(row.last_sequence_number, key).toBe(lastOfBatch[row.first_sequence_number as string]);
        const [counted] = await lake.query(`SELECT count(*) AS n FROM read_parquet('${join(lake.root, key)}')`);
        expect(Number(row.rows), key).toBe(Number(counted.n));
      }
      // Each batch's valid events are in its event objects, whatever their types and hours:
      // 4 in the first, 3 in the second (1007 is the malformed one, in the DLQ's object), 3 in the last.
      const eventRows: Record<string, number> = {};
      for (const row of lineage.filter((r) => !(r.object_key as string).startsWith('_'))) {
        const first = row.first_sequence_number as string;
        eventRows[first] = (eventRows[first] ?? 0) + Number(row.rows);
      }
      expect(eventRows).toEqual({ '1001': 4, '1005': 3, '1009': 3 });
      expect(lineage.filter((r) => (r.object_key as string).startsWith('_rejected/')).map((r) => [r.first_sequence_number, r.last_sequence_number, Number(r.rows)])).toEqual([['1005', '1008', 1]]);
    } finally {
      lake.close();
    }
  });
});
