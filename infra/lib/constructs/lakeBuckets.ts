/**
 * The buckets: the lake (Parquet, the DLQ, metrics), the state store (per-shard snapshots), the
 * Athena query results, and the server access logs of the three.
 *
 * Every data bucket: SSE-KMS with the stack's key (bucket keys on, to cut KMS requests), public
 * access blocked, TLS required, access logged, incomplete multipart uploads aborted. The state
 * bucket is versioned: a snapshot overwritten by a bad deploy can be rolled back. The lake is not:
 * a redone batch overwrites its own files on purpose, and old versions would only cost money.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { METRICS_TABLE, REJECTED_TABLE } from '../../../sinks/lake/lakeTables.ts';

export interface LakeBucketsProps {
  readonly encryptionKey: kms.IKey;
  /** Days before lake objects move to Intelligent-Tiering. @default 30 */
  readonly tierAfterDays?: number;
  /** Days before lake objects are deleted. @default never */
  readonly expireAfterDays?: number;
  /** Days rejected records are kept. @default 90 */
  readonly rejectedExpireAfterDays?: number;
  /** Days raw records (the Firehose archive, `_raw/`) are kept. @default 365 */
  readonly rawExpireAfterDays?: number;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/** Request-metric filters (CloudWatch AWS/S3 PutRequests by FilterId): files written, DLQ files. */
export const LAKE_METRIC_FILTERS = { all: 'EntireBucket', rejected: 'Rejected', metrics: 'Metrics' } as const;
/** Where the optional Firehose archive writes raw records. */
export const RAW_ARCHIVE_PREFIX = '_raw/';

const ABORT_UPLOADS = Duration.days(7);

export class LakeBuckets extends Construct {
  readonly lake: s3.Bucket;
  readonly state: s3.Bucket;
  readonly queryResults: s3.Bucket;
  readonly accessLogs: s3.Bucket;

  constructor(scope: Construct, id: string, props: LakeBucketsProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const destroy = removalPolicy === RemovalPolicy.DESTROY;

    // Server access logs only accept SSE-S3 on the target bucket.
    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(365), abortIncompleteMultipartUploadAfter: ABORT_UPLOADS }],
      removalPolicy,
      autoDeleteObjects: false,
    });
    Validations.of(this.accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket itself; logging it into itself would loop and logging it elsewhere adds a bucket for no audit value.',
    });

    const common = (logPrefix: string): s3.BucketProps => ({
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.encryptionKey,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: logPrefix,
      removalPolicy,
      autoDeleteObjects: false,
    });

    const tierAfter = Duration.days(props.tierAfterDays ?? 30);
    this.lake = new s3.Bucket(this, 'Lake', {
      ...common('lake/'),
      metrics: [
        { id: LAKE_METRIC_FILTERS.all },
        { id: LAKE_METRIC_FILTERS.rejected, prefix: `${REJECTED_TABLE}/` },
        { id: LAKE_METRIC_FILTERS.metrics, prefix: `${METRICS_TABLE}/` },
      ],
      lifecycleRules: [
        {
          id: 'tier-and-expire-lake',
          transitions: [{ storageClass: s3.StorageClass.INTELLIGENT_TIERING, transitionAfter: tierAfter }],
          expiration: props.expireAfterDays !== undefined ? Duration.days(props.expireAfterDays) : undefined,
          abortIncompleteMultipartUploadAfter: ABORT_UPLOADS,
        },
        {
          id: 'expire-rejected',
          prefix: `${REJECTED_TABLE}/`,
          expiration: Duration.days(props.rejectedExpireAfterDays ?? 90),
        },
        {
          // Raw copies are a last-resort replay source: a year is enough (the lake-wide rule,
          // when shorter, still wins, since S3 applies the earliest expiration).
          id: 'expire-raw-archive',
          prefix: RAW_ARCHIVE_PREFIX,
          expiration: Duration.days(props.rawExpireAfterDays ?? 365),
        },
      ],
    });

    this.state = new s3.Bucket(this, 'State', {
      ...common('state/'),
      versioned: true,
      lifecycleRules: [
        {
          id: 'expire-old-snapshots',
          noncurrentVersionExpiration: Duration.days(destroy ? 7 : 30),
          abortIncompleteMultipartUploadAfter: ABORT_UPLOADS,
        },
      ],
    });

    this.queryResults = new s3.Bucket(this, 'QueryResults', {
      ...common('query-results/'),
      lifecycleRules: [{ id: 'expire-query-results', expiration: Duration.days(30), abortIncompleteMultipartUploadAfter: ABORT_UPLOADS }],
    });
  }

  /** `s3://<lake>/`, the value of ADSTREAM_LAKE. */
  get lakeLocation(): string {
    return `s3://${this.lake.bucketName}/`;
  }

  /** `s3://<state>/`, the value of ADSTREAM_STATE. */
  get stateLocation(): string {
    return `s3://${this.state.bucketName}/`;
  }
}
