/**
 * The deployment stages and what differs between them. `dev` is cheap and disposable (one NAT
 * gateway, short retention, resources destroyed with the stack); `prod` keeps data (retained
 * buckets, table and key), scales further and alarms sooner.
 *
 * A few settings can be overridden per deploy through CDK context (`-c name=value`): see
 * `stageFromContext`.
 */
export const STAGES = ['dev', 'prod'] as const;
export type StageName = (typeof STAGES)[number];

export interface StageConfig {
  readonly stage: StageName;
  /** Prefix of every physical name, e.g. `adstream-dev`. */
  readonly prefix: string;
  readonly stream: {
    /** On-demand scales itself; provisioned is cheaper for steady, known traffic. */
    readonly mode: 'on-demand' | 'provisioned';
    /** Only for `provisioned`. */
    readonly shardCount: number;
    readonly retentionHours: number;
  };
  readonly processor: {
    readonly cpu: number;
    readonly memoryMiB: number;
    readonly minTasks: number;
    readonly maxTasks: number;
  };
  readonly lake: {
    /** Days after which lake objects move to Intelligent-Tiering. */
    readonly tierAfterDays: number;
    /** Days after which lake objects are deleted; undefined keeps them. */
    readonly expireAfterDays?: number;
    /** Days rejected records (the DLQ) are kept. */
    readonly rejectedExpireAfterDays: number;
    /**
     * First day (yyyy-MM-dd) of Athena's projected `dt` partitions: rows of earlier event times
     * are in the lake (the pipeline accepts events from 2000-01-01) but outside Athena's view.
     * Earlier means more partitions for a query that does not filter on `dt` to plan.
     */
    readonly firstDay: string;
  };
  /** NAT gateways for the processor's egress (one per AZ in prod, for AZ independence). */
  readonly natGateways: number;
  readonly logRetentionDays: number;
  /** Retain data resources when the stack is deleted. */
  readonly retainData: boolean;
  /** Per-query cap on bytes scanned in the Athena workgroup. */
  readonly athenaBytesScannedCutoff: number;
  readonly warehouse: { readonly baseCapacityRpu: number; readonly maxCapacityRpu: number };
  readonly alarms: {
    /** Iterator age (ms) above which the processor is falling behind. */
    readonly iteratorAgeMs: number;
    /** Minutes with no record put on the stream before "no data received" fires. */
    readonly noDataMinutes: number;
    /** DLQ files (one per batch with rejections) per hour above which the DLQ is said to grow. */
    readonly dlqFilesPerHour: number;
  };
  /** Firehose copy of every raw record to the lake's `_raw/` prefix. */
  readonly rawArchive: boolean;
}

const GiB = 1024 ** 3;

const DEFAULTS: Record<StageName, Omit<StageConfig, 'stage' | 'prefix'>> = {
  dev: {
    stream: { mode: 'on-demand', shardCount: 2, retentionHours: 24 },
    processor: { cpu: 512, memoryMiB: 1024, minTasks: 1, maxTasks: 2 },
    lake: { tierAfterDays: 30, expireAfterDays: 30, rejectedExpireAfterDays: 14, firstDay: '2024-01-01' },
    natGateways: 1,
    logRetentionDays: 14,
    retainData: false,
    athenaBytesScannedCutoff: 10 * GiB,
    warehouse: { baseCapacityRpu: 8, maxCapacityRpu: 16 },
    alarms: { iteratorAgeMs: 15 * 60_000, noDataMinutes: 60, dlqFilesPerHour: 60 },
    rawArchive: false,
  },
  prod: {
    stream: { mode: 'on-demand', shardCount: 4, retentionHours: 168 },
    processor: { cpu: 1024, memoryMiB: 2048, minTasks: 2, maxTasks: 8 },
    lake: { tierAfterDays: 30, rejectedExpireAfterDays: 90, firstDay: '2024-01-01' },
    natGateways: 3,
    logRetentionDays: 90,
    retainData: true,
    athenaBytesScannedCutoff: 100 * GiB,
    warehouse: { baseCapacityRpu: 8, maxCapacityRpu: 64 },
    alarms: { iteratorAgeMs: 5 * 60_000, noDataMinutes: 15, dlqFilesPerHour: 600 },
    rawArchive: true,
  },
};

/** Reads context values as strings (CDK context from `-c` is always a string). */
export type ContextReader = (key: string) => unknown;

function positiveInt(read: ContextReader, key: string, fallback: number): number {
  const raw = read(key);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`context ${key} must be a whole number ≥ 1, but it is "${String(raw)}".`);
  return value;
}

function flag(read: ContextReader, key: string, fallback: boolean): boolean {
  const raw = read(key);
  if (raw === undefined) return fallback;
  if (raw === true || raw === 'true') return true;
  if (raw === false || raw === 'false') return false;
  throw new Error(`context ${key} must be true or false, but it is "${String(raw)}".`);
}

/** A day as yyyy-MM-dd, from 2000-01-01 (the earliest event time the pipeline accepts) on. */
function firstDay(read: ContextReader, key: string, fallback: string): string {
  const raw = read(key);
  if (raw === undefined) return fallback;
  const text = String(raw);
  const time = /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T00:00:00Z`) : Number.NaN;
  if (!(time >= Date.UTC(2000, 0, 1)) || new Date(time).toISOString().slice(0, 10) !== text) {
    throw new Error(`context ${key} must be a day as yyyy-MM-dd, from 2000-01-01 on, but it is "${text}".`);
  }
  return text;
}

/**
 * The stage's configuration with context overrides: `stage` (dev|prod, default dev),
 * `streamMode` (on-demand|provisioned), `shardCount`, `retentionHours` (24-8760), `rawArchive`
 * (true|false), `maxTasks`, `lakeFirstDay` (yyyy-MM-dd, the first day Athena sees).
 */
export function stageFromContext(read: ContextReader): StageConfig {
  const stageRaw = read('stage') ?? 'dev';
  if (!(STAGES as readonly unknown[]).includes(stageRaw)) throw new Error(`context stage must be one of ${STAGES.join(', ')}, but it is "${String(stageRaw)}".`);
  const stage = stageRaw as StageName;
  const base = DEFAULTS[stage];
  const modeRaw = read('streamMode') ?? base.stream.mode;
  if (modeRaw !== 'on-demand' && modeRaw !== 'provisioned') throw new Error(`context streamMode must be on-demand or provisioned, but it is "${String(modeRaw)}".`);
  // An on-demand stream scales its own shards: a shard count given for one would be dropped without a word.
  if (read('shardCount') !== undefined && modeRaw !== 'provisioned') {
    throw new Error(`context shardCount applies to a provisioned stream only; add -c streamMode=provisioned, or leave shardCount out (an on-demand stream scales its own shards).`);
  }
  const retentionHours = positiveInt(read, 'retentionHours', base.stream.retentionHours);
  if (retentionHours < 24 || retentionHours > 8760) throw new Error(`context retentionHours must be between 24 and 8760 (Kinesis limits), but it is ${retentionHours}.`);
  const maxTasks = positiveInt(read, 'maxTasks', base.processor.maxTasks);
  return {
    ...base,
    stage,
    prefix: `adstream-${stage}`,
    stream: { mode: modeRaw, shardCount: positiveInt(read, 'shardCount', base.stream.shardCount), retentionHours },
    processor: { ...base.processor, maxTasks: Math.max(maxTasks, base.processor.minTasks) },
    rawArchive: flag(read, 'rawArchive', base.rawArchive),
    lake: { ...base.lake, firstDay: firstDay(read, 'lakeFirstDay', base.lake.firstDay) },
  };
}
