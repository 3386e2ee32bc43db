/** The health endpoint as probes call it: by path, whatever query string they add. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHealthServer, type HealthServer } from '../../../stream/consumer/healthServer.ts';
import { emptyStats } from '../../../stream/consumer/workerStats.ts';

let server: HealthServer;
let ready = false;
beforeAll(async () => {
  const stats = emptyStats();
  stats.alerts = 2;
  server = await startHealthServer({ workerId: 'w-1', ready: () => ready, heldShards: () => ['shardId-0'], stats, streamWindowStats: { alerts: 3, latePartials: 2 } }, 0, '127.0.0.1');
});
afterAll(async () => {
  await server?.close();
});

const get = async (path: string) => {
  const response = await fetch(`http://127.0.0.1:${server.port}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe('the health endpoint', () => {
  it('answers liveness and readiness by path, with or without a query string', async () => {
    expect(await get('/health/live?probe=1')).toMatchObject({ status: 200, body: { status: 'live', workerId: 'w-1' } });
    expect(await get('/health/ready?x=1')).toMatchObject({ status: 503, body: { status: 'not ready' } });
    ready = true;
    expect(await get('/health/ready?x=1')).toMatchObject({ status: 200, body: { status: 'ready', workerId: 'w-1' } });
    // Two alerts from its shards and three stream-wide ones it sent as the merger.
    // And the two shard windows that came after their stream-wide window had fired, as the merger counted them.
    expect(await get('/metrics?format=json')).toMatchObject({ status: 200, body: { alerts: 5, streamAlerts: 3, streamLatePartials: 2 } });
    expect(await get('/health/other')).toMatchObject({ status: 404, body: { paths: ['/health/live', '/health/ready', '/metrics'] } });
  });
});
