/**
 * The whole pipeline in one stack per stage: key, stream, lease table, buckets, catalog and
 * Athena, warehouse, processor service, alert topic, dashboard and alarms, the producer and
 * analyst roles, and optionally the Firehose raw archive. Each concern is its own construct
 * (./constructs); this file only wires them together and names things after the stage.
 */
import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { NamedQuerySource } from './catalog/namedQueries.ts';
import { AccessRoles } from './constructs/accessRoles.ts';
import { Alerting } from './constructs/alerting.ts';
import { DataKey } from './constructs/dataKey.ts';
import { EventStream } from './constructs/eventStream.ts';
import { LakeBuckets } from './constructs/lakeBuckets.ts';
import { LakeCatalog } from './constructs/lakeCatalog.ts';
import { LeaseTable } from './constructs/leaseTable.ts';
import { Monitoring } from './constructs/monitoring.ts';
import { Network } from './constructs/network.ts';
import { ProcessorService } from './constructs/processorService.ts';
import { RawArchive } from './constructs/rawArchive.ts';
import { Warehouse } from './constructs/warehouse.ts';
import type { StageConfig } from './stage.ts';

export interface AdstreamStackProps extends StackProps {
  readonly config: StageConfig;
  /** The region the stack deploys to; its AZs a, b and c host the subnets. */
  readonly region: string;
  readonly namedQueries: readonly NamedQuerySource[];
  /** Overrides the processor image (tests pass a registry image to skip Docker context staging). */
  readonly processorImage?: ecs.ContainerImage;
}

const RETENTION: Record<number, logs.RetentionDays> = {
  14: logs.RetentionDays.TWO_WEEKS,
  30: logs.RetentionDays.ONE_MONTH,
  90: logs.RetentionDays.THREE_MONTHS,
};

export class AdstreamStack extends Stack {
  readonly config: StageConfig;
  readonly key: DataKey;
  readonly eventStream: EventStream;
  readonly leaseTable: LeaseTable;
  readonly buckets: LakeBuckets;
  readonly catalog: LakeCatalog;
  readonly network: Network;
  readonly warehouse: Warehouse;
  readonly alerting: Alerting;
  readonly processor: ProcessorService;
  readonly monitoring: Monitoring;
  readonly access: AccessRoles;
  readonly rawArchive?: RawArchive;

  constructor(scope: Construct, id: string, props: AdstreamStackProps) {
    super(scope, id, { ...props, env: { ...props.env, region: props.region } });
    const config = (this.config = props.config);
    const { prefix } = config;
    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const logRetention = RETENTION[config.logRetentionDays] ?? logs.RetentionDays.ONE_MONTH;
    this.tags.setTag('project', 'adstream');
    this.tags.setTag('stage', config.stage);

    this.key = new DataKey(this, 'DataKey', { alias: prefix, removalPolicy });
    const key = this.key.key;

    this.eventStream = new EventStream(this, 'EventStream', {
      streamName: `${prefix}-events`,
      encryptionKey: key,
      mode: config.stream.mode,
      shardCount: config.stream.shardCount,
      retentionHours: config.stream.retentionHours,
      removalPolicy,
    });
    const stream = this.eventStream.stream;

    this.leaseTable = new LeaseTable(this, 'LeaseTable', { tableName: `${prefix}-leases`, encryptionKey: key, removalPolicy });

    this.buckets = new LakeBuckets(this, 'Buckets', {
      encryptionKey: key,
      tierAfterDays: config.lake.tierAfterDays,
      expireAfterDays: config.lake.expireAfterDays,
      rejectedExpireAfterDays: config.lake.rejectedExpireAfterDays,
      removalPolicy,
    });

    this.catalog = new LakeCatalog(this, 'Catalog', {
      databaseName: prefix.replaceAll('-', '_'),
      workgroupName: prefix,
      lake: this.buckets.lake,
      queryResults: this.buckets.queryResults,
      encryptionKey: key,
      bytesScannedCutoffPerQuery: config.athenaBytesScannedCutoff,
      namedQueries: props.namedQueries,
      firstDay: config.lake.firstDay,
    });

    this.network = new Network(this, 'Network', {
      availabilityZones: ['a', 'b', 'c'].map((az) => `${props.region}${az}`),
      natGateways: config.natGateways,
      encryptionKey: key,
      logRetention,
      removalPolicy,
    });

    this.warehouse = new Warehouse(this, 'Warehouse', {
      name: prefix,
      vpc: this.network.vpc,
      lake: this.buckets.lake,
      encryptionKey: key,
      baseCapacityRpu: config.warehouse.baseCapacityRpu,
      maxCapacityRpu: config.warehouse.maxCapacityRpu,
      logRetention,
      removalPolicy,
    });

    this.alerting = new Alerting(this, 'Alerting', { topicName: `${prefix}-alerts`, encryptionKey: key });

    this.processor = new ProcessorService(this, 'Processor', {
      vpc: this.network.vpc,
      stream,
      leaseTable: this.leaseTable.table,
      lake: this.buckets.lake,
      state: this.buckets.state,
      alertTopic: this.alerting.topic,
      encryptionKey: key,
      region: props.region,
      cpu: config.processor.cpu,
      memoryMiB: config.processor.memoryMiB,
      minTasks: config.processor.minTasks,
      maxTasks: config.processor.maxTasks,
      logRetention,
      removalPolicy,
      image: props.processorImage,
    });

    this.monitoring = new Monitoring(this, 'Monitoring', {
      prefix,
      stream,
      lake: this.buckets.lake,
      alertTopic: this.alerting.topic,
      service: this.processor.service,
      iteratorAgeThresholdMs: config.alarms.iteratorAgeMs,
      noDataMinutes: config.alarms.noDataMinutes,
      dlqFilesPerHourThreshold: config.alarms.dlqFilesPerHour,
    });

    this.access = new AccessRoles(this, 'Access', {
      prefix,
      stream,
      lake: this.buckets.lake,
      queryResults: this.buckets.queryResults,
      encryptionKey: key,
      catalog: this.catalog,
      warehouse: this.warehouse,
    });

    if (config.rawArchive) {
      this.rawArchive = new RawArchive(this, 'RawArchive', {
        deliveryStreamName: `${prefix}-raw-archive`,
        stream,
        lake: this.buckets.lake,
        encryptionKey: key,
        logRetention,
        removalPolicy,
      });
    }

    const output = (id: string, value: string, description: string) => new CfnOutput(this, id, { value, description });
    output('StreamName', stream.streamName, 'Kinesis stream producers write to (ADSTREAM_STREAM)');
    output('LeaseTableName', this.leaseTable.table.tableName, 'Shard leases and checkpoints (ADSTREAM_LEASE_TABLE)');
    output('LakeLocation', this.buckets.lakeLocation, 'Parquet lake (ADSTREAM_LAKE)');
    output('StateLocation', this.buckets.stateLocation, 'State snapshots (ADSTREAM_STATE)');
    output('AlertTopicArn', this.alerting.topic.topicArn, 'Alerts and alarm notifications (ADSTREAM_ALERT_TOPIC_ARN)');
    output('GlueDatabase', this.catalog.databaseName, 'Glue database of the lake tables');
    output('AthenaWorkgroup', this.catalog.workgroup.name, 'Athena workgroup analysts query in');
    output('RedshiftWorkgroup', this.warehouse.workgroup.workgroupName, 'Redshift Serverless workgroup');
    output('RedshiftDatabase', this.warehouse.databaseName, 'Redshift database the lake tables are made in (adstream load-warehouse --database)');
    output('RedshiftSecretArn', this.warehouse.adminSecret.secretArn, 'Secret for the Data API and adstream load-warehouse --secret-arn');
    output('RedshiftCopyRoleArn', this.warehouse.copyRole.roleArn, 'Role for COPY from the lake (adstream load-warehouse --iam-role)');
    output('ProducerRoleArn', this.access.producer.roleArn, 'Role producers assume to put records');
    output('AnalystRoleArn', this.access.analyst.roleArn, 'Role analysts assume to query');
    output('DashboardName', this.monitoring.dashboard.dashboardName, 'CloudWatch dashboard');
    output('ProcessorLogGroup', this.processor.logGroup.logGroupName, 'Processor logs');
  }
}
