/**
 * Recordings made without adstream: a stream captured with the AWS CLI, and the same records as
 * other tools would write them (the Kinesis API's field names, one per line or in an Avro
 * container). Each must replay exactly as adstream's own recording of the same records.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import avro from 'avsc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../stream/cli/main.ts';
import { recordsByShard, type Recording } from '../../stream/replay/recording.ts';
import { readRecording } from '../../stream/replay/recordingFile.ts';
import { replayToDirectory } from '../../stream/replay/replayToDirectory.ts';
import { directoriesFor } from '../../stream/replay/replayDefaults.ts';
import { FIXTURES, FIXTURE_NAME, FIXTURE_SETTINGS } from './fixtureSettings.ts';
import { goldenOutputs, LAKE_VIEWS, readGoldens } from './goldenOutputs.ts';

const AWS_CLI = join(FIXTURES, 'aws-cli');
const NAMES = [...LAKE_VIEWS.map((v) => `${v}.csv`), 'metrics.jsonl', 'alerts.jsonl'];

let work: string;
let fixture: Recording;
let goldens: Record<string, string>;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'adstream-foreign-'));
  fixture = await readRecording(join(FIXTURES, `${FIXTURE_NAME}.jsonl.gz`));
  goldens = await readGoldens(join(FIXTURES, `${FIXTURE_NAME}.golden`), NAMES);
});
afterAll(async () => {
  await fixture.close();
  await rm(work, { recursive: true, force: true });
});

/** The fixture's records in file order, as the Kinesis API names them. */
const apiRecords = async () =>
  [...(await recordsByShard(fixture)).values()].flat().map((r) => ({
    ShardId: r.shardId,
    SequenceNumber: r.sequenceNumber,
    ApproximateArrivalTimestamp: r.arrivalTime,
    PartitionKey: r.partitionKey,
    Data: Buffer.from(r.data),
  }));

/** Replays a foreign file under the fixture's stream name (as `--stream` does) and holds it to the goldens. */
async function expectGoldens(path: string, name: string): Promise<void> {
  const recording = await readRecording(path);
  expect(recording.header.hashRanges).toBeUndefined();
  expect(recording.records).toBe(fixture.records);
  recording.header.stream = fixture.header.stream;
  const dirs = directoriesFor(join(work, name, 'lake'));
  const stats = await replayToDirectory(recording, dirs, FIXTURE_SETTINGS);
  await recording.close();
  expect(stats.written + stats.rejected + stats.duplicates).toBe(fixture.records);
  const outputs = await goldenOutputs(dirs);
  for (const golden of NAMES) expect(outputs[golden], golden).toBe(goldens[golden]);
}

describe('replay of recordings made without adstream', () => {
  it('what `aws kinesis get-records` printed replays as adstream’s recording of the same stream does', async () => {
    const cliDump = join(AWS_CLI, 'get-records.json.gz');
    const printed = JSON.parse(gunzipSync(await readFile(cliDump)).toString('utf8')) as { Records: unknown[] };
    const lakes = { cli: join(work, 'cli', 'lake'), adstream: join(work, 'adstream', 'lake') };
    expect(await main(['node', 'adstream', 'replay', cliDump, '--stream', 'adstream-events', '--lake', lakes.cli])).toBe(0);
    expect(await main(['node', 'adstream', 'replay', join(AWS_CLI, 'adstream-record.jsonl.gz'), '--lake', lakes.adstream])).toBe(0);
    const [cli, ours] = await Promise.all([goldenOutputs(directoriesFor(lakes.cli)), goldenOutputs(directoriesFor(lakes.adstream))]);
    expect(cli).toEqual(ours);

    // Every record the CLI printed is accounted for.
    const recording = await readRecording(cliDump);
    expect(recording.records).toBe(printed.Records.length);
    const stats = await replayToDirectory(recording, directoriesFor(join(work, 'cli-stats', 'lake')), FIXTURE_SETTINGS);
    expect(stats.written + stats.rejected + stats.duplicates).toBe(printed.Records.length);
    expect(stats.written).toBeGreaterThan(printed.Records.length * 0.9);
  });

  it('GetRecords pages appended to one file, as a loop of `aws kinesis get-records >> shard.json` leaves them, read as the single response', async () => {
    const cliDump = join(AWS_CLI, 'get-records.json.gz');
    const { Records } = JSON.parse(gunzipSync(await readFile(cliDump)).toString('utf8')) as { Records: unknown[] };
    const pages = [Records.slice(0, 400), Records.slice(400, 401), [], Records.slice(401)];
    const path = join(work, 'pages.json');
    // The CLI's layout: 4-space indent, one response after another.
    await writeFile(path, pages.map((page, i) => `${JSON.stringify({ Records: page, NextShardIterator: `it-${i}`, MillisBehindLatest: 0 }, null, 4)}\n`).join(''));
    const [paged, single] = await Promise.all([readRecording(path), readRecording(cliDump)]);
    expect(paged.records).toBe(Records.length);
    expect(await recordsByShard(paged)).toEqual(await recordsByShard(single));
    await Promise.all([paged.close(), single.close()]);
  });

  it('GetRecords pages appended with no line break between them (json.dump or JSON.stringify in a loop) read as the single response', async () => {
    const cliDump = join(AWS_CLI, 'get-records.json.gz');
    const { Records } = JSON.parse(gunzipSync(await readFile(cliDump)).toString('utf8')) as { Records: unknown[] };
    const pages = [Records.slice(0, 400), Records.slice(400, 401), [], Records.slice(401)].map((page, i) => ({ Records: page, NextShardIterator: `it-${i}`, MillisBehindLatest: 0 }));
    const single = await readRecording(cliDump);
    // `{...}{...}` on one line, and pretty-printed with `}{` between (json.dump(response, f, indent=2) appended).
    for (const [name, text] of [
      ['compact', pages.map((page) => JSON.stringify(page)).join('')],
      ['indented', pages.map((page) => JSON.stringify(page, null, 2)).join('')],
    ]) {
      const path = join(work, `appended-${name}.json`);
      await writeFile(path, text);
      const appended = await readRecording(path);
      expect(appended.records, name).toBe(Records.length);
      expect(await recordsByShard(appended), name).toEqual(await recordsByShard(single));
      await appended.close();
    }
    await single.close();
  });

  it('GetRecords pages of one shard read again (a page retried, a loop run twice) read as the single response, each record once', async () => {
    const cliDump = join(AWS_CLI, 'get-records.json.gz');
    const { Records } = JSON.parse(gunzipSync(await readFile(cliDump)).toString('utf8')) as { Records: unknown[] };
    const single = await readRecording(cliDump);
    for (const [name, pages] of [
      ['retried', [Records.slice(0, 400), Records.slice(300, 500), Records.slice(500)]],
      ['twice', [Records, Records]],
    ] as const) {
      const path = join(work, `${name}.json`);
      await writeFile(path, pages.map((page) => `${JSON.stringify({ Records: page, NextShardIterator: null, MillisBehindLatest: 0 }, null, 4)}\n`).join(''));
      const reread = await readRecording(path);
      expect(reread.records, name).toBe(Records.length);
      expect(await recordsByShard(reread), name).toEqual(await recordsByShard(single));
      await reread.close();
    }
    await single.close();
  });

  it('refuses GetRecords responses of several shards appended to one file, which would be read as one shard, and says how to name them', async () => {
    // Two shards captured over the same minutes (the fixture's records arrived within a second:
    // here each shard's arrive 50 ms apart, from the same start).
    const byShard = new Map<string, unknown[]>();
    for (const { ShardId, ...record } of await apiRecords()) {
      const list = byShard.get(ShardId) ?? [];
      list.push({ ...record, ApproximateArrivalTimestamp: (record.ApproximateArrivalTimestamp + 50 * list.length) / 1000, Data: record.Data.toString('base64') });
      byShard.set(ShardId, list);
    }
    expect(byShard.size).toBe(2);
    // Either order: the second shard's records go back in sequence number, or in arrival time;
    // also after a page of the first was read again, or with the second appended twice.
    const [a, b] = [...byShard.values()];
    for (const order of [[a, b], [b, a], [a.slice(0, 400), a.slice(300), b], [a, b, b], [b, a, a]]) {
      const path = join(work, 'two-shards.json');
      await writeFile(path, order.map((records) => `${JSON.stringify({ Records: records, NextShardIterator: null, MillisBehindLatest: 0 }, null, 4)}\n`).join(''));
      await expect(readRecording(path)).rejects.toThrow(/goes back from the record before it .*: its GetRecords responses hold more than one shard's records .*give each record its ShardId/);
    }
  });

  it('records named as the Kinesis API names them, one per line with ISO arrival times (as a script dumps an SDK’s records), reproduce the goldens', async () => {
    const path = join(work, 'sdk.jsonl');
    // A script dumping SDK v3 records: the Date prints as ISO 8601, and it turns Data's bytes into base64.
    const lines = (await apiRecords()).map((r) => JSON.stringify({ ...r, ApproximateArrivalTimestamp: new Date(r.ApproximateArrivalTimestamp), Data: r.Data.toString('base64') }));
    await writeFile(path, `${lines.join('\n')}\n`);
    await expectGoldens(path, 'sdk');
  });

  it('records whose Data a script dumped without base64 (SDK v3 responses through JSON.stringify, a Buffer, boto3’s through json.dumps(default=str)) reproduce the goldens', async () => {
    // Python's repr of bytes, as str() gives it: printable ASCII as itself, the rest escaped.
    const pythonRepr = (bytes: Buffer) => {
      const quote = bytes.includes(0x27) && !bytes.includes(0x22) ? '"' : "'";
      const named: Record<number, string> = { 0x5c: '\\\\', 0x09: '\\t', 0x0a: '\\n', 0x0d: '\\r' };
      const body = [...bytes].map((b) => named[b] ?? (b === quote.charCodeAt(0) ? `\\${quote}` : b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`));
      return `b${quote}${body.join('')}${quote}`;
    };
    // A datetime through str(): space-separated, microseconds, the zone as an offset.
    const pythonTime = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '000+00:00');
    const path = join(work, 'dumped.jsonl');
    const lines = (await apiRecords()).map((r, i) => {
      const { ShardId, ...record } = r;
      if (i % 3 === 0) return JSON.stringify({ ShardId, ...record, ApproximateArrivalTimestamp: new Date(r.ApproximateArrivalTimestamp), Data: new Uint8Array(r.Data) });
      if (i % 3 === 1) return JSON.stringify({ ShardId, ...record, Data: Buffer.from(r.Data) });
      return JSON.stringify({ ...record, ShardId, ApproximateArrivalTimestamp: pythonTime(r.ApproximateArrivalTimestamp), Data: pythonRepr(r.Data) });
    });
    await writeFile(path, `${lines.join('\n')}\n`);
    await expectGoldens(path, 'dumped');
  });

  it('a Lambda function’s or an EventBridge pipe’s Kinesis events, logged one a line (batches of both shards interleaved, one delivered twice), reproduce the goldens', async () => {
    // What Lambda hands a function: each record under `kinesis`, camelCase, arrival in epoch
    // seconds; the shard named only in eventID. A batch is one shard's; a failed one comes again.
    const lambdaRecord = (r: Awaited<ReturnType<typeof apiRecords>>[number]) => ({
      kinesis: { kinesisSchemaVersion: '1.0', partitionKey: r.PartitionKey, sequenceNumber: r.SequenceNumber, data: r.Data.toString('base64'), approximateArrivalTimestamp: r.ApproximateArrivalTimestamp / 1000 },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${r.ShardId}:${r.SequenceNumber}`,
      eventName: 'aws:kinesis:record',
      awsRegion: 'us-east-1',
      eventSourceARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/adstream-events',
    });
    const batches: unknown[][] = [];
    const records = await apiRecords();
    const shards = [...new Set(records.map((r) => r.ShardId))];
    expect(shards).toHaveLength(2);
    for (const shard of shards) {
      const own = records.filter((r) => r.ShardId === shard);
      for (let i = 0; i < own.length; i += 100) batches.push(own.slice(i, i + 100).map(lambdaRecord));
    }
    const events = [...batches.filter((_, i) => i % 2 === 0), batches[1], ...batches.filter((_, i) => i % 2 === 1)];
    const path = join(work, 'lambda-events.jsonl');
    await writeFile(path, events.map((Records) => `${JSON.stringify({ Records })}\n`).join(''));
    await expectGoldens(path, 'lambda');
    // The stream is named by the events' source, not by the file: the DLQ re-drives to it.
    const named = await readRecording(path);
    await named.close();
    expect(named.header.stream).toBe('adstream-events');

    // EventBridge Pipes hands on the same records with the Kinesis fields beside the event's, a batch an array.
    const flat = (record: unknown) => {
      const { kinesis, ...event } = record as { kinesis: object };
      return { ...kinesis, ...event };
    };
    const pipes = join(work, 'pipes-events.jsonl');
    await writeFile(pipes, events.map((batch) => `${JSON.stringify(batch.map(flat))}\n`).join(''));
    await expectGoldens(pipes, 'pipes');
  });

  it('an Avro container another tool wrote with the Kinesis API’s names reproduces the goldens', async () => {
    const path = join(work, 'other.avro');
    const schema = {
      type: 'record',
      name: 'Record',
      namespace: 'com.example.kinesis',
      fields: [
        { name: 'ShardId', type: 'string' },
        { name: 'SequenceNumber', type: 'string' },
        { name: 'ApproximateArrivalTimestamp', type: { type: 'long', logicalType: 'timestamp-millis' } },
        { name: 'PartitionKey', type: 'string' },
        { name: 'Data', type: 'bytes' },
      ],
    };
    const encoder = new avro.streams.BlockEncoder(avro.Type.forSchema(schema as avro.Schema), { codec: 'deflate' });
    const file = encoder.pipe(createWriteStream(path));
    for (const record of await apiRecords()) encoder.write(record);
    encoder.end();
    await finished(file);
    await expectGoldens(path, 'other-avro');
  });
});
