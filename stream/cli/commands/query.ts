/**
 * `adstream query "<SQL>"` or `adstream query --file <path.sql>`: DuckDB over the lake, with a
 * view per event type, or over a warehouse file loaded by `adstream load-warehouse`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { Command } from 'commander';
import { ConfigError, loadConfig } from '../../config/load.ts';
import type { Row } from '../../../sinks/query/lakeQuery.ts';
import { printTable } from '../table.ts';
import { warehouseFileProblem } from '../warehouseFile.ts';

interface QueryOptions {
  lake?: string;
  file?: string;
  warehouse?: string;
  json?: boolean;
}

function sqlToRun(sql: string | undefined, file: string | undefined): string {
  if (sql !== undefined && file !== undefined) throw new ConfigError('give either the SQL or --file <path.sql>, not both.');
  if (file !== undefined) {
    if (!existsSync(file)) throw new ConfigError(`the SQL file ${file} does not exist.`);
    const text = readFileSync(file, 'utf8');
    if (text.trim() === '') throw new ConfigError(`the SQL file ${file} is empty.`);
    return text;
  }
  if (sql === undefined) throw new ConfigError('give the SQL to run, e.g. "SELECT count(*) FROM impressions", or --file <path.sql>.');
  return sql;
}

async function runOn(options: QueryOptions, sql: string, onResult: (rows: Row[], index: number) => void): Promise<void> {
  if (options.warehouse !== undefined && options.lake !== undefined) throw new ConfigError('give either --lake <dir> or --warehouse <file.duckdb>, not both.');
  if (options.warehouse !== undefined) {
    if (!existsSync(options.warehouse)) {
      throw new ConfigError(`the warehouse file ${options.warehouse} does not exist; run "adstream load-warehouse --warehouse ${options.warehouse}" first.`);
    }
    const problem = warehouseFileProblem(options.warehouse);
    if (problem) throw new ConfigError(problem);
    const { openWarehouseQuery } = await import('../../../sinks/warehouse/warehouseQuery.ts');
    const warehouse = await openWarehouseQuery(options.warehouse);
    try {
      return await warehouse.queryEach(sql, onResult);
    } finally {
      warehouse.close();
    }
  }
  const { lake } = loadConfig({ lake: options.lake });
  if (lake.startsWith('s3://')) throw new ConfigError(`query reads a local lake directory; sync ${lake} to a directory first, or use Athena.`);
  if (!existsSync(lake)) throw new ConfigError(`the lake directory ${lake} does not exist; pass --lake <dir> (npm start writes ./data/demo/lake).`);
  const { LakeQuery } = await import('../../../sinks/query/lakeQuery.ts');
  const lakeQuery = await LakeQuery.open(lake);
  try {
    return await lakeQuery.queryEach(sql, onResult);
  } finally {
    lakeQuery.close();
  }
}

export function queryCommand(): Command {
  return new Command('query')
    .description(
      'Run SQL on DuckDB over the lake (views: impressions, clicks, conversions, bid_requests, rejected (DLQ), metrics, lineage), ' +
        'or over a warehouse file loaded by load-warehouse (tables impressions, clicks, conversions, bid_requests, metrics; no dt/hour columns: filter on event_time). The analysts\' queries are in infra/queries/*.sql.',
    )
    .argument('[sql]', 'the SQL to run, e.g. "SELECT count(*) FROM impressions"')
    .option('--file <path.sql>', 'run the SQL in this file instead, e.g. infra/queries/funnel_by_campaign.sql')
    .option('--lake <dir>', 'lake directory (default: ADSTREAM_LAKE or ./data/lake)')
    .option('--warehouse <file.duckdb>', 'query this DuckDB warehouse file instead of the lake (not with --lake)')
    .option('--json', 'print rows as JSON Lines instead of a table')
    .action(async (sql: string | undefined, options: QueryOptions) => {
      // Every statement's answer, in order, each as soon as it is done (a script that sets up and
      // then selects prints its statements' counts and rows): tables a blank line apart, JSON Lines
      // one after another.
      await runOn(options, sqlToRun(sql, options.file), (rows, i) => {
        if (options.json) for (const row of rows) console.log(JSON.stringify(row));
        else {
          if (i > 0) console.log('');
          printTable(rows);
        }
      });
    });
}
