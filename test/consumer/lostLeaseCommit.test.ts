/**
 * A lease lost while its shard's unit is being committed, with the real clients on kinesalite,
 * dynalite and an SNS double: worker `a` holds both shards and is writing each one's unit to the
 * lake (held there by a gate on the lake's writes) when worker `b` starts and steals one, and
 * `a`'s renewal finds it gone. The new owner commits that unit again from its pending range, so
 * whatever `a` writes after that is written twice: SNS, which does not drop repeats, received
 * the unit's alerts twice, and `a` saved a snapshot no checkpoint would name.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AdstreamConfig } from '../../stream/config/schema.ts';
import type { ConsumerEvent } from '../../stream/consumer/leases/leaseCoordinator.ts';
import { workerFromConfig } from '../../stream/consumer/workerFromConfig.ts';
import { generateTraffic } from '../../stream/generator/index.ts';
import { LocalDirStore } from '../../sinks/objectStore/localDirStore.ts';
import { waitFor } from '../support/childWorker.ts';
import { startLocalPipeline, type LocalPipeline } from '../support/localPipeline.ts';
import { startSnsDouble, type SnsDouble } from '../support/snsDouble.ts';

const STOLEN = 'shardId-000000000001';
let pipeline: LocalPipeline;
let sns: SnsDouble;

beforeAll(async () => {
  pipeline = await startLocalPipeline();
  sns = await startSnsDouble();
});
afterAll(async () => {
  vi.restoreAllMocks();
  await sns?.close();
  await pipeline?.stop();
});

/** Every campaign on both shards (keyed by position), so each shard's unit raises alerts. */
const records = [...generateTraffic({ seed: 31, durationMs: 60 * 60_000, impressionsPerMinute: 60 }).records].map((record, i) => ({ ...record, partitionKey: `key-${i}` }));

async function configured(stream: string): Promise<AdstreamConfig> {
  const config = pipeline.configFor(stream, {
    failoverTimeMs: 1_500,
    shardSyncIntervalMs: 300,
    snsEndpoint: sns.endpoint,
    alertTopicArn: `arn:aws:sns:us-east-1:000000000000:${stream}`,
    // No stream-wide merge: each shard sends every alert of its units itself, so a unit committed
    // twice shows as its alerts published twice (with the merge on, a shard's quality alerts go
    // to the merge through the partial log, which the old owner's second write only overwrites).
    streamWindowIdleMs: 0,
  });
  await pipeline.produce(config, records, 2);
  return config;
}

/**
 * The ids of the alerts SNS received on the stream's topic, sorted, repeats kept (a firing and a
 * resolved notification share an id): all the shards' units', the merge being off.
 */
const publishedIds = (config: AdstreamConfig): string[] =>
  sns.published
    .filter((message) => message.topicArn === config.alertTopicArn)
    .map((message) => message.attributes.alertId.stringValue!)
    .sort();

describe('a lease lost while a unit is committed', () => {
  it('stops the old owner before the unit\'s alerts and snapshot: SNS receives each alert once, as from one worker, and the old owner saves no state of the shard', async () => {
    const solo = await configured('lost-lease-solo');
    await pipeline.consume({ ...solo, workerId: 'solo' });
    const want = publishedIds(solo);

    const config = await configured('lost-lease-pair');
    const events: ConsumerEvent[] = [];
    /** Whether `a` has lost the stolen shard's lease and not taken it again (a bounded worker takes a shard another released). */
    const aLostIt = () => events.filter((e) => e.workerId === 'a' && e.shardId === STOLEN && ['consumer.lease_lost', 'consumer.lease_taken'].includes(e.name)).at(-1)?.name === 'consumer.lease_lost';
    // Which worker writes is known from the run it is part of.
    const writer = new AsyncLocalStorage<string>();
    const staleStateWrites: string[] = [];
    // The lake's writes of this stream wait at the gate while it is closed.
    let gateOpen = false;
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const gated = new Set<string>();
    const held = async (key: string) => {
      if (key.startsWith(`state/${config.stream}/${STOLEN}/`) && writer.getStore() === 'a' && aLostIt()) staleStateWrites.push(key);
      if (gateOpen || !key.includes(`${config.stream}-shardId-`)) return;
      gated.add(key.includes(STOLEN) ? STOLEN : 'other');
      await gate;
    };
    const { put, putFile } = LocalDirStore.prototype;
    vi.spyOn(LocalDirStore.prototype, 'put').mockImplementation(async function (this: LocalDirStore, key, body) {
      await held(key);
      return put.call(this, key, body);
    });
    vi.spyOn(LocalDirStore.prototype, 'putFile').mockImplementation(async function (this: LocalDirStore, key, source) {
      await held(key);
      return putFile.call(this, key, source);
    });

    const start = async (workerId: string) => {
      const { worker, close } = await workerFromConfig({ ...config, workerId }, { inputComplete: () => true, onEvent: (event) => events.push(event) });
      return { worker, run: writer.run(workerId, () => worker.run()).finally(close) };
    };
    const a = await start('a');
    await waitFor('a writing both shards\' units to the lake', () => (gated.size === 2 ? true : undefined));
    // `b` finds `a` holding both shards and steals the last one (leaseTaker.ts); `a`'s renewal finds it gone.
    const b = await start('b');
    await waitFor('a finding the stolen lease lost', () => (aLostIt() ? true : undefined));
    gateOpen = true;
    openGate();
    await Promise.all([a.run, b.run]);

    expect(b.worker.stats.alerts, 'the stolen shard\'s unit raised alerts').toBeGreaterThan(0);
    expect(publishedIds(config)).toEqual(want);
    expect(staleStateWrites).toEqual([]);
    expect(events.filter((e) => e.name === 'consumer.commit_abandoned').map((e) => [e.workerId, e.shardId])).toEqual([['a', STOLEN]]);
  }, 120_000);
});
