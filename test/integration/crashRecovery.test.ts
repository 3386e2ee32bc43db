/**
 * Exactly once under crashes: a worker process is killed with SIGKILL at random points while
 * records are being produced — twenty times, restarted after each kill — and then finishes. The
 * lake must hold every valid event exactly once and nothing else, the DLQ every malformed record
 * once, and the lineage log exactly the objects in the lake.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../stream/generator/rng.ts';
import { generateTraffic, tallyTruth } from '../../stream/generator/index.ts';
import { LakeQuery } from '../../sinks/query/lakeQuery.ts';
import { countEventRows } from '../support/lakeEvents.ts';
import { startChildWorker, waitFor, type ChildWorker } from '../support/childWorker.ts';
import { environmentFor, startLocalPipeline, type LocalPipeline } from '../support/localPipeline.ts';
import { expectEqual } from '../support/expectEqual.ts';

const KILLS = 20;
let pipeline: LocalPipeline;
let current: ChildWorker | undefined;

beforeAll(async () => {
  pipeline = await startLocalPipeline();
});
afterAll(async () => {
  current?.process.kill('SIGKILL');
  await pipeline?.stop();
});

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile() && entry.name.endsWith('.parquet')).map((entry) => relative(dir, join(entry.parentPath, entry.name))).sort();
}

describe('crash recovery', () => {
  it(`after ${KILLS} SIGKILLs at random points while producing, every valid event is in the lake exactly once`, async () => {
    // Small, short-lived commit units (a few reads each), so kills land while a unit is being
    // gathered, while its files are written and between commits, not only before the first one.
    // A memory budget below the unit makes rows spill, so kills also land mid-spill and while
    // DuckDB encodes from spill files; each incarnation gets its own spill folder.
    const spillDir = join(pipeline.dir, 'crash-spill');
    const config = pipeline.configFor('crashes', {
      // A restarted worker takes back its own leases once they have stood still for two renewal
      // intervals (a third of this each): 0.7 s of each of the twenty starts, not 1.3.
      failoverTimeMs: 1_000,
      shardSyncIntervalMs: 500,
      workerId: 'crashy',
      lakeFileTargetBytes: '128KiB',
      lakeFileMaxAgeMs: 400,
      lakeSpillMemoryBytes: '2KiB',
      spillDir,
    });
    const records = [...generateTraffic({ seed: 17, durationMs: 3_600_000, impressionsPerMinute: 40 }).records];
    const truth = tallyTruth(records);
    await pipeline.produce(config, [], 2);
    const env = environmentFor(config);
    // Produce in slices while the worker is being killed, so kills land mid-stream too.
    const slices = 10;
    const producing = (async () => {
      for (let i = 0; i < slices; i++) {
        await pipeline.produce(config, records.slice((i * records.length) / slices, ((i + 1) * records.length) / slices), 2);
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    })();

    const rng = Rng.seeded(2026);
    const killDelays: number[] = [];
    let killedWhileSpilling = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      current = startChildWorker('crashy', env);
      const worker = current;
      await waitFor('the worker starting a shard', () => (worker.events.some((e) => e.name === 'consumer.shard_started') ? true : undefined), 30_000, 20);
      const delay = rng.int(0, 600);
      killDelays.push(delay);
      await new Promise((resolve) => setTimeout(resolve, delay));
      worker.process.kill('SIGKILL');
      await worker.exited;
      if (existsSync(join(spillDir, `adstream-spill-${worker.process.pid}-1`))) killedWhileSpilling += 1;
    }
    await producing;
    expect(killDelays).toHaveLength(KILLS);

    // The last incarnation runs to the end of the input.
    const stats = await pipeline.consume(config);
    expect(stats.recordsIn).toBeLessThanOrEqual(records.length);
    // Rows did spill in this run: in incarnations that were killed (their folders are left for
    // the next one to clear as it starts) or in the last one.
    expect(killedWhileSpilling + stats.spills).toBeGreaterThan(0);
    expect(await readdir(spillDir)).toEqual([]);

    const lake = await LakeQuery.open(config.lake);
    try {
      expect(await countEventRows(lake)).toEqual({ n: truth.valid, d: truth.valid });
      const expectedIds = records.filter((r) => r.truth.kind === 'valid').map((r) => (r.truth as { eventId: string }).eventId).sort();
      const ids = await lake.query(`
        SELECT event_id FROM impressions UNION ALL SELECT event_id FROM clicks
        UNION ALL SELECT event_id FROM conversions UNION ALL SELECT event_id FROM bid_requests ORDER BY event_id`);
      expectEqual(ids.map((row) => row.event_id), expectedIds);
      const [rejected] = await lake.query('SELECT count(*) AS n, count(DISTINCT shard_id || sequence_number) AS d FROM rejected');
      expect({ n: Number(rejected.n), d: Number(rejected.d) }).toEqual({ n: truth.malformed, d: truth.malformed });
      const lineage = await lake.query('SELECT object_key FROM lineage ORDER BY object_key');
      const objects = (await listFiles(config.lake)).filter((key) => !key.startsWith('_lineage/'));
      expect(lineage.map((row) => row.object_key)).toEqual(objects);
    } finally {
      lake.close();
    }
  }, 300_000); // twenty process starts: about a minute on an idle machine, three under heavy load
});
