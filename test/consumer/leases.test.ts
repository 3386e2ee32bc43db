/**
 * Workers sharing a stream through the lease table, on kinesalite and dynalite: balancing,
 * failover after kill -9, fencing of a paused worker, and hand-over on SIGTERM. Workers that are
 * killed or paused are real `adstream run` processes.
 */
import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateTableCommand, DeleteItemCommand, GetItemCommand, PutItemCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { dynamoDbClient } from '../../stream/aws/clients.ts';
import { ConfigError } from '../../stream/config/load.ts';
import type { AdstreamConfig } from '../../stream/config/schema.ts';
import { LeaseTable } from '../../stream/consumer/leases/leaseTable.ts';
import type { Lease } from '../../stream/consumer/leases/lease.ts';
import { workerFromConfig } from '../../stream/consumer/workerFromConfig.ts';
import { generateTraffic, tallyTruth } from '../../stream/generator/index.ts';
import { countLakeEvents } from '../support/lakeEvents.ts';
import { startChildWorker, waitFor, type ChildWorker } from '../support/childWorker.ts';
import { environmentFor, startLocalPipeline, type LocalPipeline } from '../support/localPipeline.ts';

const FAILOVER_MS = 2_000;
let pipeline: LocalPipeline;
const children: ChildWorker[] = [];

beforeAll(async () => {
  pipeline = await startLocalPipeline();
});

afterAll(async () => {
  for (const child of children) child.process.kill('SIGKILL');
  await pipeline?.stop();
});

function configFor(stream: string, workerId?: string): AdstreamConfig {
  return pipeline.configFor(stream, {
    failoverTimeMs: FAILOVER_MS,
    shardSyncIntervalMs: 500,
    // Files rolled within a second, not the default ten: tests that wait for every record in the
    // lake wait that much less.
    lakeFileMaxAgeMs: 1_000,
    ...(workerId ? { workerId } : {}),
  });
}

async function leaseTable(config: AdstreamConfig): Promise<LeaseTable> {
  const table = new LeaseTable(dynamoDbClient(config), config.leaseTable);
  await table.ensureTable();
  return table;
}

const ownersOf = (leases: Lease[]) => leases.map((lease) => lease.leaseOwner ?? '-');
/** True when there are `count` leases and `owner` holds them all (an empty table proves nothing). */
const allOwnedBy = (leases: Lease[], owner: string, count: number) => (leases.length === count && leases.every((lease) => lease.leaseOwner === owner) ? true : undefined);
const shareCounts = (leases: Lease[]) => {
  const counts = new Map<string, number>();
  for (const owner of ownersOf(leases)) counts.set(owner, (counts.get(owner) ?? 0) + 1);
  return counts;
};


describe('leases shared by workers', () => {
  it('refuses a worker of another stream pointed at a lease table in use, in one sentence, and leaves the first stream\'s checkpoints alone', async () => {
    const first = configFor('owner-first');
    const records = [...generateTraffic({ seed: 3, durationMs: 600_000, impressionsPerMinute: 60, anomalies: [] }).records];
    await pipeline.produce(first, records, 1);
    await pipeline.consume(first);
    const table = await leaseTable(first);
    const checkpointed = await table.list();
    expect(checkpointed.map((lease) => lease.checkpoint)).toEqual([expect.stringMatching(/^\d+$/)]);

    // Every stream has a shardId-000000000000: without the check the second stream's worker took
    // the first's checkpoint as its own and asked Kinesis for a sequence number of another stream.
    const second = pipeline.configFor('owner-second', { failoverTimeMs: FAILOVER_MS, leaseTable: first.leaseTable });
    await pipeline.produce(second, records, 1);
    await expect(pipeline.consume(second)).rejects.toThrow(
      new ConfigError(`the lease table ${first.leaseTable} keeps the checkpoints of stream owner-first, not owner-second: give each stream a lease table of its own (leaseTable, environment ADSTREAM_LEASE_TABLE).`),
    );
    expect(await table.list()).toEqual(checkpointed);
    // The first stream's workers go on using it.
    await pipeline.consume(first);
  });

  it('says where it looked when the checkpoint names a snapshot its state store does not hold (a relative state store from another directory)', async () => {
    const first = configFor('moved-state');
    await pipeline.produce(first, [...generateTraffic({ seed: 4, durationMs: 600_000, impressionsPerMinute: 60, anomalies: [] }).records], 1);
    await pipeline.consume(first);
    const elsewhere = join(pipeline.dir, 'moved-state', 'elsewhere');
    const moved = pipeline.configFor('moved-state', { failoverTimeMs: FAILOVER_MS, stateStore: elsewhere });
    const refused = pipeline.consume(moved);
    await expect(refused).rejects.toBeInstanceOf(ConfigError);
    await expect(refused).rejects.toThrow(new RegExp(`is not in the state store ${elsewhere}: start the worker with the state store the earlier runs wrote to \\(stateStore, environment ADSTREAM_STATE; a relative path is taken from the working directory\\)`));
  });

  it('refuses a worker restarted with another lake than its checkpoints were written with, before it reads a record', async () => {
    // A lake path changed between runs (or a relative one from another directory) split the
    // stream: the checkpoints went on in the new lake, and each lake looked whole to an analyst.
    const first = configFor('moved-lake');
    const records = [...generateTraffic({ seed: 6, durationMs: 600_000, impressionsPerMinute: 60, anomalies: [] }).records];
    await pipeline.produce(first, records.slice(0, 200), 1);
    await pipeline.consume(first);
    const table = await leaseTable(first);
    const checkpointed = await table.list();
    await pipeline.produce(first, records.slice(200), 1);
    const elsewhere = join(pipeline.dir, 'moved-lake', 'other-lake');
    const moved = pipeline.configFor('moved-lake', { failoverTimeMs: FAILOVER_MS, lake: elsewhere });
    const refused = pipeline.consume(moved);
    await expect(refused).rejects.toBeInstanceOf(ConfigError);
    await expect(refused).rejects.toThrow(
      `the lease table ${first.leaseTable} keeps the checkpoints of a run writing to the lake ${first.lake}, not ${elsewhere}: what came before them is in ${first.lake}, and going on here would split the stream between two lakes. Give the lake ${first.lake} again (--lake, environment ADSTREAM_LAKE; a relative path is taken from the working directory), or start the new lake afresh with another lease table and state location.`,
    );
    expect(await table.list()).toEqual(checkpointed);
    // The same lake, reached through a symlink (as /tmp is on macOS, or a bind mount), goes on, and
    // holds every valid record once.
    const linked = join(pipeline.dir, 'moved-lake-link');
    await symlink(first.lake, linked);
    await pipeline.consume({ ...first, lake: linked });
    const truth = tallyTruth(records);
    expect(await countLakeEvents(first.lake)).toEqual({ n: truth.valid, d: truth.valid });
  });

  it('refuses a new lease table beside a lake that holds the stream\'s files (checkpoints lost, as when adstream local restarts), writing nothing twice', async () => {
    const first = configFor('lost-checkpoints');
    const records = [...generateTraffic({ seed: 7, durationMs: 600_000, impressionsPerMinute: 60, anomalies: [] }).records];
    await pipeline.produce(first, records, 1);
    await pipeline.consume(first);
    const truth = tallyTruth(records);
    expect(await countLakeEvents(first.lake)).toEqual({ n: truth.valid, d: truth.valid });
    const anew = pipeline.configFor('lost-checkpoints', { failoverTimeMs: FAILOVER_MS, leaseTable: `${first.leaseTable}-anew` });
    const refused = pipeline.consume(anew);
    await expect(refused).rejects.toBeInstanceOf(ConfigError);
    await expect(refused).rejects.toThrow(
      new RegExp(`^the lake ${first.lake} already holds files of stream lost-checkpoints \\(_lineage/dt=[^)]+/lost-checkpoints-shardId-[^)]+\\.parquet\\), but the lease table ${anew.leaseTable} has no checkpoints for it: they are lost`),
    );
    expect(await countLakeEvents(first.lake)).toEqual({ n: truth.valid, d: truth.valid });
    // Refused before it claimed the table: a second try is refused too, not let through.
    await expect(pipeline.consume(anew)).rejects.toBeInstanceOf(ConfigError);
    // A table from before the stream item (its shard leases, no item) is not new: its worker goes on.
    const dynamo = dynamoDbClient(first);
    await dynamo.send(new DeleteItemCommand({ TableName: first.leaseTable, Key: { leaseKey: { S: 'adstream:stream' } } }));
    dynamo.destroy();
    await pipeline.consume(first);
    expect(await countLakeEvents(first.lake)).toEqual({ n: truth.valid, d: truth.valid });
  });

  it('refuses another application\'s lease table (a KCL consumer\'s checkpoints), leaving its leases alone, instead of starting after them', async () => {
    const config = configFor('kcl-table');
    const records = [...generateTraffic({ seed: 8, durationMs: 600_000, impressionsPerMinute: 60, anomalies: [] }).records];
    await pipeline.produce(config, records, 1);
    // A KCL application's table: same key and attribute names, a lease it checkpointed mid-shard,
    // no state snapshot and no adstream:stream item. Taken as a table from before that item, it
    // was adopted: the worker started after the KCL's checkpoint (those records never reached the
    // lake) and took the other application's lease.
    const dynamo = dynamoDbClient(config);
    await leaseTable(config);
    const kclLease = {
      leaseKey: { S: 'shardId-000000000000' },
      leaseOwner: { S: 'kcl-worker-1' },
      leaseCounter: { N: '5' },
      checkpoint: { S: '49680903463734043210986732792199373039448244825454804994' },
      checkpointSubSequenceNumber: { N: '0' },
      ownerSwitchesSinceCheckpoint: { N: '0' },
    };
    await dynamo.send(new PutItemCommand({ TableName: config.leaseTable, Item: kclLease }));
    const refused = pipeline.consume(config);
    await expect(refused).rejects.toBeInstanceOf(ConfigError);
    await expect(refused).rejects.toThrow(
      `the lease table ${config.leaseTable} holds leases adstream did not write (shardId-000000000000 is checkpointed with no state snapshot beside it), so it is another application's: give adstream a lease table of its own (leaseTable, environment ADSTREAM_LEASE_TABLE).`,
    );
    const kept = await dynamo.send(new GetItemCommand({ TableName: config.leaseTable, Key: { leaseKey: { S: 'shardId-000000000000' } }, ConsistentRead: true }));
    expect(kept.Item).toEqual(kclLease);
    expect((await dynamo.send(new GetItemCommand({ TableName: config.leaseTable, Key: { leaseKey: { S: 'adstream:stream' } } }))).Item).toBeUndefined();
    dynamo.destroy();
  });

  it('refuses a table keyed otherwise than a lease table, in one sentence', async () => {
    const config = configFor('foreign-key-table');
    await pipeline.produce(config, [...generateTraffic({ seed: 9, durationMs: 60_000, impressionsPerMinute: 60, anomalies: [] }).records], 1);
    const dynamo = dynamoDbClient(config);
    await dynamo.send(
      new CreateTableCommand({
        TableName: config.leaseTable,
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await waitUntilTableExists({ client: dynamo, maxWaitTime: 30, minDelay: 1 }, { TableName: config.leaseTable });
    dynamo.destroy();
    // It failed with DynamoDB's own words (The provided key element does not match the schema), exit 1.
    const refused = pipeline.consume(config);
    await expect(refused).rejects.toBeInstanceOf(ConfigError);
    await expect(refused).rejects.toThrow(
      `the DynamoDB table ${config.leaseTable} is keyed by id, not leaseKey, so it is not a lease table: give adstream a lease table of its own (leaseTable, environment ADSTREAM_LEASE_TABLE), or a name no table has yet, and it creates it.`,
    );
  });

  it('refuses a worker of another lease table on a lake the first table\'s workers keep, even before they have written a file', async () => {
    // The first commit waits for the age (10 minutes here): the lake's lineage is still empty.
    const config = pipeline.configFor('two-tables', { failoverTimeMs: FAILOVER_MS, shardSyncIntervalMs: 500, lakeFileMaxAgeMs: 600_000 });
    const records = [...generateTraffic({ seed: 13, durationMs: 600_000, impressionsPerMinute: 60, anomalies: [] }).records];
    await pipeline.produce(config, records, 2);
    const stop = new AbortController();
    let started = 0;
    const first = pipeline.consume(config, { inputComplete: undefined, signal: stop.signal, onEvent: (event) => void (event.name === 'consumer.shard_started' && (started += 1)) });
    await waitFor('the first worker reading both shards', () => (started === 2 ? true : undefined));
    // A typo in one worker's lease table: it claimed a table of its own and read every shard again.
    const typo = { ...config, leaseTable: `${config.leaseTable}-typo` };
    const refused = pipeline.consume(typo);
    await expect(refused).rejects.toBeInstanceOf(ConfigError);
    await expect(refused).rejects.toThrow(
      `the lake ${config.lake} keeps stream two-tables for the lease table ${config.leaseTable}, not ${typo.leaseTable}: two tables would each read every shard into it, writing each record twice. Give the lease table ${config.leaseTable} (leaseTable, environment ADSTREAM_LEASE_TABLE), or another lake and state location for a run of its own.`,
    );
    stop.abort();
    await first;
    const truth = tallyTruth(records);
    expect(await countLakeEvents(config.lake)).toEqual({ n: truth.valid, d: truth.valid });
  });

  it('a worker whose stop signal came while it was set up stops at once, holding no lease', async () => {
    const config = configFor('stopped-early');
    await pipeline.produce(config, [], 2);
    const stop = new AbortController();
    stop.abort();
    const { worker, close } = await workerFromConfig(config, { signal: stop.signal });
    try {
      const ran = await Promise.race([worker.run().then(() => 'stopped'), new Promise((resolve) => setTimeout(() => resolve('still running'), 15_000))]);
      expect(ran).toBe('stopped');
      expect(worker.stats.recordsRead).toBe(0);
    } finally {
      await close();
    }
    expect(ownersOf(await (await leaseTable(config)).list()).filter((owner) => owner !== '-')).toEqual([]);
  });

  it('3 workers on 8 shards settle at 3/3/2, and release every lease when they stop', async () => {
    const base = configFor('balance');
    await pipeline.produce(base, [], 8);
    const stops = ['a', 'b', 'c'].map(() => new AbortController());
    const workers = await Promise.all(
      ['a', 'b', 'c'].map((id, i) => workerFromConfig(configFor('balance', `worker-${id}`), { signal: stops[i].signal })),
    );
    const running = workers.map(({ worker }) => worker.run());
    const table = await leaseTable(base);
    const settled = await waitFor('a 3/3/2 split', async () => {
      const counts = shareCounts(await table.list());
      const shares = [...counts.entries()].filter(([owner]) => owner !== '-').map(([, n]) => n).sort();
      return shares.join('/') === '2/3/3' ? shares : undefined;
    }, 30_000, 200);
    expect(settled).toEqual([2, 3, 3]);
    // Stable: a few more renewal rounds change nothing.
    await new Promise((resolve) => setTimeout(resolve, FAILOVER_MS));
    expect([...shareCounts(await table.list()).values()].sort()).toEqual([2, 3, 3]);

    stops.forEach((stop) => stop.abort());
    await Promise.all(running);
    await Promise.all(workers.map(({ close }) => close()));
    expect(ownersOf(await table.list())).toEqual(Array(8).fill('-'));
  });

  it('after kill -9 of a worker, its shards are taken within 2 × failoverTime and the lake holds every valid record exactly once', async () => {
    const config = configFor('failover');
    const records = [...generateTraffic({ seed: 3, durationMs: 3_600_000, impressionsPerMinute: 60 }).records];
    const truth = tallyTruth(records);
    await pipeline.produce(config, [], 4);
    const table = await leaseTable(config);
    const env = environmentFor(config);
    const [a, b, c] = ['a', 'b', 'c'].map((id) => startChildWorker(`child-${id}`, { ...env, ADSTREAM_WORKER_ID: `child-${id}` }));
    children.push(a, b, c);
    await waitFor('every lease owned', async () => ((await table.list()).filter((l) => l.leaseOwner).length === 4 ? true : undefined));

    const half = Math.floor(records.length / 2);
    await pipeline.produce(config, records.slice(0, half), 4);
    const victimShards = await waitFor('a worker holding a lease', async () => {
      const owned = (await table.list()).filter((lease) => lease.leaseOwner === 'child-a').map((lease) => lease.leaseKey);
      return owned.length ? owned : undefined;
    });
    a.process.kill('SIGKILL');
    const killedAt = performance.now();
    const producing = pipeline.produce(config, records.slice(half), 4);
    await waitFor('the killed worker\'s leases taken over', async () => {
      const leases = await table.list();
      return victimShards.every((shard) => ['child-b', 'child-c'].includes(leases.find((l) => l.leaseKey === shard)!.leaseOwner ?? '')) ? true : undefined;
    }, 10_000, 50);
    const takeoverMs = performance.now() - killedAt;
    expect(takeoverMs).toBeLessThanOrEqual(2 * FAILOVER_MS);
    await producing;

    const counted = await waitFor('every valid record in the lake', async () => {
      const count = await countLakeEvents(config.lake);
      return count.d === truth.valid ? count : undefined;
    }, 60_000, 500);
    expect(counted).toEqual({ n: truth.valid, d: truth.valid });
    for (const child of [b, c]) child.process.kill('SIGTERM');
    expect((await b.exited).code).toBe(0);
    expect((await c.exited).code).toBe(0);
    // Whatever was re-read after the failover overwrote its own files: still exactly once.
    expect(await countLakeEvents(config.lake)).toEqual({ n: truth.valid, d: truth.valid });
  });

  it('with startingPosition LATEST, the next owner after a kill -9 starts where the first did, not at the new tip, and loses nothing', async () => {
    // The first commit waits for the age (10 minutes here): the killed worker never checkpointed.
    const config = pipeline.configFor('latest-start', { failoverTimeMs: FAILOVER_MS, shardSyncIntervalMs: 500, startingPosition: 'LATEST', lakeFileMaxAgeMs: 600_000 });
    const traffic = [...generateTraffic({ seed: 12, durationMs: 1_200_000, impressionsPerMinute: 60, anomalies: [] }).records];
    const half = Math.floor(traffic.length / 2);
    await pipeline.produce(config, traffic.slice(0, half), 1);
    // LATEST is pinned a second before the first start (a margin for clocks): the backlog is older.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const first = startChildWorker('latest-a', { ...environmentFor(config), ADSTREAM_WORKER_ID: 'latest-a' });
    children.push(first);
    await waitFor('the shard started', () => (first.events.some((event) => event.name === 'consumer.shard_started') ? true : undefined));
    const after = traffic.slice(half);
    await pipeline.produce(config, after, 1);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    first.process.kill('SIGKILL');
    await first.exited;
    // A fresh LATEST for the next owner skipped every record put since the first started: never
    // in the lake, the DLQ or any count.
    await pipeline.consume({ ...config, workerId: 'latest-b' });
    const truth = tallyTruth(after);
    expect(await countLakeEvents(config.lake)).toEqual({ n: truth.valid, d: truth.valid });
  });

  it('a worker paused past its lease expiry cannot checkpoint over the new owner, and stops processing the shard', async () => {
    const config = configFor('pause');
    await pipeline.produce(config, [], 2);
    const table = await leaseTable(config);
    const env = environmentFor(config);
    const paused = startChildWorker('paused', { ...env, ADSTREAM_WORKER_ID: 'paused' });
    children.push(paused);
    await waitFor('the first worker owning both leases', async () => allOwnedBy(await table.list(), 'paused', 2));
    paused.process.kill('SIGSTOP');
    const other = startChildWorker('other', { ...env, ADSTREAM_WORKER_ID: 'other' });
    children.push(other);
    await waitFor('the other worker taking the expired leases', async () => allOwnedBy(await table.list(), 'other', 2), 15_000);
    const records = [...generateTraffic({ seed: 9, durationMs: 1_800_000, impressionsPerMinute: 40, anomalies: [] }).records];
    const truth = tallyTruth(records);
    paused.process.kill('SIGCONT');
    await pipeline.produce(config, records, 2);
    await waitFor('the paused worker noticing it lost its leases', () =>
      paused.events.filter((event) => event.name === 'consumer.lease_lost').length >= 2 ? true : undefined,
    15_000);
    await waitFor('every valid record in the lake', async () => ((await countLakeEvents(config.lake)).d === truth.valid ? true : undefined), 60_000, 500);
    expect(await countLakeEvents(config.lake)).toEqual({ n: truth.valid, d: truth.valid });
    paused.process.kill('SIGTERM');
    other.process.kill('SIGTERM');
    await Promise.all([paused.exited, other.exited]);
  });

  it('SIGTERM hands a worker\'s leases to another in under 2 seconds', async () => {
    const config = configFor('handover');
    await pipeline.produce(config, [], 4);
    const table = await leaseTable(config);
    const env = environmentFor(config);
    const leaving = startChildWorker('leaving', { ...env, ADSTREAM_WORKER_ID: 'leaving' });
    children.push(leaving);
    await waitFor('the leaving worker owning every lease', async () => allOwnedBy(await table.list(), 'leaving', 4));
    const staying = startChildWorker('staying', { ...env, ADSTREAM_WORKER_ID: 'staying' });
    children.push(staying);
    await waitFor('a 2/2 split', async () => {
      const counts = shareCounts(await table.list());
      return counts.get('leaving') === 2 && counts.get('staying') === 2 ? true : undefined;
    }, 20_000);
    leaving.process.kill('SIGTERM');
    const termAt = performance.now();
    await waitFor('the staying worker owning every lease', async () => allOwnedBy(await table.list(), 'staying', 4), 10_000, 25);
    expect(performance.now() - termAt).toBeLessThan(2_000);
    expect((await leaving.exited).code).toBe(0);
    staying.process.kill('SIGTERM');
    await staying.exited;
  });

  it.each([
    ['the test timings (2 s failover, 4 shards)', 'twins', 4, configFor],
    ['the default timings (10 s failover and shard sync, 2 shards)', 'twins-default', 2, (stream: string) => pipeline.configFor(stream)],
  ])('a second worker started with the same worker id stops one of the two with one clear sentence, instead of both taking each other’s leases forever: %s', async (_, stream, shards, makeConfig) => {
    const config = makeConfig(stream);
    await pipeline.produce(config, [], shards);
    const table = await leaseTable(config);
    const env = environmentFor(config);
    const first = startChildWorker('twin', env);
    children.push(first);
    await waitFor('the first twin owning every lease', async () => allOwnedBy(await table.list(), 'twin', shards), 20_000);
    const second = startChildWorker('twin', env);
    children.push(second);
    const clash = /^adstream: another worker is running with worker id "twin" .*give each worker its own ADSTREAM_WORKER_ID/;
    const [stopped, exit] = await Promise.race([
      first.exited.then((e) => [first, e] as const),
      second.exited.then((e) => [second, e] as const),
      new Promise<never>((_, reject) => setTimeout(() => { reject(new Error('neither twin stopped within 60 s: they are taking each other’s leases')); }, 60_000)),
    ]);
    // Two workers given one id is a configuration mistake: exit 2, as every other.
    expect(exit.code).toBe(2);
    expect(stopped.output.filter((line) => line.startsWith('adstream: '))).toEqual([expect.stringMatching(clash)]);
    // The other goes on and holds every lease, or, when each held some of the leases the other
    // renewed, stops with the same sentence: either way the two no longer take leases from each other.
    const other = stopped === first ? second : first;
    const outcome = await waitFor('the other twin owning every lease or stopping', async () => {
      if (other.process.exitCode !== null) return 'stopped';
      return allOwnedBy(await table.list(), 'twin', shards) ? 'owns every lease' : undefined;
    }, 40_000);
    if (outcome === 'stopped') {
      expect(other.process.exitCode).toBe(2);
      expect(other.output.filter((line) => line.startsWith('adstream: '))).toEqual([expect.stringMatching(clash)]);
    } else {
      other.process.kill('SIGTERM');
      expect((await other.exited).code).toBe(0);
    }
  }, 150_000);
});
