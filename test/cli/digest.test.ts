/**
 * `adstream digest` as an operator runs it: a DLQ written by the lake's own writer (rejected
 * records arriving around midnight on both sides of the day), a hand-written alert log, the
 * report file, and one Publish on an SNS double that decodes the SDK's real request. Expected
 * rejection counts come from DuckDB over the Parquet files by arrival time (not through the
 * `rejected` view nor its partitions) and agree with counting the fixture by hand.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adstream } from '../support/cli.ts';
import type { AlertEvent } from '../../detectors/types.ts';
import { lakeTables, type RejectedRow } from '../../sinks/lake/lakeTables.ts';
import { LocalDirStore } from '../../sinks/objectStore/localDirStore.ts';
import { createParquetEncoder } from '../../sinks/parquet/encoder.ts';
import { startSnsDouble, type SnsDouble } from '../support/snsDouble.ts';

const TOPIC = 'arn:aws:sns:us-east-1:000000000000:adstream-digest';



const rejected = (reason: string, arrival: string, n: number): RejectedRow[] =>
  Array.from({ length: n }, (_, i) => ({
    reason,
    detail: `${reason} #${i}`,
    stream: 'adstream-events',
    shard_id: 'shardId-000000000000',
    sequence_number: `${Date.parse(arrival)}${i}`,
    partition_key: `pk-${i}`,
    arrival_time: Date.parse(arrival),
    raw_base64: Buffer.from(`bad record ${i}`).toString('base64'),
  }));

const alert = (id: string, detector: string, campaign: string, severity: AlertEvent['severity'], score: number, start: string, more: Partial<AlertEvent> = {}): AlertEvent => ({
  alertId: `${detector}:campaign=${campaign}@${id}`,
  detector,
  key: `campaign=${campaign}`,
  dimensions: { campaign },
  severity,
  metric: 'count',
  observed: 10,
  expected: 100,
  score,
  windowStart: Date.parse(start),
  windowEnd: Date.parse(start) + 60_000,
  summary: `[${severity}] count dropped for campaign ${campaign}`,
  status: 'firing',
  notification: 'firing',
  group: `campaign=${campaign}`,
  ...more,
});

let dir: string;
let lake: string;
let alertLog: string;
let sns: SnsDouble;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'adstream-digest-'));
  lake = join(dir, 'lake');
  alertLog = join(dir, 'alerts.jsonl');
  sns = await startSnsDouble();
  const encoder = createParquetEncoder('duckdb');
  try {
    const { rejected: dlq } = lakeTables(new LocalDirStore(lake), encoder);
    // two batches, as two commits would write them
    await dlq.write('adstream-events-shardId-000000000000-1', [
      ...rejected('json_syntax', '2026-10-31T23:59:59.999Z', 2), // the day before
      ...rejected('json_syntax', '2026-11-01T00:00:00.000Z', 3),
      ...rejected('missing_field:campaign_id', '2026-11-01T13:30:00.000Z', 4),
    ]);
    await dlq.write('adstream-events-shardId-000000000000-2', [
      ...rejected('event_time_in_future', '2026-11-01T13:31:00.000Z', 1),
      ...rejected('event_time_in_future', '2026-11-01T23:59:59.999Z', 2),
      ...rejected('json_syntax', '2026-11-02T00:00:00.000Z', 5), // the day after
    ]);
  } finally {
    await encoder.close?.();
  }
  const log = [
    alert('a1', 'campaign_volume', 'c010', 'critical', 0.9, '2026-11-01T09:00:00Z'),
    alert('a1', 'campaign_volume', 'c010', 'critical', 0.2, '2026-11-01T09:10:00Z', { status: 'resolved', notification: 'resolved' }),
    alert('a3', 'ctr', 'c011', 'warning', 0.7, '2026-11-01T12:00:00Z', { related: [alert('a4', 'event_volume', 'c011', 'warning', 0.65, '2026-11-01T12:00:00Z')] }),
    alert('a5', 'campaign_volume', 'c012', 'critical', 1, '2026-10-31T22:00:00Z'),
  ];
  // the last line was cut short by a crash: no newline after it
  await writeFile(alertLog, `${log.map((a) => JSON.stringify(a)).join('\n')}\n{"alertId":"torn`, 'utf8');
});

afterAll(async () => {
  await sns?.close();
  await rm(dir, { recursive: true, force: true });
});

async function rejectedOnDayByArrival(day: string): Promise<Record<string, number>> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(
      `SELECT reason, count(*)::INTEGER AS n FROM read_parquet('${join(lake, '_rejected', '**', '*.parquet')}', hive_partitioning = false) ` +
        `WHERE arrival_time >= TIMESTAMP '${day} 00:00:00' AND arrival_time < TIMESTAMP '${day} 00:00:00' + INTERVAL 1 DAY GROUP BY reason`,
    );
    return Object.fromEntries(reader.getRowObjectsJS().map((row) => [String(row.reason), Number(row.n)]));
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe('adstream digest', () => {
  it('writes the report for the latest day in the alert log and publishes it once to SNS', async () => {
    const byArrival = await rejectedOnDayByArrival('2026-11-01');
    // by hand: json_syntax 3, missing_field 4, event_time_in_future 1 + 2
    expect(byArrival).toEqual({ json_syntax: 3, 'missing_field:campaign_id': 4, event_time_in_future: 3 });

    const out = join(dir, 'reports', 'digest.md');
    const outcome = await adstream(['digest', '--alerts', alertLog, '--lake', lake, '--out', out, '--sns-topic', TOPIC], {
      ADSTREAM_SNS_ENDPOINT: sns.endpoint,
      AWS_REGION: 'us-east-1',
    });
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(outcome.stdout).toContain(`report: ${out}`);

    const report = (await readFile(out, 'utf8')).split('\n');
    expect(report[0]).toBe('# adstream daily digest: 2026-11-01 (UTC)');
    // raised: a1 (critical), a3 and a4 (warning, one grouped notification); a5 is the day before
    expect(report).toContain('- alerts raised: **3** (critical 1, warning 2)');
    expect(report).toContain('- alerts resolved: **1**');
    expect(report).toContain('- rejected records: **10**');
    expect(report).toContain('| campaign_volume | 1 | 0 | 1 |');
    expect(report).toContain('| ctr | 0 | 1 | 1 |');
    expect(report).toContain('| event_volume | 0 | 1 | 1 |');
    expect(report).toContain('| **total** | **1** | **2** | **3** |');
    const reasonRows = report.filter((line) => line.startsWith('| `'));
    expect(reasonRows).toEqual([
      `| \`missing_field:campaign_id\` | ${byArrival['missing_field:campaign_id']} |`,
      `| \`event_time_in_future\` | ${byArrival.event_time_in_future} |`,
      `| \`json_syntax\` | ${byArrival.json_syntax} |`,
    ]);
    const campaignRows = report.filter((line) => /^\| c0\d\d /.test(line));
    expect(campaignRows).toEqual(['| c011 | 2 | 0.700 |', '| c010 | 1 | 0.900 |']);

    expect(sns.published).toHaveLength(1);
    const [sent] = sns.published;
    expect(sent.topicArn).toBe(TOPIC);
    expect(sent.subject).toBe('[digest] adstream 2026-11-01: 3 alerts (1 critical), 1 resolved, 10 rejected');
    expect(sent.attributes).toEqual({
      kind: { dataType: 'String', stringValue: 'digest' },
      day: { dataType: 'String', stringValue: '2026-11-01' },
    });
    expect(sent.message.split('\n')[0]).toBe('adstream daily digest for 2026-11-01 (UTC)');
    expect(JSON.parse(sent.message.split('\n').at(-1)!)).toMatchObject({ day: '2026-11-01', raised: 3, resolved: 1, rejected: 10 });
  });

  it('--day picks another day; without --sns-topic nothing is published', async () => {
    const before = sns.published.length;
    const out = join(dir, 'day-after.md');
    const outcome = await adstream(['digest', '--day', '2026-11-02', '--alerts', alertLog, '--lake', lake, '--out', out]);
    expect(outcome.code, outcome.stderr).toBe(0);
    const report = await readFile(out, 'utf8');
    expect(report).toContain('- alerts raised: **0**');
    expect(report).toContain('| `json_syntax` | 5 |');
    expect(sns.published).toHaveLength(before);
    // A directory as --out gets the day's report inside it, named as by default.
    const reports = join(dir, 'reports');
    await mkdir(reports, { recursive: true });
    const intoDirectory = await adstream(['digest', '--day', '2026-11-02', '--alerts', alertLog, '--lake', lake, '--out', reports]);
    expect(intoDirectory.code, intoDirectory.stderr).toBe(0);
    expect(await readFile(join(reports, 'digest-2026-11-02.md'), 'utf8')).toBe(report);
    // So does one not made yet, written with its closing slash: it is made (it was "it is a directory").
    const newReports = join(dir, 'new-reports');
    const intoNewDirectory = await adstream(['digest', '--day', '2026-11-02', '--alerts', alertLog, '--lake', lake, '--out', `${newReports}/`]);
    expect(intoNewDirectory.code, intoNewDirectory.stderr).toBe(0);
    expect(await readFile(join(newReports, 'digest-2026-11-02.md'), 'utf8')).toBe(report);
  });

  it('publishes to a FIFO topic with a message group and a deduplication id, which SNS requires of one', async () => {
    const fifo = 'arn:aws:sns:us-east-1:123456789012:adstream-digest.fifo';
    const outcome = await adstream(['digest', '--day', '2026-11-02', '--alerts', alertLog, '--lake', lake, '--out', join(dir, 'fifo.md'), '--sns-topic', fifo], { ADSTREAM_SNS_ENDPOINT: sns.endpoint });
    expect(outcome.code, outcome.stderr).toBe(0);
    const sent = sns.published.at(-1)!;
    expect(sent.topicArn).toBe(fifo);
    expect(sent.groupId).toMatch(/^[0-9a-f]{64}$/);
    expect(sent.deduplicationId).toMatch(/^[0-9a-f]{64}$/);
  });

  it('exits 2 before writing the report when SNS has no topic of that ARN', async () => {
    // It wrote the report, then failed (exit 1) in SNS's words, "Topic does not exist".
    const oneTopic = await startSnsDouble([TOPIC]);
    try {
      const out = join(dir, 'no-topic.md');
      const typo = `${TOPIC}s`;
      const outcome = await adstream(['digest', '--alerts', alertLog, '--lake', lake, '--out', out, '--sns-topic', typo], { ADSTREAM_SNS_ENDPOINT: oneTopic.endpoint, AWS_REGION: 'us-east-1' });
      expect(outcome.code, outcome.stderr).toBe(2);
      expect(outcome.stderr.trim()).toBe(`adstream: the SNS topic ${typo} (--sns-topic) does not exist: create it, or pass a topic that does.`);
      expect(existsSync(out)).toBe(false);
      expect(oneTopic.published).toEqual([]);
    } finally {
      await oneTopic.close();
    }
  });

  it('on a day whose DLQ is empty, says which days hold rejections, since alerts and rejections are dated differently', async () => {
    const outcome = await adstream(['digest', '--day', '2026-10-30', '--alerts', alertLog, '--lake', lake, '--out', join(dir, 'quiet-day.md'), '--sns-topic', TOPIC], {
      ADSTREAM_SNS_ENDPOINT: sns.endpoint,
    });
    expect(outcome.code, outcome.stderr).toBe(0);
    // Independently: what DuckDB counts per arrival day, most first.
    const [day1, day2, day0] = await Promise.all(['2026-11-01', '2026-11-02', '2026-10-31'].map(async (day) => Object.values(await rejectedOnDayByArrival(day)).reduce((a, b) => a + b, 0)));
    expect(outcome.stdout).toContain(`note: no record arrived in the DLQ on 2026-10-30, but it holds ${day1} on 2026-11-01, ${day2} on 2026-11-02, ${day0} on 2026-10-31`);
    // So does the SNS message (it said "rejected records: 0" and nothing more).
    expect(sns.published.at(-1)!.message).toContain(`note: no record arrived in the DLQ on 2026-10-30, but it holds ${day1} on 2026-11-01`);
    // The report file says so too: it is what gets read later, without the terminal's note.
    expect(await readFile(join(dir, 'quiet-day.md'), 'utf8')).toContain(`Note: no record arrived in the DLQ on 2026-10-30, but it holds ${day1} on 2026-11-01`);
    const busy = await adstream(['digest', '--day', '2026-11-02', '--alerts', alertLog, '--lake', lake, '--out', join(dir, 'busy-day.md')]);
    expect(busy.stdout).not.toContain('note:');
  });

  it('exits 2 with one sentence on a day that is not a date, or an alert log that is not there', async () => {
    const [bad, missing] = await Promise.all([
      adstream(['digest', '--day', '2026-13-01', '--alerts', alertLog, '--lake', lake]),
      adstream(['digest', '--alerts', join(dir, 'nowhere.jsonl'), '--lake', lake]),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('adstream: --day must be a UTC date written YYYY-MM-DD, e.g. 2026-11-01, but is "2026-13-01".');

    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toContain('nowhere.jsonl does not exist; pass --alerts <file>');
  });

  it('exits 2 with one sentence on an alert log that is a directory, or holds a line that is JSON but no alert', async () => {
    const notAlert = join(dir, 'not-alerts.jsonl');
    await writeFile(notAlert, `${JSON.stringify({ foo: 1 })}\n`);
    const [directory, foreign] = await Promise.all([
      adstream(['digest', '--alerts', dir, '--lake', lake]),
      adstream(['digest', '--alerts', notAlert, '--lake', lake]),
    ]);
    expect(directory.code).toBe(2);
    expect(directory.stderr.trim().split('\n')).toEqual([`adstream: the alert log ${dir} is a directory; pass the alert log file with --alerts <file> (npm start writes ./data/demo/alerts.jsonl).`]);
    expect(foreign.code).toBe(2);
    expect(foreign.stderr.trim().split('\n')).toEqual([`adstream: line 1 of the alert log ${notAlert} is not an alert (no string alertId); is it an alert log written by adstream?`]);
  });
});
