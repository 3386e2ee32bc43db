/**
 * The prod stage, synthesized the way a user does it: `npm run synth`'s entry in a child process
 * with no AWS credentials or profile and with every socket and DNS lookup refused, so any network
 * access would fail it. The entry attaches cdk-nag, so exit code 0 means no unacknowledged
 * finding. Then: what differs from dev (data kept, more capacity, earlier alarms, the Firehose
 * raw archive). One synthesis for the file.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventStream } from '../../infra/lib/constructs/eventStream.ts';
import { logicalId, policyStatements } from './support/synthStage.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NO_NETWORK = fileURLToPath(new URL('./support/noNetwork.cjs', import.meta.url));
const outdirs: string[] = [];

function offlineEnv(outdir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  // Only what a shell needs: nothing AWS_*, no CDK_DEFAULT_ACCOUNT or _REGION.
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG']) if (process.env[name] !== undefined) env[name] = process.env[name];
  return { ...env, CDK_OUTDIR: outdir, AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', AWS_EC2_METADATA_DISABLED: 'true' };
}

interface SynthRun {
  code: number;
  stdout: string;
  stderr: string;
  outdir: string;
}

async function synthOffline(args: string[]): Promise<SynthRun> {
  const outdir = mkdtempSync(join(tmpdir(), 'adstream-synth-'));
  outdirs.push(outdir);
  try {
    const { stdout, stderr } = await run(process.execPath, ['--require', NO_NETWORK, '--import', 'tsx', 'infra/bin/app.ts', ...args], { cwd: ROOT, env: offlineEnv(outdir) });
    return { code: 0, stdout, stderr, outdir };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr, outdir };
  }
}

let synth: SynthRun;
let prod: { template: Template };
const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

beforeAll(async () => {
  synth = await synthOffline(['-c', 'stage=prod', '--context', 'region=eu-west-1']);
  const file = join(synth.outdir, 'adstream-prod.template.json');
  if (synth.code === 0 && existsSync(file)) prod = { template: Template.fromJSON(JSON.parse(readFileSync(file, 'utf8'))) };
});
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

describe('the synth entry (npm run synth)', () => {
  it('synthesizes -c stage=prod offline, without credentials, with cdk-nag passing', () => {
    expect(synth.stderr).not.toContain('network access attempted');
    expect(synth.code, synth.stderr).toBe(0);
    expect(synth.stdout).toMatch(/^synthesized adstream-prod \(stage prod\) to .+ in [\d.]+ s$/m);
    expect(existsSync(join(synth.outdir, 'manifest.json'))).toBe(true);
  });

  it('stops with exit code 2 and one sentence on an unknown stage', async () => {
    const result = await synthOffline(['-c', 'stage=qa']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe('context stage must be one of dev, prod, but it is "qa".');
  });
});

describe('prod stage', () => {
  it('holds every resource the issue lists', () => {
    const types = new Set(Object.values(prod.template.toJSON().Resources as Record<string, { Type: string }>).map((r) => r.Type));
    for (const type of [
      'AWS::KMS::Key', 'AWS::Kinesis::Stream', 'AWS::DynamoDB::GlobalTable', 'AWS::S3::Bucket', 'AWS::Glue::Database', 'AWS::Glue::Table',
      'AWS::Athena::WorkGroup', 'AWS::Athena::NamedQuery', 'AWS::RedshiftServerless::Namespace', 'AWS::RedshiftServerless::Workgroup',
      'AWS::ECS::Service', 'AWS::ApplicationAutoScaling::ScalingPolicy', 'AWS::SNS::Topic', 'AWS::CloudWatch::Dashboard', 'AWS::CloudWatch::Alarm',
      'AWS::KinesisFirehose::DeliveryStream', 'AWS::SecretsManager::Secret',
    ]) {
      expect(types, type).toContain(type);
    }
  });

  it('keeps data when the stack is deleted', () => {
    const resources = prod.template.toJSON().Resources as Record<string, { Type: string; DeletionPolicy?: string }>;
    for (const type of ['AWS::KMS::Key', 'AWS::Kinesis::Stream', 'AWS::DynamoDB::GlobalTable', 'AWS::S3::Bucket', 'AWS::RedshiftServerless::Namespace', 'AWS::SecretsManager::Secret']) {
      const found = Object.entries(resources).filter(([, r]) => r.Type === type);
      expect(found.length, type).toBeGreaterThan(0);
      for (const [id, r] of found) expect(r.DeletionPolicy, id).toBe('Retain');
    }
    prod.template.hasResourceProperties('AWS::DynamoDB::GlobalTable', { Replicas: [Match.objectLike({ DeletionProtectionEnabled: true })] });
  });

  it('keeps a week of stream retention and never expires lake data', () => {
    prod.template.hasResourceProperties('AWS::Kinesis::Stream', { Name: 'adstream-prod-events', RetentionPeriodHours: 168, StreamModeDetails: { StreamMode: 'ON_DEMAND' } });
    const lake = prod.template.toJSON().Resources[logicalId(prod.template, 'AWS::S3::Bucket', 'BucketsLake')].Properties;
    const tier = lake.LifecycleConfiguration.Rules.find((r: { Id: string }) => r.Id === 'tier-and-expire-lake');
    expect(tier.ExpirationInDays).toBeUndefined();
    expect(lake.LifecycleConfiguration.Rules.find((r: { Id: string }) => r.Id === 'expire-rejected').ExpirationInDays).toBe(90);
  });

  it('scales 2 to 8 tasks, pages after 5 minutes of lag, and caps Athena scans at 100 GiB', () => {
    prod.template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 2, MaxCapacity: 8 });
    prod.template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'adstream-prod-iterator-age', Threshold: 300_000 });
    prod.template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'adstream-prod-no-data', Period: 900 });
    prod.template.hasResourceProperties('AWS::Athena::WorkGroup', { WorkGroupConfiguration: Match.objectLike({ BytesScannedCutoffPerQuery: 100 * 1024 ** 3 }) });
  });

  it('spreads over the region\'s three AZs with a NAT gateway in each', () => {
    prod.template.resourceCountIs('AWS::EC2::NatGateway', 3);
    const azs = Object.values(prod.template.findResources('AWS::EC2::Subnet')).map((s) => s.Properties.AvailabilityZone);
    expect([...new Set(azs)].sort()).toEqual(['eu-west-1a', 'eu-west-1b', 'eu-west-1c']);
  });

  it('archives raw records with Firehose into the lake\'s _raw/ prefix, gzipped and KMS-encrypted', () => {
    const key = logicalId(prod.template, 'AWS::KMS::Key', 'DataKey');
    const stream = logicalId(prod.template, 'AWS::Kinesis::Stream', 'EventStream');
    const lake = logicalId(prod.template, 'AWS::S3::Bucket', 'BucketsLake');
    prod.template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      DeliveryStreamName: 'adstream-prod-raw-archive',
      DeliveryStreamType: 'KinesisStreamAsSource',
      KinesisStreamSourceConfiguration: { KinesisStreamARN: arnOf(stream) },
      ExtendedS3DestinationConfiguration: Match.objectLike({
        BucketARN: arnOf(lake),
        Prefix: '_raw/dt=!{timestamp:yyyy-MM-dd}/hour=!{timestamp:HH}/',
        CompressionFormat: 'GZIP',
        EncryptionConfiguration: { KMSEncryptionConfig: { AWSKMSKeyARN: arnOf(key) } },
      }),
    });
    const statements = policyStatements(prod.template).filter((s) => s.policy.startsWith('RawArchiveRole'));
    expect(statements.flatMap((s) => s.actions).filter((a) => a.startsWith('s3:')).sort()).toEqual([
      's3:AbortMultipartUpload', 's3:GetBucketLocation', 's3:GetObject', 's3:ListBucket', 's3:ListBucketMultipartUploads', 's3:PutObject',
    ]);
    expect(statements.find((s) => s.actions.includes('s3:PutObject'))!.resources).toEqual([{ 'Fn::Join': ['', [arnOf(lake), '/_raw/*']] }]);
  });

  it('has no wildcard action in any policy', () => {
    expect(policyStatements(prod.template).filter((s) => s.actions.some((a) => a.includes('*')))).toEqual([]);
  });
});

describe('EventStream, provisioned', () => {
  it('has the given shard count and retention', () => {
    // An App without outdir synthesizes into a new OS temp folder it never removes.
    const outdir = mkdtempSync(join(tmpdir(), 'adstream-synth-'));
    outdirs.push(outdir);
    const stack = new Stack(new App({ outdir }), 'S');
    new EventStream(stack, 'Events', { streamName: 'events', encryptionKey: new kms.Key(stack, 'K'), mode: 'provisioned', shardCount: 6, retentionHours: 48 });
    Template.fromStack(stack).hasResourceProperties('AWS::Kinesis::Stream', {
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
      ShardCount: 6,
      RetentionPeriodHours: 48,
      StreamEncryption: { EncryptionType: 'KMS', KeyId: Match.anyValue() },
    });
  });
});
