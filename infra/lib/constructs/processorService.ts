/**
 * The processor: `adstream run` as an ECS Fargate service, built from infra/docker/Dockerfile.
 *
 * - Configured only through environment variables (the options of `adstream config`); values
 *   that are secret come from Secrets Manager through `secrets` (none is needed today: every AWS
 *   call is authorised by the task role).
 * - Runs as the image's non-root user with a read-only root filesystem; `/tmp` is a task volume.
 * - Scales on the stream's iterator age: workers share the shards through the lease table, so a
 *   new task takes leases from the others within a failover period.
 * - The task role holds exactly what the worker calls (see ../grants.ts).
 */
import { fileURLToPath } from 'node:url';
import { Duration, IgnoreMode, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { grantActions, grantListUnder, grantKey, grantObjects } from '../grants.ts';
import { LINEAGE_TABLE } from '../../../sinks/lake/lineage.ts';
import { LAKE_CLAIMS } from '../../../stream/consumer/lakeClaim.ts';
import { acknowledgeObjectWildcard } from '../nag.ts';
import { WORKER_LEASE_ACTIONS } from './leaseTable.ts';

/** What the worker calls on its stream (stream/consumer: shard listing, iterators, GetRecords): nothing else. */
export const WORKER_STREAM_ACTIONS = ['kinesis:DescribeStreamSummary', 'kinesis:ListShards', 'kinesis:GetShardIterator', 'kinesis:GetRecords'] as const;

/** The repository root: the Docker build context. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const DOCKERFILE = 'infra/docker/Dockerfile';
/**
 * What the image needs from the repository, as a .dockerignore allow-list: everything else
 * (node_modules, data, cdk.out, tests) is neither hashed nor copied into the cloud assembly.
 */
export const DOCKER_CONTEXT_EXCLUDE = ['*', '!package.json', '!package-lock.json', '!stream', '!sinks', '!detectors', '!infra/docker'];

export const HEALTH_PORT = 8080;

export interface ProcessorServiceProps {
  readonly vpc: ec2.IVpc;
  readonly stream: kinesis.IStream;
  readonly leaseTable: dynamodb.ITableV2;
  readonly lake: s3.IBucket;
  readonly state: s3.IBucket;
  readonly alertTopic: sns.ITopic;
  readonly encryptionKey: kms.IKey;
  readonly region: string;
  /** @default 512 */
  readonly cpu?: number;
  /** @default 1024 */
  readonly memoryMiB?: number;
  /** @default 1 */
  readonly minTasks?: number;
  /** @default 4 */
  readonly maxTasks?: number;
  /** More adstream options, e.g. `{ ADSTREAM_WINDOW_MS: '60000' }`. @default none */
  readonly environment?: Record<string, string>;
  /** Environment variables read from Secrets Manager at task start. @default none */
  readonly secrets?: Record<string, ecs.Secret>;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** The image; a test may pass one to avoid staging the Docker context. @default the Dockerfile in infra/docker */
  readonly image?: ecs.ContainerImage;
}

export class ProcessorService extends Construct {
  readonly cluster: ecs.Cluster;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly container: ecs.ContainerDefinition;
  readonly service: ecs.FargateService;
  readonly scaling: ecs.ScalableTaskCount;
  readonly logGroup: logs.LogGroup;
  /** The configuration the container runs with (no secrets). */
  readonly environment: Record<string, string>;

  constructor(scope: Construct, id: string, props: ProcessorServiceProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.cluster = new ecs.Cluster(this, 'Cluster', { vpc: props.vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });

    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: props.cpu ?? 512,
      memoryLimitMiB: props.memoryMiB ?? 1024,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
      // Fargate has no tmpfs: an empty task volume is the writable scratch space. Fargate seeds a
      // volume from the image's directory at the mount path, so /tmp keeps its 1777 mode and the
      // non-root user can write there.
      volumes: [{ name: 'tmp' }],
    });

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      encryptionKey: props.encryptionKey,
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy,
    });

    this.environment = {
      AWS_REGION: props.region,
      ADSTREAM_STREAM: props.stream.streamName,
      ADSTREAM_LEASE_TABLE: props.leaseTable.tableName,
      ADSTREAM_LAKE: `s3://${props.lake.bucketName}/`,
      ADSTREAM_STATE: `s3://${props.state.bucketName}/`,
      ADSTREAM_ALERT_TOPIC_ARN: props.alertTopic.topicArn,
      ADSTREAM_ALERT_LOG: '/tmp/adstream/alerts.jsonl',
      ADSTREAM_HEALTH_PORT: String(HEALTH_PORT),
      // Stream-level metric events as EMF lines: CloudWatch Logs turns them into the dashboard's metrics.
      ADSTREAM_METRICS_OUTPUT: 'emf-stdout',
      // Larger lake files than the local default (Athena and COPY read few large files faster);
      // rows past the memory budget spill to the /tmp volume. Alerts go out when a batch commits,
      // so the age bounds their delay too.
      ADSTREAM_LAKE_FILE_TARGET_BYTES: '128MiB',
      ADSTREAM_LAKE_FILE_MAX_AGE_MS: '60000',
      // A young generation of up to 64 MiB per semi-space, not 16: the pipeline makes many
      // short-lived objects per record, and fewer scavenges cost about 6 % less CPU per record
      // (replay of 1.06M records, 2 cores: 41.7–42.1k against 38.6–39.8k records per CPU-second).
      NODE_OPTIONS: '--max-semi-space-size=64',
      ...props.environment,
    };

    const image =
      props.image ??
      ecs.ContainerImage.fromDockerImageAsset(
        new ecrAssets.DockerImageAsset(this, 'Image', {
          directory: REPO_ROOT,
          file: DOCKERFILE,
          exclude: DOCKER_CONTEXT_EXCLUDE,
          ignoreMode: IgnoreMode.DOCKER,
          platform: ecrAssets.Platform.LINUX_AMD64,
        }),
      );

    this.container = this.taskDefinition.addContainer('processor', {
      image,
      command: ['run'],
      environment: this.environment,
      secrets: props.secrets,
      readonlyRootFilesystem: true,
      user: '1000:1000',
      portMappings: [{ containerPort: HEALTH_PORT, protocol: ecs.Protocol.TCP }],
      healthCheck: {
        command: ['CMD', 'node', '-e', `fetch('http://127.0.0.1:${HEALTH_PORT}/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`],
        interval: Duration.seconds(30),
        timeout: Duration.seconds(5),
        startPeriod: Duration.seconds(60),
        retries: 3,
      },
      // SIGTERM makes each shard commit its batch and release its lease; give it time.
      stopTimeout: Duration.seconds(90),
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: 'processor', mode: ecs.AwsLogDriverMode.NON_BLOCKING }),
    });
    this.container.addMountPoints({ containerPath: '/tmp', sourceVolume: 'tmp', readOnly: false });

    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'adstream processor: no ingress, egress to AWS APIs',
      allowAllOutbound: false,
    });
    securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to AWS APIs (Kinesis, SNS, ECR, CloudWatch) through NAT and the gateway endpoints');

    this.service = new ecs.FargateService(this, 'Service', {
      cluster: this.cluster,
      taskDefinition: this.taskDefinition,
      desiredCount: props.minTasks ?? 1,
      assignPublicIp: false,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [securityGroup],
      circuitBreaker: { enable: true, rollback: true },
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      enableExecuteCommand: false,
    });

    this.scaling = this.service.autoScaleTaskCount({ minCapacity: props.minTasks ?? 1, maxCapacity: props.maxTasks ?? 4 });
    this.scaling.scaleOnMetric('ScaleOnIteratorAge', {
      metric: props.stream.metricGetRecordsIteratorAgeMilliseconds({ period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM }),
      // Behind by more than a minute: add a task; by more than ten: add two. Caught up: remove one.
      scalingSteps: [
        { upper: 10_000, change: -1 },
        { lower: 60_000, change: +1 },
        { lower: 600_000, change: +2 },
      ],
      adjustmentType: appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
      cooldown: Duration.minutes(3),
      evaluationPeriods: 3,
    });

    this.grantWorkerAccess(props);
  }

  private grantWorkerAccess(props: ProcessorServiceProps): void {
    const role = this.taskDefinition.taskRole;
    // The calls the worker reads a stream with (GetRecords, not enhanced fan-out): grantRead would
    // add SubscribeToShard, DescribeStreamConsumer, ListStreams and DescribeStream, which it never makes.
    grantActions(role, WORKER_STREAM_ACTIONS, [props.stream.streamArn]);
    grantActions(role, WORKER_LEASE_ACTIONS, [props.leaseTable.tableArn]);
    grantObjects(role, props.lake, ['write']);
    // The first worker on an empty lease table looks in the lake's lineage for files of its stream
    // (stream/consumer/lostCheckpoints.ts): without this every new deployment's task was refused.
    grantListUnder(role, props.lake, `${LINEAGE_TABLE}/`);
    // Every worker names its lease table in the lake and reads the name back
    // (stream/consumer/lakeClaim.ts); the listing makes a missing claim a 404, not a 403.
    grantObjects(role, props.lake, ['read'], `${LAKE_CLAIMS}/`);
    grantListUnder(role, props.lake, `${LAKE_CLAIMS}/`);
    grantObjects(role, props.state, ['read', 'write', 'delete', 'list']);
    // GetTopicAttributes: the worker checks at start that its alert topic exists (sinks/alerts/snsTopic.ts).
    grantActions(role, ['sns:Publish', 'sns:GetTopicAttributes'], [props.alertTopic.topicArn]);
    // Kinesis, S3, DynamoDB and SNS all use the same key on the worker's behalf.
    grantKey(role, props.encryptionKey, ['decrypt', 'encrypt', 'describe']);
    acknowledgeObjectWildcard(role, props.lake, 'The worker writes a Parquet file per table, partition and batch under keys it derives at run time: the objects are the resource; the actions are named (s3:PutObject, s3:AbortMultipartUpload).');
    acknowledgeObjectWildcard(role, props.lake, 'One claim object per stream, named at run time after the stream: the objects are the resource; the action is named (s3:GetObject).', `${LAKE_CLAIMS}/`);
    acknowledgeObjectWildcard(role, props.state, 'One snapshot object per shard, named at run time after the shard id: the objects are the resource; the actions are named.');
    Validations.of(this.taskDefinition.obtainExecutionRole()).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'The execution role pulls the image: ecr:GetAuthorizationToken has no resource-level permission and must be granted on *; the other ECR and Logs actions are on the repository and log group.',
    });
    Validations.of(this.taskDefinition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason: 'The environment holds resource names and tuning options (the documented adstream configuration), nothing secret; secrets go through the `secrets` property (Secrets Manager).',
    });
  }
}
