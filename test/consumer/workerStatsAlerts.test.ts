/**
 * A live worker runs for months, and its stats live as long: they count the notifications its
 * shards sent, as the health endpoint and the status line report them. They kept every one
 * instead (about 2.5 KB each, `related` alerts and query included), only for their number, so the
 * worker's memory grew with every alert it ever sent.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workerFromConfig } from '../../stream/consumer/workerFromConfig.ts';
import { generateTraffic } from '../../stream/generator/index.ts';
import { startLocalPipeline, type LocalPipeline } from '../support/localPipeline.ts';

let pipeline: LocalPipeline;
beforeAll(async () => {
  pipeline = await startLocalPipeline();
});
afterAll(async () => {
  await pipeline?.stop();
});

describe('a worker\'s stats', () => {
  it('count the notifications its shards sent without keeping them', async () => {
    // No stream-wide merge: the shards send every alert themselves, so the alert log holds exactly
    // what they sent (with the alerts only logged, marked `inhibited`, which are not notifications).
    const config = pipeline.configFor('worker-stats-alerts', { streamWindowIdleMs: 0 });
    await pipeline.produce(config, [...generateTraffic({ seed: 31, durationMs: 60 * 60_000, impressionsPerMinute: 60 }).records], 1);
    const { worker, close } = await workerFromConfig(config, { inputComplete: () => true });
    try {
      await worker.run();
    } finally {
      await close();
    }
    const logged = (await readFile(config.alertLog, 'utf8'))
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as { alertId: string; inhibited?: string });
    const sent = logged.filter((alert) => alert.inhibited === undefined);
    expect(sent.length, 'the traffic raised alerts').toBeGreaterThan(0);
    expect(worker.stats.alerts).toBe(sent.length);
    // Nothing of the notifications themselves stays behind in the stats.
    expect(JSON.stringify(worker.stats)).not.toContain(sent[0].alertId);
  }, 120_000);
});
