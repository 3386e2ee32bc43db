/**
 * The DynamoDB table of shard leases and checkpoints, with the key schema the worker creates
 * locally (stream/consumer/leases/leaseTable.ts: KCL's `leaseKey`). On-demand capacity, point-in-
 * time recovery, encrypted with the stack's key.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

export interface LeaseTableProps {
  readonly tableName: string;
  readonly encryptionKey: kms.IKey;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * What the worker calls (LeaseTable, LeaseCoordinator, the stream-wide window merge): nothing
 * else. GetItem reads the table's stream item at every start and the stream-wide merge's lease;
 * without it a restarted task failed and stream-wide windows went silently missing.
 * DeleteItem deletes a reshard's parent lease once its children have state of their own
 * (stream/consumer/parentCleanup.ts); without it that step fails, reported and retried, and the
 * lease stays. CreateTable is not granted: the stack makes the table, the worker only where it is
 * missing.
 */
export const WORKER_LEASE_ACTIONS = ['dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Scan'] as const;

export class LeaseTable extends Construct {
  readonly table: dynamodb.TableV2;

  constructor(scope: Construct, id: string, props: LeaseTableProps) {
    super(scope, id);
    this.table = new dynamodb.TableV2(this, 'Table', {
      tableName: props.tableName,
      partitionKey: { name: 'leaseKey', type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryptionV2.customerManagedKey(props.encryptionKey),
      deletionProtection: props.removalPolicy !== RemovalPolicy.DESTROY,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
  }
}
