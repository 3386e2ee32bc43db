/**
 * What the loader needs from a warehouse: two backends implement it, Redshift (through the Data
 * API, COPY from S3 with a manifest) and DuckDB (a local file, reading the Parquet directly).
 *
 * The contract that makes loading exactly-once: `load` adds a batch of files' rows AND their keys
 * in the load table in ONE transaction, and adds nothing if any of the files is already recorded
 * there when the transaction runs (a loader resumed after a crash may race a load that was still
 * in flight). `loadedKeys` then tells, after any crash, exactly which files are in.
 */
import type { LakeFile } from './lakeFiles.ts';
import type { WarehouseTable } from './warehouseTables.ts';

export interface LoadOutcome {
  /** False when the files were found already loaded inside the transaction (nothing added). */
  loaded: boolean;
  /** Rows added, when the backend reports it. */
  rows?: number;
}

export interface WarehouseBackend {
  /** Creates the event tables and the load table if missing. */
  ensureTables(tables: readonly WarehouseTable[]): Promise<void>;
  /** Keys of the lake files already loaded into `table`. */
  loadedKeys(table: WarehouseTable): Promise<Set<string>>;
  load(table: WarehouseTable, files: readonly LakeFile[], loadId: string): Promise<LoadOutcome>;
  close(): Promise<void>;
}
