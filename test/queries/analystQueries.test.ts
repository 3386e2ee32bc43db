/**
 * The analysts' SQL in infra/queries, run on DuckDB over a real lake (generator traffic through
 * the pipeline and commitBatch), against numbers computed here in plain TypeScript from the
 * generator's valid events — never from the lake or the query's own output.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BidRequest, Click, Conversion, Impression } from '../../stream/events/types.ts';
import { LakeQuery, type Row } from '../../sinks/query/lakeQuery.ts';
import { lakeTables, type EventRow } from '../../sinks/lake/lakeTables.ts';
import { LocalDirStore } from '../../sinks/objectStore/localDirStore.ts';
import { createParquetEncoder } from '../../sinks/parquet/encoder.ts';
import { buildTestLake, type TestLake } from './testLake.ts';

const QUERIES = join(import.meta.dirname, '..', '..', 'infra', 'queries');
const sqlOf = (name: string) => readFileSync(join(QUERIES, name), 'utf8');
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

let lake: TestLake;
let query: LakeQuery;
let impressions: Impression[];
let clicks: Click[];
let conversions: Conversion[];
let bids: BidRequest[];

beforeAll(async () => {
  lake = await buildTestLake();
  query = await LakeQuery.open(lake.dir);
  impressions = lake.events.flatMap((e) => (e.type === 'impression' ? [e.body] : []));
  clicks = lake.events.flatMap((e) => (e.type === 'click' ? [e.body] : []));
  conversions = lake.events.flatMap((e) => (e.type === 'conversion' ? [e.body] : []));
  bids = lake.events.flatMap((e) => (e.type === 'bid_request' ? [e.body] : []));
}, 60_000);

afterAll(async () => {
  query?.close();
  await lake?.remove();
});

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    let group = groups.get(k);
    if (!group) groups.set(k, (group = []));
    group.push(item);
  }
  return new Map([...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
/** Nearest rank: the smallest value with at least p of the values at or below it. */
const nearestRank = (sorted: readonly number[], p: number) => sorted[Math.ceil(p * sorted.length) - 1];
const time = (value: unknown) => (value as Date).getTime();

function expectedFunnel(clickWindowMs: number, conversionWindowMs: number) {
  const impressionById = new Map(impressions.map((i) => [i.event_id, i]));
  const attributedClicks = new Map<string, { click: Click; campaign: string }>();
  for (const click of clicks) {
    const impression = impressionById.get(click.impression_id);
    if (!impression) continue;
    const gap = click.event_time - impression.event_time;
    if (gap >= 0 && gap <= clickWindowMs) attributedClicks.set(click.event_id, { click, campaign: impression.campaign_id });
  }
  const attributedConversions = conversions.flatMap((conversion) => {
    const attributed = attributedClicks.get(conversion.click_id);
    if (!attributed) return [];
    const gap = conversion.event_time - attributed.click.event_time;
    return gap >= 0 && gap <= conversionWindowMs ? [{ conversion, campaign: attributed.campaign }] : [];
  });
  const clicksBy = groupBy([...attributedClicks.values()], (c) => c.campaign);
  const conversionsBy = groupBy(attributedConversions, (c) => c.campaign);
  const rows = [...groupBy(impressions, (i) => i.campaign_id)].map(([campaign, imps]) => {
    const clickCount = clicksBy.get(campaign)?.length ?? 0;
    const converted = conversionsBy.get(campaign) ?? [];
    return {
      campaign_id: campaign,
      impressions: imps.length,
      clicks: clickCount,
      conversions: converted.length,
      attributed_revenue_micros: sum(converted.map((c) => c.conversion.revenue_micros)),
      ctr: clickCount / imps.length,
      cvr: clickCount === 0 ? null : converted.length / clickCount,
    };
  });
  return { rows, clicks: attributedClicks.size, conversions: attributedConversions.length };
}

function expectRowsClose(actual: Row[], expected: Record<string, unknown>[]): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((row, i) => {
    for (const [column, value] of Object.entries(row)) {
      const got = actual[i][column];
      if (typeof value === 'number' && !Number.isInteger(value)) expect(got, `${column} of row ${i}`).toBeCloseTo(value, 9);
      else expect(got, `${column} of row ${i}`).toEqual(value);
    }
  });
}

describe('infra/queries on DuckDB over the lake', () => {
  it('has traffic worth checking: every step of the funnel is present', () => {
    expect(impressions.length).toBeGreaterThan(10_000);
    expect(clicks.length).toBeGreaterThan(100);
    expect(conversions.length).toBeGreaterThan(3);
  });

  it('funnel_by_campaign counts attributed clicks and conversions within the shipped 30-minute windows', async () => {
    const expected = expectedFunnel(30 * MINUTE_MS, 30 * MINUTE_MS);
    expectRowsClose(await query.query(sqlOf('funnel_by_campaign.sql')), expected.rows);
  });

  it('funnel_by_campaign leaves out clicks and conversions outside a shorter window', async () => {
    const sql = sqlOf('funnel_by_campaign.sql')
      .replace("INTERVAL '30' MINUTE AS click_window", "INTERVAL '20' SECOND AS click_window")
      .replace("INTERVAL '30' MINUTE AS conversion_window", "INTERVAL '3' MINUTE AS conversion_window");
    const expected = expectedFunnel(20_000, 3 * MINUTE_MS);
    const unwindowed = expectedFunnel(Infinity, Infinity);
    // The shorter windows must really exclude something, or this test would prove nothing.
    expect(expected.clicks).toBeLessThan(unwindowed.clicks);
    expect(expected.conversions).toBeLessThan(unwindowed.conversions);
    expectRowsClose(await query.query(sql), expected.rows);
  });

  it('ctr_cvr_by_campaign_hour matches per-hour counts of each event type', async () => {
    type Cell = { impressions: number; clicks: number; conversions: number };
    const cells = new Map<string, Cell>();
    const add = (campaign: string, eventTime: number, step: keyof Cell) => {
      const key = `${campaign}|${String(Math.floor(eventTime / HOUR_MS) * HOUR_MS).padStart(15, '0')}`;
      const cell = cells.get(key) ?? { impressions: 0, clicks: 0, conversions: 0 };
      cell[step] += 1;
      cells.set(key, cell);
    };
    for (const i of impressions) add(i.campaign_id, i.event_time, 'impressions');
    for (const c of clicks) add(c.campaign_id, c.event_time, 'clicks');
    for (const v of conversions) add(v.campaign_id, v.event_time, 'conversions');
    const expected = [...cells].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, cell]) => ({
      campaign_id: key.split('|')[0],
      hour_start: Number(key.split('|')[1]),
      ...cell,
      ctr: cell.impressions === 0 ? null : cell.clicks / cell.impressions,
      cvr: cell.clicks === 0 ? null : cell.conversions / cell.clicks,
    }));
    const rows = (await query.query(sqlOf('ctr_cvr_by_campaign_hour.sql'))).map((row) => ({ ...row, hour_start: time(row.hour_start) }));
    expect(new Set(expected.map((r) => r.hour_start)).size).toBe(2);
    expectRowsClose(rows, expected);
  });

  it('bid_win_rate_by_publisher matches win rates and nearest-rank clearing prices', async () => {
    const expected = [...groupBy(bids, (b) => b.publisher_id)].map(([publisher, group]) => {
      const won = group.filter((b) => b.won).map((b) => b.clearing_price_micros).sort((a, b) => a - b);
      return {
        publisher_id: publisher,
        bid_requests: group.length,
        wins: won.length,
        win_rate: won.length / group.length,
        avg_clearing_price_micros: sum(won) / won.length,
        p50_clearing_price_micros: nearestRank(won, 0.5),
        p90_clearing_price_micros: nearestRank(won, 0.9),
        clearing_spend_micros: sum(won),
      };
    });
    expectRowsClose(await query.query(sqlOf('bid_win_rate_by_publisher.sql')), expected);
  });

  it('bid_win_rate_by_publisher counts no spend for a lost bid that carries the winning price (a loss notice)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adstream-loss-notice-'));
    const encoder = createParquetEncoder('direct');
    let small: LakeQuery | undefined;
    try {
      const bid = (won: boolean, clearing: number, id: string): EventRow => ({
        ...bids[0],
        event_id: id,
        auction_id: id,
        bid_id: id,
        publisher_id: 'pub-loss',
        won,
        clearing_price_micros: clearing,
      });
      const table = lakeTables(new LocalDirStore(dir), encoder).events.bid_request;
      await table.write('loss-notices', [bid(true, 1_200, 'a'), bid(false, 1_500, 'b'), bid(false, 0, 'c'), bid(true, 800, 'd')]);
      small = await LakeQuery.open(dir);
      const [row] = await small.query(sqlOf('bid_win_rate_by_publisher.sql'));
      // Two won bids of 1,200 and 800: spend 2,000, not 3,500 with the lost bid's 1,500.
      expect(row).toMatchObject({ publisher_id: 'pub-loss', bid_requests: 4, wins: 2, win_rate: 0.5, clearing_spend_micros: 2_000, p90_clearing_price_micros: 1_200 });
    } finally {
      small?.close();
      await encoder.close?.();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('spend_vs_revenue_by_campaign adds impression and click costs against conversion revenue', async () => {
    const campaigns = [...new Set([...impressions, ...clicks, ...conversions].map((e) => e.campaign_id))].sort();
    const expected = campaigns.map((campaign) => {
      const impressionSpend = sum(impressions.filter((i) => i.campaign_id === campaign).map((i) => i.cost_micros));
      const clickSpend = sum(clicks.filter((c) => c.campaign_id === campaign).map((c) => c.cost_micros));
      const revenue = sum(conversions.filter((v) => v.campaign_id === campaign).map((v) => v.revenue_micros));
      const spend = impressionSpend + clickSpend;
      return {
        campaign_id: campaign,
        impression_spend_micros: impressionSpend,
        click_spend_micros: clickSpend,
        spend_micros: spend,
        revenue_micros: revenue,
        margin_micros: revenue - spend,
        roas: spend === 0 ? null : revenue / spend,
      };
    });
    expect(sum(expected.map((r) => r.revenue_micros))).toBeGreaterThan(0);
    expectRowsClose(await query.query(sqlOf('spend_vs_revenue_by_campaign.sql')), expected);
  });

  it('ingestion_delay_by_hour spreads the per-window delays of each hour, and shows the injected delay in its hour only', async () => {
    // The lake has no per-event arrival time (see the query's header), so the input here is the
    // metrics table's per-window rows, read raw and aggregated in TypeScript.
    const raw = await query.query(
      "SELECT shard_id, window_start, metric, value FROM metrics WHERE metric IN ('arrival_delay_p50_ms', 'arrival_delay_p99_ms', 'ingestion_delay_p99_ms')",
    );
    const windows = groupBy(raw, (r) => `${String(r.shard_id)}|${time(r.window_start)}`);
    const measured = [...windows.values()].filter((rows) => rows.some((r) => r.metric === 'arrival_delay_p99_ms'));
    expect(measured.length).toBe(windows.size);
    const perWindow = measured.map((rows) => ({
      hour: Math.floor(time(rows[0].window_start) / HOUR_MS) * HOUR_MS,
      p50: rows.find((r) => r.metric === 'arrival_delay_p50_ms')?.value as number,
      p99: rows.find((r) => r.metric === 'arrival_delay_p99_ms')?.value as number,
      behind: rows.find((r) => r.metric === 'ingestion_delay_p99_ms')?.value as number,
    }));
    const expected = [...groupBy(perWindow, (w) => String(w.hour))].map(([hour, group]) => {
      const p99s = group.map((w) => w.p99).sort((a, b) => a - b);
      return {
        hour_start: Number(hour),
        windows: group.length,
        median_window_p99_ms: nearestRank(p99s, 0.5),
        p90_window_p99_ms: nearestRank(p99s, 0.9),
        max_window_p99_ms: Math.max(...p99s),
        max_window_p50_ms: Math.max(...group.map((w) => w.p50)),
        max_window_behind_newest_p99_ms: Math.max(...group.map((w) => w.behind)),
      };
    });
    const rows: Row[] = (await query.query(sqlOf('ingestion_delay_by_hour.sql'))).map((row) => ({ ...row, hour_start: time(row.hour_start) }));
    expectRowsClose(rows, expected);

    // Ground truth: the generator held back records 5–10 minutes during its ingestion_delay label
    // (minutes 20–35 of the first hour), so the first hour's worst window shows such a delay, and
    // the second hour, which that delay never reaches, shows none worth the name.
    const [label] = lake.labels;
    expect(label.kind).toBe('ingestion_delay');
    const [first, second] = rows;
    expect(first.hour_start).toBe(Math.floor(label.start / HOUR_MS) * HOUR_MS);
    for (const column of ['max_window_p99_ms', 'max_window_behind_newest_p99_ms']) {
      expect(first[column] as number, column).toBeGreaterThan(4 * MINUTE_MS);
      expect(first[column] as number, column).toBeLessThan(11 * MINUTE_MS);
      expect(second[column] as number, column).toBeLessThan(MINUTE_MS);
    }
  });
});
