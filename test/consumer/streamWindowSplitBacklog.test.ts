/**
 * Stream-wide windows across a shard split, with and without a backlog. Shard P splits into C
 * (its other child would behave the same) at SPLIT; shard B goes on. The same records, the same
 * per-shard windows: the stream-wide windows must add up to the shards' partials either way.
 *
 * Live: units of 10 s of arrival time, C's lease appears at the split, C commits its first unit
 * one unit after P's last. Backlog: the consumer is behind, so C's lease has existed since the
 * merge started, and each unit (cut by size while catching up) holds 150 s of arrival time; C
 * still commits its first unit one unit after P's last (the wait for the lease taker).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshLease, localLeaseTable } from '../support/leaseTables.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shardDetectorFactory } from '../../detectors/shardDetector.ts';
import type { MetricEvent } from '../../detectors/types.ts';
import { LocalDirStore } from '../../sinks/objectStore/localDirStore.ts';
import { StreamWindowMerge } from '../../stream/consumer/streamWindowMerge.ts';
import { PartialLog, partialsPosition, toPartials } from '../../stream/consumer/windowPartials.ts';
import { DEFAULT_GENERATOR_CONFIG, generateTraffic } from '../../stream/generator/index.ts';
import type { SourceRecord } from '../../stream/pipeline/batch.ts';
import { processBatch } from '../../stream/pipeline/processBatch.ts';
import { ShardState } from '../../stream/pipeline/shardState.ts';
import { startLocalServices, type LocalServices } from '../../stream/local/embeddedServices.ts';

const STREAM = 'split-backlog';
const [P, B, C] = ['shardId-000000000000', 'shardId-000000000001', 'shardId-000000000002'];
const IDLE_MS = 60_000;
const START = DEFAULT_GENERATOR_CONFIG.start;
const SPLIT = START + 10 * 60_000;

let services: LocalServices;
let dir: string;
let runs = 0;
beforeAll(async () => {
  services = await startLocalServices();
  dir = await mkdtemp(join(tmpdir(), 'adstream-split-'));
});
afterAll(async () => {
  await services?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** 20 minutes of traffic arriving about when it happened; B gets every other record, P the rest before SPLIT, C after. */
function shardRecords(): Map<string, SourceRecord[]> {
  const out = new Map<string, SourceRecord[]>([[P, []], [B, []], [C, []]]);
  let arrival = START;
  [...generateTraffic({ seed: 5, durationMs: 20 * 60_000, impressionsPerMinute: 40, anomalies: [] }).records].forEach((record, i) => {
    if (record.truth.kind !== 'malformed') arrival = Math.max(arrival, record.truth.eventTime + 1_000);
    const shardId = i % 2 === 0 ? B : arrival < SPLIT ? P : C;
    const mine = out.get(shardId)!;
    mine.push({ shardId, sequenceNumber: String(1_000_000 + mine.length), partitionKey: `k${i}`, arrivalTime: arrival, data: record.data });
  });
  return out;
}

/** A shard's records cut into units of `unitMs` of arrival time (index = unit number since START). */
const unitsOf = (records: SourceRecord[], unitMs: number): Map<number, SourceRecord[]> => {
  const units = new Map<number, SourceRecord[]>();
  for (const r of records) {
    const k = Math.floor((r.arrivalTime - START) / unitMs);
    if (!units.has(k)) units.set(k, []);
    units.get(k)!.push(r);
  }
  return units;
};

async function run({ unitMs, backlog }: { unitMs: number; backlog: boolean }) {
  const leases = await localLeaseTable(services, `split-leases-${++runs}`, [freshLease(P), freshLease(B)]);
  // Behind at the split: shard sync has created the child's lease long before the merge reaches the split.
  if (backlog) await leases.createIfMissing(freshLease(C, [P]));
  const store = new LocalDirStore(join(dir, `state-${runs}`));
  const log = new PartialLog(store, STREAM);
  const emitted: MetricEvent[] = [];
  const merge = new StreamWindowMerge({
    leases, log, store, stream: STREAM, workerId: 'w', allowedLatenessMs: 0, idleTimeoutMs: IDLE_MS, failoverTimeMs: 1_000, now: () => 0,
    emit: async (_name, events) => void emitted.push(...events),
  });
  const states = new Map([P, B, C].map((id) => [id, ShardState.create({ windows: { sizeMs: 60_000, maxOutOfOrdernessMs: 30_000, allowedLatenessMs: 0 }, dedupeHorizonMs: 3_600_000, createDetector: shardDetectorFactory() }, id)]));
  const partialCounts = new Map<string, number>();
  const commit = async (shardId: string, records: SourceRecord[], final: boolean) => {
    const processed = processBatch({ stream: STREAM, shardId, records, millisBehindLatest: 0 }, states.get(shardId)!, { maxFutureSkewMs: 300_000, final });
    for (const m of processed.metrics) if (m.key.includes('|type=')) partialCounts.set(`${m.windowStart}|${m.key}`, (partialCounts.get(`${m.windowStart}|${m.key}`) ?? 0) + m.values.count);
    const last = records.at(-1)!;
    await log.write(
      { version: 1, shardId, watermark: Number.isFinite(processed.watermark) ? processed.watermark : null, arrivalTime: last.arrivalTime, caughtUp: !backlog, final, windows: toPartials(processed.windows) },
      partialsPosition(records[0].sequenceNumber, last.sequenceNumber),
    );
  };

  const records = shardRecords();
  const units = new Map([P, B, C].map((id) => [id, unitsOf(records.get(id)!, unitMs)]));
  const lastUnit = (id: string) => Math.max(...units.get(id)!.keys());
  const lastP = lastUnit(P);
  const rounds = Math.max(lastUnit(B), lastUnit(C) + 1);
  await merge.tick(await leases.list());
  for (let k = 0; k <= rounds + 1; k++) {
    const pUnit = units.get(P)!.get(k);
    if (pUnit) await commit(P, pUnit, k === lastP);
    // Live: shard sync creates the child's lease at the split, while the parent ends.
    if (!backlog && k === lastP) await leases.createIfMissing(freshLease(C, [P]));
    const bUnit = units.get(B)!.get(k);
    if (bUnit) await commit(B, bUnit, k === lastUnit(B));
    // The child is taken once its parent has ended: its unit k - 1 is committed in round k.
    const cUnit = units.get(C)!.get(k - 1);
    if (cUnit) await commit(C, cUnit, k - 1 === lastUnit(C));
    await merge.tick(await leases.list());
  }

  const merged = new Map<string, number>();
  for (const e of emitted) if (e.key.includes('|type=')) merged.set(`${e.windowStart}|${e.key.replace(/^scope=stream\|/, '')}`, e.values.count);
  const missing = [...partialCounts].filter(([key, count]) => merged.get(key) !== count).map(([key, count]) => `${new Date(Number(key.split('|')[0])).toISOString().slice(11, 16)} ${key.split('|').slice(1).join('|')}: shards ${count}, stream ${merged.get(key) ?? 0}`);
  return { missing, latePartials: merge.stats.latePartials, childUnits: units.get(C)!.size };
}

describe('stream-wide windows across a split', () => {
  it('live: the windows add up to the shards\' partials', async () => {
    const { missing, latePartials, childUnits } = await run({ unitMs: 10_000, backlog: false });
    expect(childUnits).toBeGreaterThan(0);
    expect(missing).toEqual([]);
    expect(latePartials).toBe(0);
  });

  it('backlog: the child that has not started yet is not idle, the windows still add up', async () => {
    const { missing, latePartials, childUnits } = await run({ unitMs: 150_000, backlog: true });
    expect(childUnits).toBeGreaterThan(0);
    expect(missing).toEqual([]);
    expect(latePartials).toBe(0);
  });
});
