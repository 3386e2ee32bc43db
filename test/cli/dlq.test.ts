/**
 * Re-driving the DLQ after a fix: records rejected for an event time too far in the future are
 * put back on the stream with `adstream dlq replay`, accepted once the allowed skew is raised,
 * and the accounting still adds up. Each rejected record goes back once, by its position (a KPL
 * sub-record's sub-sequence number included), however the runs pick their reasons.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutRecordCommand } from '@aws-sdk/client-kinesis';
import { kinesisClient } from '../../stream/aws/clients.ts';
import { ensureStream } from '../../stream/aws/streamAdmin.ts';
import { generateTraffic, tallyTruth } from '../../stream/generator/index.ts';
import { aggregateOne } from '../stream/kpl/awsKinesisAgg.ts';
import { handMadeAggregate } from '../support/kplAggregate.ts';
import { LakeQuery } from '../../sinks/query/lakeQuery.ts';
import { environmentFor, startLocalPipeline, type LocalPipeline } from '../support/localPipeline.ts';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '../../stream/cli/bin.js');
let pipeline: LocalPipeline;
beforeAll(async () => {
  pipeline = await startLocalPipeline();
});
afterAll(async () => {
  await pipeline?.stop();
});

describe('adstream dlq replay', () => {
  it('re-drives rejected records; after the fix they are written, and every record is still accounted for', async () => {
    const config = pipeline.configFor('redrive', { failoverTimeMs: 1_500 });
    const records = [...generateTraffic({ seed: 4, durationMs: 3_600_000, impressionsPerMinute: 30 }).records];
    const truth = tallyTruth(records);
    const future = truth.malformedByReason.event_time_in_future;
    expect(future).toBeGreaterThan(10);
    await pipeline.produce(config, records, 2);
    const first = await pipeline.consume(config);
    expect(first.rejectedByReason.event_time_in_future).toBe(future);

    const env = { ...process.env, ...environmentFor(config) };
    // A reason's class picks every code of it; a reason no record has is named, with those there are.
    const missingField = Object.entries(truth.malformedByReason).filter(([reason]) => reason.startsWith('missing_field:')).reduce((n, [, count]) => n + count, 0);
    expect(missingField).toBeGreaterThan(0);
    const byClass = await run('node', [BIN, 'dlq', 'replay', '--reason', 'missing_field', '--dry-run'], { env });
    expect(byClass.stdout).toContain(`${missingField} rejected records would be re-driven`);
    // Then each reason of the class with its count, most first, as the generator's truth has them.
    const missingByReason = Object.entries(truth.malformedByReason).filter(([reason]) => reason.startsWith('missing_field:'));
    const listed = byClass.stdout.trim().split('\n').slice(1).map((line) => line.trim().split(/\s+/));
    expect(Object.fromEntries(listed.map(([reason, n]) => [reason, Number(n)]))).toEqual(Object.fromEntries(missingByReason));
    expect(listed.map(([, n]) => Number(n))).toEqual(listed.map(([, n]) => Number(n)).sort((a, b) => b - a));
    const unknown = (await run('node', [BIN, 'dlq', 'replay', '--reason', 'bogus_reason', '--dry-run'], { env }).catch((error: unknown) => error)) as { code: number; stderr: string };
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^adstream: no rejected record has reason bogus_reason; the lake's reasons are \w+.* \(\d+\)/);

    // --stream sends them anywhere; without it each goes back to the stream it was read from,
    // whatever ADSTREAM_STREAM says (here another stream's, as on a shell set up for another job).
    const elsewhere = await run('node', [BIN, 'dlq', 'replay', '--reason', 'event_time_in_future', '--stream', 'elsewhere', '--dry-run'], { env });
    expect(elsewhere.stdout.trim().split('\n')).toEqual([`${future} rejected records would be re-driven to elsewhere`, `  event_time_in_future  ${future}`]);
    // A stream that does not exist is named in one sentence, before anything is put.
    const nowhere = (await run('node', [BIN, 'dlq', 'replay', '--reason', 'event_time_in_future', '--stream', 'nowhere'], { env }).catch((error: unknown) => error)) as { code: number; stderr: string };
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr.trim()).toBe('adstream: stream nowhere (--stream) does not exist; create it or name another.');
    const { stdout } = await run('node', [BIN, 'dlq', 'replay', '--reason', 'event_time_in_future'], { env: { ...env, ADSTREAM_STREAM: 'some-other-stream' } });
    expect(stdout.trim()).toBe(`re-drove ${future} rejected records to redrive`);
    // Run again (a retried script, a second fix), each record goes back once: nothing is put twice.
    const rerun = await run('node', [BIN, 'dlq', 'replay', '--reason', 'event_time_in_future'], { env });
    expect(rerun.stdout.trim()).toBe(`re-drove 0 rejected records; skipped ${future} that an earlier dlq replay put back (--again re-drives them too)`);
    const again = await run('node', [BIN, 'dlq', 'replay', '--reason', 'event_time_in_future', '--again', '--dry-run'], { env });
    expect(again.stdout.trim().split('\n')[0]).toBe(`${future} rejected records would be re-driven to redrive`);

    // The fix: these producers' clocks run a year ahead; accept up to two years of skew.
    const second = await pipeline.consume({ ...config, maxFutureSkewMs: 2 * 366 * 86_400_000 });
    expect(second.recordsIn).toBe(future);
    expect(second.written).toBe(future);
    expect(first.recordsIn + second.recordsIn).toBe(records.length + future);
    expect(first.written + second.written + first.rejected + second.rejected + first.duplicates + second.duplicates).toBe(records.length + future);

    const lake = await LakeQuery.open(config.lake);
    try {
      const [row] = await lake.query(`SELECT (SELECT count(*) FROM impressions) + (SELECT count(*) FROM clicks) + (SELECT count(*) FROM conversions) + (SELECT count(*) FROM bid_requests) AS n`);
      expect(Number(row.n)).toBe(truth.valid + future);
    } finally {
      lake.close();
    }
    const usage = await run('node', [BIN, 'dlq', 'replay', '--no-such-flag']).catch((error: { code: number }) => error);
    expect((usage as { code: number }).code).toBe(2);
  });

  it('replays two sub-records of one KPL aggregate, rejected for different reasons, one reason at a time: the second run re-drives the one the first did not', async () => {
    const config = pipeline.configFor('redrive-kpl-reasons', { failoverTimeMs: 1_500 });
    const kinesis = kinesisClient(config);
    await ensureStream(kinesis, config.stream, 1);
    // Same sequence number, sub-sequence numbers 0 and 1: positions that differ only there.
    const aggregate = aggregateOne([
      { partitionKey: 'cmp-1', data: Buffer.from('{"event_id": "x", "event_time": ') }, // json_syntax
      { partitionKey: 'cmp-1', data: Buffer.from('[1,2,3]') }, // json_not_object
    ]);
    await kinesis.send(new PutRecordCommand({ StreamName: config.stream, Data: aggregate.data, PartitionKey: aggregate.partitionKey }));
    kinesis.destroy();
    const first = await pipeline.consume(config);
    expect(first).toMatchObject({ recordsIn: 2, rejected: 2 });
    const lake = await LakeQuery.open(config.lake);
    try {
      const rows = await lake.query('SELECT reason, sequence_number, sub_sequence_number FROM rejected ORDER BY sub_sequence_number');
      expect(rows.map((row) => [row.reason, row.sub_sequence_number])).toEqual([['json_syntax', 0], ['json_not_object', 1]]);
      expect(rows[0].sequence_number).toBe(rows[1].sequence_number);
    } finally {
      lake.close();
    }

    const env = { ...process.env, ...environmentFor(config) };
    const syntax = await run('node', [BIN, 'dlq', 'replay', '--reason', 'json_syntax'], { env });
    expect(syntax.stdout.trim()).toBe('re-drove 1 rejected records to redrive-kpl-reasons');
    // The other sub-record was not put back yet: the ledger of the first run does not cover it.
    const notObject = await run('node', [BIN, 'dlq', 'replay', '--reason', 'json_not_object'], { env });
    expect(notObject.stdout.trim()).toBe('re-drove 1 rejected records to redrive-kpl-reasons');
    // Each came back once, as a plain record, and is rejected again for its reason.
    const second = await pipeline.consume(config);
    expect(second).toMatchObject({ recordsIn: 2, rejected: 2 });
    expect(second.rejectedByReason).toEqual({ json_syntax: 1, json_not_object: 1 });
  });

  it('puts back KPL sub-records whose partition keys Kinesis refuses (empty, over 256 characters) on the shards those keys hash to, with the other rows', async () => {
    const config = pipeline.configFor('redrive-kpl-keys', { failoverTimeMs: 1_500 });
    const kinesis = kinesisClient(config);
    await ensureStream(kinesis, config.stream, 2);
    // An aggregate's key table is not Kinesis's: '' hashes to the upper half (shard 1), the long key to the lower.
    expect(createHash('md5').update('').digest()[0]).toBeGreaterThanOrEqual(0x80);
    let longKey = 'k'.repeat(300);
    for (let i = 0; createHash('md5').update(longKey).digest()[0] >= 0x80; i++) longKey = `${'k'.repeat(300)}${i}`;
    const event = [...generateTraffic({ seed: 3, durationMs: 600_000, impressionsPerMinute: 30, anomalies: [] }).records].find((r) => r.truth.kind === 'valid' && r.truth.eventType === 'impression')!;
    const aggregate = handMadeAggregate({ keys: ['', longKey], records: [{ partition_key_index: 0, data: event.data }, { partition_key_index: 1, data: Buffer.from('[1,2,3]') }] });
    const put = (data: Uint8Array, key: string) => kinesis.send(new PutRecordCommand({ StreamName: config.stream, Data: data, PartitionKey: key, ExplicitHashKey: '1' }));
    await put(aggregate, 'aggregate');
    await put(Buffer.from('{"event_id": '), 'cmp-1');
    kinesis.destroy();
    const first = await pipeline.consume(config);
    expect(first.rejectedByReason).toEqual({ kpl_outside_shard: 1, json_not_object: 1, json_syntax: 1 });

    // PutRecords refused the empty key: the run stopped (exit 1) after putting the rows before it, noting none.
    const env = { ...process.env, ...environmentFor(config) };
    const { stdout } = await run('node', [BIN, 'dlq', 'replay'], { env });
    expect(stdout.trim()).toBe('re-drove 3 rejected records to redrive-kpl-keys');
    const second = await pipeline.consume(config);
    expect(second).toMatchObject({ recordsIn: 3, written: 1, rejected: 2 });
    const lake = await LakeQuery.open(config.lake);
    try {
      // The empty key's impression is stored once, on shard 1, where its key hashes.
      const rows = await lake.query("SELECT shard_id, rows FROM lineage WHERE table_name = 'impression'");
      expect(rows.map((row) => [row.shard_id, Number(row.rows)])).toEqual([['shardId-000000000001', 1]]);
    } finally {
      lake.close();
    }
  });

  it('puts a KPL sub-record rejected on the wrong shard back on its own shard, by its explicit hash key: the KPL re-put it there, so it is stored once', async () => {
    const config = pipeline.configFor('redrive-kpl', { failoverTimeMs: 1_500 });
    const kinesis = kinesisClient(config);
    await ensureStream(kinesis, config.stream, 2);
    // A partition key that hashes into the lower half (shard 0): put back by it, the record would land there again.
    let partitionKey = 'cmp-0';
    for (let i = 1; createHash('md5').update(partitionKey).digest()[0] >= 0x80; i++) partitionKey = `cmp-${i}`;
    const upperHalf = String(2n ** 127n + 5n);
    const event = [...generateTraffic({ seed: 3, durationMs: 600_000, impressionsPerMinute: 30, anomalies: [] }).records].find((r) => r.truth.kind === 'valid' && r.truth.eventType === 'impression')!;
    const aggregate = aggregateOne([{ partitionKey, explicitHashKey: upperHalf, data: event.data }]);
    // The aggregate lands on shard 0, its sub-record belongs to shard 1; the KPL re-puts it there itself.
    const put = (data: Uint8Array, key: string, explicitHashKey: string) => kinesis.send(new PutRecordCommand({ StreamName: config.stream, Data: data, PartitionKey: key, ExplicitHashKey: explicitHashKey }));
    expect((await put(aggregate.data, 'aggregate', '1')).ShardId).toBe('shardId-000000000000');
    expect((await put(event.data, partitionKey, upperHalf)).ShardId).toBe('shardId-000000000001');
    kinesis.destroy();
    const first = await pipeline.consume(config);
    expect(first).toMatchObject({ written: 1, rejected: 1 });
    expect(first.rejectedByReason.kpl_outside_shard).toBe(1);

    const env = { ...process.env, ...environmentFor(config) };
    const { stdout } = await run('node', [BIN, 'dlq', 'replay', '--reason', 'kpl_outside_shard'], { env });
    expect(stdout.trim()).toBe('re-drove 1 rejected records to redrive-kpl');
    const second = await pipeline.consume(config);
    expect(second).toMatchObject({ recordsIn: 1, written: 0, duplicates: 1 });
    const lake = await LakeQuery.open(config.lake);
    try {
      const [row] = await lake.query('SELECT count(*) AS n FROM impressions');
      expect(Number(row.n)).toBe(1);
    } finally {
      lake.close();
    }
  });
});
