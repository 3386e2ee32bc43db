/**
 * Shards whose records carry no event time: a producer that starts sending only records that are
 * rejected, and (below) a shard that never had a valid event. The shard's records keep
 * arriving, but none carries an event time. Its windows must still fire, so that the rejections
 * reach the metrics and the detectors and page, rather than waiting in an open window until the
 * producer is fixed (eventTimeWindows.ts, followArrivals).
 *
 * The broken producer sends one record every 1.5 s from 00:40:00 to 00:49:58.5 (400 records),
 * after 40 minutes of 40 impressions a minute, each arriving 1 s after its event time (the last
 * at 00:39:57, arriving 00:39:58). The allowance is a minute's slide plus 30 s of
 * out-of-orderness, 90 s. Record k of the stall arrives at 00:40:00 + 1.5k s, after 2 + 1.5k s
 * of stall, so the frontier stands at 00:39:57 + 2 + 1.5k − 90 s = 00:38:29 + 1.5k s (or at
 * 00:39:57 while that is less): records k = 0..60 are counted in window 00:39 (the frontier
 * reaches 00:40:00 at k = 61), then 40 records in each minute after it. The last record leaves
 * the frontier at 00:48:27.5, the watermark 30 s behind, so windows 00:39 to 00:46 have fired.
 */
import { describe, expect, it } from 'vitest';
import type { MetricEvent } from '../../../detectors/types.ts';
import type { SourceRecord } from '../../../stream/pipeline/batch.ts';
import { processBatch, type ProcessedBatch } from '../../../stream/pipeline/processBatch.ts';
import { ShardState, type ShardStateSnapshot } from '../../../stream/pipeline/shardState.ts';
import { MINUTE, SHARD, T0, batch, malformed, processOptions, shardConfig, steadyTraffic } from './support/shardTraffic.ts';

const BROKEN_RECORDS = 400;
const brokenProducer = (): SourceRecord[] => Array.from({ length: BROKEN_RECORDS }, (_, k) => malformed(T0 + 40 * MINUTE + k * 1_500));

const shardQuality = (metrics: MetricEvent[]) =>
  metrics.filter((m) => m.key === `quality=stream|shard=${SHARD}`).map((m) => ({ minute: (m.windowStart - T0) / MINUTE, valid: m.values.valid, rejected: m.values.rejected }));

/** Runs the records in batches cut before each index in `cuts`, through a JSON snapshot at each cut when `restart`. */
function run(records: SourceRecord[], cuts: number[] = [], restart = false): Omit<ProcessedBatch, 'batch' | 'events' | 'rejected' | 'windows' | 'watermark'> & { rejected: number } {
  let state = ShardState.create(shardConfig, SHARD);
  const total = { metrics: [] as MetricEvent[], alerts: [] as ProcessedBatch['alerts'], rejected: 0, duplicates: 0, late: 0 };
  const bounds = [0, ...cuts, records.length];
  for (let i = 0; i + 1 < bounds.length; i++) {
    if (restart && i > 0) state = ShardState.create(shardConfig, SHARD, JSON.parse(JSON.stringify(state.snapshot({ inline: true }))) as ShardStateSnapshot);
    const out = processBatch(batch(records.slice(bounds[i], bounds[i + 1])), state, processOptions);
    total.metrics.push(...out.metrics);
    total.alerts.push(...out.alerts);
    total.rejected += out.rejected.length;
    total.duplicates += out.duplicates;
    total.late += out.late;
  }
  return total;
}

describe('a shard whose records stop carrying valid events', () => {
  const traffic = steadyTraffic(['c1', 'c2'], 0, 40);
  const broken = brokenProducer();

  it('a storm of retries moves the frontier on as rejections do: its windows fire, each counting the duplicates that arrived in it', () => {
    // The same 400 records' arrival times, each a producer's retry of the last event (00:39:57):
    // by the rule in the header, 61 duplicates in window 00:39, then 40 a minute until 00:46.
    const last = traffic[traffic.length - 1];
    const retries = broken.map((record, k) => ({ ...last, sequenceNumber: `retry-${k}`, arrivalTime: record.arrivalTime }));
    const out = run([...traffic, ...retries]);
    const windows = out.metrics.filter((m) => m.key === `quality=stream|shard=${SHARD}` && m.windowStart >= T0 + 38 * MINUTE);
    expect(windows.map((m) => ({ minute: (m.windowStart - T0) / MINUTE, valid: m.values.valid, duplicates: m.values.duplicates }))).toEqual([
      { minute: 38, valid: 40, duplicates: 0 },
      { minute: 39, valid: 40, duplicates: 61 },
      ...[40, 41, 42, 43, 44, 45, 46].map((minute) => ({ minute, valid: 0, duplicates: 40 })),
    ]);
    expect(out.duplicates).toBe(BROKEN_RECORDS);
  });

  it('fires its windows as the records keep arriving, each counting the rejections that arrived in it', () => {
    const out = run([...traffic, ...broken]);
    const afterBreak = shardQuality(out.metrics).filter((w) => w.minute >= 38);
    expect(afterBreak).toEqual([
      { minute: 38, valid: 40, rejected: 0 },
      { minute: 39, valid: 40, rejected: 61 },
      ...[40, 41, 42, 43, 44, 45, 46].map((minute) => ({ minute, valid: 0, rejected: 40 })),
    ]);
  });

  it('pages the rejected rate within two windows of the break, not every campaign as dropped', () => {
    const out = run([...traffic, ...broken]);
    const firing = out.alerts.filter((a) => a.status === 'firing' && !a.inhibited);
    const rejected = firing.find((a) => a.detector === 'rejected_rate');
    expect(rejected).toBeDefined();
    expect(rejected!.windowStart).toBeLessThanOrEqual(T0 + 41 * MINUTE);
    expect(firing.filter((a) => a.summary.includes('dropped'))).toEqual([]);
  });

  it('gives the same windows and alerts however the records were cut into batches, and across restarts', () => {
    const records = [...traffic, ...broken];
    const whole = run(records);
    const cuts = Array.from({ length: Math.floor(records.length / 37) }, (_, i) => (i + 1) * 37);
    expect(run(records, cuts)).toEqual(whole);
    expect(run(records, cuts, true)).toEqual(whole);
  });

  it('takes the events of the fixed producer on time, and resolves the page', () => {
    const fixed = steadyTraffic(['c1', 'c2'], 50, 15);
    const out = run([...traffic, ...broken, ...fixed]);
    expect(out.late).toBe(0);
    const rejected = out.alerts.filter((a) => a.detector === 'rejected_rate' && a.key === `quality=stream|shard=${SHARD}`);
    expect(rejected.at(-1)?.status).toBe('resolved');
  });

  it('leaves a shard whose valid events keep coming as it was, rejections among them or not', () => {
    // Every other record rejected, for 40 minutes: the valid ones still set the frontier.
    const mixed = traffic.flatMap((record) => [record, malformed(record.arrivalTime)]);
    const out = run(mixed);
    const clean = run(traffic);
    expect(shardQuality(out.metrics).map(({ minute, valid }) => ({ minute, valid }))).toEqual(shardQuality(clean.metrics).map(({ minute, valid }) => ({ minute, valid })));
    expect(out.late).toBe(0);
  });
});

/**
 * A shard that has never had a valid event: 200 records, one every 1.5 s from 00:00:00, all
 * rejected. Record k comes after 1.5k s of arrivals; at k = 60 (90 s, the allowance) the shard
 * gets a frontier at its first record's arrival, 00:00:00, and the 61 records so far go in window
 * 00:00; record k > 60 puts the frontier at 00:00:00 + 1.5(k − 60) s, so window 00:00 takes
 * k = 61..99 as well (100 in all), window 00:01 k = 100..139 (40). The last leaves the frontier at
 * 00:03:28.5, the watermark at 00:02:58.5: windows 00:00 and 00:01 have fired, 00:02 has not.
 */
describe('a shard that has never had a valid event', () => {
  const neverValid = Array.from({ length: 200 }, (_, k) => malformed(T0 + k * 1_500));

  it('counts its rejections in windows of their arrival, which fire', () => {
    expect(shardQuality(run(neverValid).metrics)).toEqual([
      { minute: 0, valid: 0, rejected: 100 },
      { minute: 1, valid: 0, rejected: 40 },
    ]);
  });

  it('gets a watermark, so it stops holding back the stream-wide windows of the other shards', () => {
    const state = ShardState.create(shardConfig, SHARD);
    expect(processBatch(batch(neverValid.slice(0, 60)), state, processOptions).watermark).toBe(-Infinity);
    expect(processBatch(batch(neverValid.slice(60)), state, processOptions).watermark).toBe(T0 + 208_500 - 30_000);
  });

  it('at the end of a bounded run too short for the allowance, counts them in the window of the first one', () => {
    const state = ShardState.create(shardConfig, SHARD);
    const out = processBatch(batch(neverValid.slice(0, 4)), state, { ...processOptions, final: true });
    expect(shardQuality(out.metrics)).toEqual([{ minute: 0, valid: 0, rejected: 4 }]);
  });
});

