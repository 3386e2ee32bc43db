/**
 * Parquet encoder benchmark: the same seeded impression rows through each encoder, timed with
 * the wall clock (fine here: a benchmark measures time, it does not compute results from it).
 * The codec is read back from each file with DuckDB's parquet_metadata(), not assumed.
 *
 *   npx tsx test/bench/parquet.ts [rowCount] [--json]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { fieldSpecs } from '../../stream/events/schemas.ts';
import { Rng } from '../../stream/generator/rng.ts';
import { createParquetEncoder, PARQUET_ENCODERS } from '../../sinks/parquet/encoder.ts';

export interface ParquetBenchResult {
  encoder: string;
  rowsPerSec: number;
  /** CPU time of the whole process (every thread: DuckDB encodes on its own) per row, in µs. */
  cpuMicrosPerRow: number;
  bytes: number;
  compression: string;
}

const PLACEMENTS = ['banner_top', 'banner_side', 'interstitial', 'native_feed', 'preroll', 'midroll'];
const COUNTRIES = ['US', 'DE', 'GB', 'FR', 'JP', 'BR', 'IN', 'CA', 'AU', 'ES', 'IT', 'NL', 'MX', 'KR', 'SE'];
const DEVICES = ['desktop', 'mobile', 'tablet', 'ctv'];

/** Impressions with ad-tech-like cardinalities: few campaigns, many users, unique ids. */
export function benchImpressions(rowCount: number, seed = 42): Record<string, unknown>[] {
  const rng = Rng.seeded(seed);
  let time = Date.UTC(2026, 10, 1, 7, 0, 0);
  return Array.from({ length: rowCount }, (_, i) => {
    time += rng.int(0, 20);
    const campaign = rng.int(1, 50);
    return {
      event_id: `imp-${seed}-${i.toString(36)}-${rng.int(0, 0xffffff).toString(16)}`,
      event_time: time,
      campaign_id: `cmp-${campaign}`,
      ad_id: `ad-${campaign}-${rng.int(1, 10)}`,
      publisher_id: `pub-${rng.int(1, 200)}`,
      site_id: `site-${rng.int(1, 1_000)}`,
      placement: rng.pick(PLACEMENTS),
      country: rng.pick(COUNTRIES),
      device_type: rng.pick(DEVICES),
      user_id: `u-${rng.int(1, 50_000)}`,
      auction_id: rng.chance(0.1) ? null : `auc-${i.toString(36)}`,
      cost_micros: Math.round(rng.logRange(200, 20_000)),
    };
  });
}

export async function benchParquet(rowCount = 200_000): Promise<ParquetBenchResult[]> {
  const fields = fieldSpecs.impression;
  const rows = benchImpressions(rowCount);
  const warmUp = rows.slice(0, 1_000);
  const db = await DuckDBInstance.create(':memory:');
  const sql = await db.connect();
  const dir = await mkdtemp(join(tmpdir(), 'adstream-bench-'));
  const results: ParquetBenchResult[] = [];
  try {
    for (const name of PARQUET_ENCODERS) {
      const encoder = createParquetEncoder(name);
      try {
        await encoder.encode(fields, warmUp); // JIT, DuckDB start-up and temp dir are not the steady state
        const start = performance.now();
        const cpuStart = process.cpuUsage();
        const bytes = await encoder.encode(fields, rows);
        const cpu = process.cpuUsage(cpuStart);
        const seconds = (performance.now() - start) / 1_000;
        const path = join(dir, `${name}.parquet`);
        await writeFile(path, bytes);
        const codecs = (
          await sql.runAndReadAll(`SELECT DISTINCT compression FROM parquet_metadata('${path.replaceAll("'", "''")}')`)
        ).getRowObjectsJS();
        results.push({
          encoder: name,
          rowsPerSec: Math.round(rowCount / seconds),
          cpuMicrosPerRow: (cpu.user + cpu.system) / rowCount,
          bytes: bytes.byteLength,
          compression: codecs.map((c) => String(c.compression)).join(','),
        });
      } finally {
        await encoder.close?.();
      }
    }
  } finally {
    sql.closeSync();
    db.closeSync();
    await rm(dir, { recursive: true, force: true });
  }
  return results;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // `--json`: one line of JSON, for `npm run bench`, which runs this in a process of its own (ownProcess.ts).
  const json = process.argv.includes('--json');
  const count = process.argv.slice(2).find((arg) => arg !== '--json');
  const results = await benchParquet(count ? Number(count) : undefined);
  if (json) process.stdout.write(`${JSON.stringify(results)}\n`);
  else console.table(results);
}
