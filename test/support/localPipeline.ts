/**
 * A real pipeline for integration tests: embedded kinesalite, dynalite and s3rver; a fresh
 * stream; the exported Producer; a worker built from configuration like `adstream run` builds
 * it. Nothing here is mocked: the checks read back what the real services and files hold.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kinesisClient } from '../../stream/aws/clients.ts';
import { ensureStream } from '../../stream/aws/streamAdmin.ts';
import { loadConfig } from '../../stream/config/load.ts';
import { configSchema, type AdstreamConfig } from '../../stream/config/schema.ts';
import { workerFromConfig, type WorkerHooks } from '../../stream/consumer/workerFromConfig.ts';
import type { WorkerStats } from '../../stream/consumer/workerStats.ts';
import type { GeneratedRecord } from '../../stream/generator/index.ts';
import { startLocalServices, type LocalServices } from '../../stream/local/embeddedServices.ts';
import { Producer } from '../../stream/producer/index.ts';

export const TEST_BUCKET = 'adstream-test';

export interface LocalPipeline {
  services: LocalServices;
  dir: string;
  /** A configuration for a new stream; lake and state default to directories under `dir`. */
  configFor(stream: string, overrides?: Partial<Record<keyof AdstreamConfig, string | number>>): AdstreamConfig;
  produce(config: AdstreamConfig, records: readonly GeneratedRecord[], shards: number): Promise<void>;
  /** Runs a worker; bounded (stops when caught up) unless hooks say otherwise. */
  consume(config: AdstreamConfig, hooks?: WorkerHooks): Promise<WorkerStats>;
  stop(): Promise<void>;
}

/** The environment that makes `adstream` (a child process) use this configuration. */
export function environmentFor(config: AdstreamConfig): Record<string, string> {
  const env: Record<string, string> = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };
  for (const [key, spec] of Object.entries(configSchema)) {
    const value = config[key as keyof AdstreamConfig];
    if (value !== undefined) env[spec.env] = String(value);
  }
  return env;
}

export async function startLocalPipeline(): Promise<LocalPipeline> {
  const services = await startLocalServices({ buckets: [TEST_BUCKET] });
  const dir = await mkdtemp(join(tmpdir(), 'adstream-it-'));
  return {
    services,
    dir,
    configFor(stream, overrides = {}) {
      return loadConfig(
        {
          ...services.endpoints,
          stream,
          leaseTable: `${stream}-leases`,
          lake: join(dir, stream, 'lake'),
          stateStore: join(dir, stream, 'state'),
          alertLog: join(dir, stream, 'alerts.jsonl'),
          ...overrides,
        },
        {},
      );
    },
    async produce(config, records, shards) {
      const kinesis = kinesisClient(config);
      try {
        await ensureStream(kinesis, config.stream, shards);
        await new Producer(kinesis, { streamName: config.stream }).putAll(records.map(({ data, partitionKey }) => ({ data, partitionKey })));
      } finally {
        kinesis.destroy();
      }
    },
    async consume(config, hooks = {}) {
      const { worker, close } = await workerFromConfig(config, { inputComplete: () => true, ...hooks });
      try {
        return await worker.run();
      } finally {
        await close();
      }
    },
    async stop() {
      await services.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
