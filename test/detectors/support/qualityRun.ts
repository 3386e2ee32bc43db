/**
 * The offline quality harness: generated traffic (with the generator's labels as ground truth)
 * through the real pure pipeline (processBatch + ShardState) on N shards partitioned like
 * Kinesis (MD5 of the partition key over evenly split hash ranges), no AWS. Returns every alert
 * transition the detectors raised and paged (not those logged only, `inhibited`), so recall, delay and false alerts can be measured against
 * the labels. Used by the recall test (test/detectors/quality.test.ts) and the detector bench (test/bench/detectors.ts).
 */
import { createHash } from 'node:crypto';
import { generateTraffic, type AnomalyLabel, type GeneratorConfig } from '../../../stream/generator/index.ts';
import type { RecordBatch, SourceRecord } from '../../../stream/pipeline/batch.ts';
import { processBatch } from '../../../stream/pipeline/processBatch.ts';
import { ShardState, type ShardDetector } from '../../../stream/pipeline/shardState.ts';
import { isPaged, type AlertEvent } from '../../../detectors/types.ts';

export const QUALITY_SETTINGS = {
  windowMs: 60_000,
  maxOutOfOrdernessMs: 30_000,
  allowedLatenessMs: 0,
  dedupeHorizonMs: 3_600_000,
  maxFutureSkewMs: 300_000,
  arrivalLagMs: 1_000,
  batchSize: 500,
} as const;

export interface QualityRun {
  labels: AnomalyLabel[];
  alerts: AlertEvent[];
  config: GeneratorConfig;
  windowMs: number;
  /** Shard id (as in quality keys) a campaign's records land on. */
  shardOfCampaign: (campaignId: string) => string;
  /** Ground truth: valid events per `campaign|type|minute start`, to judge what was detectable. */
  validPerMinute: Map<string, number>;
}

/** Which of `shards` evenly split 128-bit hash ranges a partition key lands in, as in Kinesis. */
export function shardOf(partitionKey: string, shards: number): number {
  const digest = createHash('md5').update(partitionKey, 'utf8').digest();
  // The top 32 bits decide the range well enough for an even split into a few shards.
  return Math.min(shards - 1, Math.floor((digest.readUInt32BE(0) / 2 ** 32) * shards));
}

export function runQuality(
  overrides: Partial<GeneratorConfig>,
  createDetector: (snapshot?: unknown) => ShardDetector,
  shards = 4,
): QualityRun {
  const run = generateTraffic(overrides);
  const shardId = (i: number): string => `shardId-${String(i).padStart(12, '0')}`;
  const states = Array.from({ length: shards }, (_, i) =>
    ShardState.create(
      {
        windows: {
          sizeMs: QUALITY_SETTINGS.windowMs,
          maxOutOfOrdernessMs: QUALITY_SETTINGS.maxOutOfOrdernessMs,
          allowedLatenessMs: QUALITY_SETTINGS.allowedLatenessMs,
        },
        dedupeHorizonMs: QUALITY_SETTINGS.dedupeHorizonMs,
        createDetector,
      },
      shardId(i),
    ),
  );
  const pending: SourceRecord[][] = states.map(() => []);
  const frontiers = states.map(() => run.config.start);
  const alerts: AlertEvent[] = [];
  let sequence = 0n;
  const validPerMinute = new Map<string, number>();
  const flush = (shard: number, final: boolean): void => {
    const batch: RecordBatch = { stream: 'quality', shardId: `shardId-${shard}`, records: pending[shard], millisBehindLatest: 0 };
    pending[shard] = [];
    alerts.push(...processBatch(batch, states[shard], { maxFutureSkewMs: QUALITY_SETTINGS.maxFutureSkewMs, final }).alerts.filter(isPaged));
  };
  for (const generated of run.records) {
    const shard = shardOf(generated.partitionKey, shards);
    const truth = generated.truth;
    if (truth.kind !== 'malformed' && truth.eventTime > frontiers[shard]) frontiers[shard] = truth.eventTime;
    if (truth.kind === 'valid') {
      const key = `${truth.campaignId}|${truth.eventType}|${truth.eventTime - (truth.eventTime % 60_000)}`;
      validPerMinute.set(key, (validPerMinute.get(key) ?? 0) + 1);
    }
    pending[shard].push({
      shardId: `shardId-${shard}`,
      sequenceNumber: (sequence++).toString(),
      partitionKey: generated.partitionKey,
      arrivalTime: frontiers[shard] + QUALITY_SETTINGS.arrivalLagMs,
      data: generated.data,
    });
    if (pending[shard].length === QUALITY_SETTINGS.batchSize) flush(shard, false);
  }
  states.forEach((_, shard) => flush(shard, true));
  return {
    labels: run.labels,
    alerts,
    config: run.config,
    windowMs: QUALITY_SETTINGS.windowMs,
    shardOfCampaign: (campaignId) => shardId(shardOf(campaignId, shards)),
    validPerMinute,
  };
}
