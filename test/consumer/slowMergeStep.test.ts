/**
 * A stream-window merge step that takes longer than failoverTimeMs (here: its metrics output
 * stalls while it emits the stream's windows; thousands of partials in S3 do the same) must not
 * cost the merging worker its shard leases. The worker renews them in its lease coordinator's
 * tick; with the merge step awaited in the same loop, no renewal went out while the step ran, the
 * worker found its own leases expired when the output came back, abandoned the unit in hand and
 * read its records again (a lone worker, never killed, re-read 50,000 of 131,541 records in an
 * operator's run on a loaded machine).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { kinesisClient } from '../../stream/aws/clients.ts';
import { ensureStream } from '../../stream/aws/streamAdmin.ts';
import type { ConsumerEvent } from '../../stream/consumer/leases/leaseCoordinator.ts';
import { workerFromConfig } from '../../stream/consumer/workerFromConfig.ts';
import { generateTraffic, tallyTruth } from '../../stream/generator/index.ts';
import { kinesisHolding, type HoldingKinesis } from '../support/kinesisHolding.ts';
import { startLocalPipeline, type LocalPipeline } from '../support/localPipeline.ts';

const FAILOVER_MS = 3_000;
let pipeline: LocalPipeline;
let holding: HoldingKinesis;
beforeAll(async () => {
  pipeline = await startLocalPipeline();
  holding = await kinesisHolding(pipeline.services.endpoints.kinesisEndpoint!, 'PutRecords', 0);
});
afterAll(async () => {
  await holding?.close();
  await pipeline?.stop();
});

it('a merge step held past failoverTimeMs leaves the merging worker its shard leases: nothing abandoned, nothing read twice', async () => {
  const direct = pipeline.configFor('slow-merge', { metricsStream: 'slow-merge-metrics' });
  const kinesis = kinesisClient(direct);
  try {
    await ensureStream(kinesis, direct.metricsStream!, 1);
  } finally {
    kinesis.destroy();
  }
  const records = [...generateTraffic({ seed: 5, durationMs: 3_600_000, impressionsPerMinute: 30 }).records];
  await pipeline.produce(direct, records, 2);

  // The worker reaches Kinesis through the holding endpoint: its reads go through, and its
  // metrics output (PutRecords) waits, the merge's emission of the stream's windows included.
  const config = pipeline.configFor('slow-merge', { metricsStream: 'slow-merge-metrics', kinesisEndpoint: holding.endpoint, workerId: 'solo', failoverTimeMs: FAILOVER_MS, shardSyncIntervalMs: 300 });
  const events: ConsumerEvent[] = [];
  const { worker, close } = await workerFromConfig(config, { inputComplete: () => true, onEvent: (event) => events.push(event) });
  try {
    const running = worker.run();
    await holding.holding();
    // Held well past the failover time: long enough for the merge step to block on its output and
    // for leases left unrenewed to count as expired.
    await new Promise((resolve) => setTimeout(resolve, 3 * FAILOVER_MS));
    holding.release();
    const stats = await running;
    expect(stats.recordsIn).toBe(tallyTruth(records).records);
    expect(events.filter((event) => ['consumer.commit_abandoned', 'consumer.lease_lost'].includes(event.name))).toEqual([]);
    expect(stats.recordsRead).toBe(stats.recordsIn);
    expect(worker.streamWindowStats!.windowsEmitted).toBeGreaterThan(0);
  } finally {
    await close();
  }
}, 120_000);
