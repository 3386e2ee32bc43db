/**
 * The dev stage, synthesized once with cdk-nag attached, then asserted construct by construct.
 * Expected values come from the issue and the runtime's own contracts (the worker's option names,
 * the lease table's key, the lake layout), written out by hand.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUERIES_DIR } from '../../infra/lib/buildApp.ts';
import { loadConfig } from '../../stream/config/load.ts';
import { logicalId, policyStatements, synthStage, type SynthesizedStage } from './support/synthStage.ts';
import { awsCallsOf } from './support/awsCallsOf.ts';

let dev: SynthesizedStage;
const ref = (id: string) => ({ Ref: id });
const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

beforeAll(() => {
  dev = synthStage({ context: { stage: 'dev' } });
});
afterAll(() => dev?.cleanup());

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged finding, error or warning', () => {
    expect(dev.violations).toEqual([]);
  });

  it('has a written reason for every acknowledgement of ours', () => {
    const ours = dev.acknowledgements.filter((a) => a.id.includes('AwsSolutions'));
    expect(ours.length).toBeGreaterThan(5);
    for (const ack of ours) expect(ack.reason.split(' ').length, `${ack.path} ${ack.id}`).toBeGreaterThanOrEqual(8);
  });
});

describe('DataKey', () => {
  it('rotates', () => {
    dev.template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    dev.template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/adstream-dev' });
  });
});

describe('EventStream', () => {
  it('is on-demand, KMS-encrypted with the stack key, 24 h retention in dev', () => {
    const key = logicalId(dev.template, 'AWS::KMS::Key', 'DataKey');
    dev.template.hasResourceProperties('AWS::Kinesis::Stream', {
      Name: 'adstream-dev-events',
      StreamModeDetails: { StreamMode: 'ON_DEMAND' },
      RetentionPeriodHours: 24,
      StreamEncryption: { EncryptionType: 'KMS', KeyId: arnOf(key) },
    });
  });
});

describe('LeaseTable', () => {
  it('has the worker\'s key schema, on-demand billing, PITR and the stack key', () => {
    dev.template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: 'adstream-dev-leases',
      KeySchema: [{ AttributeName: 'leaseKey', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'leaseKey', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true }, SSESpecification: { KMSMasterKeyId: Match.anyValue() } })],
    });
  });
});

describe('LakeBuckets', () => {
  const dataBuckets = ['BucketsLake', 'BucketsState', 'BucketsQueryResults'];

  it('encrypts lake, state and results with the stack key, blocks public access and logs access', () => {
    const key = logicalId(dev.template, 'AWS::KMS::Key', 'DataKey');
    const logs = logicalId(dev.template, 'AWS::S3::Bucket', 'BucketsAccessLogs');
    for (const prefix of dataBuckets) {
      const id = logicalId(dev.template, 'AWS::S3::Bucket', prefix);
      const bucket = dev.template.toJSON().Resources[id].Properties;
      expect(bucket.BucketEncryption.ServerSideEncryptionConfiguration[0], prefix).toEqual({
        BucketKeyEnabled: true,
        ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: arnOf(key) },
      });
      expect(bucket.PublicAccessBlockConfiguration, prefix).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
      expect(bucket.LoggingConfiguration.DestinationBucketName, prefix).toEqual(ref(logs));
      const rules = bucket.LifecycleConfiguration.Rules as { AbortIncompleteMultipartUpload?: unknown }[];
      expect(rules.some((r) => r.AbortIncompleteMultipartUpload !== undefined), prefix).toBe(true);
    }
  });

  it('refuses plain HTTP on every bucket', () => {
    const policies = Object.values(dev.template.findResources('AWS::S3::BucketPolicy'));
    expect(policies).toHaveLength(4);
    for (const policy of policies) {
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });

  it('versions the state bucket only', () => {
    const versioned = (prefix: string) => dev.template.toJSON().Resources[logicalId(dev.template, 'AWS::S3::Bucket', prefix)].Properties.VersioningConfiguration?.Status;
    expect([versioned('BucketsState'), versioned('BucketsLake')]).toEqual(['Enabled', undefined]);
  });

  it('tiers the lake, expires the DLQ, and counts files written overall and into the DLQ', () => {
    const lake = dev.template.toJSON().Resources[logicalId(dev.template, 'AWS::S3::Bucket', 'BucketsLake')].Properties;
    expect(lake.LifecycleConfiguration.Rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Id: 'tier-and-expire-lake', ExpirationInDays: 30, Transitions: [{ StorageClass: 'INTELLIGENT_TIERING', TransitionInDays: 30 }] }),
        expect.objectContaining({ Id: 'expire-rejected', Prefix: '_rejected/', ExpirationInDays: 14 }),
      ]),
    );
    expect(lake.MetricsConfigurations).toEqual(expect.arrayContaining([{ Id: 'EntireBucket' }, { Id: 'Rejected', Prefix: '_rejected/' }]));
  });
});

describe('LakeCatalog', () => {
  it('defines the seven lake tables with partition projection', () => {
    const tables = Object.values(dev.template.findResources('AWS::Glue::Table'));
    expect(tables.map((t) => t.Properties.TableInput.Name).sort()).toEqual(['bid_requests', 'clicks', 'conversions', 'impressions', 'lineage', 'metrics', 'rejected']);
    for (const table of tables) {
      expect(table.Properties.DatabaseName).toBe('adstream_dev');
      expect(table.Properties.TableInput.Parameters).toMatchObject({ 'projection.enabled': 'true', 'projection.dt.type': 'date', 'projection.hour.type': 'integer', 'projection.hour.range': '0,23' });
    }
    const rejected = tables.find((t) => t.Properties.TableInput.Name === 'rejected')!;
    const lake = logicalId(dev.template, 'AWS::S3::Bucket', 'BucketsLake');
    expect(rejected.Properties.TableInput.StorageDescriptor.Location).toEqual({ 'Fn::Join': ['', ['s3://', ref(lake), '/_rejected/']] });
    expect(rejected.Properties.TableInput.PartitionKeys.map((k: { Name: string }) => k.Name)).toEqual(['reason_class', 'dt', 'hour']);
    expect(rejected.Properties.TableInput.Parameters['projection.reason_class.type']).toBe('enum');
    expect(rejected.Properties.TableInput.Parameters['storage.location.template']).toEqual({
      'Fn::Join': ['', ['s3://', ref(lake), '/_rejected/reason_class=${reason_class}/dt=${dt}/hour=${hour}/']],
    });
    expect(rejected.Properties.TableInput.StorageDescriptor.Columns.map((c: { Name: string }) => c.Name)).toEqual([
      'reason', 'detail', 'stream', 'shard_id', 'sequence_number', 'partition_key', 'arrival_time', 'raw_base64', 'sub_sequence_number', 'explicit_hash_key',
    ]);
  });

  it('has an Athena workgroup that enforces encrypted results and a bytes-scanned cap', () => {
    const key = logicalId(dev.template, 'AWS::KMS::Key', 'DataKey');
    const results = logicalId(dev.template, 'AWS::S3::Bucket', 'BucketsQueryResults');
    dev.template.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'adstream-dev',
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        BytesScannedCutoffPerQuery: 10 * 1024 ** 3,
        ResultConfiguration: {
          OutputLocation: { 'Fn::Join': ['', ['s3://', ref(results), '/athena/']] },
          EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: arnOf(key) },
        },
      },
    });
  });

  it('makes one named query per .sql file in infra/queries, with the file\'s text', () => {
    const files = readdirSync(QUERIES_DIR).filter((f) => f.endsWith('.sql')).sort();
    const queries = Object.values(dev.template.findResources('AWS::Athena::NamedQuery'));
    expect(queries.map((q) => q.Properties.Name).sort()).toEqual(files.map((f) => f.replace(/\.sql$/, '')));
    for (const file of files) {
      const query = queries.find((q) => q.Properties.Name === file.replace(/\.sql$/, ''))!;
      expect(query.Properties.QueryString).toBe(readFileSync(join(QUERIES_DIR, file), 'utf8'));
      expect([query.Properties.Database, query.Properties.WorkGroup]).toEqual(['adstream_dev', 'adstream-dev']);
    }
  });
});

describe('Warehouse', () => {
  it('keeps Redshift Serverless private, encrypted, in the isolated subnets', () => {
    const key = logicalId(dev.template, 'AWS::KMS::Key', 'DataKey');
    dev.template.hasResourceProperties('AWS::RedshiftServerless::Namespace', {
      NamespaceName: 'adstream-dev',
      DbName: 'adstream',
      KmsKeyId: arnOf(key),
      AdminUserPassword: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([Match.stringLikeRegexp('resolve:secretsmanager')])]) }),
    });
    const workgroup = Object.values(dev.template.findResources('AWS::RedshiftServerless::Workgroup'))[0].Properties;
    expect([workgroup.PubliclyAccessible, workgroup.EnhancedVpcRouting, workgroup.BaseCapacity]).toEqual([false, true, 8]);
    const isolated = Object.keys(dev.template.findResources('AWS::EC2::Subnet')).filter((id) => id.includes('warehouse'));
    expect(workgroup.SubnetIds).toEqual(isolated.map(ref));
    expect(isolated).toHaveLength(3);
  });

  it('lets Redshift assume the COPY role, which reads the lake and nothing else', () => {
    const role = logicalId(dev.template, 'AWS::IAM::Role', 'WarehouseCopyRole');
    const lake = logicalId(dev.template, 'AWS::S3::Bucket', 'BucketsLake');
    const statements = policyStatements(dev.template).filter((s) => s.policy.startsWith('WarehouseCopyRole'));
    expect(statements.map((s) => s.actions)).toEqual([['s3:GetObject'], ['s3:ListBucket', 's3:GetBucketLocation'], ['kms:Decrypt']]);
    expect(statements[0].resources).toEqual([{ 'Fn::Join': ['', [arnOf(lake), '/*']] }]);
    dev.template.hasResourceProperties('AWS::RedshiftServerless::Namespace', { DefaultIamRoleArn: arnOf(role) });
  });

  it('creates the four event tables and the load table through the Data API', () => {
    const ddl = Object.values(dev.template.findResources('Custom::AWS'))[0].Properties.Create;
    const call = JSON.stringify(ddl);
    for (const table of ['impressions', 'clicks', 'conversions', 'bid_requests', 'adstream_loaded_files']) expect(call).toContain(`CREATE TABLE IF NOT EXISTS ${table} (`);
    // A column of each kind, as Redshift types.
    for (const column of ['event_time TIMESTAMP NOT NULL', 'auction_id VARCHAR(256)', 'won BOOLEAN NOT NULL', 'bidder_latency_ms INTEGER NOT NULL', 'revenue_micros BIGINT NOT NULL']) {
      expect(call).toContain(column);
    }
    expect(call).toContain('batchExecuteStatement');
  });
});

describe('ProcessorService', () => {
  const container = () => Object.values(dev.template.findResources('AWS::ECS::TaskDefinition'))[0].Properties.ContainerDefinitions[0];

  it('runs `adstream run` as a non-root user on a read-only root filesystem, writing only to /tmp', () => {
    const c = container();
    expect([c.ReadonlyRootFilesystem, c.User, c.Command]).toEqual([true, '1000:1000', ['run']]);
    expect(c.MountPoints).toEqual([{ ContainerPath: '/tmp', SourceVolume: 'tmp', ReadOnly: false }]);
    expect(c.HealthCheck.Command.join(' ')).toContain('/health/live');
  });

  it('is configured through the worker\'s environment variables, pointing at this stack\'s resources', () => {
    const env = Object.fromEntries((container().Environment as { Name: string; Value: unknown }[]).map((e) => [e.Name, e.Value]));
    const lake = logicalId(dev.template, 'AWS::S3::Bucket', 'BucketsLake');
    const state = logicalId(dev.template, 'AWS::S3::Bucket', 'BucketsState');
    expect(env).toEqual({
      AWS_REGION: 'us-east-1',
      ADSTREAM_STREAM: ref(logicalId(dev.template, 'AWS::Kinesis::Stream', 'EventStream')),
      ADSTREAM_LEASE_TABLE: ref(logicalId(dev.template, 'AWS::DynamoDB::GlobalTable', 'LeaseTable')),
      ADSTREAM_LAKE: { 'Fn::Join': ['', ['s3://', ref(lake), '/']] },
      ADSTREAM_STATE: { 'Fn::Join': ['', ['s3://', ref(state), '/']] },
      ADSTREAM_ALERT_TOPIC_ARN: ref(logicalId(dev.template, 'AWS::SNS::Topic', 'AlertingTopic')),
      ADSTREAM_ALERT_LOG: '/tmp/adstream/alerts.jsonl',
      ADSTREAM_HEALTH_PORT: '8080',
      // What feeds the dashboard's worker metrics (records in, rejected rate).
      ADSTREAM_METRICS_OUTPUT: 'emf-stdout',
      ADSTREAM_LAKE_FILE_TARGET_BYTES: '128MiB',
      ADSTREAM_LAKE_FILE_MAX_AGE_MS: '60000',
      NODE_OPTIONS: '--max-semi-space-size=64',
    });
    // The literal settings are ones the worker accepts (it would refuse to start otherwise).
    const literal = Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
    expect(loadConfig({}, literal)).toMatchObject({ lakeFileTargetBytes: 128 * 1024 ** 2, lakeFileMaxAgeMs: 60_000, metricsOutput: 'emf-stdout', healthPort: 8080 });
  });

  it('builds the image from infra/docker/Dockerfile with the repository root as context', () => {
    const assets = JSON.parse(readFileSync(join(dev.outdir, 'adstream-dev.assets.json'), 'utf8')) as { dockerImages: Record<string, { source: { directory: string; dockerFile: string } }> };
    const images = Object.values(assets.dockerImages);
    expect(images.map((i) => i.source.dockerFile)).toEqual(['infra/docker/Dockerfile']);
    const staged = readdirSync(join(dev.outdir, images[0].source.directory)).sort();
    expect(staged).toEqual(['detectors', 'infra', 'package-lock.json', 'package.json', 'sinks', 'stream']);
  });

  it('runs in private subnets without a public IP, and rolls back a failed deployment', () => {
    dev.template.hasResourceProperties('AWS::ECS::Service', {
      LaunchType: 'FARGATE',
      DesiredCount: 1,
      NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'DISABLED' }) },
      DeploymentConfiguration: Match.objectLike({ DeploymentCircuitBreaker: { Enable: true, Rollback: true } }),
    });
  });

  it('scales between 1 and 2 tasks on the stream\'s iterator age', () => {
    dev.template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 1, MaxCapacity: 2 });
    dev.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'GetRecords.IteratorAgeMilliseconds',
      Namespace: 'AWS/Kinesis',
      AlarmActions: [Match.objectLike({ Ref: Match.stringLikeRegexp('ProcessorServiceTaskCountTargetScaleOnIteratorAge') })],
    });
  });

  it('grants the task role exactly the calls the worker makes', () => {
    const statements = policyStatements(dev.template).filter((s) => s.policy.startsWith('ProcessorTaskTaskRole'));
    const granted = [...new Set(statements.flatMap((s) => s.actions))].sort();
    // The Kinesis, DynamoDB and SNS calls `adstream run` can make, read from its sources, less
    // those the deployed task must not make: the stack creates the stream and the lease table
    // (the worker makes them only where missing, locally), and its task sets no metrics stream.
    const notGranted = ['dynamodb:CreateTable', 'kinesis:CreateStream', 'kinesis:PutRecords'];
    const made = awsCallsOf(join(import.meta.dirname, '../../stream/cli/commands/run.ts'));
    expect(made).toEqual(expect.arrayContaining(notGranted));
    expect(granted.filter((a) => /^(kinesis|dynamodb|sns):/.test(a))).toEqual(made.filter((a) => !notGranted.includes(a)));
    expect(granted.filter((a) => !/^(kinesis|dynamodb|sns):/.test(a))).toEqual([
      'kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKey',
      's3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetBucketLocation', 's3:GetObject', 's3:ListBucket', 's3:PutObject',
    ]);
  });
});

describe('IAM of the lake', () => {
  it('lets the task list the lake only under _lineage/, where its first worker looks for files of its stream, and _lease_tables/, where it names its table', () => {
    // Without it a new deployment's first worker got AccessDenied looking, and never started.
    const lake = logicalId(dev.template, 'AWS::S3::Bucket', 'BucketsLake');
    const [policy] = Object.values(dev.template.findResources('AWS::IAM::Policy')).filter((_, i) => Object.keys(dev.template.findResources('AWS::IAM::Policy'))[i].startsWith('ProcessorTaskTaskRole'));
    const statements = policy.Properties.PolicyDocument.Statement as { Action: unknown; Resource: unknown; Condition?: unknown }[];
    const listings = statements.filter((s) => s.Action === 's3:ListBucket' && JSON.stringify(s.Resource) === JSON.stringify(arnOf(lake)));
    expect(listings).toEqual([
      { Action: 's3:ListBucket', Effect: 'Allow', Resource: arnOf(lake), Condition: { StringLike: { 's3:prefix': ['_lineage/*'] } } },
      { Action: 's3:ListBucket', Effect: 'Allow', Resource: arnOf(lake), Condition: { StringLike: { 's3:prefix': ['_lease_tables/*'] } } },
    ]);
    // It reads its claim back (stream/consumer/lakeClaim.ts), and nothing else of the lake.
    const reads = statements.filter((s) => s.Action === 's3:GetObject' && JSON.stringify(s.Resource).includes(lake));
    expect(reads).toEqual([{ Action: 's3:GetObject', Effect: 'Allow', Resource: { 'Fn::Join': ['', [arnOf(lake), '/_lease_tables/*']] } }]);
  });
});

describe('IAM', () => {
  it('has no wildcard action in any policy', () => {
    const wildcards = policyStatements(dev.template).filter((s) => s.actions.some((a) => a.includes('*')));
    expect(wildcards).toEqual([]);
  });

  it('grants * resources only for actions that have no resource ARN', () => {
    const onStar = policyStatements(dev.template).filter((s) => s.resources.includes('*')).flatMap((s) => s.actions).sort();
    expect(onStar).toEqual(['ecr:GetAuthorizationToken', 'redshift-data:CancelStatement', 'redshift-data:DescribeStatement', 'redshift-data:GetStatementResult', 'redshift-data:ListStatements']);
  });

  it('lets producers put records and nothing else', () => {
    const statements = policyStatements(dev.template).filter((s) => s.policy.startsWith('AccessProducer'));
    expect(statements.flatMap((s) => s.actions).sort()).toEqual(['kinesis:DescribeStreamSummary', 'kinesis:ListShards', 'kinesis:PutRecord', 'kinesis:PutRecords', 'kms:GenerateDataKey']);
  });
});

describe('Alerting', () => {
  it('encrypts the topic and subscribes the AlertEmail parameter only when given', () => {
    const key = logicalId(dev.template, 'AWS::KMS::Key', 'DataKey');
    dev.template.hasResourceProperties('AWS::SNS::Topic', { TopicName: 'adstream-dev-alerts', KmsMasterKeyId: arnOf(key) });
    dev.template.hasParameter('AlertEmail', { Type: 'String', Default: '' });
    const [subscription] = Object.values(dev.template.findResources('AWS::SNS::Subscription'));
    expect(subscription.Properties).toMatchObject({ Protocol: 'email', Endpoint: ref('AlertEmail') });
    expect(subscription.Condition).toBeDefined();
  });
});

describe('Monitoring', () => {
  const alarm = (name: string) => Object.values(dev.template.findResources('AWS::CloudWatch::Alarm')).find((a) => a.Properties.AlarmName === name)?.Properties;

  it('alarms on iterator age, read throttling, DLQ growth, no data and no running task, all wired to the topic', () => {
    const topic = ref(logicalId(dev.template, 'AWS::SNS::Topic', 'AlertingTopic'));
    const expected: [string, string, string, number][] = [
      ['adstream-dev-iterator-age', 'GetRecords.IteratorAgeMilliseconds', 'GreaterThanThreshold', 15 * 60_000],
      ['adstream-dev-read-throttled', 'ReadProvisionedThroughputExceeded', 'GreaterThanThreshold', 0],
      ['adstream-dev-dlq-growth', 'PutRequests', 'GreaterThanThreshold', 60],
      ['adstream-dev-no-data', 'IncomingRecords', 'LessThanThreshold', 1],
      ['adstream-dev-no-running-tasks', 'RunningTaskCount', 'LessThanThreshold', 1],
    ];
    for (const [name, metric, comparison, threshold] of expected) {
      const props = alarm(name);
      expect(props, name).toBeDefined();
      expect([props!.MetricName, props!.ComparisonOperator, props!.Threshold], name).toEqual([metric, comparison, threshold]);
      expect(props!.AlarmActions, name).toEqual([topic]);
      expect(props!.OKActions, name).toEqual([topic]);
    }
    expect(alarm('adstream-dev-no-data')!.TreatMissingData).toBe('breaching');
    const lake = logicalId(dev.template, 'AWS::S3::Bucket', 'BucketsLake');
    expect(alarm('adstream-dev-dlq-growth')).toMatchObject({ Namespace: 'AWS/S3', Period: 3600, Dimensions: expect.arrayContaining([{ Name: 'FilterId', Value: 'Rejected' }, { Name: 'BucketName', Value: ref(lake) }]) });
  });

  it('puts throughput, lag, rejected rate, alerts and files written on the dashboard', () => {
    const [dashboard] = Object.values(dev.template.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const text of ['IncomingRecords', 'GetRecords.IteratorAgeMilliseconds', 'rejected / recordsIn', 'NumberOfMessagesPublished', 'PutRequests', 'EntireBucket']) {
      expect(body).toContain(text);
    }
  });
});

describe('outputs', () => {
  it('tells producers, analysts and operators where to connect', () => {
    const outputs = Object.keys(dev.template.toJSON().Outputs).sort();
    expect(outputs).toEqual(expect.arrayContaining(['AlertTopicArn', 'AnalystRoleArn', 'AthenaWorkgroup', 'DashboardName', 'GlueDatabase', 'LakeLocation', 'ProducerRoleArn', 'RedshiftSecretArn', 'RedshiftWorkgroup', 'StreamName']));
  });

  it('names the Redshift database the lake tables are made in, for load-warehouse --database', () => {
    // Redshift's default database is dev; a load into it found none of the stack's tables.
    const [namespace] = Object.values(dev.template.findResources('AWS::RedshiftServerless::Namespace'));
    expect(namespace.Properties.DbName).toBe('adstream');
    expect(dev.template.toJSON().Outputs.RedshiftDatabase.Value).toBe(namespace.Properties.DbName);
  });

  it('has no Firehose archive in dev', () => {
    dev.template.resourceCountIs('AWS::KinesisFirehose::DeliveryStream', 0);
  });
});
