/**
 * `adstream record` and `adstream replay` as a user runs them, on a stream filled by producers
 * other than ours: single PutRecord calls (what `aws kinesis put-record` sends), PutRecords
 * batches, and KPL aggregates made by awslabs' aws-kinesis-agg. The recording replays to the same
 * outputs every time, its event tables hold exactly the rows the live worker wrote from the same
 * stream, and every record is accounted for; across a reshard too.
 */
import { PutRecordCommand, PutRecordsCommand, SplitShardCommand, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kinesisClient } from '../../stream/aws/clients.ts';
import { ensureStream } from '../../stream/aws/streamAdmin.ts';
import { listShards } from '../../stream/consumer/leases/shardSync.ts';
import { generateTraffic, tallyTruth, type GeneratedRecord } from '../../stream/generator/index.ts';
import { recordStream } from '../../stream/replay/recorder.ts';
import { readRecording } from '../../stream/replay/recordingFile.ts';
import { directoriesFor } from '../../stream/replay/replayDefaults.ts';
import { goldenOutputs } from '../replay/goldenOutputs.ts';
import { aggregateOne } from '../stream/kpl/awsKinesisAgg.ts';
import { ADSTREAM_BIN, adstream } from '../support/cli.ts';
import { waitFor } from '../support/childWorker.ts';
import { environmentFor, startLocalPipeline, type LocalPipeline } from '../support/localPipeline.ts';

let pipeline: LocalPipeline;
beforeAll(async () => {
  pipeline = await startLocalPipeline();
});
afterAll(async () => {
  await pipeline?.stop();
});

/** How many records go one PutRecord call each, as a shell loop over `aws kinesis put-record` would. */
const SINGLE_PUTS = 40;
const CHUNK = 60;

/**
 * Puts the records in their order: the first ones one call each, then chunks of 60 whose records
 * of one campaign go, chunk by chunk, as one KPL aggregate or as plain PutRecords entries. An
 * aggregate carries one partition key, its campaign's, so it lands on the shard that campaign's
 * plain records land on, and each shard still sees its records in generation order.
 */
async function putAsOtherProducersDo(kinesis: ReturnType<typeof kinesisClient>, stream: string, records: readonly GeneratedRecord[]): Promise<{ aggregates: number }> {
  for (const { data, partitionKey } of records.slice(0, SINGLE_PUTS)) {
    await kinesis.send(new PutRecordCommand({ StreamName: stream, Data: data, PartitionKey: partitionKey }));
  }
  let aggregates = 0;
  const rest = records.slice(SINGLE_PUTS);
  for (let start = 0, chunk = 0; start < rest.length; start += CHUNK, chunk++) {
    const byKey = new Map<string, GeneratedRecord[]>();
    for (const record of rest.slice(start, start + CHUNK)) byKey.set(record.partitionKey, [...(byKey.get(record.partitionKey) ?? []), record]);
    const entries: PutRecordsRequestEntry[] = [];
    for (const [partitionKey, group] of byKey) {
      if (chunk % 2 === 0 && group.length > 1) {
        entries.push({ Data: aggregateOne(group.map(({ data }) => ({ data, partitionKey }))).data, PartitionKey: partitionKey });
        aggregates += 1;
      } else {
        for (const { data } of group) entries.push({ Data: data, PartitionKey: partitionKey });
      }
    }
    const response = await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: entries }));
    expect(response.FailedRecordCount).toBe(0);
  }
  return { aggregates };
}

/** Splits the stream's first shard at the middle of its hash key range and waits for the stream to be ACTIVE again. */
async function splitFirstShard(kinesis: ReturnType<typeof kinesisClient>, stream: string): Promise<void> {
  const [parent] = await listShards(kinesis, stream);
  const start = BigInt(parent.HashKeyRange!.StartingHashKey!);
  const end = BigInt(parent.HashKeyRange!.EndingHashKey!);
  await kinesis.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: parent.ShardId, NewStartingHashKey: String((start + end) / 2n) }));
  await ensureStream(kinesis, stream, 1);
}

/** Replays a recording with the CLI and returns its directories and its summary's counts (in, written, rejected, duplicates, ...). */
async function replayWithCli(recording: string, name: string, env: Record<string, string>): Promise<{ dirs: ReturnType<typeof directoriesFor>; count: (label: string) => number }> {
  const dirs = directoriesFor(join(pipeline.dir, 'replays', name, 'lake'));
  const replayed = await adstream(['replay', recording, '--lake', dirs.lake], env);
  expect(replayed.code, replayed.stderr).toBe(0);
  const summary = replayed.stderr.split('\n').find((line) => line.startsWith('replayed')) ?? '';
  return { dirs, count: (label) => Number(new RegExp(`· ${label} (\\d+)`).exec(summary)?.[1]) };
}

/** The live worker, run on the stream the recording was made from, writes the replay's event rows and rejections. */
async function expectLiveWorkerRows(config: Parameters<LocalPipeline['consume']>[0], replayed: Record<string, string>, valid: number, options: { alerts?: boolean } = {}): Promise<void> {
  const live = await pipeline.consume(config);
  expect(live.written).toBe(valid);
  const liveOutputs = await goldenOutputs({ ...directoriesFor(config.lake), alertLog: config.alertLog });
  for (const table of EVENT_TABLES) expect(liveOutputs[table], table).toBe(replayed[table]);
  if (options.alerts) expect(liveOutputs['alerts.jsonl']).toBe(replayed['alerts.jsonl']);
}

/** A fresh one-shard stream with the first half of a seeded hour of traffic on it; the rest is the caller's to put. */
async function halfProduced(stream: string, seed: number) {
  const config = pipeline.configFor(stream, { failoverTimeMs: 1_500 });
  const records = [...generateTraffic({ seed, durationMs: 3_600_000, impressionsPerMinute: 30 }).records];
  const half = Math.floor(records.length / 2);
  await pipeline.produce(config, records.slice(0, half), 1);
  return { config, records, truth: tallyTruth(records), half };
}

const EVENT_TABLES = ['impressions.csv', 'clicks.csv', 'conversions.csv', 'bid_requests.csv', 'rejected.csv'];

describe('adstream record, then adstream replay', () => {
  it('a stream from other producers replays to the same outputs every time, with the live worker’s rows and alerts, every record accounted for', async () => {
    // With a metrics output the live worker merges the shards' windows and alerts on the stream's
    // own quality too, which replay always does: their alert logs must agree, those alerts included.
    const config = pipeline.configFor('outside', { failoverTimeMs: 1_500, metricsStream: 'outside-metrics' });
    const records = [...generateTraffic({ seed: 23, durationMs: 3_600_000, impressionsPerMinute: 30 }).records];
    const truth = tallyTruth(records);
    const kinesis = kinesisClient(config);
    try {
      await ensureStream(kinesis, config.stream, 2);
      await ensureStream(kinesis, 'outside-metrics', 1);
      const { aggregates } = await putAsOtherProducersDo(kinesis, config.stream, records);
      expect(aggregates).toBeGreaterThan(10);
    } finally {
      kinesis.destroy();
    }
    const env = environmentFor(config);

    const recording = join(pipeline.dir, 'outside.jsonl.gz');
    const recorded = await adstream(['record', '--out', recording, '--until-caught-up'], env);
    expect(recorded.code, recorded.stderr).toBe(0);

    const runs = [];
    for (const name of ['first', 'second']) {
      const { dirs, count } = await replayWithCli(recording, name, env);
      // Every user record (aggregates opened) is written, rejected or a duplicate.
      expect(count('in')).toBe(records.length);
      expect(count('written')).toBe(truth.valid);
      expect(count('rejected')).toBe(truth.malformed);
      expect(count('duplicates')).toBe(truth.duplicates);
      runs.push(await goldenOutputs(dirs));
    }
    const [first, second] = runs;
    expect(second).toEqual(first);
    expect(first['alerts.jsonl'].length + first['metrics.jsonl'].length).toBeGreaterThan(0);

    // The same stream recorded as an Avro container replays to the same outputs.
    const avro = join(pipeline.dir, 'outside.avro');
    expect((await adstream(['record', '--out', avro, '--until-caught-up'], env)).code).toBe(0);
    const fromAvro = await replayWithCli(avro, 'avro', env);
    expect(fromAvro.count('in')).toBe(records.length);
    expect(await goldenOutputs(fromAvro.dirs)).toEqual(first);

    expect(first['alerts.jsonl']).toContain('"key":"quality=stream"');
    await expectLiveWorkerRows(config, first, truth.valid, { alerts: true });
  });

  it('a resharded stream replays as the worker read it: children after their parent, with its dedupe state', async () => {
    const { config, records, truth, half } = await halfProduced('resharded', 29);
    const kinesis = kinesisClient(config);
    try {
      await splitFirstShard(kinesis, config.stream);
    } finally {
      kinesis.destroy();
    }
    // Producer retries of events put before the split: same bytes, same key, now on a child shard.
    // Only the parent's dedupe state, carried into its children, knows them.
    const retried = records.slice(0, half).filter((record) => record.truth.kind === 'valid').slice(-50);
    await pipeline.produce(config, [...retried, ...records.slice(half)], 1);
    const env = environmentFor(config);

    const recording = join(pipeline.dir, 'resharded.jsonl.gz');
    const recorded = await adstream(['record', '--out', recording, '--until-caught-up'], env);
    expect(recorded.code, recorded.stderr).toBe(0);
    expect(recorded.stderr).toContain('from 3 shards');
    const { dirs, count } = await replayWithCli(recording, 'resharded', env);
    expect(count('in')).toBe(records.length + retried.length);
    expect(count('written')).toBe(truth.valid);
    expect(count('duplicates')).toBe(truth.duplicates + retried.length);
    await expectLiveWorkerRows(config, await goldenOutputs(dirs), truth.valid, { alerts: true });
  });

  it('recordings running while the stream is split hold the children’s records and lineage, as gzip JSON Lines and as Avro', async () => {
    const { config, records, truth, half } = await halfProduced('split-while-recording', 31);

    const kinesis = kinesisClient(config);
    const stop = new AbortController();
    const outs = ['split-while-recording.jsonl.gz', 'split-while-recording.avro'].map((name) => join(pipeline.dir, name));
    const recorded = outs.map(() => 0);
    const recordings = outs.map((out, i) => recordStream({ kinesis, streamName: config.stream, out, signal: stop.signal, onProgress: (count) => (recorded[i] = count) }));
    try {
      await waitFor('the first half recorded', () => (recorded.every((n) => n === half) ? true : undefined));
      await splitFirstShard(kinesis, config.stream);
      await pipeline.produce(config, records.slice(half), 1);
      await waitFor('every record recorded', () => (recorded.every((n) => n === records.length) ? true : undefined));
    } finally {
      stop.abort();
      kinesis.destroy();
    }
    for (const { shards } of await Promise.all(recordings)) expect(shards).toHaveLength(3);

    const replays = [];
    for (const [i, out] of outs.entries()) {
      const { dirs, count } = await replayWithCli(out, `split-while-recording-${i}`, environmentFor(config));
      expect(count('in')).toBe(records.length);
      expect(count('written')).toBe(truth.valid);
      replays.push(await goldenOutputs(dirs));
    }
    expect(replays[1]).toEqual(replays[0]);
    await expectLiveWorkerRows(config, replays[0], truth.valid, { alerts: true });
  });

  it('a recorder SIGKILLed mid-recording leaves a file that replays, with --allow-truncated, every record it had read', async () => {
    const { config, half } = await halfProduced('killed-recorder', 41);
    const env = environmentFor(config);
    const out = join(pipeline.dir, 'killed-recorder.jsonl.gz');
    const recorder = spawn('node', [ADSTREAM_BIN, 'record', '--out', out], { env: { ...process.env, ADSTREAM_CONFIG: '', ...env }, stdio: 'ignore' });
    const exited = new Promise((resolve) => recorder.once('exit', resolve));
    try {
      // The file as it stands while the recorder runs: every GetRecords result is flushed to it.
      await waitFor('the first half in the live file', async () => {
        const recording = await readRecording(out, { allowTruncated: true }).catch(() => undefined);
        await recording?.close();
        return recording?.records === half ? true : undefined;
      });
    } finally {
      recorder.kill('SIGKILL');
      await exited;
    }

    const refused = await adstream(['replay', out, '--lake', join(pipeline.dir, 'replays', 'killed-refused', 'lake')], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/killed-recorder\.jsonl\.gz is cut short after line \d+, .*pass --allow-truncated/);

    const dirs = directoriesFor(join(pipeline.dir, 'replays', 'killed', 'lake'));
    const replayed = await adstream(['replay', out, '--allow-truncated', '--lake', dirs.lake], env);
    expect(replayed.code, replayed.stderr).toBe(0);
    expect(replayed.stderr).toMatch(/the file is cut short after line \d+/);
    // The same records as a recording of the same stream closed properly.
    const whole = join(pipeline.dir, 'killed-recorder-whole.jsonl.gz');
    expect((await adstream(['record', '--out', whole, '--until-caught-up'], env)).code).toBe(0);
    const complete = await replayWithCli(whole, 'killed-whole', env);
    expect(complete.count('in')).toBe(half);
    expect(await goldenOutputs(dirs)).toEqual(await goldenOutputs(complete.dirs));
  });

  it('a shard that cannot be read fails the recording and stops the other readers, rather than leaving a gap', async () => {
    const config = pipeline.configFor('unreadable', { failoverTimeMs: 1_500 });
    const records = [...generateTraffic({ seed: 37, durationMs: 3_600_000, impressionsPerMinute: 10 }).records];
    await pipeline.produce(config, records, 2);
    const kinesis = kinesisClient(config);
    const [, second] = await listShards(kinesis, config.stream);
    // A fault on the real client, past its retries: every GetShardIterator of the second shard fails.
    kinesis.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { ShardId?: string; ShardIteratorType?: string };
        if (input.ShardIteratorType && input.ShardId === second.ShardId) throw new Error(`no iterator for ${second.ShardId}`);
        return next(args);
      },
      { step: 'initialize', name: 'failSecondShard' },
    );
    try {
      // Not untilCaughtUp and no signal: only the failure can end this recording.
      const recording = recordStream({ kinesis, streamName: config.stream, out: join(pipeline.dir, 'unreadable.jsonl.gz') });
      await expect(recording).rejects.toThrow(`no iterator for ${second.ShardId}`);
    } finally {
      kinesis.destroy();
    }
  });
});
