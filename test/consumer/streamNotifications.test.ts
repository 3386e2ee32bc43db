/**
 * The stream's quality notifications made by the stream-wide merge (streamNotifications.ts): an
 * incident on every shard is one notification per window and status, the stream's alert leading
 * and every shard's in `related`, not one page per shard and one for the stream; a shard's alert
 * of a window the stream's alert of the same detector is open over is carried in that alert's
 * next notification; a single shard's incident still pages; an alert whose window was fired
 * already (a late partial) is sent at once. Checked on the parts (WindowMerger,
 * StreamNotifications) and on the live merge with four shards, fed as commitBatch feeds it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshLease, localLeaseTable } from '../support/leaseTables.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shardDetectorFactory } from '../../detectors/shardDetector.ts';
import type { AlertEvent } from '../../detectors/types.ts';
import { LocalDirStore } from '../../sinks/objectStore/localDirStore.ts';
import { shardNotifications } from '../../stream/consumer/commitBatch.ts';
import { StreamWindowMerge } from '../../stream/consumer/streamWindowMerge.ts';
import { PartialLog, partialsPosition, toPartials } from '../../stream/consumer/windowPartials.ts';
import { generateTraffic } from '../../stream/generator/index.ts';
import type { SourceRecord } from '../../stream/pipeline/batch.ts';
import { processBatch } from '../../stream/pipeline/processBatch.ts';
import { ShardState } from '../../stream/pipeline/shardState.ts';
import { StreamNotifications } from '../../stream/pipeline/streamNotifications.ts';
import { WindowMerger } from '../../stream/pipeline/windowMerger.ts';
import { WindowAccumulator } from '../../stream/pipeline/windowAccumulator.ts';
import { startLocalServices, type LocalServices } from '../../stream/local/embeddedServices.ts';

const MINUTE = 60_000;
const T0 = 1_800_000_000_000;

/** An alert as a detector raises it; `shard` undefined: the stream-wide merge's. */
function alert(detector: string, shard: number | undefined, window: number, status: 'firing' | 'resolved' = 'firing', extra: Partial<AlertEvent> = {}): AlertEvent {
  const key = shard === undefined ? 'quality=stream' : `quality=stream|shard=shardId-00000000000${shard}`;
  const dimensions: Record<string, string> = shard === undefined ? { scope: 'stream', quality: 'stream' } : { quality: 'stream', shard: `shardId-00000000000${shard}` };
  return {
    alertId: `${detector}:${key}@${T0}`,
    detector, key, dimensions,
    severity: 'critical', metric: detector, observed: 1, expected: 0, score: shard === undefined ? 0.9 : 1,
    windowStart: T0 + window * MINUTE, windowEnd: T0 + (window + 1) * MINUTE,
    summary: `${detector} ${key} ${status} in window ${window}`,
    since: T0, status, notification: status, group: 'stream',
    ...extra,
  };
}

const membersOf = (notification: AlertEvent): string[] => [notification, ...(notification.related ?? [])].map((a) => `${a.detector}|${a.dimensions.shard ?? 'stream'}|${(a.windowStart - T0) / MINUTE}|${a.notification}`);

describe('stream notifications', () => {
  it('an incident on four shards and the stream is one notification per window and status, led by the stream-wide alert', () => {
    const notifications = new StreamNotifications();
    const shards = [0, 1, 2, 3].map((s) => alert('duplicate_rate', s, 5));
    const [page] = [notifications.notify(shards, [alert('duplicate_rate', undefined, 5)])];
    expect(page).toHaveLength(1);
    // Led by the stream's alert though a shard's scores higher.
    expect(page[0].key).toBe('quality=stream');
    expect(page[0].related?.map((a) => a.dimensions.shard)).toHaveLength(4);
    expect(page[0].summary).toMatch(/^5 alerts for stream: /);
    // Resolved in one window by all: one resolution.
    const resolved = notifications.notify([0, 1, 2, 3].map((s) => alert('duplicate_rate', s, 9, 'resolved')), [alert('duplicate_rate', undefined, 9, 'resolved')]);
    expect(resolved.map((n) => n.status)).toEqual(['resolved']);
    expect(resolved[0].related).toHaveLength(4);
  });

  it('an alert both children of a split send alike (closing their parent\'s) is in the notification once', () => {
    const notifications = new StreamNotifications();
    const closed = alert('late_rate', 0, 7, 'resolved', { summary: 'late alert closed for quality stream, shard shardId-000000000000, not back to normal: shard shardId-000000000000 was resharded and has ended' });
    const [page] = notifications.notify([closed, { ...closed }, alert('duplicate_rate', 1, 7, 'resolved')], []);
    expect(membersOf(page)).toEqual(['duplicate_rate|shardId-000000000001|7|resolved', 'late_rate|shardId-000000000000|7|resolved']);
    expect(page.summary).toMatch(/^2 alerts for stream: /);
  });

  it('the same alerts in another order, or fired in other steps, make the same notifications', () => {
    const shardAlerts = [alert('duplicate_rate', 1, 5), alert('late_rate', 0, 5), alert('duplicate_rate', 0, 5), alert('late_rate', 2, 6)];
    const streamAlerts = [alert('duplicate_rate', undefined, 5), alert('late_rate', undefined, 6)];
    const once = new StreamNotifications().notify(shardAlerts, streamAlerts);
    const stepwise = new StreamNotifications();
    const inSteps = [
      ...stepwise.notify([...shardAlerts].reverse().filter((a) => a.windowStart === T0 + 5 * MINUTE), streamAlerts.filter((a) => a.windowStart === T0 + 5 * MINUTE)),
      ...StreamNotifications.restore(stepwise.snapshot()).notify(shardAlerts.filter((a) => a.windowStart === T0 + 6 * MINUTE), streamAlerts.filter((a) => a.windowStart === T0 + 6 * MINUTE)),
    ];
    expect(inSteps).toEqual(once);
    expect(once.map(membersOf)).toEqual([
      ['duplicate_rate|stream|5|firing', 'duplicate_rate|shardId-000000000000|5|firing', 'duplicate_rate|shardId-000000000001|5|firing', 'late_rate|shardId-000000000000|5|firing'],
      ['late_rate|stream|6|firing', 'late_rate|shardId-000000000002|6|firing'],
    ]);
  });

  it('while the stream-wide alert is open, a shard\'s later alerts of its detector ride on its next notification; other detectors page', () => {
    const n = new StreamNotifications();
    expect(n.notify([alert('duplicate_rate', 0, 5)], [alert('duplicate_rate', undefined, 5)])).toHaveLength(1);
    // Shard 1 joins a window late, shards resolve before the stream: nothing paged for them.
    expect(n.notify([alert('duplicate_rate', 1, 6)], [])).toEqual([]);
    expect(n.notify([alert('duplicate_rate', 0, 8, 'resolved')], [])).toEqual([]);
    // Another detector is not inhibited by it.
    expect(n.notify([alert('late_rate', 2, 8)], []).map(membersOf)).toEqual([['late_rate|shardId-000000000002|8|firing']]);
    const resolved = n.notify([alert('duplicate_rate', 1, 9, 'resolved')], [alert('duplicate_rate', undefined, 9, 'resolved')]);
    expect(resolved.map(membersOf)).toEqual([
      ['duplicate_rate|stream|9|resolved', 'duplicate_rate|shardId-000000000000|8|resolved', 'duplicate_rate|shardId-000000000001|6|firing', 'duplicate_rate|shardId-000000000001|9|resolved'],
    ]);
    // Three alerts (the stream's and two shards'), though shard 1's comes with two steps.
    expect(resolved[0].summary).toMatch(/^3 alerts for stream: /);
    // Closed: a shard's alert of that detector pages again.
    const reopened = alert('duplicate_rate', 3, 12);
    expect(n.notify([reopened], [])).toHaveLength(1);
    // Open shard alerts are followed: shard 3's, and shard 2's late_rate alert that paged above.
    expect(n.snapshot()).toEqual({ open: [], carried: [], shardOpen: { [reopened.alertId]: 'duplicate_rate', [alert('late_rate', 2, 8).alertId]: 'late_rate' }, settled: [] });
  });

  it('a shard\'s resolution after the stream-wide alert it was part of resolved is logged, not paged; a later escalation of it pages, and then so does its resolution', () => {
    const n = new StreamNotifications();
    n.notify([alert('rejected_rate', 1, 5), alert('rejected_rate', 2, 5)], [alert('rejected_rate', undefined, 5)]);
    // The stream and shard 1 recover; shard 2 a window later.
    expect(n.notify([alert('rejected_rate', 1, 9, 'resolved')], [alert('rejected_rate', undefined, 9, 'resolved')]).map(membersOf)).toEqual([
      ['rejected_rate|stream|9|resolved', 'rejected_rate|shardId-000000000001|9|resolved'],
    ]);
    const straggler = n.notify([alert('rejected_rate', 2, 10, 'resolved')], []);
    expect(straggler).toEqual([{ ...alert('rejected_rate', 2, 10, 'resolved'), inhibited: 'the stream-wide rejected_rate alert it was part of resolved already' }]);
    // Restored from a snapshot after the stream resolved: an escalation of the shard's alert is news.
    const m = new StreamNotifications();
    m.notify([alert('rejected_rate', 2, 5)], [alert('rejected_rate', undefined, 5)]);
    m.notify([], [alert('rejected_rate', undefined, 9, 'resolved')]);
    const restored = StreamNotifications.restore(JSON.parse(JSON.stringify(m.snapshot())));
    expect(restored.notify([alert('rejected_rate', 2, 11, 'firing', { notification: 'escalated' })], []).map(membersOf)).toEqual([['rejected_rate|shardId-000000000002|11|escalated']]);
    expect(restored.notify([alert('rejected_rate', 2, 14, 'resolved')], []).map(membersOf)).toEqual([['rejected_rate|shardId-000000000002|14|resolved']]);
  });

  it('a single shard\'s incident pages, and what is still carried when the stream ends is sent then', () => {
    const n = new StreamNotifications();
    expect(n.notify([alert('rejected_rate', 2, 5)], []).map(membersOf)).toEqual([['rejected_rate|shardId-000000000002|5|firing']]);
    n.notify([], [alert('late_rate', undefined, 6)]);
    expect(n.notify([alert('late_rate', 1, 7)], [])).toEqual([]);
    expect(n.snapshot().carried).toHaveLength(1);
    expect(n.notify([], [], true).map(membersOf)).toEqual([['late_rate|shardId-000000000001|7|firing']]);
  });
});

describe('window merger with shard alerts', () => {
  const partial = (start: number) => {
    const window = new WindowAccumulator(T0 + start * MINUTE, T0 + (start + 1) * MINUTE);
    return { window, watermark: T0 + (start + 1) * MINUTE };
  };

  it('keeps an alert with its pending window (saved in its snapshot) and hands it back when the window fires; a late one at once', () => {
    const merger = new WindowMerger(0);
    expect(merger.add([partial(5)], [alert('duplicate_rate', 0, 5)])).toEqual([]);
    const restored = WindowMerger.restore(0, JSON.parse(JSON.stringify(merger.snapshot())));
    expect(restored.takeAlerts()).toEqual([]);
    expect(restored.fire(T0 + 6 * MINUTE)).toHaveLength(1);
    expect(restored.takeAlerts().map(membersOf)).toEqual([['duplicate_rate|shardId-000000000000|5|firing']]);
    // Window 5 fired: another shard's partial of it, and its alert, are late.
    expect(restored.add([partial(5)], [alert('duplicate_rate', 1, 5)]).map(membersOf)).toEqual([['duplicate_rate|shardId-000000000001|5|firing']]);
    expect(restored.latePartials).toBe(1);
    // At the stream's end every alert still waiting goes, its window fired or not.
    restored.add([partial(8)], [alert('late_rate', 2, 8)]);
    expect(restored.takeAlerts(true)).toHaveLength(1);
  });
});

const STREAM = 'notify-test';
const SHARDS = [0, 1, 2, 3].map((i) => `shardId-00000000000${i}`);
let services: LocalServices;
let dir: string;

beforeAll(async () => {
  services = await startLocalServices();
  dir = await mkdtemp(join(tmpdir(), 'adstream-notify-'));
});
afterAll(async () => {
  await services?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the live merge, four shards', () => {
  /**
   * Four shards' records (spread by index) with a duplicate storm over the whole stream, each
   * unit committed as commitBatch does with the merge on: the shard sends its other alerts and
   * puts its quality alerts in its partials. `merged` false: as with the merge off (before it
   * notified the shards' alerts), every shard sends all of its own.
   */
  async function run(merged: boolean) {
    const leases = await localLeaseTable(services, `notify-leases-${merged}`, SHARDS.map((shardId) => freshLease(shardId)));
    const store = new LocalDirStore(join(dir, `state-${merged}`));
    const log = new PartialLog(store, STREAM);
    const sent: AlertEvent[] = [];
    /** Alerts logged, not paged (a shard's resolution after the stream's alert resolved). */
    const recorded: AlertEvent[] = [];
    const sink = { send: async (a: AlertEvent) => void sent.push(a), record: async (a: AlertEvent) => void recorded.push(a) };
    const merge = new StreamWindowMerge({
      leases, log, store, stream: STREAM, workerId: 'w', allowedLatenessMs: 0, idleTimeoutMs: 60_000, failoverTimeMs: 1_000, now: () => 0,
      emit: async () => {},
      alerts: { sink, createDetector: shardDetectorFactory() },
    });
    const start = Date.UTC(2026, 10, 1);
    const traffic = generateTraffic({ seed: 11, start, durationMs: 150 * MINUTE, impressionsPerMinute: 200, anomalies: [{ kind: 'duplicate_storm', start: start + 100 * MINUTE, end: start + 110 * MINUTE }] });
    // Arrival: the newest event time generated so far (a malformed record has none of its own).
    let frontier = start;
    const records = [...traffic.records].map((record) => {
      if (record.truth.kind !== 'malformed') frontier = Math.max(frontier, record.truth.eventTime);
      return { ...record, arrivalTime: frontier };
    });
    const states = new Map(SHARDS.map((id) => [id, ShardState.create({ windows: { sizeMs: MINUTE, maxOutOfOrdernessMs: 30_000, allowedLatenessMs: 0 }, dedupeHorizonMs: 3_600_000, createDetector: shardDetectorFactory() }, id)]));
    const units = new Map<string, SourceRecord[][]>(SHARDS.map((shardId, s) => {
      const mine = records.filter((_, i) => i % SHARDS.length === s).map((record, i) => ({ shardId, sequenceNumber: String(1_000_000 + i), partitionKey: `k${i}`, arrivalTime: record.arrivalTime, data: record.data }));
      const out: SourceRecord[][] = [];
      for (let i = 0; i < mine.length; i += 500) out.push(mine.slice(i, i + 500));
      return [shardId, out];
    }));
    const rounds = Math.max(...[...units.values()].map((u) => u.length));
    const shardAlerts: AlertEvent[] = [];
    for (let i = 0; i < rounds; i++) {
      for (const shardId of SHARDS) {
        const mine = units.get(shardId)!;
        if (i >= mine.length) continue;
        const final = i === mine.length - 1;
        const processed = processBatch({ stream: STREAM, shardId, records: mine[i], millisBehindLatest: 0 }, states.get(shardId)!, { maxFutureSkewMs: 300_000, final });
        shardAlerts.push(...processed.alerts);
        const { notifications, forMerge } = shardNotifications(processed.alerts, merged);
        for (const notification of notifications) await sink.send(notification);
        const last = mine[i].at(-1)!;
        await log.write(
          { version: 1, shardId, watermark: Number.isFinite(processed.watermark) ? processed.watermark : null, arrivalTime: last.arrivalTime, caughtUp: true, final, windows: toPartials(processed.windows), ...(forMerge.length > 0 ? { alerts: forMerge } : {}) },
          partialsPosition(mine[i][0].sequenceNumber, last.sequenceNumber),
        );
      }
      await merge.tick(await leases.list());
    }
    /** A later unit of shard 0 with an alert of a window the merge fired long ago (a late partial's). */
    const late = async (lateAlert: AlertEvent) => {
      await log.write({ version: 1, shardId: SHARDS[0], watermark: null, arrivalTime: null, caughtUp: true, final: false, windows: [], alerts: [lateAlert] }, partialsPosition('9000000', '9000000'));
      await merge.tick(await leases.list());
    };
    return { sent, recorded, shardAlerts, stats: merge.stats, late };
  }

  it('a duplicate storm on every shard pages once when it fires and once when it resolves, every shard\'s alert in them', async () => {
    const { sent, recorded, shardAlerts, stats, late } = await run(true);
    const storm = (n: AlertEvent) => [n, ...(n.related ?? [])].some((a) => a.detector === 'duplicate_rate');
    const shardStorm = shardAlerts.filter((a) => a.detector === 'duplicate_rate');
    // The shards did raise it, each (what paged five times before).
    expect(new Set(shardStorm.map((a) => a.dimensions.shard)).size).toBe(4);
    const pages = sent.filter(storm);
    expect(pages.map((n) => `${n.key} ${n.notification}`)).toEqual(['quality=stream firing', 'quality=stream resolved']);
    // Every shard's alert of the storm is in them, once.
    const carried = pages.flatMap((n) => [n, ...(n.related ?? [])]).filter((a) => a.detector === 'duplicate_rate' && a.dimensions.shard !== undefined);
    expect(carried.map((a) => `${a.alertId} ${a.notification}`).sort()).toEqual(shardStorm.map((a) => `${a.alertId} ${a.notification}`).sort());
    // Every shard's quality alert is accounted for in what the merge sent, or logged: a shard's
    // resolution that came after the stream's alert had resolved; the shards sent none.
    const merged = sent.flatMap((n) => [n, ...(n.related ?? [])]).filter((a) => a.dimensions.shard !== undefined);
    expect(recorded.every((a) => a.status === 'resolved' && a.inhibited !== undefined && a.dimensions.shard !== undefined)).toBe(true);
    expect(merged.length + recorded.length).toBe(shardAlerts.filter((a) => a.group === 'stream').length);
    expect(stats.alerts).toBe(sent.filter((n) => n.group === 'stream').length);

    // An alert whose window fired already is sent at once, alone.
    const lateAlert = { ...shardStorm[0], alertId: 'late-one' };
    const count = sent.length;
    await late(lateAlert);
    expect(sent.slice(count)).toEqual([lateAlert]);

    // With the shards sending their own (the merge off), the storm paged once per shard and once for the stream.
    const before = (await run(false)).sent.filter(storm);
    expect(before.filter((n) => n.notification === 'firing').length).toBe(5);
  }, 120_000);
});
