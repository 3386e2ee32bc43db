/**
 * The worker's HTTP health endpoint, for load balancers and orchestrators:
 * - `GET /health/live`: 200 while the process serves requests (liveness);
 * - `GET /health/ready`: 200 once the worker has joined the lease table, with the leases it holds
 *   and each shard's lag; 503 before that or while it shuts down (readiness);
 * - `GET /metrics`: the worker's counters as JSON (`alerts` counts the stream-wide alerts it sent
 *   as the stream-window merger, also given alone as `streamAlerts`; `streamLatePartials`, the
 *   shard windows that came after their stream-wide window had fired, so are only in the shard's
 *   own metrics: a stream window short of its shards' sum is explained there; the stream's total,
 *   kept in the merge state, not this process's).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WorkerStats } from './workerStats.ts';

export interface HealthSource {
  workerId: string;
  ready(): boolean;
  heldShards(): string[];
  stats: WorkerStats;
  /** What the worker did as the stream-window merger, if it merged: its alerts count too. */
  streamWindowStats?: { alerts: number; latePartials?: number };
}

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

function readiness(source: HealthSource) {
  return {
    workerId: source.workerId,
    leases: source.heldShards().map((shardId) => ({
      shardId,
      millisBehindLatest: source.stats.shards[shardId]?.millisBehindLatest ?? null,
      lastSequenceNumber: source.stats.shards[shardId]?.lastSequenceNumber ?? null,
      records: source.stats.shards[shardId]?.records ?? 0,
      bytes: source.stats.shards[shardId]?.bytes ?? 0,
    })),
  };
}

export async function startHealthServer(source: HealthSource, port: number, host = '0.0.0.0'): Promise<HealthServer> {
  const server: Server = createServer((request, response) => {
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      // Infinity (a shard not read yet) is not JSON: it becomes null.
      response.end(JSON.stringify(body));
    };
    // By path: a probe's query string (a cache buster, a load balancer's) is not another page.
    switch (new URL(request.url ?? '/', 'http://health').pathname) {
      case '/health/live':
        return reply(200, { status: 'live', workerId: source.workerId });
      case '/health/ready':
        return source.ready() ? reply(200, { status: 'ready', ...readiness(source) }) : reply(503, { status: 'not ready', workerId: source.workerId });
      case '/metrics': {
        const { alerts, ...counters } = source.stats;
        // The stream-wide quality alerts this worker sent as the merger are alerts it sent too.
        const streamAlerts = source.streamWindowStats?.alerts ?? 0;
        return reply(200, { ...counters, alerts: alerts + streamAlerts, streamAlerts, streamLatePartials: source.streamWindowStats?.latePartials ?? 0 });
      }
      default:
        return reply(404, { error: 'not found', paths: ['/health/live', '/health/ready', '/metrics'] });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
