/**
 * DuckDB over the lake: the same SQL analysts run on Athena, locally. One view per event type
 * (`impressions`, `clicks`, `conversions`, `bid_requests`), plus `rejected` (the DLQ, with its
 * `reason_class` partition column) and `metrics` (window metric events). A table with no files
 * yet is still a view, empty and typed from the schema, so queries never fail just because
 * nothing was written.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { EVENT_TYPES, fieldSpecs, type FieldSpec } from '../../stream/events/schemas.ts';
import { LINEAGE_TABLE, lineageFields } from '../lake/lineage.ts';
import { METRICS_TABLE, REJECTED_PARTITION, REJECTED_TABLE, metricFields, rejectedFields } from '../lake/lakeTables.ts';

const duckType: Record<FieldSpec['kind'], string> = {
  string: 'VARCHAR',
  long: 'BIGINT',
  int: 'INTEGER',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  timestamp_ms: 'TIMESTAMP',
};

const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** The lake's views: name → (table folder, columns, partition key before dt/hour if any). */
export const LAKE_VIEWS: { view: string; table: string; fields: FieldSpec[]; leadingKey?: string }[] = [
  ...EVENT_TYPES.map((type) => ({ view: `${type}s`, table: type, fields: fieldSpecs[type] })),
  { view: 'rejected', table: REJECTED_TABLE, fields: rejectedFields, leadingKey: REJECTED_PARTITION.key },
  { view: 'metrics', table: METRICS_TABLE, fields: metricFields },
  { view: 'lineage', table: LINEAGE_TABLE, fields: lineageFields },
];

/**
 * Whether a table folder holds a finished Parquet file. A folder can exist with none yet: a
 * worker creates it before its first file is renamed into place, and DuckDB fails a glob with no
 * match rather than reading it as empty.
 */
function hasParquetFile(folder: string): boolean {
  if (!existsSync(folder)) return false;
  return readdirSync(folder, { recursive: true, encoding: 'utf8' }).some((name) => name.endsWith('.parquet'));
}

function viewSql(lakeDir: string, view: string, table: string, fields: FieldSpec[], leadingKey?: string): string {
  const folder = join(lakeDir, table);
  if (hasParquetFile(folder)) {
    const glob = join(folder, '**', '*.parquet');
    // Partition types fixed, as the Glue catalog declares them (dt date, hour integer): inferred,
    // hour came out VARCHAR in a table whose hours were 00–05 and BIGINT in one with 16 and 17.
    return `CREATE OR REPLACE VIEW ${view} AS SELECT * FROM read_parquet(${quote(glob)}, hive_partitioning = true, hive_types = {'dt': DATE, 'hour': INTEGER}, union_by_name = true)`;
  }
  const columns = fields.map((field) => `CAST(NULL AS ${duckType[field.kind]}) AS ${field.name}`);
  columns.push('CAST(NULL AS DATE) AS dt', 'CAST(NULL AS INTEGER) AS hour');
  // After dt and hour: DuckDB lists Hive partition columns in name order, not path order.
  if (leadingKey) columns.push(`CAST(NULL AS VARCHAR) AS ${leadingKey}`);
  return `CREATE OR REPLACE VIEW ${view} AS SELECT ${columns.join(', ')} WHERE false`;
}

export type Row = Record<string, unknown>;

export class LakeQuery {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    /** The lake directory the views read. */
    readonly root: string,
  ) {}

  static async open(lakeDir: string, warehouseFile = ':memory:'): Promise<LakeQuery> {
    const instance = await DuckDBInstance.create(warehouseFile);
    const connection = await instance.connect();
    for (const { view, table, fields, leadingKey } of LAKE_VIEWS) await connection.run(viewSql(lakeDir, view, table, fields, leadingKey));
    return new LakeQuery(instance, connection, lakeDir);
  }

  /** Runs SQL and returns rows as plain objects (BIGINT as number when it is safe, else string). */
  async query(sql: string): Promise<Row[]> {
    const reader = await this.connection.runAndReadAll(sql);
    return reader.getRowObjectsJS().map((row) =>
      Object.fromEntries(
        Object.entries(row).map(([key, value]) => [
          key,
          typeof value === 'bigint' ? (Number.isSafeInteger(Number(value)) ? Number(value) : value.toString()) : value,
        ]),
      ),
    );
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
