/**
 * A live worker on a stream where one shard never receives a record, on kinesalite. The
 * stream-wide merge holds its windows for a shard it has not heard from (it may not have started
 * yet), so the quiet shard must say it is at its tip: without that, no stream-wide window would
 * reach the metrics stream until the run ended.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kinesisClient } from '../../stream/aws/clients.ts';
import { ensureStream } from '../../stream/aws/streamAdmin.ts';
import { listShards } from '../../stream/consumer/leases/shardSync.ts';
import { generateTraffic } from '../../stream/generator/index.ts';
import { readMetricsStream } from '../support/metricsStream.ts';
import { startLocalPipeline, type LocalPipeline } from '../support/localPipeline.ts';

let pipeline: LocalPipeline;
beforeAll(async () => {
  pipeline = await startLocalPipeline();
});
afterAll(async () => {
  await pipeline?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a shard that never receives a record', () => {
  it('does not hold the stream-wide windows of a live worker', async () => {
    const stream = 'quiet-shard';
    // An idle timeout of 1 ms of arrival time: the busy shard's next unit makes the quiet one idle.
    const config = pipeline.configFor(stream, { metricsStream: `${stream}-metrics`, streamWindowIdleMs: 1, lakeFileMaxAgeMs: 500 });
    const kinesis = kinesisClient(config);
    await ensureStream(kinesis, config.metricsStream!, 1);
    kinesis.destroy();
    // One partition key: every record lands on the same one of the two shards.
    const records = [...generateTraffic({ seed: 3, durationMs: 20 * 60_000, impressionsPerMinute: 30, anomalies: [] }).records].map((record) => ({ ...record, partitionKey: 'one-key' }));
    const chunks = 4;
    const chunk = Math.ceil(records.length / chunks);
    await pipeline.produce(config, records.slice(0, chunk), 2);

    let inputComplete = false;
    const consuming = pipeline.consume(config, { inputComplete: () => inputComplete });
    let streamWindows = 0;
    // The rest in chunks a while apart: the busy shard commits units of later arrival times.
    for (let i = 1; i <= chunks + 10 && streamWindows === 0; i++) {
      await sleep(1_500);
      if (i < chunks) await pipeline.produce(config, records.slice(i * chunk, (i + 1) * chunk), 2);
      streamWindows = (await readMetricsStream(config, config.metricsStream!)).filter((record) => record.dimensions.scope === 'stream').length;
    }
    inputComplete = true;
    const stats = await consuming;

    const shardsRead = Object.values(stats.shards).filter((shard) => shard.records > 0);
    expect((await listShards(kinesisClient(config), stream)).length).toBe(2);
    expect(shardsRead).toHaveLength(1);
    expect(streamWindows, 'stream-wide windows on the metrics stream while the worker ran').toBeGreaterThan(0);
  }, 60_000);
});
