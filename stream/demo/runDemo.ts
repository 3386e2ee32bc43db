/**
 * The main job behind `npm start`: embedded AWS services, a stream and a checkpoint table, a
 * stretch of generated traffic with injected anomalies produced onto Kinesis while one worker
 * consumes it, until the worker has caught up with everything produced. Everything it leaves
 * behind is under one data directory: the Parquet lake, the alert log and the anomaly labels
 * (state snapshots go to the embedded S3, so all three services are exercised for real).
 */
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { matchAlertsToLabels, type LabelMatch } from '../../detectors/matchLabels.ts';
import { isPaged, type AlertEvent } from '../../detectors/types.ts';
import { parseAlertLog } from '../../sinks/alerts/alertLogFile.ts';
import { notPagedAlerts } from '../../sinks/alerts/dailyDigest.ts';
import { CTR_AND_SPEND_BY_CAMPAIGN, FUNNEL, WRITTEN_BY_TYPE } from '../../sinks/query/analystQueries.ts';
import { LakeQuery, type Row } from '../../sinks/query/lakeQuery.ts';
import { missedEvidence, type MissedEvidence } from './missedEvidence.ts';
import { DEMO_LOCK_FILE, lockDemoDirectory } from './demoLock.ts';
import { kinesisClient } from '../aws/clients.ts';
import { ensureStream } from '../aws/streamAdmin.ts';
import { ConfigError, loadConfig } from '../config/load.ts';
import type { AdstreamConfig } from '../config/schema.ts';
import { workerFromConfig } from '../consumer/workerFromConfig.ts';
import type { WorkerStats } from '../consumer/workerStats.ts';
import { generateTraffic, tallyTruth, writeLabels, type AnomalyLabel, type GeneratorConfig, type TruthTally } from '../generator/index.ts';
import { startLocalServices } from '../local/embeddedServices.ts';
import { Producer, producerRecordOf } from '../producer/index.ts';
import { makeDirectory } from '../../sinks/makeDirectory.ts';

export interface DemoOptions {
  dataDir: string;
  shards?: number;
  generator?: Partial<GeneratorConfig>;
  /** Called about twice a second with what is happening, for a live status line. */
  onProgress?: (progress: DemoProgress) => void;
  /** Readable alert lines as they are raised. */
  printAlert?: (line: string) => void;
  /** Called once the data directory is accepted, as the embedded services start. */
  onStarting?: () => void;
  env?: NodeJS.ProcessEnv;
  /**
   * Stops the run early: no more records are put, the worker commits what it read and stops, the
   * services stop, and runDemo returns a DemoStopped instead of the summary's figures.
   */
  signal?: AbortSignal;
}

/** What a run stopped early leaves: the data directory holds labels.json and what the worker committed. */
export interface DemoStopped {
  stopped: true;
  dataDir: string;
  total: number;
  produced: number;
  stats: WorkerStats;
}

export interface DemoProgress {
  total: number;
  produced: number;
  stats: WorkerStats;
  /** Notifications the stream-wide merge sent: with the shards' own, what the alert log holds. */
  streamAlerts: number;
}

export interface DemoResult {
  dataDir: string;
  config: AdstreamConfig;
  truth: TruthTally;
  produced: number;
  stats: WorkerStats;
  /** Every notification of the run, as the alert log holds them. */
  alerts: AlertEvent[];
  /** Distinct alerts the log holds that were never paged (`inhibited`). */
  notPaged: number;
  labels: AnomalyLabel[];
  matches: LabelMatch<AnomalyLabel>[];
  /** For each campaign-level anomaly no alert caught, the evidence it left in the lake (missedEvidence.ts). */
  missed: Map<AnomalyLabel, MissedEvidence>;
  unmatchedAlerts: number;
  lakeCounts: Row[];
  ctrAndSpend: Row[];
  funnel: Row[];
}

const STATE_BUCKET = 'adstream-state';
/** What a demo run writes in its data directory. */
const DEMO_OUTPUTS = ['lake', 'alerts.jsonl', 'labels.json', DEMO_LOCK_FILE];
/** `adstream digest` of the demo's alerts writes its report beside them by default: the demo's too, replaced with the rest. */
const DIGEST_REPORT = /^digest-\d{4}-\d{2}-\d{2}\.md$/;
const isDemoOutput = (entry: string): boolean => DEMO_OUTPUTS.includes(entry) || DIGEST_REPORT.test(entry);

/**
 * Each run starts clean (its stream is new, so old files would never be overwritten), but only
 * of what an earlier demo wrote: `--data` pointed at a directory of the user's own (`.`, `./data`
 * with a worker's lake and state) is refused, not emptied (removeDemoOutputs, once it is locked).
 */
async function checkDemoDirectory(dataDir: string): Promise<void> {
  const info = await stat(dataDir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (!info) return;
  if (!info.isDirectory()) throw new ConfigError(`--data ${dataDir} is a file; give the demo a directory (a new one, an empty one or one an earlier demo wrote).`);
  const entries = await readdir(dataDir);
  const foreign = entries.filter((entry) => !isDemoOutput(entry)).sort();
  if (foreign.length > 0) {
    const named = foreign.slice(0, 3).join(', ') + (foreign.length > 3 ? ` and ${foreign.length - 3} more` : '');
    throw new ConfigError(`--data ${dataDir} holds ${named}, which no demo wrote; give the demo a new or empty directory (it replaces only its own outputs: ${DEMO_OUTPUTS.filter((entry) => entry !== DEMO_LOCK_FILE).join(', ')}, digest-<day>.md).`);
  }
}

/** Removes what an earlier demo wrote, but the lock this run holds. */
async function removeDemoOutputs(dataDir: string): Promise<void> {
  for (const entry of await readdir(dataDir)) if (entry !== DEMO_LOCK_FILE) await rm(join(dataDir, entry), { recursive: true, force: true });
}

const PROGRESS_EVERY_MS = 500;

export async function runDemo(options: DemoOptions): Promise<DemoResult | DemoStopped> {
  const dataDir = resolve(options.dataDir);
  await checkDemoDirectory(dataDir);
  await makeDirectory(dataDir);
  const unlock = await lockDemoDirectory(dataDir);
  try {
    await removeDemoOutputs(dataDir);
    return await runDemoIn(dataDir, options);
  } finally {
    await unlock();
  }
}

async function runDemoIn(dataDir: string, options: DemoOptions): Promise<DemoResult | DemoStopped> {
  options.onStarting?.();
  const services = await startLocalServices({ buckets: [STATE_BUCKET] });
  try {
    const config = loadConfig(
      {
        ...services.endpoints,
        lake: join(dataDir, 'lake'),
        stateStore: `s3://${STATE_BUCKET}/state/`,
        alertLog: join(dataDir, 'alerts.jsonl'),
        alertTopicArn: undefined,
      },
      { ...(options.env ?? process.env), ADSTREAM_ALERT_TOPIC_ARN: '' },
    );
    const traffic = generateTraffic(options.generator);
    const records = [...traffic.records];
    const truth = tallyTruth(records);
    await writeLabels(join(dataDir, 'labels.json'), traffic.labels);

    const kinesis = kinesisClient(config);
    await ensureStream(kinesis, config.stream, options.shards ?? 4);
    const producer = new Producer(kinesis, { streamName: config.stream, maxOutOfOrdernessMs: config.maxOutOfOrdernessMs });
    let producing = true;
    const { worker, close } = await workerFromConfig(config, { inputComplete: () => !producing, printAlert: options.printAlert, signal: options.signal });
    const report = () => options.onProgress?.({ total: records.length, produced: producer.stats().records, stats: worker.stats, streamAlerts: worker.streamWindowStats?.alerts ?? 0 });
    const ticker = setInterval(report, PROGRESS_EVERY_MS);
    try {
      const consuming = worker.run();
      // If the worker fails while producing, stop waiting for the producer's outcome to matter.
      consuming.catch(() => undefined);
      await producer.putAll(records.map(producerRecordOf), options.signal);
      producing = false;
      await consuming;
    } finally {
      clearInterval(ticker);
      await close();
      kinesis.destroy();
    }
    // After close: its last lake files and the alerts of the windows closed at the end count too,
    // or the last status line disagreed with the summary printed under it.
    report();
    if (options.signal?.aborted) return { stopped: true, dataDir, total: records.length, produced: producer.stats().records, stats: worker.stats };

    // From the alert log, not the worker's stats: the stream-wide merge's alerts are in it too, as
    // `adstream digest` counts them (the stats hold the shards' own).
    const logged = parseAlertLog(
      await readFile(config.alertLog, 'utf8').catch((error: NodeJS.ErrnoException) => {
        // A run without an alert has no log; any other refusal is news.
        if (error.code === 'ENOENT') return '';
        throw error;
      }),
      config.alertLog,
    );
    const alerts = logged.filter(isPaged);
    const { matches, unmatched } = matchAlertsToLabels(traffic.labels, alerts, config.windowMs);
    const lake = await LakeQuery.open(config.lake);
    try {
      const missed = new Map<AnomalyLabel, MissedEvidence>();
      for (const { label, alerts: caughtBy } of matches) {
        const evidence = caughtBy.length === 0 ? await missedEvidence(label, (sql) => lake.query(sql), traffic.config.start) : undefined;
        if (evidence) missed.set(label, evidence);
      }
      return {
        dataDir,
        config,
        truth,
        produced: producer.stats().records,
        stats: worker.stats,
        alerts,
        notPaged: notPagedAlerts(logged),
        labels: traffic.labels,
        matches,
        missed,
        unmatchedAlerts: unmatched.length,
        lakeCounts: await lake.query(WRITTEN_BY_TYPE),
        ctrAndSpend: await lake.query(CTR_AND_SPEND_BY_CAMPAIGN),
        funnel: await lake.query(FUNNEL),
      };
    } finally {
      lake.close();
    }
  } finally {
    await services.stop();
  }
}
