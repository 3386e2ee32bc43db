import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../../detectors/types.ts';
import { fanOutAlertSink } from '../../../sinks/alerts/alertSink.ts';
import { LogAlertSink, alertLogLine } from '../../../sinks/alerts/logAlertSink.ts';

const alert = (i: number): AlertEvent => ({
  alertId: `event_count:campaign=c00${i}|type=click@2024-01-01T10:0${i}:00.000Z`,
  detector: 'event_count',
  key: `campaign=c00${i}|type=click`,
  dimensions: { campaign: `c00${i}`, type: 'click' },
  severity: 'warning',
  metric: 'count',
  observed: 3,
  expected: 40,
  score: 0.7,
  windowStart: Date.UTC(2024, 0, 1, 10, i),
  windowEnd: Date.UTC(2024, 0, 1, 10, i + 1),
  summary: `[warning] count dropped for campaign c00${i}`,
});

describe('LogAlertSink', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('appends one JSON line per alert (creating the folder) and prints one readable line each', async () => {
    dir = await mkdtemp(join(tmpdir(), 'adstream-alerts-'));
    const path = join(dir, 'nested', 'alerts.jsonl');
    const printed: string[] = [];
    const sink = new LogAlertSink({ path, print: (line) => printed.push(line) });
    await sink.send(alert(1));
    await sink.send(alert(2));
    // a second sink on the same file appends rather than truncates (restarts keep history)
    await fanOutAlertSink([new LogAlertSink({ path })]).send(alert(3));

    const lines = (await readFile(path, 'utf8')).split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, -1).map((l) => JSON.parse(l))).toEqual([alert(1), alert(2), alert(3)]);
    expect(printed).toEqual([
      'ALERT event_count:campaign=c001|type=click@2024-01-01T10:01:00.000Z [warning] count dropped for campaign c001',
      'ALERT event_count:campaign=c002|type=click@2024-01-01T10:02:00.000Z [warning] count dropped for campaign c002',
    ]);
  });

  it('prepare() leaves an empty log where there was none, so a run without alerts leaves a log that says so', async () => {
    // A quiet run left no file, and `adstream digest` of its day refused: "the alert log does not exist".
    dir = await mkdtemp(join(tmpdir(), 'alertlog-'));
    const path = join(dir, 'new', 'alerts.jsonl');
    await new LogAlertSink({ path }).prepare();
    expect(await readFile(path, 'utf8')).toBe('');
    const sink = new LogAlertSink({ path });
    await sink.send(alert(1));
    await new LogAlertSink({ path }).prepare();
    expect((await readFile(path, 'utf8')).trim().split('\n')).toHaveLength(1);
  });

  it('resolved notifications are logged as RESOLVED lines, grouped ones name their related alerts', async () => {
    dir = await mkdtemp(join(tmpdir(), 'adstream-alerts-'));
    const path = join(dir, 'alerts.jsonl');
    const printed: string[] = [];
    const sink = new LogAlertSink({ path, print: (line) => printed.push(line) });
    await sink.send({ ...alert(1), related: [{ ...alert(1), detector: 'ctr', key: 'campaign=c001' }] });
    await sink.send({ ...alert(1), status: 'resolved', summary: 'count back to normal for campaign c001' });
    expect(printed).toEqual([
      `ALERT ${alert(1).alertId} ${alert(1).summary} (+1 related: ctr campaign=c001)`,
      `RESOLVED ${alert(1).alertId} count back to normal for campaign c001`,
    ]);
    const logged = (await readFile(path, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as AlertEvent);
    expect(logged.map((a) => a.status ?? 'firing')).toEqual(['firing', 'resolved']);
  });

  it('names the status of a related alert that differs from the notification\'s (a shard\'s resolution carried in a stream-wide escalation)', () => {
    const line = alertLogLine({ ...alert(2), notification: 'escalated', related: [{ ...alert(2), key: 'campaign=c002|shard=s1', status: 'resolved', notification: 'resolved' }] });
    expect(line).toBe(`ALERT ${alert(2).alertId} ${alert(2).summary} (+1 related: event_count campaign=c002|shard=s1 resolved)`);
  });

  it('names a related alert once, with the steps it took in the order they happened', () => {
    // A shard's alert that fired, escalated and resolved while the stream-wide one was open is
    // carried in the stream-wide resolution with all three steps, strongest (critical) first.
    const shard = { ...alert(3), alertId: 'rejected_rate:quality=stream|shard=s0@x', detector: 'rejected_rate', key: 'quality=stream|shard=s0' };
    const other = { ...alert(3), alertId: 'rejected_rate:quality=stream|shard=s1@x', detector: 'rejected_rate', key: 'quality=stream|shard=s1', status: 'resolved' as const, notification: 'resolved' as const };
    const line = alertLogLine({
      ...alert(2),
      status: 'resolved',
      notification: 'resolved',
      related: [
        { ...shard, severity: 'critical', notification: 'escalated', windowStart: shard.windowStart + 60_000 },
        other,
        { ...shard, status: 'resolved', notification: 'resolved', windowStart: shard.windowStart + 120_000 },
        { ...shard, notification: 'firing' },
      ],
    });
    expect(line).toBe(
      `RESOLVED ${alert(2).alertId} ${alert(2).summary} (+2 related: rejected_rate quality=stream|shard=s0 firing → escalated to critical → resolved, rejected_rate quality=stream|shard=s1)`,
    );
  });

  it('logs an alert sent again after a restart once, also when another process appended it meanwhile', async () => {
    dir = await mkdtemp(join(tmpdir(), 'adstream-alerts-'));
    const path = join(dir, 'alerts.jsonl');
    const first = new LogAlertSink({ path });
    await first.send(alert(1));
    await first.send(alert(2));
    // The batch is redone after a crash: a new sink on the same file gets the same alerts again.
    const printed: string[] = [];
    const restarted = new LogAlertSink({ path, print: (line) => printed.push(line) });
    await restarted.send(alert(1));
    await restarted.send(alert(2));
    await restarted.send(alert(3));
    // Another worker appends alert 4 (and the start of a line it is still writing).
    await appendFile(path, `${JSON.stringify(alert(4))}\n${JSON.stringify(alert(5)).slice(0, 20)}`);
    await restarted.send(alert(4));
    await appendFile(path, `${JSON.stringify(alert(5)).slice(20)}\n`);
    await restarted.send(alert(5));
    // The same alert resolved is a new notification.
    await restarted.send({ ...alert(1), status: 'resolved', summary: 'back to normal' });
    const logged = (await readFile(path, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as AlertEvent);
    expect(logged.map((a) => `${a.dimensions.campaign} ${a.status ?? 'firing'}`)).toEqual([
      'c001 firing', 'c002 firing', 'c003 firing', 'c004 firing', 'c005 firing', 'c001 resolved',
    ]);
    expect(printed).toHaveLength(2);
  });

  it('logs once an alert another process appended after alerts were sent concurrently (as shards do)', async () => {
    dir = await mkdtemp(join(tmpdir(), 'adstream-alerts-'));
    const path = join(dir, 'alerts.jsonl');
    const sink = new LogAlertSink({ path });
    await sink.prepare();
    // Another worker's lines, longer than this sink's: a look at the file counted twice would
    // put the read offset past the end of the file, so later lines would never be read.
    const long = (i: number) => ({ ...alert(i), summary: `${alert(i).summary} ${'x'.repeat(2000)}` });
    await appendFile(path, `${JSON.stringify(long(1))}\n${JSON.stringify(long(2))}\n`);
    await Promise.all([sink.send(alert(3)), sink.send(alert(4))]);
    // The other worker logs alert 5; a batch redone here sends it again.
    await appendFile(path, `${JSON.stringify(alert(5))}\n`);
    await sink.send(alert(5));
    const logged = (await readFile(path, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as AlertEvent);
    expect(logged.map((a) => a.dimensions.campaign).sort()).toEqual(['c001', 'c002', 'c003', 'c004', 'c005']);
  });

  it('reads a log longer than one read at start-up, lines across a read boundary included', async () => {
    dir = await mkdtemp(join(tmpdir(), 'adstream-alerts-'));
    const path = join(dir, 'alerts.jsonl');
    // 600 lines of about 2 KB: 1.2 MB, so lines cross the 1 MiB boundary of the first read.
    const lines = Array.from({ length: 600 }, (_, i) => JSON.stringify({ ...alert(1), alertId: `a${i}`, summary: 'x'.repeat(2000) }));
    await appendFile(path, lines.map((l) => `${l}\n`).join(''));
    const crossing = lines.findIndex((_, i) => lines.slice(0, i + 1).join('\n').length + 1 > 1024 * 1024);
    const sink = new LogAlertSink({ path });
    await sink.prepare();
    for (const i of [0, crossing, 599]) await sink.send(JSON.parse(lines[i]) as AlertEvent);
    expect((await readFile(path, 'utf8')).trim().split('\n')).toHaveLength(600);
  });
});
