/**
 * The Kinesis stream producers write to: on-demand by default (it scales itself), provisioned
 * optionally; encrypted with the stack's key; retention configurable (24 h to 365 days).
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

export interface EventStreamProps {
  readonly streamName: string;
  readonly encryptionKey: kms.IKey;
  /** @default 'on-demand' */
  readonly mode?: 'on-demand' | 'provisioned';
  /** Shards of a provisioned stream. @default 2 */
  readonly shardCount?: number;
  /** @default 24 */
  readonly retentionHours?: number;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

export class EventStream extends Construct {
  readonly stream: kinesis.Stream;

  constructor(scope: Construct, id: string, props: EventStreamProps) {
    super(scope, id);
    const provisioned = props.mode === 'provisioned';
    this.stream = new kinesis.Stream(this, 'Stream', {
      streamName: props.streamName,
      streamMode: provisioned ? kinesis.StreamMode.PROVISIONED : kinesis.StreamMode.ON_DEMAND,
      shardCount: provisioned ? (props.shardCount ?? 2) : undefined,
      retentionPeriod: Duration.hours(props.retentionHours ?? 24),
      encryption: kinesis.StreamEncryption.KMS,
      encryptionKey: props.encryptionKey,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    Validations.of(this.stream).acknowledge({
      id: 'AwsSolutions-KDS3',
      reason: 'A customer-managed key instead of aws/kinesis on purpose: its policy and grants are ours to audit, it rotates yearly, and one key covers the whole pipeline.',
    });
  }
}
