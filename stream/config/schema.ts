/**
 * Configuration is a schema in code: every option has a type, a default, a description, an
 * example and an environment variable. It is validated at start-up with one clear sentence per
 * mistake, and the README's option table is generated from it (`adstream config --markdown`).
 */
export type OptionKind = 'string' | 'url' | 'duration_ms' | 'integer' | 'bytes' | 'enum';

export interface OptionSpec {
  kind: OptionKind;
  env: string;
  default?: string | number;
  description: string;
  example: string;
  values?: readonly string[];
  /** Smallest value accepted (numeric kinds; 0 when unset). */
  min?: number;
  /** Largest value accepted (numeric kinds). */
  max?: number;
  /** What a string must match (a name AWS would refuse otherwise), and how to say so. */
  pattern?: RegExp;
  patternHint?: string;
}

/** A local directory, or an S3 location (legacy us-east-1 bucket names may hold capitals and _): another scheme (ftp://, file://) would be taken for a directory name. */
const LOCATION = /^(s3:\/\/[A-Za-z0-9._-]{3,255}(\/.*)?|(?![A-Za-z][A-Za-z0-9+.-]*:\/\/).+)$/;
const LOCATION_HINT = 'a directory or s3://bucket/prefix/';

/** Kinesis's rule; the name is also part of lake file names and state paths. */
const KINESIS_STREAM_NAME = /^(?!\.\.?$)[A-Za-z0-9_.-]{1,128}$/;
const KINESIS_STREAM_HINT = 'a Kinesis stream name (1 to 128 letters, digits, _ . -)';

export const PARQUET_ENCODER_NAMES = ['duckdb', 'direct', 'hyparquet', 'parquetjs'] as const;

export const configSchema = {
  stream: { kind: 'string', env: 'ADSTREAM_STREAM', default: 'adstream-events', pattern: KINESIS_STREAM_NAME, patternHint: KINESIS_STREAM_HINT, description: 'Kinesis stream to read (and produce to).', example: 'adstream-events' },
  region: { kind: 'string', env: 'AWS_REGION', default: 'us-east-1', pattern: /^[a-z]{2,4}(-[a-z]+)+-\d+$/, patternHint: 'an AWS region name', description: 'AWS region of the streams, table, buckets and topic.', example: 'eu-west-1' },
  kinesisEndpoint: { kind: 'url', env: 'ADSTREAM_KINESIS_ENDPOINT', description: 'Kinesis endpoint override (local servers); unset means AWS.', example: 'http://127.0.0.1:4567' },
  dynamodbEndpoint: { kind: 'url', env: 'ADSTREAM_DYNAMODB_ENDPOINT', description: 'DynamoDB endpoint override; unset means AWS.', example: 'http://127.0.0.1:4568' },
  s3Endpoint: { kind: 'url', env: 'ADSTREAM_S3_ENDPOINT', description: 'S3 endpoint override (path-style); unset means AWS.', example: 'http://127.0.0.1:4569' },
  snsEndpoint: { kind: 'url', env: 'ADSTREAM_SNS_ENDPOINT', description: 'SNS endpoint override; unset means AWS.', example: 'http://127.0.0.1:4570' },
  firehoseEndpoint: { kind: 'url', env: 'ADSTREAM_FIREHOSE_ENDPOINT', description: 'Firehose endpoint override; unset means AWS.', example: 'http://127.0.0.1:4571' },
  workerId: { kind: 'string', env: 'ADSTREAM_WORKER_ID', description: 'This worker\'s name in the lease table, unique per running worker (a second live worker with the same id stops with an error); unset means <host>-<pid>.', example: 'worker-a' },
  failoverTimeMs: { kind: 'duration_ms', env: 'ADSTREAM_FAILOVER_TIME_MS', min: 1, default: 10_000, description: 'A lease whose counter has not moved for this long is expired and taken over; leases are renewed every third of it.', example: '10000' },
  shardSyncIntervalMs: { kind: 'duration_ms', env: 'ADSTREAM_SHARD_SYNC_INTERVAL_MS', default: 10_000, description: 'How often shards are listed to discover splits and merges.', example: '60000' },
  startingPosition: { kind: 'enum', env: 'ADSTREAM_STARTING_POSITION', default: 'TRIM_HORIZON', values: ['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP'], description: 'Where a shard with no checkpoint starts (child shards always start at their beginning); LATEST is the tip when a worker first starts the shard, kept in its lease, so that every later owner starts there too until the first checkpoint.', example: 'LATEST' },
  startingTimestamp: { kind: 'string', env: 'ADSTREAM_STARTING_TIMESTAMP', description: 'For AT_TIMESTAMP: an ISO 8601 date or time (without a zone: UTC).', example: '2026-11-01T00:00:00Z' },
  healthPort: { kind: 'integer', env: 'ADSTREAM_HEALTH_PORT', max: 65_535, default: 8080, description: 'Port of the worker\'s HTTP health endpoint (/health/live, /health/ready); 0 picks a free port.', example: '8080' },
  leaseTable: { kind: 'string', env: 'ADSTREAM_LEASE_TABLE', default: 'adstream-leases', pattern: /^[A-Za-z0-9_.-]{3,255}$/, patternHint: 'a DynamoDB table name (3 to 255 letters, digits, _ . -)', description: 'DynamoDB table of shard checkpoints (KCL attribute names); created if missing.', example: 'adstream-leases' },
  lake: { kind: 'string', env: 'ADSTREAM_LAKE', default: './data/lake', pattern: LOCATION, patternHint: LOCATION_HINT, description: 'Where Parquet goes: a directory or s3://bucket/prefix/.', example: 's3://my-lake/adstream/' },
  lakeFileTargetBytes: {
    kind: 'bytes',
    env: 'ADSTREAM_LAKE_FILE_TARGET_BYTES',
    default: 8 * 1024 ** 2,
    max: 2 * 1024 ** 3,
    description: 'Record data a shard gathers into one commit unit before its lake files are rolled; the Parquet files come out smaller (compressed, split by event type and hour). Rows past lakeSpillMemoryBytes wait on local disk, so this may be far larger than memory. 0 rolls after every GetRecords result.',
    example: '512MiB',
  },
  lakeFileMaxAgeMs: {
    kind: 'duration_ms',
    env: 'ADSTREAM_LAKE_FILE_MAX_AGE_MS',
    default: 10_000,
    description: 'Longest a record waits in a shard\'s buffer before the files are rolled, so data and alerts land within this delay; bounded runs also roll when a shard has caught up.',
    example: '300000',
  },
  lakeSpillMemoryBytes: {
    kind: 'bytes',
    env: 'ADSTREAM_LAKE_SPILL_MEMORY_BYTES',
    default: 32 * 1024 ** 2,
    max: 2 * 1024 ** 3,
    description: 'Record data whose rows a shard holds in memory while its commit unit fills (each row counted 128 bytes more than its record, for what a row holds besides); past it the rows spill to JSON-lines files in spillDir until the unit is written.',
    example: '64MiB',
  },
  spillDir: {
    kind: 'string',
    env: 'ADSTREAM_SPILL_DIR',
    description: 'Local scratch directory for spilled rows (a per-process folder inside it is removed on exit); unset means the system temp directory.',
    example: '/mnt/scratch',
  },
  stateStore: { kind: 'string', env: 'ADSTREAM_STATE', default: './data/state', pattern: LOCATION, patternHint: LOCATION_HINT, description: 'Where state snapshots go: a directory or s3://bucket/prefix/.', example: 's3://my-state/adstream/' },
  alertTopicArn: { kind: 'string', env: 'ADSTREAM_ALERT_TOPIC_ARN', pattern: /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/, patternHint: 'an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)', description: 'SNS topic for alerts; unset means the local alert log only.', example: 'arn:aws:sns:us-east-1:123456789012:adstream-alerts' },
  alertLog: { kind: 'string', env: 'ADSTREAM_ALERT_LOG', default: './data/alerts.jsonl', description: 'Alert log (JSON Lines).', example: '/var/log/adstream/alerts.jsonl' },
  alertCooldownWindows: {
    kind: 'integer',
    env: 'ADSTREAM_ALERT_COOLDOWN_WINDOWS',
    default: 0,
    description: 'Windows a resolved alert waits before its resolution is sent: if the incident comes back meanwhile it goes on under the same alert id, without a new page; 0 sends the resolution at once.',
    example: '10',
  },
  alertRenotifyWindows: { kind: 'integer', env: 'ADSTREAM_ALERT_RENOTIFY_WINDOWS', default: 0, description: "Send a firing alert again every this many windows while it lasts, at the next window still anomalous (status renotified), in one page with the reminders of its campaign's other alerts due within alertGroupIntervalWindows; 0 never.", example: '60' },
  alertGroupIntervalWindows: {
    kind: 'integer',
    env: 'ADSTREAM_ALERT_GROUP_INTERVAL_WINDOWS',
    default: 5,
    description: "Windows a campaign's alert waits when another alert of the campaign has already paged: it goes out in the campaign's next notification (an escalation, reminder or resolution), or alone after this many windows; 0 pages every alert at once.",
    example: '0',
  },
  detectorMaxCampaigns: {
    kind: 'integer',
    env: 'ADSTREAM_DETECTOR_MAX_CAMPAIGNS',
    min: 1,
    default: 10_000,
    description: "The most campaigns a shard's detectors watch at once (each costs its series' memory and a share of every window's work); a campaign past it is not watched, and the detector_capacity alert says so while it lasts. A campaign leaves 120 windows after its last event.",
    example: '50000',
  },
  metricsOutput: {
    kind: 'enum',
    env: 'ADSTREAM_METRICS_OUTPUT',
    default: 'none',
    values: ['none', 'emf-stdout'],
    description: 'Also print the stream-level metric events (stream and shard quality, consumer, operations; not the per-campaign ones, which would make a CloudWatch metric per campaign) as CloudWatch Embedded Metric Format lines on stdout; every metric event always goes to the lake\'s _metrics table.',
    example: 'emf-stdout',
  },
  processingLagAlertMs: {
    kind: 'duration_ms',
    env: 'ADSTREAM_PROCESSING_LAG_ALERT_MS',
    default: 300_000,
    description: 'Alert (processing_lag) when a shard has stayed this far behind the tip of the stream (MillisBehindLatest) for a minute; critical at three times it; 0 turns the watch off.',
    example: '120000',
  },
  firehoseDeliveryStream: {
    kind: 'string',
    env: 'ADSTREAM_FIREHOSE_DELIVERY_STREAM',
    description: 'Firehose delivery stream that also archives the input (at least once: every record is sent before its checkpoint moves); unset means none.',
    example: 'adstream-archive',
  },
  firehoseRecords: {
    kind: 'enum',
    env: 'ADSTREAM_FIREHOSE_RECORDS',
    default: 'raw',
    values: ['raw', 'validated'],
    description: 'What goes to firehoseDeliveryStream: every record as it arrived (rejected and duplicate ones too), or the valid first-seen events as JSON lines.',
    example: 'validated',
  },
  metricsStream: { kind: 'string', env: 'ADSTREAM_METRICS_STREAM', pattern: KINESIS_STREAM_NAME, patternHint: KINESIS_STREAM_HINT, description: 'Kinesis stream that also receives every metric event as a JSON record (partition key: the metric key); unset means none.', example: 'adstream-metrics' },
  windowMs: { kind: 'duration_ms', env: 'ADSTREAM_WINDOW_MS', min: 1, default: 60_000, description: 'Event-time window size.', example: '60000' },
  windowSlideMs: {
    kind: 'duration_ms',
    env: 'ADSTREAM_WINDOW_SLIDE_MS',
    min: 1,
    description: 'Hop between window starts, dividing windowMs: below it, windows overlap (hopping: each event and each record\'s quality count in windowMs / windowSlideMs windows; the detectors score the windows a windowMs apart, which share no events). Unset means windowMs: tumbling windows.',
    example: '60000',
  },
  maxOutOfOrdernessMs: { kind: 'duration_ms', env: 'ADSTREAM_MAX_OUT_OF_ORDERNESS_MS', default: 30_000, description: 'Watermark lag behind the newest event time (each event counted at most at its arrival time: a fast producer clock does not move it).', example: '30000' },
  windowGroupings: {
    kind: 'string',
    env: 'ADSTREAM_WINDOW_GROUPINGS',
    default: 'campaign,type;campaign',
    description: 'What windows are keyed by: groupings separated by ";", each a list of dimensions separated by "," (campaign, publisher, country, type, device).',
    example: 'campaign,type;campaign;publisher',
  },
  streamWindowIdleMs: {
    kind: 'duration_ms',
    env: 'ADSTREAM_STREAM_WINDOW_IDLE_MS',
    default: 60_000,
    description: 'Stream-wide windows (the shards\' partial windows merged, sent to the metrics outputs and alerted on for the stream\'s quality): a caught-up shard that has sent nothing for this long, in arrival time, stops holding them back (a shard not heard from yet, such as a split\'s child waiting for its parent, holds them until it reports, at most ten times as long once it could have started); 0 turns the merge off.',
    example: '120000',
  },
  allowedLatenessMs: { kind: 'duration_ms', env: 'ADSTREAM_ALLOWED_LATENESS_MS', default: 0, description: 'How long a window stays open after the watermark passes its end.', example: '60000' },
  dedupeHorizonMs: { kind: 'duration_ms', env: 'ADSTREAM_DEDUPE_HORIZON_MS', default: 3_600_000, min: 1, description: 'Event-time horizon within which a repeated event id is a duplicate.', example: '86400000' },
  maxFutureSkewMs: { kind: 'duration_ms', env: 'ADSTREAM_MAX_FUTURE_SKEW_MS', default: 300_000, description: 'How far event_time may be ahead of the record\'s arrival time.', example: '300000' },
  parquetEncoder: { kind: 'enum', env: 'ADSTREAM_PARQUET_ENCODER', default: 'direct', values: PARQUET_ENCODER_NAMES, description: 'Parquet encoder.', example: 'duckdb' },
} as const satisfies Record<string, OptionSpec>;

export type ConfigKey = keyof typeof configSchema;

type ValueOf<S> = S extends { kind: 'duration_ms' | 'integer' | 'bytes' } ? number : string;

export type AdstreamConfig = {
  [K in ConfigKey]: (typeof configSchema)[K] extends { default: unknown }
    ? ValueOf<(typeof configSchema)[K]>
    : ValueOf<(typeof configSchema)[K]> | undefined;
};
