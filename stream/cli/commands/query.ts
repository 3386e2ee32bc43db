/** `adstream query "<SQL>"`: DuckDB over the lake, with a view per event type. */
import { existsSync } from 'node:fs';
import { Command } from 'commander';
import { ConfigError, loadConfig } from '../../config/load.ts';
import { LakeQuery } from '../../../sinks/query/lakeQuery.ts';
import { printTable } from '../table.ts';

export function queryCommand(): Command {
  return new Command('query')
    .description(
      'Run SQL on DuckDB over the lake. Views: impressions, clicks, conversions, bid_requests, rejected (DLQ), metrics.',
    )
    .argument('<sql>', 'the SQL to run, e.g. "SELECT count(*) FROM impressions"')
    .option('--lake <dir>', 'lake directory (default: ADSTREAM_LAKE or ./data/lake)')
    .option('--json', 'print rows as JSON Lines instead of a table')
    .action(async (sql: string, options: { lake?: string; json?: boolean }) => {
      const { lake } = loadConfig({ lake: options.lake });
      if (lake.startsWith('s3://')) throw new ConfigError(`query reads a local lake directory; sync ${lake} to a directory first, or use Athena.`);
      if (!existsSync(lake)) throw new ConfigError(`the lake directory ${lake} does not exist; run "npm start" first or pass --lake <dir>.`);
      const lakeQuery = await LakeQuery.open(lake);
      try {
        const rows = await lakeQuery.query(sql);
        if (options.json) for (const row of rows) console.log(JSON.stringify(row));
        else printTable(rows);
      } finally {
        lakeQuery.close();
      }
    });
}
