/**
 * Alerts across a shard split. The children start from the parent's state, detector baselines
 * included, but each carries only the campaigns whose partition keys fall in its half: normal
 * traffic split in two must raise no campaign alert that the same traffic on one shard does not.
 * (Scored as before, each child saw every campaign that went to its sibling drop to zero, and
 * paged "auctions dropped" for them.)
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../detectors/types.ts';
import { generateTraffic } from '../../stream/generator/index.ts';
import type { SourceRecord } from '../../stream/pipeline/batch.ts';
import { RECORDING_FORMAT, RECORDING_VERSION, inMemoryRecording } from '../../stream/replay/recording.ts';
import { directoriesFor } from '../../stream/replay/replayDefaults.ts';
import { replayToDirectory } from '../../stream/replay/replayToDirectory.ts';
import { FIXTURE_SETTINGS } from './fixtureSettings.ts';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'adstream-reshard-alerts-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

const PARENT = 'shardId-000000000000';
const CHILDREN = ['shardId-000000000001', 'shardId-000000000002'];
const DURATION_MS = 3 * 3_600_000;

/** Three hours of normal traffic, arriving a second after it happened, in Kinesis order. */
function traffic(): { records: Omit<SourceRecord, 'shardId' | 'sequenceNumber'>[]; start: number } {
  const run = generateTraffic({ seed: 9, durationMs: DURATION_MS, impressionsPerMinute: 200, anomalies: [] });
  let arrival = run.config.start;
  const records = [...run.records].map((record) => {
    if (record.truth.kind !== 'malformed') arrival = Math.max(arrival, record.truth.eventTime + 1_000);
    return { partitionKey: record.partitionKey, arrivalTime: arrival, data: record.data };
  });
  return { records, start: run.config.start };
}

async function alertsOf(name: string, shardOf: (record: { partitionKey: string; arrivalTime: number }) => string, shards: string[]): Promise<AlertEvent[]> {
  const { records } = traffic();
  const byShard = new Map<string, SourceRecord[]>(shards.map((shard) => [shard, []]));
  for (const record of records) {
    const shardId = shardOf(record);
    const list = byShard.get(shardId)!;
    list.push({ ...record, shardId, sequenceNumber: String(1_000_000 + list.length) });
  }
  const parents = shards.length > 1 ? Object.fromEntries(CHILDREN.map((child) => [child, [PARENT]])) : undefined;
  const recording = inMemoryRecording({ format: RECORDING_FORMAT, version: RECORDING_VERSION, stream: name, shards, ...(parents && { parents }) }, byShard);
  const dirs = directoriesFor(join(work, name, 'lake'));
  const stats = await replayToDirectory(recording, dirs, FIXTURE_SETTINGS);
  expect(stats.recordsIn).toBe(records.length);
  // No alert at all leaves no log.
  return (existsSync(dirs.alertLog) ? await readFile(dirs.alertLog, 'utf8') : '')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as AlertEvent);
}

const campaignAlerts = (alerts: AlertEvent[]): string[] =>
  [...new Set(alerts.filter((alert) => alert.status === 'firing' && alert.dimensions.campaign !== undefined).map((alert) => `${alert.detector} ${alert.key}`))].sort();

describe('a shard split', () => {
  it('raises no campaign alert that the same traffic on one shard does not', async () => {
    const { start } = traffic();
    const split = start + DURATION_MS / 2;
    // Each campaign's partition key goes to one child, as a split of the hash key range does.
    const childOf = (partitionKey: string): string => CHILDREN[[...partitionKey].reduce((sum, ch) => sum + ch.charCodeAt(0), 0) % 2];
    const unsplit = await alertsOf('unsplit', () => PARENT, [PARENT]);
    const splitRun = await alertsOf('split', (record) => (record.arrivalTime < split ? PARENT : childOf(record.partitionKey)), [PARENT, ...CHILDREN]);
    // Both children carry campaigns.
    const keys = new Set(traffic().records.map((record) => record.partitionKey));
    expect(new Set([...keys].map(childOf)).size).toBe(2);
    expect(campaignAlerts(splitRun).filter((alert) => !campaignAlerts(unsplit).includes(alert))).toEqual([]);
  }, 120_000);
});
