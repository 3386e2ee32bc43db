/**
 * Analysts and tests poll a lake that workers are still writing. A table folder exists before
 * its first file is renamed into place; a query then must see an empty table, not fail. A lake
 * that cannot be opened (a corrupt file) leaves no DuckDB instance open behind its error.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { REJECTED_TABLE } from '../../../sinks/lake/lakeTables.ts';
import { LakeQuery } from '../../../sinks/query/lakeQuery.ts';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('LakeQuery on a lake being written', () => {
  it('reads a table folder holding only an unfinished temporary file as an empty, typed table', async () => {
    dir = await mkdtemp(join(tmpdir(), 'adstream-lakequery-'));
    const partition = join(dir, 'click', 'dt=2026-11-23', 'hour=13');
    await mkdir(partition, { recursive: true });
    await writeFile(join(partition, '.123.1.tmp'), 'PAR1 half written');
    const lake = await LakeQuery.open(dir);
    try {
      expect(await lake.query('SELECT count(*) AS n, count(DISTINCT event_id) AS d FROM clicks')).toEqual([{ n: 0, d: 0 }]);
      const [column] = await lake.query(`SELECT typeof(event_time) AS t FROM (SELECT event_time FROM clicks UNION ALL SELECT TIMESTAMP '2026-11-23 13:00:00')`);
      expect(column.t).toBe('TIMESTAMP');
    } finally {
      lake.close();
    }
  });

  it('types the dt and hour partitions as the Glue catalog does (a yyyy-MM-dd string, an integer) in every table, whatever hours it holds', async () => {
    dir = await mkdtemp(join(tmpdir(), 'adstream-lakequery-'));
    // Night hours in one table (leading zeros), afternoon hours in another: inferred, they typed differently.
    const files = [join(dir, 'click', 'dt=2026-11-01', 'hour=00'), join(dir, 'click', 'dt=2026-11-01', 'hour=05'), join(dir, REJECTED_TABLE, 'reason_class=schema', 'dt=2026-12-04', 'hour=16')];
    const instance = await DuckDBInstance.create();
    const connection = await instance.connect();
    try {
      for (const [i, folder] of files.entries()) {
        await mkdir(folder, { recursive: true });
        await connection.run(`COPY (SELECT 'e-${i}' AS event_id) TO '${join(folder, 'part.parquet')}' (FORMAT parquet)`);
      }
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
    const lake = await LakeQuery.open(dir);
    try {
      for (const view of ['clicks', 'rejected']) {
        expect(await lake.query(`SELECT DISTINCT typeof(dt) AS dt, typeof(hour) AS hour FROM ${view}`), view).toEqual([{ dt: 'VARCHAR', hour: 'INTEGER' }]);
      }
      expect(await lake.query('SELECT count(*) AS n FROM clicks WHERE hour = 5')).toEqual([{ n: 1 }]);
      // As on Athena, where the column is a string: compared with a string, not a DATE.
      expect(await lake.query("SELECT count(*) AS n FROM clicks WHERE dt = '2026-11-01'")).toEqual([{ n: 2 }]);
    } finally {
      lake.close();
    }
  });

  it('answers in UTC whatever the host’s zone, as Athena does, and returns intervals and nested big integers as printable values', async () => {
    dir = await mkdtemp(join(tmpdir(), 'adstream-lakequery-'));
    const lake = await LakeQuery.open(dir);
    try {
      expect(await lake.query("SELECT current_setting('TimeZone') AS zone")).toEqual([{ zone: 'UTC' }]);
      // A naive lake timestamp compared with a zoned one is read as UTC, not as the host's local time.
      // (In New York's zone, 03:30 local is 08:30 UTC, after 04:00 UTC.)
      expect(await lake.query("SELECT TIMESTAMP '2026-11-01 03:30:00' < TIMESTAMPTZ '2026-11-01 04:00:00+00' AS before")).toEqual([{ before: true }]);
      const rows = await lake.query("SELECT TIMESTAMP '2026-11-01 03:05:00' - TIMESTAMP '2026-11-01 03:00:00' AS took, [9007199254740993::BIGINT, 1] AS ids, {'n': 2::BIGINT} AS s");
      expect(rows).toEqual([{ took: '00:05:00', ids: ['9007199254740993', 1], s: { n: 2 } }]);
      expect(() => JSON.stringify(rows)).not.toThrow();
      // A time of day came out as microseconds (3723000000), a date as a timestamp at midnight, bytes as a Node Buffer's JSON.
      expect(await lake.query("SELECT CAST(TIMESTAMP '2026-11-01 01:02:03' AS TIME) AS t, CAST(TIMESTAMP '2026-11-01 01:02:03' AS DATE) AS d, 'ab'::BLOB AS b, NULL::TIME AS none")).toEqual([
        { t: '01:02:03', d: '2026-11-01', b: 'ab', none: null },
      ]);
    } finally {
      lake.close();
    }
  });

  it('closes DuckDB when a view cannot be made (a Parquet file with a corrupt footer)', async () => {
    dir = await mkdtemp(join(tmpdir(), 'adstream-lakequery-'));
    const partition = join(dir, 'click', 'dt=2026-11-23', 'hour=13');
    await mkdir(partition, { recursive: true });
    await writeFile(join(partition, 'part-0.parquet'), 'PAR1 not a footer PAR1');
    const closed: string[] = [];
    const create = DuckDBInstance.create.bind(DuckDBInstance);
    const spy = vi.spyOn(DuckDBInstance, 'create').mockImplementation(async (...args) => {
      const instance = await create(...args);
      const connect = instance.connect.bind(instance);
      instance.connect = async () => {
        const connection = await connect();
        const closeConnection = connection.closeSync.bind(connection);
        connection.closeSync = () => (closed.push('connection'), closeConnection());
        return connection;
      };
      const closeInstance = instance.closeSync.bind(instance);
      instance.closeSync = () => (closed.push('instance'), closeInstance());
      return instance;
    });
    try {
      await expect(LakeQuery.open(dir)).rejects.toThrow(/part-0\.parquet/);
    } finally {
      spy.mockRestore();
    }
    expect(closed).toEqual(['connection', 'instance']);
  });
});
