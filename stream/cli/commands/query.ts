/**
 * `adstream query "<SQL>"` or `adstream query --file <path.sql>`: DuckDB over the lake, with a
 * view per event type, or over a warehouse file loaded by `adstream load-warehouse`.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { pathOption } from '../pathOption.ts';
import { ConfigError, loadConfig } from '../../config/load.ts';
import type { Row } from '../../../sinks/query/lakeQuery.ts';
import { asRefusedSql } from '../refusedSql.ts';
import { checkLakeDirectory } from '../lakeDirectory.ts';
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
    // Read, it failed (exit 1) with Node's "EISDIR: illegal operation on a directory, read".
    if (statSync(file).isDirectory()) throw new ConfigError(`the SQL file ${file} is a directory; name a file in it, e.g. infra/queries/funnel_by_campaign.sql.`);
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
      return await warehouse.queryEach(sql, onResult).catch(async (error: unknown) => {
        // DuckDB offers its nearest catalog name (pg_prepared_statements for rejected): say what the warehouse holds instead.
        const missing = /Table with name (\S+) does not exist/.exec((error as Error).message)?.[1];
        if (!missing) throw asRefusedSql(error);
        const tables = (await warehouse.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY table_name")).map((row) => String(row.table_name));
        throw new ConfigError(`the warehouse ${options.warehouse} has no table ${missing}; its tables are ${tables.join(', ') || 'none yet'} (the DLQ, rejected, and lineage stay in the lake: query them with --lake).`);
      });
    } finally {
      warehouse.close();
    }
  }
  const { lake } = loadConfig({ lake: options.lake });
  if (lake.startsWith('s3://')) throw new ConfigError(`query reads a local lake directory; sync ${lake} to a directory first, or use Athena.`);
  checkLakeDirectory(lake, ' (npm start writes ./data/demo/lake)');
  const { LakeQuery, LAKE_VIEWS } = await import('../../../sinks/query/lakeQuery.ts');
  warnIfNotALake(lake, LAKE_VIEWS.map((v) => v.table));
  const lakeQuery = await LakeQuery.open(lake);
  try {
    return await lakeQuery.queryEach(sql, onResult).catch((error: unknown) => {
      throw asRefusedSql(error);
    });
  } finally {
    lakeQuery.close();
  }
}

/**
 * A directory without one table folder is read as an empty lake, every count 0: said on stderr,
 * with the lake one level down if there is one (./data/demo for ./data/demo/lake).
 */
function warnIfNotALake(lake: string, tables: string[]): void {
  if (tables.some((table) => existsSync(join(lake, table)))) return;
  const below = readdirSync(lake, { withFileTypes: true }).filter((entry) => entry.isDirectory() && tables.some((table) => existsSync(join(lake, entry.name, table))));
  const hint = below.length > 0 ? ` The lake may be ${below.map((entry) => join(lake, entry.name)).join(' or ')}.` : '';
  console.error(`adstream: warning: ${lake} holds none of the lake's table folders (${tables.join(', ')}), so every view is empty.${hint}`);
}

export function queryCommand(): Command {
  return new Command('query')
    .description(
      'Run SQL on DuckDB over the lake (views: impressions, clicks, conversions, bid_requests, rejected (DLQ), metrics, lineage), ' +
        'or over a warehouse file loaded by load-warehouse (tables impressions, clicks, conversions, bid_requests, metrics; no dt/hour columns: filter on event_time). The analysts\' queries are in infra/queries/*.sql.',
    )
    .argument('[sql]', 'the SQL to run, e.g. "SELECT count(*) FROM impressions"')
    .option('--file <path.sql>', 'run the SQL in this file instead, e.g. infra/queries/funnel_by_campaign.sql', pathOption)
    .option('--lake <dir>', 'lake directory (default: ADSTREAM_LAKE or ./data/lake)')
    .option('--warehouse <file.duckdb>', 'query this DuckDB warehouse file instead of the lake (not with --lake)', pathOption)
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
