/**
 * Optional: Kinesis Data Firehose copies every raw record from the stream to the lake's `_raw/`
 * prefix, gzipped, by arrival hour. It is the replay source of last resort when the stream's
 * retention has passed: the records as producers sent them, before any decoding.
 *
 * An L1 delivery stream with its own role, because the L2's grants use wildcard actions.
 */
import { ArnFormat, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { grantActions, grantKey, grantObjects } from '../grants.ts';
import { acknowledgeObjectWildcard } from '../nag.ts';
import { RAW_ARCHIVE_PREFIX } from './lakeBuckets.ts';

export interface RawArchiveProps {
  readonly deliveryStreamName: string;
  readonly stream: kinesis.IStream;
  readonly lake: s3.IBucket;
  readonly encryptionKey: kms.IKey;
  readonly logRetention?: logs.RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

export class RawArchive extends Construct {
  readonly deliveryStream: firehose.CfnDeliveryStream;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: RawArchiveProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.role = new iam.Role(this, 'Role', {
      description: 'Firehose reads the event stream and writes raw records to the lake',
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
    });
    // The actions Firehose documents for a Kinesis source and an S3 destination.
    props.stream.grant(this.role, 'kinesis:DescribeStream', 'kinesis:DescribeStreamSummary', 'kinesis:GetShardIterator', 'kinesis:GetRecords', 'kinesis:ListShards');
    grantObjects(this.role, props.lake, ['read', 'write', 'list'], RAW_ARCHIVE_PREFIX);
    grantActions(this.role, ['s3:ListBucketMultipartUploads'], [props.lake.bucketArn]);
    grantKey(this.role, props.encryptionKey, ['decrypt', 'encrypt']);
    const logGroup = new logs.LogGroup(this, 'Logs', {
      encryptionKey: props.encryptionKey,
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    const logStream = logGroup.addStream('delivery');
    grantActions(this.role, ['logs:PutLogEvents'], [stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: `${logGroup.logGroupName}:log-stream:${logStream.logStreamName}`, arnFormat: ArnFormat.COLON_RESOURCE_NAME })]);
    acknowledgeObjectWildcard(this.role, props.lake, 'Firehose names each raw object itself (prefix, time, random suffix) under _raw/: the objects under that prefix are the resource; the actions are named.', RAW_ARCHIVE_PREFIX);

    this.deliveryStream = new firehose.CfnDeliveryStream(this, 'DeliveryStream', {
      deliveryStreamName: props.deliveryStreamName,
      deliveryStreamType: 'KinesisStreamAsSource',
      kinesisStreamSourceConfiguration: { kinesisStreamArn: props.stream.streamArn, roleArn: this.role.roleArn },
      extendedS3DestinationConfiguration: {
        bucketArn: props.lake.bucketArn,
        roleArn: this.role.roleArn,
        prefix: `${RAW_ARCHIVE_PREFIX}dt=!{timestamp:yyyy-MM-dd}/hour=!{timestamp:HH}/`,
        errorOutputPrefix: `${RAW_ARCHIVE_PREFIX}_errors/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/`,
        bufferingHints: { intervalInSeconds: 300, sizeInMBs: 128 },
        compressionFormat: 'GZIP',
        encryptionConfiguration: { kmsEncryptionConfig: { awskmsKeyArn: props.encryptionKey.keyArn } },
        cloudWatchLoggingOptions: { enabled: true, logGroupName: logGroup.logGroupName, logStreamName: logStream.logStreamName },
      },
    });
    // The role's policy must exist before Firehose validates access at creation.
    this.deliveryStream.node.addDependency(this.role);
    Validations.of(this.deliveryStream).acknowledge({
      id: 'AwsSolutions-KDF1',
      reason: 'Firehose server-side encryption is not available with a Kinesis stream as the source; the records are encrypted at rest in the source stream (KMS) and in the lake (SSE-KMS).',
    });
  }
}
