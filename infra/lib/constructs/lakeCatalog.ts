/**
 * The lake as analysts see it: a Glue database with one table per lake folder (columns derived
 * from the Avro schemas, partitions projected, see ../catalog/glueColumns.ts), an Athena workgroup
 * that enforces its result location, encryption and a bytes-scanned cap, and one named query per
 * SQL file in infra/queries.
 */
import { Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { lakeGlueTables } from '../catalog/glueColumns.ts';
import type { NamedQuerySource } from '../catalog/namedQueries.ts';

export interface LakeCatalogProps {
  /** Glue database name (letters, digits, underscores), e.g. `adstream_dev`. */
  readonly databaseName: string;
  readonly workgroupName: string;
  readonly lake: s3.IBucket;
  readonly queryResults: s3.IBucket;
  readonly encryptionKey: kms.IKey;
  /** Per-query cap on bytes scanned. @default 10 GiB */
  readonly bytesScannedCutoffPerQuery?: number;
  /** @default none */
  readonly namedQueries?: readonly NamedQuerySource[];
  /** First day of the projected `dt` partitions (yyyy-MM-dd). @default 2024-01-01 */
  readonly firstDay?: string;
}

export class LakeCatalog extends Construct {
  readonly database: glue.CfnDatabase;
  readonly tables: glue.CfnTable[];
  readonly workgroup: athena.CfnWorkGroup;
  readonly namedQueries: athena.CfnNamedQuery[];
  readonly databaseName: string;

  constructor(scope: Construct, id: string, props: LakeCatalogProps) {
    super(scope, id);
    const account = Stack.of(this).account;
    this.databaseName = props.databaseName;
    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: account,
      databaseInput: { name: props.databaseName, description: 'adstream lake: events, rejected records and window metrics (Parquet)' },
    });
    this.tables = lakeGlueTables({ lakeLocation: `s3://${props.lake.bucketName}/`, firstDay: props.firstDay }).map((definition) => {
      const table = new glue.CfnTable(this, `Table-${definition.name}`, {
        catalogId: account,
        databaseName: props.databaseName,
        tableInput: definition,
      });
      table.addResourceDependency(this.database);
      return table;
    });

    this.workgroup = new athena.CfnWorkGroup(this, 'Workgroup', {
      name: props.workgroupName,
      description: 'adstream analysts: results encrypted in the query-results bucket, bytes scanned capped per query',
      state: 'ENABLED',
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: props.bytesScannedCutoffPerQuery ?? 10 * 1024 ** 3,
        engineVersion: { selectedEngineVersion: 'AUTO' },
        resultConfiguration: {
          outputLocation: `s3://${props.queryResults.bucketName}/athena/`,
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: props.encryptionKey.keyArn },
        },
      },
    });

    this.namedQueries = (props.namedQueries ?? []).map((query) => {
      const named = new athena.CfnNamedQuery(this, `Query-${query.name}`, {
        name: query.name,
        description: query.description,
        database: props.databaseName,
        workGroup: props.workgroupName,
        queryString: query.sql,
      });
      named.addResourceDependency(this.workgroup);
      named.addResourceDependency(this.database);
      return named;
    });
  }

  get workgroupArn(): string {
    const stack = Stack.of(this);
    return stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: this.workgroup.name });
  }

  /** The catalog, database and table ARNs Athena needs GetTable etc. on. */
  get glueArns(): string[] {
    const stack = Stack.of(this);
    return [
      stack.formatArn({ service: 'glue', resource: 'catalog' }),
      stack.formatArn({ service: 'glue', resource: 'database', resourceName: this.databaseName }),
      stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${this.databaseName}/*` }),
    ];
  }
}
