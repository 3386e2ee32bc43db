/**
 * Redshift Serverless for analysts who want a warehouse: a namespace (encrypted with the stack's
 * key, admin password generated into Secrets Manager), a workgroup in isolated subnets with no
 * public endpoint, the IAM role Redshift assumes for `COPY ... FROM 's3://<lake>/...' FORMAT AS
 * PARQUET`, and the tables' DDL run once through the Redshift Data API.
 *
 * The DDL is sinks/warehouse/warehouseTables.ts's, the same text `adstream load-warehouse`
 * creates locally, so the deployed tables match the lake's columns by construction.
 */
import { createHash } from 'node:crypto';
import { RemovalPolicy, SecretValue, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as redshiftserverless from 'aws-cdk-lib/aws-redshiftserverless';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { WAREHOUSE_TABLES, createLoadTableSql, createTableSql } from '../../../sinks/warehouse/warehouseTables.ts';
import { grantKey, grantObjects } from '../grants.ts';
import { acknowledgeObjectWildcard } from '../nag.ts';

export interface WarehouseProps {
  readonly name: string;
  readonly vpc: ec2.IVpc;
  readonly lake: s3.IBucket;
  readonly encryptionKey: kms.IKey;
  /** @default 'adstream' */
  readonly databaseName?: string;
  /** Redshift Processing Units, 8 is the minimum. @default 8 */
  readonly baseCapacityRpu?: number;
  /** A ceiling on spend per hour. @default 32 */
  readonly maxCapacityRpu?: number;
  readonly logRetention?: logs.RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/** The construct id the CDK gives the AwsCustomResource provider function (aws-cdk-lib/custom-resources). */
const AWS_CUSTOM_RESOURCE_SINGLETON = 'AWS679f53fac002430cb0da5b7982bd2287';
const ADMIN_USERNAME = 'adstream_admin';

/** The DDL the warehouse runs at deploy time, in order. */
export function warehouseDdl(): string[] {
  return [...WAREHOUSE_TABLES.map((table) => createTableSql(table, 'redshift')), createLoadTableSql('redshift')];
}

export class Warehouse extends Construct {
  readonly namespace: redshiftserverless.CfnNamespace;
  readonly workgroup: redshiftserverless.CfnWorkgroup;
  readonly copyRole: iam.Role;
  readonly adminSecret: secretsmanager.Secret;
  readonly securityGroup: ec2.SecurityGroup;
  readonly databaseName: string;

  constructor(scope: Construct, id: string, props: WarehouseProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.databaseName = props.databaseName ?? 'adstream';

    this.copyRole = new iam.Role(this, 'CopyRole', {
      description: 'Assumed by Redshift Serverless to COPY Parquet from the lake',
      assumedBy: new iam.CompositePrincipal(new iam.ServicePrincipal('redshift.amazonaws.com'), new iam.ServicePrincipal('redshift-serverless.amazonaws.com')),
    });
    grantObjects(this.copyRole, props.lake, ['read', 'list']);
    grantKey(this.copyRole, props.encryptionKey, ['decrypt']);
    acknowledgeObjectWildcard(this.copyRole, props.lake, 'COPY reads any lake file the loader names: the objects are the resource, and the one action is named (s3:GetObject).');

    this.adminSecret = new secretsmanager.Secret(this, 'AdminSecret', {
      description: `Admin credentials of Redshift Serverless namespace ${props.name}; also what the Data API and adstream load-warehouse --secret-arn use`,
      encryptionKey: props.encryptionKey,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ username: ADMIN_USERNAME }),
        generateStringKey: 'password',
        // Redshift refuses ' " \ / @ and spaces; letters and digits of each case are required.
        excludePunctuation: true,
        includeSpace: false,
        requireEachIncludedType: true,
        passwordLength: 32,
      },
      removalPolicy,
    });
    Validations.of(this.adminSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'Rotation needs a rotation Lambda in the VPC that alters the Redshift user; until it exists the secret is readable only by the DDL step and the loader, and is rotated by redeploying.',
    });

    this.namespace = new redshiftserverless.CfnNamespace(this, 'Namespace', {
      namespaceName: props.name,
      dbName: this.databaseName,
      adminUsername: ADMIN_USERNAME,
      // A dynamic reference, resolved by CloudFormation at deploy time: the password is never in the template.
      adminUserPassword: SecretValue.secretsManager(this.adminSecret.secretArn, { jsonField: 'password' }).unsafeUnwrap(),
      kmsKeyId: props.encryptionKey.keyArn,
      iamRoles: [this.copyRole.roleArn],
      defaultIamRoleArn: this.copyRole.roleArn,
      logExports: ['userlog', 'connectionlog', 'useractivitylog'],
    });
    this.namespace.applyRemovalPolicy(removalPolicy);

    // No ingress: analysts reach the warehouse through the Redshift Data API and Query Editor v2,
    // which need no network path. Add an ingress rule (port 5439) for JDBC clients in the VPC.
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Redshift Serverless workgroup: no ingress by default',
      allowAllOutbound: false,
    });
    this.workgroup = new redshiftserverless.CfnWorkgroup(this, 'Workgroup', {
      workgroupName: props.name,
      namespaceName: props.name,
      baseCapacity: props.baseCapacityRpu ?? 8,
      maxCapacity: props.maxCapacityRpu ?? 32,
      subnetIds: props.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_ISOLATED }).subnetIds,
      securityGroupIds: [this.securityGroup.securityGroupId],
      publiclyAccessible: false,
      // COPY traffic to S3 stays in the VPC (through the gateway endpoint).
      enhancedVpcRouting: true,
    });
    this.workgroup.addResourceDependency(this.namespace);

    this.createTables(props);
  }

  private createTables(props: WarehouseProps): void {
    const sqls = warehouseDdl();
    // A new physical id when the DDL changes makes CloudFormation run the update again.
    const ddlHash = createHash('sha256').update(sqls.join(';\n')).digest('hex').slice(0, 16);
    const call: cr.AwsSdkCall = {
      service: 'RedshiftData',
      action: 'batchExecuteStatement',
      parameters: {
        WorkgroupName: this.workgroup.workgroupName,
        Database: this.databaseName,
        SecretArn: this.adminSecret.secretArn,
        Sqls: sqls,
        StatementName: `${props.name}-ddl`,
      },
      physicalResourceId: cr.PhysicalResourceId.of(`${props.name}-ddl-${ddlHash}`),
    };
    const ddl = new cr.AwsCustomResource(this, 'TablesDdl', {
      onCreate: call,
      onUpdate: call,
      installLatestAwsSdk: false,
      // Only what this call needs: run statements on this workgroup, as the admin whose secret it reads.
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({ actions: ['redshift-data:BatchExecuteStatement'], resources: [this.workgroup.attrWorkgroupWorkgroupArn] }),
        new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [this.adminSecret.secretArn] }),
        new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [props.encryptionKey.keyArn] }),
      ]),
      logGroup: new logs.LogGroup(this, 'TablesDdlLogs', {
        encryptionKey: props.encryptionKey,
        retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
    });
    ddl.node.addDependency(this.workgroup);
    // The custom resource's Lambda is a singleton at stack level, shared by every AwsCustomResource.
    const provider = Stack.of(this).node.tryFindChild(AWS_CUSTOM_RESOURCE_SINGLETON);
    if (provider) {
      Validations.of(provider).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: 'The CDK AwsCustomResource provider needs only to write its own logs, which is exactly what this AWS managed policy grants.',
      });
    }
  }
}
