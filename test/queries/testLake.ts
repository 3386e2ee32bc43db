/**
 * A real lake for query and warehouse tests, built in about a second without AWS: seeded
 * generator traffic cut into Kinesis-like batches (test/bench/records.ts), run through the pure
 * pipeline (processBatch) and committed through commitBatch onto a LocalDirStore with the
 * default Parquet encoder, exactly as a worker commits them, checkpointer and alerts stubbed.
 *
 * Alongside it, the generator's own account: the valid events (truth.kind === 'valid'), decoded
 * from their wire bytes with decodeRecord. Tests compute expected numbers from these, never from
 * the lake.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shardStateConfig } from '../../stream/consumer/workerFromConfig.ts';
import { commitBatch } from '../../stream/consumer/commitBatch.ts';
import { CommitUnit } from '../../stream/consumer/commitUnit.ts';
import { StateStore } from '../../stream/consumer/stateStore.ts';
import { loadConfig } from '../../stream/config/load.ts';
import { decodeRecord } from '../../stream/events/wire.ts';
import type { AdEvent } from '../../stream/events/types.ts';
import { generateTraffic, type AnomalyLabel, type GeneratorConfig } from '../../stream/generator/index.ts';
import { processBatch } from '../../stream/pipeline/processBatch.ts';
import { ShardState } from '../../stream/pipeline/shardState.ts';
import { lakeTables } from '../../sinks/lake/lakeTables.ts';
import { LocalDirStore } from '../../sinks/objectStore/localDirStore.ts';
import { createParquetEncoder } from '../../sinks/parquet/encoder.ts';
import { buildInput } from '../bench/records.ts';

export const TEST_LAKE_START = Date.UTC(2026, 10, 1, 10, 0, 0);
const MINUTE_MS = 60_000;

/** Two hours of daytime traffic; an ingestion delay from minute 20 to 35, so the second hour has none. */
export const TEST_LAKE_GENERATOR: Partial<GeneratorConfig> = {
  seed: 7,
  start: TEST_LAKE_START,
  durationMs: 120 * MINUTE_MS,
  campaigns: 8,
  publishers: 5,
  impressionsPerMinute: 120,
  anomalies: [{ kind: 'ingestion_delay', start: TEST_LAKE_START + 20 * MINUTE_MS, end: TEST_LAKE_START + 35 * MINUTE_MS }],
};

export interface TestLake {
  dir: string;
  /** Valid events by the generator's ground truth, decoded from their bytes. */
  events: AdEvent[];
  labels: AnomalyLabel[];
  remove(): Promise<void>;
}

function groundTruth(overrides: Partial<GeneratorConfig>): { events: AdEvent[]; labels: AnomalyLabel[] } {
  const run = generateTraffic(overrides);
  const events: AdEvent[] = [];
  for (const record of run.records) {
    if (record.truth.kind !== 'valid') continue;
    const decoded = decodeRecord(record.data, { arrivalTime: Number.MAX_SAFE_INTEGER, maxFutureSkewMs: 0 });
    if (!decoded.ok) throw new Error(`generator says valid but decoding rejects: ${decoded.rejection.reason}`);
    events.push(decoded.event);
  }
  return { events, labels: run.labels };
}

export async function buildTestLake(overrides: Partial<GeneratorConfig> = TEST_LAKE_GENERATOR): Promise<TestLake> {
  const dir = await mkdtemp(join(tmpdir(), 'adstream-query-lake-'));
  const config = loadConfig({}, {});
  const input = buildInput(overrides, 5000);
  const encoder = createParquetEncoder('direct');
  const lake = lakeTables(new LocalDirStore(join(dir, 'lake')), encoder);
  const stateStore = new StateStore(new LocalDirStore(join(dir, 'state')));
  const state = ShardState.create(shardStateConfig(config), input.batches[0].shardId);
  const checkpointer = { markPending: async () => {}, checkpoint: async () => {} };
  let previousStateRef: string | undefined;
  try {
    for (const [index, batch] of input.batches.entries()) {
      const processed = processBatch(batch, state, { maxFutureSkewMs: config.maxFutureSkewMs, final: index === input.batches.length - 1 });
      const first = batch.records[0].sequenceNumber;
      const last = batch.records[batch.records.length - 1].sequenceNumber;
      const committed = await commitBatch({ lake, alertSink: { send: async () => {} }, stateStore }, checkpointer, await CommitUnit.of(lake, processed), state, {
        fileName: `${batch.stream}-${batch.shardId}-${first}`,
        checkpointTo: last,
        previousStateRef,
      });
      previousStateRef = committed.stateRef;
    }
  } finally {
    await encoder.close?.();
  }
  return { dir: join(dir, 'lake'), ...groundTruth(overrides), remove: () => rm(dir, { recursive: true, force: true }) };
}
