/**
 * The demo explains a missed incident from the lake it wrote: the evidence counted with SQL over
 * the Parquet files, one campaign and time span, compared with hand-computed tails.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { LakeQuery } from '../../../sinks/query/lakeQuery.ts';
import { missedEvidence } from '../../../stream/demo/missedEvidence.ts';

const MINUTE = 60_000;
const start = Date.parse('2026-11-01T01:08:00Z');

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Writes one Parquet file of (campaign_id, event_time) rows into a table folder of the lake. */
async function writeEvents(lake: string, table: string, rows: [string, number][]): Promise<void> {
  const folder = join(lake, table, 'dt=2026-11-01', 'hour=01');
  await mkdir(folder, { recursive: true });
  const instance = await DuckDBInstance.create();
  const connection = await instance.connect();
  try {
    const values = rows.map(([campaign, at]) => `('${campaign}', make_timestamp(${at * 1000}))`).join(', ');
    await connection.run(`COPY (SELECT * FROM (VALUES ${values}) AS t(campaign_id, event_time)) TO '${join(folder, 'part.parquet')}' (FORMAT parquet)`);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe('missedEvidence over a lake', () => {
  it('counts the campaign’s conversions in the hour before and during the incident, and says no test could page on them', async () => {
    dir = await mkdtemp(join(tmpdir(), 'adstream-missed-'));
    const end = start + 17 * MINUTE;
    await writeEvents(dir, 'conversion', [
      // Six in the hour before (one every ten minutes), none during; another campaign's and one at the end do not count.
      ...[1, 2, 3, 4, 5, 6].map((i): [string, number] => ['c012', start - i * 10 * MINUTE + 1]),
      ['c099', start + MINUTE],
      ['c012', end],
      ['c012', start - 61 * MINUTE],
    ]);
    const lake = await LakeQuery.open(dir);
    try {
      const evidence = await missedEvidence({ kind: 'conversion_drop', key: 'campaign=c012', start, end }, (sql) => lake.query(sql));
      expect(evidence?.what).toBe('conversions 1.70 → 0');
      expect(evidence?.p).toBeCloseTo(Math.exp(-1.7), 12);
      expect(evidence?.detectable).toBe(false);
    } finally {
      lake.close();
    }
  });

  it('says a traffic drop the data shows plainly was the detectors’ miss', async () => {
    dir = await mkdtemp(join(tmpdir(), 'adstream-missed-'));
    const end = start + 5 * MINUTE;
    // 10 bid requests a minute for the hour before, 1 in the incident's 5 minutes: Poisson(50) at 1.
    const before = Array.from({ length: 600 }, (_, i): [string, number] => ['c029', start - 60 * MINUTE + i * 6_000]);
    await writeEvents(dir, 'bid_request', [...before, ['c029', start + 30_000]]);
    const lake = await LakeQuery.open(dir);
    try {
      const evidence = await missedEvidence({ kind: 'traffic_drop', key: 'campaign=c029', start, end }, (sql) => lake.query(sql));
      expect(evidence?.what).toBe('bid requests 50.00 → 1');
      expect(evidence?.p).toBeCloseTo(51 * Math.exp(-50), 25);
      expect(evidence?.detectable).toBe(true);
    } finally {
      lake.close();
    }
  });
});
