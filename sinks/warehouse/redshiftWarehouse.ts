/**
 * The Redshift warehouse, loaded through the Data API with COPY ... FORMAT AS PARQUET MANIFEST.
 *
 * One load is one BatchExecuteStatement, which Redshift runs as a single transaction:
 *   LOCK the load table                      ─ loaders take turns
 *   note the batch's file keys in a temp table
 *   guard := how many of them the load table already holds
 *   COPY the files (by manifest) into a temp table shaped LIKE the target
 *   INSERT the rows into the target           ─ only if guard = 0
 *   INSERT the file keys into the load table  ─ only if guard = 0
 * The guard is what keeps a resumed loader from loading twice: if a loader dies after submitting
 * a batch, Redshift still runs it; the next loader may read the load table before that commit
 * and choose the same files, but its batch waits on the LOCK and then finds them recorded.
 * (COPY straight into the target could not be made conditional: plain SQL cannot abort a
 * transaction on a condition.)
 */
import type { ObjectStore } from '../objectStore/objectStore.ts';
import type { LakeFile, LakeFileLister } from './lakeFiles.ts';
import { buildManifest, manifestKey } from './manifest.ts';
import type { RedshiftDataApi } from './redshiftDataApi.ts';
import type { LoadOutcome, WarehouseBackend } from './warehouseBackend.ts';
import { LOAD_TABLE, addColumnsSql, createLoadTableSql, createTableSql, sqlString, tableColumnsSql, type WarehouseTable } from './warehouseTables.ts';

const FILES = 'adstream_load_files';
const GUARD = 'adstream_load_guard';
const ROWS = 'adstream_load_rows';

export interface RedshiftWarehouseOptions {
  api: RedshiftDataApi;
  /** The lake's store: manifests are written there, beside the data, under `_warehouse/`. */
  store: ObjectStore;
  /** The same lake, for `s3://` URLs of files and manifests. */
  lake: LakeFileLister;
  /** Role Redshift assumes to read the lake (IAM_ROLE of the COPY). */
  iamRoleArn: string;
}

/** The statements of one load, in order; exported so the SQL can be read and tested as text. */
export function loadStatements(table: WarehouseTable, files: readonly LakeFile[], manifestUrl: string, iamRoleArn: string, loadId: string): string[] {
  const entries = files.map((f) => `(${sqlString(f.key)}, ${f.bytes})`).join(', ');
  return [
    `LOCK ${LOAD_TABLE}`,
    `CREATE TEMP TABLE ${FILES} (file_key VARCHAR(1024) NOT NULL, bytes BIGINT NOT NULL)`,
    `INSERT INTO ${FILES} (file_key, bytes) VALUES ${entries}`,
    `CREATE TEMP TABLE ${GUARD} AS SELECT count(*) AS already FROM ${LOAD_TABLE} l JOIN ${FILES} f ON l.file_key = f.file_key`,
    `CREATE TEMP TABLE ${ROWS} (LIKE ${table.name})`,
    // FILLRECORD: a file written before a column was added (columns are added last) loads with NULL there.
    `COPY ${ROWS} FROM ${sqlString(manifestUrl)} IAM_ROLE ${sqlString(iamRoleArn)} FORMAT AS PARQUET MANIFEST FILLRECORD`,
    `INSERT INTO ${table.name} SELECT r.* FROM ${ROWS} r CROSS JOIN ${GUARD} g WHERE g.already = 0`,
    `INSERT INTO ${LOAD_TABLE} (file_key, table_name, bytes, load_id) ` +
      `SELECT f.file_key, ${sqlString(table.name)}, f.bytes, ${sqlString(loadId)} FROM ${FILES} f CROSS JOIN ${GUARD} g WHERE g.already = 0`,
    `DROP TABLE ${ROWS}`,
    `DROP TABLE ${GUARD}`,
    `DROP TABLE ${FILES}`,
  ];
}

/** Index of the statement whose ResultRows are the rows added to the target. */
const INSERT_ROWS_STATEMENT = 6;

export class RedshiftWarehouse implements WarehouseBackend {
  constructor(private readonly options: RedshiftWarehouseOptions) {
    if (!options.lake.location.startsWith('s3://')) {
      throw new RangeError(`Redshift loads from S3, but the lake is ${options.lake.location}; use an s3:// lake`);
    }
  }

  /**
   * Creates missing tables, then adds the columns a table made by an older version lacks: COPY
   * maps Parquet columns by position, so a table one column short refuses every newer file.
   */
  async ensureTables(tables: readonly WarehouseTable[]): Promise<void> {
    const { api } = this.options;
    await api.batch([...tables.map((t) => createTableSql(t, 'redshift')), createLoadTableSql('redshift')], 'adstream-create-tables');
    const existing = new Map<string, Set<string>>();
    for (const [table, column] of await api.rows(tableColumnsSql(tables))) {
      const columns = existing.get(String(table)) ?? new Set<string>();
      existing.set(String(table), columns.add(String(column)));
    }
    const additions = tables.flatMap((t) => addColumnsSql(t, 'redshift', existing.get(t.name)));
    if (additions.length > 0) await api.batch(additions, 'adstream-add-columns');
  }

  async loadedKeys(table: WarehouseTable): Promise<Set<string>> {
    const rows = await this.options.api.rows(`SELECT file_key FROM ${LOAD_TABLE} WHERE table_name = :table_name`, { table_name: table.name });
    return new Set(rows.map(([key]) => String(key)));
  }

  async load(table: WarehouseTable, files: readonly LakeFile[], loadId: string): Promise<LoadOutcome> {
    const { api, store, lake, iamRoleArn } = this.options;
    const key = manifestKey(loadId);
    await store.put(key, Buffer.from(JSON.stringify(buildManifest(files, lake.urlOf))));
    const description = await api.batch(loadStatements(table, files, lake.urlOf(key), iamRoleArn, loadId), `adstream-load-${table.name}`);
    const added = description.SubStatements?.[INSERT_ROWS_STATEMENT]?.ResultRows;
    const recorded = description.SubStatements?.[INSERT_ROWS_STATEMENT + 1]?.ResultRows;
    // The load table's insert reports 0 rows when the guard found the files already loaded.
    if (recorded === 0) return { loaded: false };
    return { loaded: true, rows: added ?? undefined };
  }

  async close(): Promise<void> {}
}
