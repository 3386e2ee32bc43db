/**
 * The DLQ is partitioned by reason class before dt/hour:
 * `_rejected/reason_class=<class>/dt=YYYY-MM-DD/hour=HH/<file>.parquet`. A batch's file name is
 * deterministic from its source position, so a batch holding two classes writes two objects with
 * the same name, and writing it again overwrites them. Counts through the `rejected` view are
 * checked against the generator's own account of what it made malformed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lakeTables, type RejectedRow } from '../../../sinks/lake/lakeTables.ts';
import { LocalDirStore } from '../../../sinks/objectStore/localDirStore.ts';
import { createParquetEncoder } from '../../../sinks/parquet/encoder.ts';
import { LakeQuery } from '../../../sinks/query/lakeQuery.ts';
import { generateTraffic } from '../../../stream/generator/index.ts';
import { buildTestLake, TEST_LAKE_GENERATOR, type TestLake } from '../../queries/testLake.ts';

const HOUR_07 = Date.UTC(2026, 10, 1, 7, 30);
const row = (reason: string, sequence: number): RejectedRow => ({
  reason,
  detail: 'd',
  stream: 's',
  shard_id: 'shard-0',
  sequence_number: String(sequence),
  partition_key: 'k',
  arrival_time: HOUR_07 + sequence,
  raw_base64: '',
});

describe('a batch with rejections of two classes', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'adstream-dlq-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('writes one object per class under the same deterministic name, and a rewrite overwrites them', async () => {
    const encoder = createParquetEncoder('duckdb');
    const store = new LocalDirStore(dir);
    const batch = [row('json_syntax', 1), row('missing_field:campaign_id', 2), row('json_syntax', 3), row('missing_field:ad_id', 4)];
    const tables = lakeTables(store, encoder);
    const first = await tables.rejected.write('adstream-shard-0-1', batch);
    const again = await tables.rejected.write('adstream-shard-0-1', batch);
    await encoder.close?.();
    const expected = [
      ['_rejected/reason_class=json_syntax/dt=2026-11-01/hour=07/adstream-shard-0-1.parquet', 2],
      ['_rejected/reason_class=missing_field/dt=2026-11-01/hour=07/adstream-shard-0-1.parquet', 2],
    ];
    expect(first.map((f) => [f.key, f.rows])).toEqual(expected);
    expect(again.map((f) => f.key)).toEqual(first.map((f) => f.key));
    expect((await store.list('_rejected/')).sort()).toEqual(expected.map(([key]) => key));

    const lake = await LakeQuery.open(dir);
    try {
      const rows = await lake.query('SELECT reason_class, reason, count(*) AS n FROM rejected GROUP BY ALL ORDER BY ALL');
      expect(rows).toEqual([
        { reason_class: 'json_syntax', reason: 'json_syntax', n: 2 },
        { reason_class: 'missing_field', reason: 'missing_field:ad_id', n: 1 },
        { reason_class: 'missing_field', reason: 'missing_field:campaign_id', n: 1 },
      ]);
    } finally {
      lake.close();
    }
  });

  it('refuses a reason outside the closed set rather than write a partition Athena cannot see', async () => {
    const encoder = createParquetEncoder('duckdb');
    try {
      await expect(lakeTables(new LocalDirStore(dir), encoder).rejected.write('x', [row('no_such_reason', 1)])).rejects.toThrow(RangeError);
    } finally {
      await encoder.close?.();
    }
  });

  it('has the same columns before anything is written (an empty, typed view)', async () => {
    const columns = async (lakeDir: string) => {
      const lake = await LakeQuery.open(lakeDir);
      try {
        return (await lake.query('DESCRIBE rejected')).map((c) => c.column_name);
      } finally {
        lake.close();
      }
    };
    const empty = await columns(join(dir, 'no-lake-yet'));
    expect(empty).toEqual(await columns(dir));
    expect(empty.slice(-3)).toEqual(['dt', 'hour', 'reason_class']);
  });
});

describe('the rejected view over a lake written by the pipeline', () => {
  let lake: TestLake;
  let query: LakeQuery;
  beforeAll(async () => {
    lake = await buildTestLake();
    query = await LakeQuery.open(lake.dir);
  }, 60_000);
  afterAll(async () => {
    query?.close();
    await lake?.remove();
  });

  it('counts by reason_class what the generator made malformed, by the code before any ":"', async () => {
    const truth: Record<string, number> = {};
    for (const record of generateTraffic(TEST_LAKE_GENERATOR).records) {
      if (record.truth.kind !== 'malformed') continue;
      const cls = record.truth.reason.split(':')[0];
      truth[cls] = (truth[cls] ?? 0) + 1;
    }
    expect(Object.keys(truth).length).toBeGreaterThanOrEqual(2);
    const rows = await query.query('SELECT reason_class, count(*) AS n FROM rejected GROUP BY 1 ORDER BY 1');
    expect(Object.fromEntries(rows.map((r) => [r.reason_class, r.n]))).toEqual(truth);
  });

  it('keeps the full reason code in the rows, each under the folder of its class', async () => {
    const [row] = await query.query(`SELECT count(*) FILTER (WHERE split_part(reason, ':', 1) <> reason_class) AS misplaced, count(*) FILTER (WHERE reason LIKE '%:%') AS with_field FROM rejected`);
    expect(row).toEqual({ misplaced: 0, with_field: expect.any(Number) });
    expect(row.with_field).toBeGreaterThan(0);
  });
});
