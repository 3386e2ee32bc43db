/**
 * The local warehouse for real: a lake built by the pipeline, loaded into a DuckDB file by the
 * loader, checked against the generator's ground truth. Loading twice adds nothing; a crash
 * between loads or inside one is followed by a run that loads exactly what is missing.
 */
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EVENT_TYPES, type EventType } from '../../../stream/events/schemas.ts';
import { main } from '../../../stream/cli/main.ts';
import { DuckdbWarehouse } from '../../../sinks/warehouse/duckdbWarehouse.ts';
import { directoryLister, type LakeFile } from '../../../sinks/warehouse/lakeFiles.ts';
import { loadWarehouse } from '../../../sinks/warehouse/warehouseLoader.ts';
import { LOAD_TABLE } from '../../../sinks/warehouse/warehouseTables.ts';
import { openWarehouseQuery } from '../../../sinks/warehouse/warehouseQuery.ts';
import { LakeQuery } from '../../../sinks/query/lakeQuery.ts';
import { buildTestLake, TEST_LAKE_START, type TestLake } from '../../queries/testLake.ts';

const MINUTE_MS = 60_000;
let lake: TestLake;
let dir: string;
let expectedCounts: Record<EventType, number>;
/** Metric rows in the lake, counted by DuckDB straight from the Parquet files (the generator has no truth for these). */
let metricRows: number;
let lakeFiles: number;
let lakeFilesOf: Record<string, number>;

beforeAll(async () => {
  lake = await buildTestLake({
    seed: 11,
    start: TEST_LAKE_START,
    durationMs: 60 * MINUTE_MS,
    campaigns: 6,
    publishers: 4,
    impressionsPerMinute: 40,
    anomalies: [],
  });
  dir = await mkdtemp(join(tmpdir(), 'adstream-warehouse-'));
  expectedCounts = Object.fromEntries(EVENT_TYPES.map((t) => [t, lake.events.filter((e) => e.type === t).length])) as Record<EventType, number>;
  const lister = directoryLister(lake.dir);
  const listed = await Promise.all([...EVENT_TYPES, '_metrics'].map(async (t) => [t === '_metrics' ? 'metrics' : `${t}s`, (await lister.list(t)).length] as const));
  lakeFilesOf = Object.fromEntries(listed);
  lakeFiles = listed.reduce((n, [, count]) => n + count, 0);
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const glob = join(lake.dir, '_metrics', '**', '*.parquet').replaceAll("'", "''");
  metricRows = Number((await connection.runAndReadAll(`SELECT count(*) FROM read_parquet('${glob}')`)).getColumnsJS()[0][0]);
  connection.closeSync();
  instance.closeSync();
}, 60_000);

afterAll(async () => {
  await lake?.remove();
  await rm(dir, { recursive: true, force: true });
});

/** What the warehouse file holds, read with a fresh DuckDB connection (not the loader's). */
async function contents(file: string) {
  const instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  const one = async (sql: string) => Number((await connection.runAndReadAll(sql)).getColumnsJS()[0][0]);
  try {
    const counts = {} as Record<EventType, number>;
    const distinct = {} as Record<EventType, number>;
    for (const type of EVENT_TYPES) {
      counts[type] = await one(`SELECT count(*) FROM ${type}s`);
      distinct[type] = await one(`SELECT count(DISTINCT event_id) FROM ${type}s`);
    }
    return { counts, distinct, metrics: await one('SELECT count(*) FROM metrics'), loadEntries: await one(`SELECT count(*) FROM ${LOAD_TABLE}`), loadKeys: await one(`SELECT count(DISTINCT file_key) FROM ${LOAD_TABLE}`) };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function load(file: string, lakeDir: string, options: Parameters<typeof loadWarehouse>[2] = {}, beforeCommit?: (table: string, files: readonly LakeFile[]) => void) {
  const lister = directoryLister(lakeDir);
  const warehouse = await DuckdbWarehouse.open(file, { pathOf: lister.urlOf, beforeCommit });
  try {
    return await loadWarehouse(lister, warehouse, options);
  } finally {
    await warehouse.close();
  }
}

describe('DuckDB warehouse loader', () => {
  it('loads every valid event once, and a second run loads nothing', async () => {
    const file = join(dir, 'twice.duckdb');
    const first = await load(file, lake.dir);
    expect(lakeFiles).toBeGreaterThan(8);
    expect(first.reduce((n, r) => n + r.loadedFiles, 0)).toBe(lakeFiles);
    expect(Object.fromEntries(first.map((r) => [r.table, r.rows]))).toEqual({
      ...Object.fromEntries(EVENT_TYPES.map((t) => [`${t}s`, expectedCounts[t]])),
      metrics: metricRows,
    });
    const second = await load(file, lake.dir);
    expect(second.every((r) => r.loadedFiles === 0 && r.alreadyLoaded === r.files)).toBe(true);
    const held = await contents(file);
    expect(held.counts).toEqual(expectedCounts);
    expect(held.distinct).toEqual(expectedCounts);
    expect(held.metrics).toBe(metricRows);
    expect(held.loadEntries).toBe(lakeFiles);
  });

  it('loads metrics files from before key_dimensions into a warehouse from before it: the table gains the column, NULL for them', async () => {
    // The lake's metrics files rewritten without the column, and a warehouse whose table lacks it.
    const oldLake = join(dir, 'old-lake');
    await cp(join(lake.dir, '_metrics'), join(oldLake, '_metrics'), { recursive: true });
    const file = join(dir, 'old.duckdb');
    const instance = await DuckDBInstance.create(file);
    const connection = await instance.connect();
    const parquet = (await readdir(oldLake, { recursive: true })).filter((name) => name.endsWith('.parquet')).map((name) => join(oldLake, name));
    expect(parquet.length).toBeGreaterThan(0);
    for (const path of parquet) {
      const quoted = `'${path.replaceAll("'", "''")}'`;
      await connection.run(`COPY (SELECT * EXCLUDE (key_dimensions) FROM read_parquet(${quoted})) TO '${path.replaceAll("'", "''")}.old' (FORMAT parquet)`);
      await cp(`${path}.old`, path);
      await rm(`${path}.old`);
    }
    await connection.run('CREATE TABLE metrics (window_start TIMESTAMP NOT NULL, window_end TIMESTAMP NOT NULL, key VARCHAR NOT NULL, campaign_id VARCHAR, event_type VARCHAR, shard_id VARCHAR, metric VARCHAR NOT NULL, value DOUBLE NOT NULL, watermark TIMESTAMP NOT NULL)');
    connection.closeSync();
    instance.closeSync();

    const loaded = await load(file, oldLake);
    expect(loaded.find((r) => r.table === 'metrics')?.rows).toBe(metricRows);
    const check = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
    const reader = await check.connect();
    try {
      const [[rows, withDimensions]] = (await reader.runAndReadAll('SELECT count(*), count(key_dimensions) FROM metrics')).getRowsJS();
      expect([Number(rows), Number(withDimensions)]).toEqual([metricRows, 0]);
    } finally {
      reader.closeSync();
      check.closeSync();
    }
  });

  it('resumes after a crash between loads, loading only what is missing', async () => {
    const file = join(dir, 'crash-between.duckdb');
    let loads = 0;
    const crash = () => {
      if (++loads === 3) throw new Error('simulated crash after the third load');
    };
    await expect(load(file, lake.dir, { maxFilesPerLoad: 1, onLoad: crash })).rejects.toThrow('simulated crash');
    expect((await contents(file)).loadEntries).toBe(3);
    const resumed = await load(file, lake.dir, { maxFilesPerLoad: 1 });
    expect(resumed.reduce((n, r) => n + r.alreadyLoaded, 0)).toBe(3);
    const held = await contents(file);
    expect(held.counts).toEqual(expectedCounts);
    expect(held.distinct).toEqual(expectedCounts);
    expect(held.loadEntries).toBe(lakeFiles);
  });

  it('rolls back a load that fails before its commit, and the next run loads those files once', async () => {
    const file = join(dir, 'crash-inside.duckdb');
    let loads = 0;
    const failSecond = () => {
      if (++loads === 2) throw new Error('simulated crash before commit');
    };
    await expect(load(file, lake.dir, { maxFilesPerLoad: 2 }, failSecond)).rejects.toThrow('simulated crash');
    const partial = await contents(file);
    // Only the first load (2 files) is in: the second left neither rows nor load entries.
    expect(partial.loadEntries).toBe(2);
    await load(file, lake.dir, { maxFilesPerLoad: 2 });
    const held = await contents(file);
    expect(held.counts).toEqual(expectedCounts);
    expect(held.loadKeys).toBe(lakeFiles);
  });

  it('reports why a load failed when its ROLLBACK fails too', async () => {
    const file = join(dir, 'commit-fails.duckdb');
    // A COMMIT that fails ends the transaction, as DuckDB's own failed commit does: the loader's
    // ROLLBACK then fails with "no transaction is active", which must not hide the first error.
    const run = DuckDBConnection.prototype.run;
    const spy = vi.spyOn(DuckDBConnection.prototype, 'run').mockImplementation(async function (this: DuckDBConnection, sql, ...rest) {
      if (sql !== 'COMMIT') return run.call(this, sql, ...rest);
      await run.call(this, 'ROLLBACK');
      throw new Error('simulated commit failure');
    });
    try {
      await expect(load(file, lake.dir, { maxFilesPerLoad: 2 })).rejects.toThrow('simulated commit failure');
    } finally {
      spy.mockRestore();
    }
    expect((await contents(file)).loadEntries).toBe(0);
  });

  it('picks up files that reach the lake after a load', async () => {
    const growing = join(dir, 'growing-lake');
    const file = join(dir, 'growing.duckdb');
    await cp(join(lake.dir, 'impression'), join(growing, 'impression'), { recursive: true });
    await load(file, growing);
    expect((await contents(file)).counts.click).toBe(0);
    for (const entry of await readdir(lake.dir)) {
      if (entry !== 'impression') {
        await mkdir(join(growing, entry), { recursive: true });
        await cp(join(lake.dir, entry), join(growing, entry), { recursive: true });
      }
    }
    const later = await load(file, growing);
    expect(later.find((r) => r.table === 'impressions')!.loadedFiles).toBe(0);
    expect((await contents(file)).counts).toEqual(expectedCounts);
  });

  it('refuses a lake that was replaced (the same events under new file names) before loading anything, and loads one that lost its oldest files', async () => {
    const file = join(dir, 'replaced.duckdb');
    await load(file, lake.dir);
    const before = await contents(file);
    // A second demo run: the same events, written under other keys (its stream's sequence numbers).
    const replaced = join(dir, 'replaced-lake');
    await cp(lake.dir, replaced, { recursive: true });
    for (const entry of await readdir(replaced, { recursive: true })) {
      if (entry.endsWith('.parquet')) await rename(join(replaced, entry), join(replaced, entry.replace(/\.parquet$/, '-rerun.parquet')));
    }
    await expect(load(file, replaced)).rejects.toThrow(/^the lake holds none of the \d+ impressions files this warehouse loaded before, and \d+ it did not: it was replaced/);
    expect(await contents(file)).toEqual(before);
    // Retention: the oldest impressions file gone, the rest as loaded.
    const trimmed = join(dir, 'trimmed-lake');
    await cp(lake.dir, trimmed, { recursive: true });
    const oldest = (await readdir(join(trimmed, 'impression'), { recursive: true })).filter((entry) => entry.endsWith('.parquet')).sort()[0];
    await rm(join(trimmed, 'impression', oldest));
    const reports = await load(file, trimmed);
    expect(reports.every((r) => r.loadedFiles === 0)).toBe(true);
    expect(await contents(file)).toEqual(before);
  });

  it('is what `adstream load-warehouse` and `adstream query --warehouse --file` use', async () => {
    const file = join(dir, 'cli.duckdb');
    const lines: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    const progress = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(await main(['node', 'adstream', 'load-warehouse', '--lake', lake.dir, '--warehouse', file, '--json'])).toBe(0);
      const report = lines.splice(0).map((line) => JSON.parse(line) as { table: string; rows: number });
      expect(report.map((r) => r.rows)).toEqual([...EVENT_TYPES.map((t) => expectedCounts[t]), metricRows]);
      const queryFile = join(import.meta.dirname, '../../../infra/queries/spend_vs_revenue_by_campaign.sql');
      expect(await main(['node', 'adstream', 'query', '--warehouse', file, '--file', queryFile, '--json'])).toBe(0);
      const rows = lines.splice(0).map((line) => JSON.parse(line) as { campaign_id: string; spend_micros: number; revenue_micros: number });
      const spend = new Map<string, number>();
      for (const e of lake.events) {
        if (e.type === 'impression' || e.type === 'click') spend.set(e.body.campaign_id, (spend.get(e.body.campaign_id) ?? 0) + e.body.cost_micros);
      }
      expect(Object.fromEntries(rows.map((r) => [r.campaign_id, r.spend_micros]))).toEqual(Object.fromEntries(spend));
      expect(progress).toHaveBeenCalledWith(`loaded ${lakeFilesOf.metrics} file(s), ${metricRows} rows, into metrics`);
    } finally {
      log.mockRestore();
      progress.mockRestore();
    }
  });

  it('answers every query in infra/queries as the lake does', async () => {
    const file = join(dir, 'queries.duckdb');
    await load(file, lake.dir);
    const queries = join(import.meta.dirname, '../../../infra/queries');
    const onWarehouse = await openWarehouseQuery(file);
    const onLake = await LakeQuery.open(lake.dir);
    try {
      const names = (await readdir(queries)).filter((name) => name.endsWith('.sql'));
      expect(names.length).toBeGreaterThanOrEqual(5);
      for (const name of names) {
        const sql = await readFile(join(queries, name), 'utf8');
        const rows = await onWarehouse.query(sql);
        expect(rows.length, name).toBeGreaterThan(0);
        expect(rows, name).toEqual(await onLake.query(sql));
      }
    } finally {
      onWarehouse.close();
      onLake.close();
    }
  });

  it('refuses a missing warehouse file or SQL file with exit code 2', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(await main(['node', 'adstream', 'query', '--warehouse', join(dir, 'none.duckdb'), 'SELECT 1'])).toBe(2);
      expect(await main(['node', 'adstream', 'query', '--lake', lake.dir, '--file', join(dir, 'none.sql')])).toBe(2);
      expect(await main(['node', 'adstream', 'load-warehouse', '--lake', lake.dir])).toBe(2);
    } finally {
      errors.mockRestore();
    }
  });
});

describe('adstream load-warehouse killed with SIGKILL', () => {
  it('leaves a warehouse that the next run completes with every event once', async () => {
    const file = join(dir, 'killed.duckdb');
    const bin = join(import.meta.dirname, '../../../stream/cli/bin.js');
    const child = spawn(process.execPath, [bin, 'load-warehouse', '--lake', lake.dir, '--warehouse', file, '--max-files-per-load', '1'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let committed = 0;
    const killed = new Promise<void>((resolve) => {
      child.stderr.setEncoding('utf8').on('data', (text: string) => {
        committed += text.split('\n').filter((line) => line.startsWith('loaded ')).length;
        // Killed at whatever point it has reached after its first commit: maybe inside a later load.
        if (committed >= 1 && child.exitCode === null) child.kill('SIGKILL');
      });
      child.on('exit', () => resolve());
    });
    await killed;
    expect(child.signalCode).toBe('SIGKILL');
    const partial = await contents(file);
    expect(partial.loadEntries).toBeGreaterThanOrEqual(1);
    expect(partial.loadEntries).toBeLessThan(lakeFiles);

    await load(file, lake.dir);
    const held = await contents(file);
    expect(held.counts).toEqual(expectedCounts);
    expect(held.distinct).toEqual(expectedCounts);
    expect(held.metrics).toBe(metricRows);
    expect(held.loadKeys).toBe(lakeFiles);
    expect(held.loadEntries).toBe(lakeFiles);
  });
});
