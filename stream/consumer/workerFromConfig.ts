/**
 * Assembles a Worker from the configuration: the real clients, the checkpoint table (created if
 * missing), the state store and the lake (a directory or S3), the Parquet encoder, the alert
 * sinks (the alert log always; SNS when a topic is configured) and the default detector.
 * `adstream run`, `npm start` and the integration tests all build their worker here.
 */
import { rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { configuredDetectorConfig, shardDetectorFactory } from '../../detectors/shardDetector.ts';
import { fanOutAlertSink, type AlertSink } from '../../sinks/alerts/alertSink.ts';
import { LogAlertSink } from '../../sinks/alerts/logAlertSink.ts';
import { SnsAlertSink } from '../../sinks/alerts/snsAlertSink.ts';
import { topicMissing } from '../../sinks/alerts/snsTopic.ts';
import { EmfStreamSink } from '../../sinks/metrics/emfStoreSink.ts';
import { KinesisMetricsSink } from '../../sinks/metrics/kinesisMetricsSink.ts';
import { fanOutMetricsSink, filterMetricsSink, type MetricRecord, type MetricsSink } from '../../sinks/metrics/metricsSink.ts';
import { lakeTables } from '../../sinks/lake/lakeTables.ts';
import { newProcessFolder, removeAbandonedFolders } from '../../sinks/processFolders.ts';
import { makeDirectory } from '../../sinks/makeDirectory.ts';
import { openStore } from '../../sinks/objectStore/openStore.ts';
import { LocalDirStore } from '../../sinks/objectStore/localDirStore.ts';
import { createParquetEncoder } from '../../sinks/parquet/encoder.ts';
import { dynamoDbClient, firehoseClient, kinesisClient, s3Client, snsClient } from '../aws/clients.ts';
import { firehoseArchive, type FirehoseMode } from '../../sinks/firehose/firehoseRecords.ts';
import { FirehoseSink } from '../../sinks/firehose/firehoseSink.ts';
import type { AdstreamConfig } from '../config/schema.ts';
import type { ShardStateConfig } from '../pipeline/shardState.ts';
import { LeaseTable } from './leases/leaseTable.ts';
import { refuseMissingBuckets } from './missingBuckets.ts';
import { streamExists } from '../aws/streamAdmin.ts';
import { ConfigError } from '../config/load.ts';
import { StateStore } from './stateStore.ts';
import { PartialLog } from './windowPartials.ts';
import { windowGroupingsOf } from '../config/groupings.ts';
import { startingPositionOf } from '../config/startingPosition.ts';
import { Worker, type WorkerOptions } from './worker.ts';

export type WorkerHooks = Pick<WorkerOptions, 'inputComplete' | 'signal' | 'onProgress' | 'onEvent' | 'reader' | 'now'> & {
  /** Where readable alert lines go (the console in the CLI); nowhere by default. */
  printAlert?: (line: string) => void;
};

export interface ConfiguredWorker {
  worker: Worker;
  /** Releases what the worker holds open (the Parquet encoder's database, the clients). */
  close(): Promise<void>;
}

export function shardStateConfig(config: AdstreamConfig): ShardStateConfig {
  return {
    windows: { sizeMs: config.windowMs, slideMs: config.windowSlideMs, maxOutOfOrdernessMs: config.maxOutOfOrdernessMs, allowedLatenessMs: config.allowedLatenessMs, groupings: windowGroupingsOf(config.windowGroupings) },
    dedupeHorizonMs: config.dedupeHorizonMs,
    createDetector: shardDetectorFactory(configuredDetectorConfig(config)),
  };
}

/** A worker's spill folder under the spill root, one per worker process. */
const SPILL_PREFIX = 'adstream-spill-';

const isStreamLevelMetric = (metric: MetricRecord): boolean => ['quality=', 'ops=', 'consumer=', 'scope=stream|quality='].some((prefix) => metric.key.startsWith(prefix));

export async function workerFromConfig(config: AdstreamConfig, hooks: WorkerHooks = {}): Promise<ConfiguredWorker> {
  const kinesis = kinesisClient(config);
  const dynamodb = dynamoDbClient(config);
  let s3: ReturnType<typeof s3Client> | undefined;
  const lazyS3 = () => (s3 ??= s3Client(config));
  const startingPosition = startingPositionOf(config);
  const encoder = createParquetEncoder(config.parquetEncoder as Parameters<typeof createParquetEncoder>[0]);
  const lakeObjects = openStore(config.lake, lazyS3);
  const lake = lakeTables(lakeObjects, encoder);
  const alertLog = new LogAlertSink({ path: config.alertLog, print: hooks.printAlert });
  // Paths the worker uses only later (at its first alert, its first spill), tried now.
  await alertLog.prepare();
  const sinks: AlertSink[] = [alertLog];
  const sns = config.alertTopicArn ? snsClient(config) : undefined;
  if (sns && config.alertTopicArn) {
    if (await topicMissing(sns, config.alertTopicArn)) {
      sns.destroy();
      throw new ConfigError(`the alert topic ${config.alertTopicArn} (alertTopicArn, environment ADSTREAM_ALERT_TOPIC_ARN) does not exist: create it, or leave alertTopicArn unset.`);
    }
    sinks.push(new SnsAlertSink(sns, config.alertTopicArn, lake.location));
  }
  const alertSink = fanOutAlertSink(sinks);
  const metricsSinks: MetricsSink[] = [];
  // CloudWatch bills every custom metric: stdout gets the stream's health (quality and
  // operational series), not one series per campaign, which stays in the lake and metrics stream.
  if (config.metricsOutput === 'emf-stdout') metricsSinks.push(filterMetricsSink(new EmfStreamSink(process.stdout), isStreamLevelMetric));
  if (config.metricsStream) metricsSinks.push(new KinesisMetricsSink(kinesis, config.metricsStream));
  const { printAlert: _printAlert, ...workerHooks } = hooks;
  const firehose = config.firehoseDeliveryStream ? firehoseClient(config) : undefined;
  const spillRoot = config.spillDir ?? tmpdir();
  await makeDirectory(spillRoot);
  await removeAbandonedFolders(spillRoot, SPILL_PREFIX);
  const spillDirectory = newProcessFolder(spillRoot, SPILL_PREFIX);
  const stateObjects = openStore(config.stateStore, lazyS3);
  await refuseMissingBuckets([
    { store: stateObjects, what: 'state store', setting: 'ADSTREAM_STATE' },
    { store: lakeObjects, what: 'lake', setting: '--lake (or ADSTREAM_LAKE)' },
  ]);
  // A missing metrics stream failed at the first commit, its lake files written, in Kinesis's words.
  if (config.metricsStream && !(await streamExists(kinesis, config.metricsStream))) {
    throw new ConfigError(`the metrics stream ${config.metricsStream} (metricsStream, environment ADSTREAM_METRICS_STREAM) does not exist: create it, or leave metricsStream unset.`);
  }
  // Local lake and state directories are made now, as their first files would make them: one that
  // cannot be made stops the worker before it reads (a state store under a file failed the first
  // commit, its lake files written), and a bounded run over an empty stream leaves a lake that
  // `adstream query` reads as empty, where it said the lake did not exist.
  for (const store of [lakeObjects, stateObjects]) if (store instanceof LocalDirStore) await makeDirectory(store.location);
  const worker = new Worker({
    kinesis,
    streamName: config.stream,
    leases: new LeaseTable(dynamodb, config.leaseTable),
    workerId: config.workerId ?? `${hostname()}-${process.pid}`,
    failoverTimeMs: config.failoverTimeMs,
    shardSyncIntervalMs: config.shardSyncIntervalMs,
    startingPosition,
    stateStore: new StateStore(stateObjects),
    lake,
    alertSink,
    state: shardStateConfig(config),
    maxFutureSkewMs: config.maxFutureSkewMs,
    lakeFile: { targetBytes: config.lakeFileTargetBytes, maxAgeMs: config.lakeFileMaxAgeMs },
    spill: { directory: spillDirectory, memoryBytes: config.lakeSpillMemoryBytes },
    processingLag: config.processingLagAlertMs > 0 ? { thresholdMs: config.processingLagAlertMs, criticalMs: 3 * config.processingLagAlertMs, sustainMs: 60_000 } : undefined,
    archive: firehose ? firehoseArchive(new FirehoseSink(firehose, { deliveryStreamName: config.firehoseDeliveryStream! }), config.firehoseRecords as FirehoseMode) : undefined,
    metricsSink: metricsSinks.length > 0 ? fanOutMetricsSink(metricsSinks) : undefined,
    streamWindows: config.streamWindowIdleMs > 0 ? { log: new PartialLog(stateObjects, config.stream), store: stateObjects, idleTimeoutMs: config.streamWindowIdleMs } : undefined,
    // Operational metrics are about real time (processing time, delay to a durable write).
    wallClock: () => Date.now(),
    ...workerHooks,
  });
  return {
    worker,
    async close() {
      await alertSink.close?.();
      await encoder.close?.();
      await rm(spillDirectory, { recursive: true, force: true });
      kinesis.destroy();
      dynamodb.destroy();
      s3?.destroy();
      firehose?.destroy();
      sns?.destroy();
    },
  };
}
