/**
 * The local warehouse: a DuckDB database file holding the event tables, loaded from a lake
 * directory. DuckDB reads the Parquet files itself (read_parquet), and the rows and the load-table
 * entries go in one transaction, so the file is as exactly-once as the Redshift warehouse.
 * `adstream query --warehouse <file>` then runs the analysts' SQL on it.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { LakeFile } from './lakeFiles.ts';
import type { LoadOutcome, WarehouseBackend } from './warehouseBackend.ts';
import { LOAD_TABLE, addColumnsSql, createLoadTableSql, createTableSql, sqlString, type WarehouseTable } from './warehouseTables.ts';

export interface DuckdbWarehouseOptions {
  /** Turns a lake key into a path DuckDB can read. */
  pathOf: (key: string) => string;
  /**
   * Called inside the load transaction after the rows are in and before the commit: a fault hook
   * for tests that crash a load half-way (the transaction must then leave nothing behind).
   */
  beforeCommit?: (table: string, files: readonly LakeFile[]) => void;
}

export class DuckdbWarehouse implements WarehouseBackend {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly options: DuckdbWarehouseOptions,
  ) {}

  static async open(file: string, options: DuckdbWarehouseOptions): Promise<DuckdbWarehouse> {
    const instance = await DuckDBInstance.create(file);
    return new DuckdbWarehouse(instance, await instance.connect(), options);
  }

  async ensureTables(tables: readonly WarehouseTable[]): Promise<void> {
    for (const table of tables) {
      await this.connection.run(createTableSql(table, 'duckdb'));
      for (const sql of addColumnsSql(table, 'duckdb')) await this.connection.run(sql);
    }
    await this.connection.run(createLoadTableSql('duckdb'));
  }

  async loadedKeys(table: WarehouseTable): Promise<Set<string>> {
    const reader = await this.connection.runAndReadAll(`SELECT file_key FROM ${LOAD_TABLE} WHERE table_name = ${sqlString(table.name)}`);
    return new Set(reader.getColumnsJS()[0]?.map(String) ?? []);
  }

  async load(table: WarehouseTable, files: readonly LakeFile[], loadId: string): Promise<LoadOutcome> {
    if (files.length === 0) return { loaded: false };
    const keys = files.map((f) => sqlString(f.key)).join(', ');
    const columns = table.fields.map((f) => f.name).join(', ');
    const paths = files.map((f) => sqlString(this.options.pathOf(f.key))).join(', ');
    await this.connection.run('BEGIN TRANSACTION');
    try {
      const already = await this.connection.runAndReadAll(`SELECT count(*) FROM ${LOAD_TABLE} WHERE file_key IN (${keys})`);
      if (Number(already.getColumnsJS()[0][0]) > 0) {
        await this.connection.run('ROLLBACK');
        return { loaded: false };
      }
      // By name, not position: a file written by an older schema version may lack a new column,
      // and when every file of the batch does, the column is NULL (union_by_name has no such column).
      const source = `read_parquet([${paths}], union_by_name = true)`;
      const present = new Set((await this.connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)).getColumnsJS()[0].map(String));
      const selected = table.fields.map((f) => (present.has(f.name) ? f.name : `NULL AS ${f.name}`)).join(', ');
      const inserted = await this.connection.run(`INSERT INTO ${table.name} (${columns}) SELECT ${selected} FROM ${source}`);
      const rows = Number(inserted.rowsChanged);
      const entries = files.map((f) => `(${sqlString(f.key)}, ${sqlString(table.name)}, ${f.bytes}, ${sqlString(loadId)})`).join(', ');
      await this.connection.run(`INSERT INTO ${LOAD_TABLE} (file_key, table_name, bytes, load_id) VALUES ${entries}`);
      this.options.beforeCommit?.(table.name, files);
      await this.connection.run('COMMIT');
      return { loaded: true, rows };
    } catch (error) {
      // The first error is the one to report: a ROLLBACK can fail too, e.g. after a COMMIT that
      // failed once DuckDB had ended the transaction ("no transaction is active"), and that was
      // all the user was told.
      await this.connection.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  async close(): Promise<void> {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
