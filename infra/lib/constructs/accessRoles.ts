/**
 * Roles for the people around the stream, assumable by principals of this account that are
 * allowed to (an administrator grants sts:AssumeRole to the right users or SSO permission sets):
 * - producer: put records on the stream;
 * - analyst: query the lake through the Athena workgroup and the warehouse through the Data API.
 * Operators use the dashboard, the alert topic and the processor's logs with their usual access.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { grantActions, grantKey, grantObjects } from '../grants.ts';
import { acknowledgeObjectWildcard, nagRegion } from '../nag.ts';
import type { LakeCatalog } from './lakeCatalog.ts';
import type { Warehouse } from './warehouse.ts';

export interface AccessRolesProps {
  readonly prefix: string;
  readonly stream: kinesis.IStream;
  readonly lake: s3.IBucket;
  readonly queryResults: s3.IBucket;
  readonly encryptionKey: kms.IKey;
  readonly catalog: LakeCatalog;
  readonly warehouse?: Warehouse;
}

export const ATHENA_QUERY_ACTIONS = [
  'athena:StartQueryExecution',
  'athena:StopQueryExecution',
  'athena:GetQueryExecution',
  'athena:GetQueryResults',
  'athena:GetQueryResultsStream',
  'athena:ListQueryExecutions',
  'athena:GetWorkGroup',
  'athena:ListNamedQueries',
  'athena:GetNamedQuery',
  'athena:BatchGetNamedQuery',
] as const;

export const GLUE_READ_ACTIONS = ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartition', 'glue:GetPartitions'] as const;

export class AccessRoles extends Construct {
  readonly producer: iam.Role;
  readonly analyst: iam.Role;

  constructor(scope: Construct, id: string, props: AccessRolesProps) {
    super(scope, id);
    const account = new iam.AccountPrincipal(Stack.of(this).account);

    this.producer = new iam.Role(this, 'Producer', {
      roleName: `${props.prefix}-producer`,
      description: 'Put records on the adstream event stream',
      assumedBy: account,
    });
    props.stream.grant(this.producer, 'kinesis:PutRecord', 'kinesis:PutRecords', 'kinesis:ListShards', 'kinesis:DescribeStreamSummary');
    grantKey(this.producer, props.encryptionKey, ['encrypt']);

    this.analyst = new iam.Role(this, 'Analyst', {
      roleName: `${props.prefix}-analyst`,
      description: 'Query the adstream lake with Athena and the warehouse with the Redshift Data API',
      assumedBy: account,
    });
    grantActions(this.analyst, ATHENA_QUERY_ACTIONS, [props.catalog.workgroupArn]);
    grantActions(this.analyst, GLUE_READ_ACTIONS, props.catalog.glueArns);
    grantObjects(this.analyst, props.lake, ['read', 'list']);
    grantObjects(this.analyst, props.queryResults, ['read', 'write', 'list']);
    grantKey(this.analyst, props.encryptionKey, ['decrypt', 'encrypt']);
    acknowledgeObjectWildcard(this.analyst, props.lake, 'Athena reads whichever lake files a query touches: the objects are the resource; the one action is named (s3:GetObject).');
    acknowledgeObjectWildcard(this.analyst, props.queryResults, 'Athena writes each query\'s results under a key named by its execution id: the objects are the resource; the actions are named.');
    Validations.of(this.analyst).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:glue:${nagRegion(this)}:<AWS::AccountId>:table/${props.catalog.databaseName}/*]`,
      reason: 'Read-only catalog actions on the tables of this one database, which this stack defines in full.',
    });
    if (props.warehouse) {
      const workgroupArn = props.warehouse.workgroup.attrWorkgroupWorkgroupArn;
      grantActions(this.analyst, ['redshift-serverless:GetCredentials'], [workgroupArn]);
      grantActions(this.analyst, ['redshift-data:ExecuteStatement', 'redshift-data:BatchExecuteStatement'], [workgroupArn]);
      // The Data API's statement calls take a statement id, not a resource ARN.
      grantActions(this.analyst, ['redshift-data:DescribeStatement', 'redshift-data:GetStatementResult', 'redshift-data:CancelStatement', 'redshift-data:ListStatements'], ['*']);
      Validations.of(this.analyst).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'The Redshift Data API statement actions (DescribeStatement, GetStatementResult, CancelStatement, ListStatements) support no resource ARN; they only reach statements the caller itself started.',
      });
    }
  }
}
