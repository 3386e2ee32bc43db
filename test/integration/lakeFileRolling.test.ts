/**
 * Commit units rolled by size and age, on the embedded services. With small GetRecords results,
 * a size target gives fewer, larger files than one unit per read, and the lake still holds every
 * valid event exactly once (read back with DuckDB through LakeQuery, against the generator's
 * truth). A live worker lets a unit grow until it is `lakeFileMaxAgeMs` old, and a graceful stop
 * commits the unit it holds.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTraffic, tallyTruth, type GeneratedRecord, type TruthTally } from '../../stream/generator/index.ts';
import type { AdstreamConfig } from '../../stream/config/schema.ts';
import { LakeQuery } from '../../sinks/query/lakeQuery.ts';
import { waitFor } from '../support/childWorker.ts';
import { startLocalPipeline, type LocalPipeline } from '../support/localPipeline.ts';

const STREAM = 'rolling';
/** Small reads, so that one unit per read means many small files; fast polling, as kinesalite allows. */
const reader = { limit: 50, maxCallsPerSecond: 50 };
let pipeline: LocalPipeline;
let records: GeneratedRecord[];
let truth: TruthTally;

beforeAll(async () => {
  pipeline = await startLocalPipeline();
  records = [...generateTraffic({ seed: 23, durationMs: 1_800_000, impressionsPerMinute: 40, anomalies: [] }).records];
  truth = tallyTruth(records);
  await pipeline.produce(pipeline.configFor(STREAM), records, 2);
});
afterAll(async () => {
  await pipeline?.stop();
});

/** A consumer of the shared stream with its own checkpoints and lake. */
function consumerConfig(name: string, overrides: Partial<Record<keyof AdstreamConfig, string | number>>): AdstreamConfig {
  return pipeline.configFor(STREAM, {
    leaseTable: `${name}-leases`,
    lake: join(pipeline.dir, name, 'lake'),
    stateStore: join(pipeline.dir, name, 'state'),
    alertLog: join(pipeline.dir, name, 'alerts.jsonl'),
    ...overrides,
  });
}

/** The event tables' Parquet files (not _rejected, _metrics or _lineage) with their sizes. */
async function eventFiles(lake: string): Promise<number[]> {
  const entries = await readdir(lake, { recursive: true, withFileTypes: true });
  const files = entries.filter((entry) => entry.isFile() && entry.name.endsWith('.parquet') && !relative(lake, entry.parentPath).startsWith('_'));
  return Promise.all(files.map(async (entry) => (await stat(join(entry.parentPath, entry.name))).size));
}

async function lakeCounts(lake: string): Promise<Record<string, { n: number; d: number }>> {
  const query = await LakeQuery.open(lake);
  try {
    const rows = await query.query(`
      SELECT 'impression' AS t, count(*) AS n, count(DISTINCT event_id) AS d FROM impressions
      UNION ALL SELECT 'click', count(*), count(DISTINCT event_id) FROM clicks
      UNION ALL SELECT 'conversion', count(*), count(DISTINCT event_id) FROM conversions
      UNION ALL SELECT 'bid_request', count(*), count(DISTINCT event_id) FROM bid_requests`);
    return Object.fromEntries(rows.map((row) => [row.t as string, { n: Number(row.n), d: Number(row.d) }]));
  } finally {
    query.close();
  }
}

const exactlyOnce = (): Record<string, { n: number; d: number }> =>
  Object.fromEntries(Object.entries(truth.validByType).map(([type, count]) => [type, { n: count, d: count }]));

describe('rolling lake files by size and age', () => {
  it('with a size target, a bounded run writes fewer, larger files than one per GetRecords result, each valid event once', async () => {
    const perRead = consumerConfig('per-read', { lakeFileTargetBytes: 0 });
    const bySize = consumerConfig('by-size', { lakeFileTargetBytes: '64KiB', lakeFileMaxAgeMs: 600_000 });
    const perReadStats = await pipeline.consume(perRead, { reader });
    const bySizeStats = await pipeline.consume(bySize, { reader });

    const small = await eventFiles(perRead.lake);
    const large = await eventFiles(bySize.lake);
    expect(large.length).toBeLessThan(small.length / 3);
    // Parquet's fixed overhead (footer, schema) is much of a small file, so sizes grow less than counts fall.
    const mean = (sizes: number[]) => sizes.reduce((a, b) => a + b, 0) / sizes.length;
    console.log(`event files: ${small.length} of ${Math.round(mean(small))} B one per read, ${large.length} of ${Math.round(mean(large))} B by size`);
    expect(mean(large)).toBeGreaterThan(1.5 * mean(small));
    expect(bySizeStats.filesWritten).toBeLessThan(perReadStats.filesWritten);

    expect(bySizeStats.written).toBe(truth.valid);
    expect(await lakeCounts(bySize.lake)).toEqual(exactlyOnce());
    expect(await lakeCounts(perRead.lake)).toEqual(exactlyOnce());
    const query = await LakeQuery.open(bySize.lake);
    try {
      const [rejected] = await query.query('SELECT count(*) AS n FROM rejected');
      expect(Number(rejected.n)).toBe(truth.malformed);
    } finally {
      query.close();
    }
  });

  it('with a memory budget far below the unit, rows wait on local disk and the lake comes out the same as from memory', async () => {
    const spillDir = join(pipeline.dir, 'spill-scratch');
    const inMemory = consumerConfig('unit-in-memory', { lakeFileTargetBytes: '256KiB', lakeFileMaxAgeMs: 600_000 });
    const spilled = consumerConfig('unit-spilled', { lakeFileTargetBytes: '256KiB', lakeFileMaxAgeMs: 600_000, lakeSpillMemoryBytes: '12KiB', spillDir });
    const memoryStats = await pipeline.consume(inMemory, { reader });
    const spillStats = await pipeline.consume(spilled, { reader });
    expect(memoryStats.spills).toBe(0);
    // Reads of 50 records are a few KiB each: a 256 KiB unit outgrows 12 KiB many times over, and
    // some rows are still in memory when it is written (they join their spilled partitions).
    expect(spillStats.spills).toBeGreaterThan(5);
    expect(spillStats.filesWritten).toBe(memoryStats.filesWritten);
    expect(await lakeCounts(spilled.lake)).toEqual(exactlyOnce());

    // Same objects under the same keys, holding the same rows (DuckDB compares them, any order).
    const keysOf = async (lake: string) =>
      (await readdir(lake, { recursive: true, withFileTypes: true })).filter((e) => e.isFile() && e.name.endsWith('.parquet') && !relative(lake, e.parentPath).startsWith('_lineage')).map((e) => relative(lake, join(e.parentPath, e.name))).sort();
    expect(await keysOf(spilled.lake)).toEqual(await keysOf(inMemory.lake));
    const query = await LakeQuery.open(spilled.lake);
    try {
      // (Half an hour of this traffic may hold no conversion: a table with no file has nothing to compare.)
      for (const table of Object.keys(truth.validByType).filter((type) => truth.validByType[type as keyof typeof truth.validByType] > 0)) {
        const rowsWithFile = (lake: string) =>
          `SELECT * EXCLUDE (filename), substr(filename, ${lake.length + 1}) AS file FROM read_parquet('${lake}/${table}/**/*.parquet', filename = true)`;
        const [difference] = await query.query(`
          SELECT count(*) AS n FROM (
            (${rowsWithFile(spilled.lake)} EXCEPT ALL ${rowsWithFile(inMemory.lake)})
            UNION ALL (${rowsWithFile(inMemory.lake)} EXCEPT ALL ${rowsWithFile(spilled.lake)}))`);
        expect({ table, differing: Number(difference.n) }).toEqual({ table, differing: 0 });
      }
    } finally {
      query.close();
    }
    // Scratch only: nothing is left once the worker has closed.
    expect(await readdir(spillDir, { recursive: true })).toEqual([]);
  });

  it('progress counts records as they are processed, long before the unit holding them commits', async () => {
    const config = consumerConfig('progress', { lakeFileTargetBytes: '1GiB', lakeFileMaxAgeMs: 600_000 });
    const seen: { read: number; committed: number }[] = [];
    const stats = await pipeline.consume(config, { reader, onProgress: (s) => seen.push({ read: s.recordsRead, committed: s.recordsIn }) });
    // One unit per shard, committed at the end: until then a status line built on committed
    // records alone would say 0 while thousands were processed.
    const beforeCommit = seen.filter((s) => s.committed === 0);
    expect(Math.max(...beforeCommit.map((s) => s.read))).toBeGreaterThan(records.length / 4);
    expect(seen.map((s) => s.read)).toEqual([...seen.map((s) => s.read)].sort((a, b) => a - b));
    expect(stats.recordsRead).toBe(records.length);
    expect(stats.recordsIn).toBe(records.length);
  });

  it('a live worker (not caught-up-bounded) commits a trickle once the unit is lakeFileMaxAgeMs old', async () => {
    const config = consumerConfig('by-age', { lakeFileTargetBytes: '1GiB', lakeFileMaxAgeMs: 2_000 });
    const stop = new AbortController();
    const started = performance.now();
    const running = pipeline.consume(config, { reader, inputComplete: () => false, signal: stop.signal });
    try {
      await waitFor('every valid event in the lake', async () => {
        const counts = await lakeCounts(config.lake).catch(() => undefined);
        return counts && Object.values(counts).reduce((sum, { d }) => sum + d, 0) === truth.valid ? counts : undefined;
      }, 30_000, 250);
      // Everything was readable at once: it waited for the age, not for more data.
      expect(performance.now() - started).toBeGreaterThan(2_000);
    } finally {
      stop.abort();
    }
    await running;
    expect(await lakeCounts(config.lake)).toEqual(exactlyOnce());
  });

  it('a graceful stop commits the unit a live worker is holding, long before its age', async () => {
    const config = consumerConfig('stopped', { lakeFileTargetBytes: '1GiB', lakeFileMaxAgeMs: 600_000 });
    const stop = new AbortController();
    const shards = new Set<string>();
    const running = pipeline.consume(config, {
      reader,
      inputComplete: () => false,
      signal: stop.signal,
      onEvent: (event) => {
        if (event.name === 'consumer.shard_started' && event.shardId) shards.add(event.shardId);
      },
    });
    await waitFor('both shards started', () => (shards.size === 2 ? true : undefined));
    // Reads of 50 records at 50/s take well under a second to reach the end of either shard.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await eventFiles(config.lake).catch(() => [])).toEqual([]);
    stop.abort();
    const stats = await running;
    // Whatever the worker had read when told to stop is now in the lake, each event once (on a
    // loaded machine it may not have reached the end of both shards in those 2 s).
    expect(stats.written).toBeGreaterThan(0);
    expect(stats.written + stats.rejected + stats.duplicates).toBe(stats.recordsIn);
    const counts = await lakeCounts(config.lake);
    expect(Object.values(counts).reduce((sum, { n }) => sum + n, 0)).toBe(stats.written);
    for (const [type, { n, d }] of Object.entries(counts)) expect(d, type).toBe(n);
    if (stats.recordsIn === records.length) expect(counts).toEqual(exactlyOnce());
  });
});
