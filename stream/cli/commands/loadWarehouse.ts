/**
 * `adstream load-warehouse`: loads the lake's files not yet loaded into a warehouse, exactly
 * once: a local DuckDB file (--warehouse) or Redshift through the Data API (--redshift-cluster or
 * --redshift-workgroup, with COPY from an s3:// lake). Safe to run again at any time, and after a
 * crash: it continues with what is missing.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { pathOption } from '../pathOption.ts';
import { checkLakeDirectory } from '../lakeDirectory.ts';
import { ConfigError, loadConfig } from '../../config/load.ts';
import type { AdstreamConfig } from '../../config/schema.ts';
import type { LakeFileLister } from '../../../sinks/warehouse/lakeFiles.ts';
import type { WarehouseBackend } from '../../../sinks/warehouse/warehouseBackend.ts';
import { printTable } from '../table.ts';
import { warehouseFileProblem } from '../warehouseFile.ts';
import { positiveInteger } from '../wholeNumberOption.ts';

interface LoadOptions {
  lake?: string;
  warehouse?: string;
  redshiftCluster?: string;
  redshiftWorkgroup?: string;
  database: string;
  dbUser?: string;
  secretArn?: string;
  iamRole?: string;
  redshiftDataEndpoint?: string;
  maxFilesPerLoad: number;
  json?: boolean;
}

const realSleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

async function backendFor(options: LoadOptions, config: AdstreamConfig, lake: LakeFileLister): Promise<WarehouseBackend> {
  const targets = [options.warehouse, options.redshiftCluster, options.redshiftWorkgroup].filter((t) => t !== undefined);
  if (targets.length !== 1) throw new ConfigError('name one warehouse: --warehouse <file.duckdb>, --redshift-cluster <id> or --redshift-workgroup <name>.');
  if (options.warehouse !== undefined) {
    if (config.lake.startsWith('s3://')) throw new ConfigError(`a DuckDB warehouse loads from a local lake directory, but the lake is ${config.lake}; sync it to a directory or load Redshift.`);
    // Else a mistyped lake loads nothing, successfully, into a warehouse file created for it.
    checkLakeDirectory(config.lake);
    // A file that is there must be a warehouse already: DuckDB would not say which file it refused.
    const problem = existsSync(options.warehouse) ? warehouseFileProblem(options.warehouse) : undefined;
    if (problem) throw new ConfigError(problem);
    const { DuckdbWarehouse } = await import('../../../sinks/warehouse/duckdbWarehouse.ts');
    return DuckdbWarehouse.open(resolve(options.warehouse), { pathOf: lake.urlOf });
  }
  if (!config.lake.startsWith('s3://')) throw new ConfigError(`Redshift COPY reads from S3, but the lake is ${config.lake}; pass --lake s3://bucket/prefix/.`);
  if (options.iamRole === undefined) throw new ConfigError('Redshift loading needs --iam-role <arn>, the role Redshift assumes to read the lake.');
  const [{ RedshiftDataClient }, { RedshiftDataApi }, { RedshiftWarehouse }, { openStore }, { s3Client, tagEndpointErrors }] = await Promise.all([
    import('@aws-sdk/client-redshift-data'),
    import('../../../sinks/warehouse/redshiftDataApi.ts'),
    import('../../../sinks/warehouse/redshiftWarehouse.ts'),
    import('../../../sinks/objectStore/openStore.ts'),
    import('../../aws/clients.ts'),
  ]);
  const client = tagEndpointErrors(new RedshiftDataClient({ region: config.region, endpoint: options.redshiftDataEndpoint }), options.redshiftDataEndpoint && '--redshift-data-endpoint');
  const api = new RedshiftDataApi(
    client,
    {
      database: options.database,
      clusterIdentifier: options.redshiftCluster,
      workgroupName: options.redshiftWorkgroup,
      dbUser: options.dbUser,
      secretArn: options.secretArn,
    },
    { sleep: realSleep },
  );
  return new RedshiftWarehouse({ api, store: openStore(config.lake, () => s3Client(config)), lake, iamRoleArn: options.iamRole });
}

export function loadWarehouseCommand(): Command {
  return new Command('load-warehouse')
    .description('Load lake files not yet loaded into a warehouse, each exactly once: a DuckDB file (--warehouse) or Redshift (COPY via the Data API).')
    .option('--lake <dir|s3://bucket/prefix/>', 'the lake (default: ADSTREAM_LAKE or ./data/lake)')
    .option('--warehouse <file.duckdb>', 'a local DuckDB warehouse file (created if missing)', pathOption)
    .option('--redshift-cluster <id>', 'a provisioned Redshift cluster (with --db-user or --secret-arn)')
    .option('--redshift-workgroup <name>', 'a Redshift Serverless workgroup')
    .option('--database <name>', 'Redshift database', 'dev')
    .option('--db-user <user>', 'Redshift database user (temporary credentials)')
    .option('--secret-arn <arn>', 'Secrets Manager secret with the database credentials')
    .option('--iam-role <arn>', 'IAM role Redshift assumes to read the lake (COPY ... IAM_ROLE)')
    .option('--redshift-data-endpoint <url>', 'Redshift Data API endpoint override')
    .option('--max-files-per-load <n>', 'files per COPY / transaction', positiveInteger, 500)
    .option('--json', 'print the report as JSON Lines instead of a table')
    .action(async (options: LoadOptions) => {
      const [{ s3Client }, { openLakeFiles }, { loadWarehouse }] = await Promise.all([
        import('../../aws/clients.ts'),
        import('../../../sinks/warehouse/lakeFiles.ts'),
        import('../../../sinks/warehouse/warehouseLoader.ts'),
      ]);
      const config = loadConfig({ lake: options.lake });
      const lake = openLakeFiles(config.lake, () => s3Client(config));
      const backend = await backendFor(options, config, lake);
      try {
        const reports = await loadWarehouse(lake, backend, {
          maxFilesPerLoad: options.maxFilesPerLoad,
          // Progress on stderr, one line per committed load, so stdout stays the report.
          onLoad: (table, files, rows) => console.error(`loaded ${files} file(s)${rows === undefined ? '' : `, ${rows} rows,`} into ${table}`),
        });
        if (options.json) for (const report of reports) console.log(JSON.stringify(report));
        else printTable(reports as unknown as Record<string, unknown>[]);
      } finally {
        await backend.close();
      }
    });
}
