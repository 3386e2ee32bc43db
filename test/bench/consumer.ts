/**
 * Consumer throughput on kinesalite: 8 shards, 200k generated records, time to consume all of
 * them including start-up, for
 * - a bare GetRecords loop over every shard (the floor: no leases, no processing),
 * - the adstream worker (leases, decode, validate, dedupe, windows, detector, Parquet, checkpoints),
 * - lifion-kinesis consuming into a no-op (leases and polling only),
 * all in the same run against the same stream; then the failover time after kill -9 of a worker.
 * The services run in a process of their own (one core for them, one for the consumer).
 */
import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Lifion from 'lifion-kinesis';
import { dynamoDbClient, kinesisClient } from '../../stream/aws/clients.ts';
import { ensureStream } from '../../stream/aws/streamAdmin.ts';
import { loadConfig } from '../../stream/config/load.ts';
import type { AdstreamConfig } from '../../stream/config/schema.ts';
import { LeaseTable } from '../../stream/consumer/leases/leaseTable.ts';
import { listShards } from '../../stream/consumer/leases/shardSync.ts';
import { workerFromConfig } from '../../stream/consumer/workerFromConfig.ts';
import { generateTraffic } from '../../stream/generator/index.ts';
import { Producer } from '../../stream/producer/index.ts';
import { startChildWorker } from '../support/childWorker.ts';
import { environmentFor } from '../support/localPipeline.ts';
import { startSeparateServices } from '../support/separateServices.ts';

export interface ConsumerBenchRow {
  consumer: string;
  what: string;
  records: number;
  seconds: number;
}

export interface ConsumerBench {
  records: number;
  shards: number;
  rows: ConsumerBenchRow[];
  failover: { failoverTimeMs: number; takeoverMs: number };
}

const SHARDS = 8;

async function bareLoop(kinesis: KinesisClient, stream: string, total: number): Promise<number> {
  const shards = await listShards(kinesis, stream);
  const counts = await Promise.all(
    shards.map(async (shard) => {
      let { ShardIterator: iterator } = await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }));
      let count = 0;
      while (iterator) {
        const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
        count += page.Records?.length ?? 0;
        if (!page.Records?.length) break;
        iterator = page.NextShardIterator;
      }
      return count;
    }),
  );
  const sum = counts.reduce((a, b) => a + b, 0);
  if (sum !== total) throw new Error(`bare loop read ${sum} records, expected ${total}`);
  return sum;
}

async function lifionNoOp(config: AdstreamConfig, total: number): Promise<void> {
  let seen = 0;
  const consumer = new Lifion({
    streamName: config.stream,
    consumerGroup: 'bench-lifion',
    endpoint: config.kinesisEndpoint,
    region: config.region,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    dynamoDb: { endpoint: config.dynamodbEndpoint, region: config.region, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', tableName: 'bench-lifion-state' },
    initialPositionInStream: 'TRIM_HORIZON',
    createStreamIfNeeded: false,
    shouldParseJson: false,
    statsInterval: 3_600_000,
    logger: { debug: () => undefined, warn: () => undefined, error: () => undefined },
  });
  await new Promise<void>((resolve, reject) => {
    consumer.on('data', ({ records }: { records: unknown[] }) => {
      seen += records.length;
      if (seen >= total) resolve();
    });
    consumer.on('error', reject);
    consumer.startConsumer().catch(reject);
  });
  consumer.stopConsumer();
}

export async function benchConsumer(records = 200_000, log: (message: string) => void = () => undefined): Promise<ConsumerBench> {
  const services = await startSeparateServices();
  const dir = await mkdtemp(join(tmpdir(), 'adstream-bench-consumer-'));
  try {
    const config = loadConfig({ ...services.endpoints, stream: 'bench', leaseTable: 'bench-leases', lake: join(dir, 'lake'), stateStore: join(dir, 'state'), alertLog: join(dir, 'alerts.jsonl') }, {});
    const kinesis = kinesisClient(config);
    await ensureStream(kinesis, config.stream, SHARDS);
    const generated = [...generateTraffic({ seed: 42, durationMs: 6 * 3_600_000, impressionsPerMinute: 270 }).records].slice(0, records);
    log(`producing ${generated.length} records onto ${SHARDS} shards ...`);
    await new Producer(kinesis, { streamName: config.stream }).putAll(generated.map(({ data, partitionKey }) => ({ data, partitionKey })));

    const rows: ConsumerBenchRow[] = [];
    const time = async (consumer: string, what: string, run: () => Promise<unknown>) => {
      log(`consuming with ${consumer} ...`);
      const started = performance.now();
      await run();
      rows.push({ consumer, what, records: generated.length, seconds: (performance.now() - started) / 1_000 });
    };
    await time('bare GetRecords loop', 'GetShardIterator + GetRecords per shard, nothing else', () => bareLoop(kinesis, config.stream, generated.length));
    await time('adstream worker', 'leases + full pipeline + Parquet lake + checkpoints', async () => {
      const { worker, close } = await workerFromConfig({ ...config, failoverTimeMs: 3_000 }, { inputComplete: () => true });
      const stats = await worker.run();
      await close();
      if (stats.recordsIn !== generated.length) throw new Error(`adstream read ${stats.recordsIn} records, expected ${generated.length}`);
    });
    await time('lifion-kinesis', 'leases + polling into a no-op', () => lifionNoOp(config, generated.length));
    kinesis.destroy();

    log('failover after kill -9 ...');
    const failoverTimeMs = 3_000;
    const failoverConfig = { ...config, stream: 'bench-failover', leaseTable: 'bench-failover-leases', failoverTimeMs, shardSyncIntervalMs: 1_000 };
    const failoverKinesis = kinesisClient(failoverConfig);
    await ensureStream(failoverKinesis, failoverConfig.stream, 4);
    failoverKinesis.destroy();
    const table = new LeaseTable(dynamoDbClient(config), failoverConfig.leaseTable);
    await table.ensureTable();
    const env = environmentFor(failoverConfig);
    const victim = startChildWorker('victim', { ...env, ADSTREAM_WORKER_ID: 'victim' });
    await until(async () => (await table.list()).filter((lease) => lease.leaseOwner === 'victim').length === 4);
    const survivor = startChildWorker('survivor', { ...env, ADSTREAM_WORKER_ID: 'survivor' });
    await until(async () => (await table.list()).filter((lease) => lease.leaseOwner === 'survivor').length === 2);
    victim.process.kill('SIGKILL');
    const killedAt = performance.now();
    await until(async () => (await table.list()).every((lease) => lease.leaseOwner === 'survivor'), 25);
    const takeoverMs = performance.now() - killedAt;
    survivor.process.kill('SIGTERM');
    await survivor.exited;
    return { records: generated.length, shards: SHARDS, rows, failover: { failoverTimeMs, takeoverMs } };
  } finally {
    await services.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function until(check: () => Promise<boolean>, everyMs = 100, timeoutMs = 60_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error('consumer bench: timed out');
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export function consumerSection(result: ConsumerBench, machine: { cpu: string; node: string }): string {
  const bare = result.rows.find((row) => row.consumer === 'bare GetRecords loop')!;
  const lines = [
    '',
    '## Consumer on kinesalite (test/bench/consumer.ts)',
    '',
    `${result.records.toLocaleString('en-US')} records on ${result.shards} shards; kinesalite and dynalite in a process of their own; time to consume every record, start-up included (${machine.cpu}, Node ${machine.node}).`,
    '',
    '| consumer | what it does | seconds | records/s | × bare loop time |',
    '| --- | --- | ---: | ---: | ---: |',
    ...result.rows.map(
      (row) =>
        `| ${row.consumer} | ${row.what} | ${row.seconds.toFixed(2)} | ${Math.round(row.records / row.seconds).toLocaleString('en-US')} | ${(row.seconds / bare.seconds).toFixed(2)} |`,
    ),
    '',
    `Failover after kill -9 of a worker holding 2 of 4 leases, failoverTime ${result.failover.failoverTimeMs} ms: the survivor held every lease ${Math.round(result.failover.takeoverMs)} ms after the kill (goal ≤ 2 × failoverTime = ${2 * result.failover.failoverTimeMs} ms).`,
    '',
  ];
  return lines.join('\n');
}
