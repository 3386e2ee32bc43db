/**
 * Loads the lake into a warehouse: for each table (events and metrics), lists the lake's files, leaves out those
 * the load table already records, and loads the rest in batches of at most `maxFilesPerLoad`,
 * each batch one transaction (see WarehouseBackend). A crash between batches loses nothing and
 * doubles nothing: the next run reads the load table again and continues with what is missing.
 *
 * Which files are "committed": every data file under a table folder. The lake writer only ever
 * puts complete objects (atomic put or rename), and a file re-written after a crash has the same
 * key and the same rows, so a key loaded once is never loaded again.
 *
 * A lake that was replaced (the demo run again, a lake rebuilt by a replay into the same place)
 * has new keys for the same events: loaded "once" each, the warehouse held every event twice,
 * silently (an operator review). So a table whose lake holds none of the files the warehouse
 * loaded before, but files it has not, is refused before anything is loaded. A lake that only
 * lost its oldest files (retention) still shares the rest, and loads.
 */
import { ConfigError } from '../../stream/config/load.ts';
import type { LakeFileLister } from './lakeFiles.ts';
import { loadId } from './manifest.ts';
import type { WarehouseBackend } from './warehouseBackend.ts';
import { WAREHOUSE_TABLES, type WarehouseTable } from './warehouseTables.ts';

export interface LoadReport {
  table: string;
  /** Files in the lake for this table. */
  files: number;
  /** Of which loaded before this run. */
  alreadyLoaded: number;
  /** Loaded by this run. */
  loadedFiles: number;
  /** Rows this run added (when the backend reports it). */
  rows: number;
  loads: number;
}

export interface LoaderOptions {
  /** Files per COPY / transaction. Default 500 (keeps each SQL statement well under Redshift's 100 KB). */
  maxFilesPerLoad?: number;
  tables?: readonly WarehouseTable[];
  /** Told after each committed load, e.g. for progress lines. */
  onLoad?: (table: string, files: number, rows: number | undefined) => void;
}

export async function loadWarehouse(lake: LakeFileLister, backend: WarehouseBackend, options: LoaderOptions = {}): Promise<LoadReport[]> {
  const maxFiles = options.maxFilesPerLoad ?? 500;
  if (!Number.isInteger(maxFiles) || maxFiles < 1) throw new RangeError(`maxFilesPerLoad must be an integer ≥ 1, got ${maxFiles}`);
  const tables = options.tables ?? WAREHOUSE_TABLES;
  await backend.ensureTables(tables);
  const listed = [];
  for (const table of tables) {
    const files = await lake.list(table.lakeTable);
    const loaded = await backend.loadedKeys(table);
    if (loaded.size > 0 && files.length > 0 && !files.some((f) => loaded.has(f.key))) {
      throw new ConfigError(
        `the lake holds none of the ${loaded.size} ${table.name} files this warehouse loaded before, and ${files.length} it did not: it was replaced (a new demo run?), and loading it would add its rows beside the old ones; load it into a new warehouse, or empty this one first.`,
      );
    }
    listed.push({ table, files, loaded });
  }
  const reports: LoadReport[] = [];
  for (const { table, files, loaded } of listed) {
    const pending = files.filter((f) => !loaded.has(f.key));
    const report: LoadReport = { table: table.name, files: files.length, alreadyLoaded: files.length - pending.length, loadedFiles: 0, rows: 0, loads: 0 };
    for (let start = 0; start < pending.length; start += maxFiles) {
      const batch = pending.slice(start, start + maxFiles);
      const outcome = await backend.load(table, batch, loadId(table.name, batch));
      if (!outcome.loaded) continue;
      report.loads += 1;
      report.loadedFiles += batch.length;
      report.rows += outcome.rows ?? 0;
      options.onLoad?.(table.name, batch.length, outcome.rows);
    }
    reports.push(report);
  }
  return reports;
}
