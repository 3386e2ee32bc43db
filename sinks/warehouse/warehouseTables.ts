/**
 * The warehouse's tables, derived from the Avro schemas like every other table: one per event
 * type and the window metrics, named like the lake's query views (`impressions`, `clicks`, ...,
 * `metrics`) so the SQL in infra/queries runs on the warehouse unchanged, plus the load table that
 * records which lake files each table holds (the exactly-once bookkeeping). The DLQ (`rejected`)
 * stays in the lake: its raw records can exceed any VARCHAR length worth declaring.
 *
 * Column order is the schema's field order, which is also the Parquet files' column order:
 * Redshift's COPY ... FORMAT AS PARQUET maps columns by position.
 */
import { EVENT_TYPES, fieldSpecs, type FieldSpec } from '../../stream/events/schemas.ts';
import { METRICS_TABLE, metricFields } from '../lake/lakeTables.ts';

export interface WarehouseTable {
  /** Table name in the warehouse, e.g. `impressions`. */
  name: string;
  /** The lake folder its files come from, e.g. `impression`. */
  lakeTable: string;
  fields: FieldSpec[];
  /** The time column range filters use: Redshift's SORTKEY. */
  sortKey: string;
  /**
   * String columns built from several values (a metric's key: each dimension's name and value,
   * escaped), whose length has no 256-byte bound: Redshift's COPY fails on a value over its
   * column's width, and would fail the same way on every rerun.
   */
  compositeStrings?: readonly string[];
}

export const WAREHOUSE_TABLES: readonly WarehouseTable[] = [
  ...EVENT_TYPES.map((type) => ({ name: `${type}s`, lakeTable: type, fields: fieldSpecs[type], sortKey: 'event_time' })),
  { name: 'metrics', lakeTable: METRICS_TABLE, fields: metricFields, sortKey: 'window_start', compositeStrings: ['key', 'key_dimensions'] },
];

/** One row per lake file loaded: the key is the lake object key, unique across tables. */
export const LOAD_TABLE = 'adstream_loaded_files';

export type SqlDialect = 'redshift' | 'duckdb';

// Redshift VARCHAR lengths are bytes. Event strings are ids and short codes, far below 256
// bytes; a longer value would fail the COPY loudly rather than be truncated silently.
const COLUMN_TYPES: Record<SqlDialect, Record<FieldSpec['kind'], string>> = {
  redshift: {
    string: 'VARCHAR(256)',
    long: 'BIGINT',
    int: 'INTEGER',
    double: 'DOUBLE PRECISION',
    boolean: 'BOOLEAN',
    timestamp_ms: 'TIMESTAMP',
  },
  duckdb: {
    string: 'VARCHAR',
    long: 'BIGINT',
    int: 'INTEGER',
    double: 'DOUBLE',
    boolean: 'BOOLEAN',
    timestamp_ms: 'TIMESTAMP',
  },
};

/** Redshift's widest VARCHAR, for composite strings. */
const WIDEST_VARCHAR = 'VARCHAR(65535)';

function columnType(table: WarehouseTable, field: FieldSpec, dialect: SqlDialect): string {
  return dialect === 'redshift' && table.compositeStrings?.includes(field.name) ? WIDEST_VARCHAR : COLUMN_TYPES[dialect][field.kind];
}

function columns(table: WarehouseTable, dialect: SqlDialect): string {
  return table.fields.map((f) => `  ${f.name} ${columnType(table, f, dialect)}${f.nullable ? '' : ' NOT NULL'}`).join(',\n');
}

/**
 * `CREATE TABLE IF NOT EXISTS` for a table. On Redshift rows are distributed by campaign (the
 * analysts' queries group and join by campaign, so those stay node-local) and sorted by time
 * (event_time for events: range filters on time skip blocks).
 */
export function createTableSql(table: WarehouseTable, dialect: SqlDialect): string {
  const body = `CREATE TABLE IF NOT EXISTS ${table.name} (\n${columns(table, dialect)}\n)`;
  if (dialect === 'duckdb') return body;
  const distribution = table.fields.some((f) => f.name === 'campaign_id') ? 'DISTKEY(campaign_id)' : 'DISTSTYLE EVEN';
  return `${body}\n${distribution}\nSORTKEY(${table.sortKey})`;
}

/**
 * The columns a table created by an older version lacks (CREATE TABLE IF NOT EXISTS leaves an
 * existing table as it was). Columns are only ever added at the end and nullable, so older rows
 * read NULL there. DuckDB says ADD COLUMN IF NOT EXISTS; Redshift has no IF NOT EXISTS, so it is
 * given the columns the table has (`existing`) and only the missing ones are added.
 */
export function addColumnsSql(table: WarehouseTable, dialect: SqlDialect, existing?: ReadonlySet<string>): string[] {
  if (dialect === 'duckdb') {
    return table.fields.filter((f) => f.nullable).map((f) => `ALTER TABLE ${table.name} ADD COLUMN IF NOT EXISTS ${f.name} ${COLUMN_TYPES.duckdb[f.kind]}`);
  }
  const missing = table.fields.filter((f) => !existing?.has(f.name));
  const required = missing.find((f) => !f.nullable);
  if (required) {
    throw new RangeError(`the warehouse table ${table.name} has no column ${required.name}, which cannot be added because it is NOT NULL; recreate the table (its rows reload from the lake)`);
  }
  return missing.map((f) => `ALTER TABLE ${table.name} ADD COLUMN ${f.name} ${columnType(table, f, dialect)}`);
}

/** The query for the columns each of `tables` has, as (table_name, column_name) rows, on Redshift. */
export function tableColumnsSql(tables: readonly WarehouseTable[]): string {
  return `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name IN (${tables.map((t) => sqlString(t.name)).join(', ')})`;
}

export function createLoadTableSql(dialect: SqlDialect): string {
  const text = dialect === 'redshift' ? 'VARCHAR(1024)' : 'VARCHAR';
  const body =
    `CREATE TABLE IF NOT EXISTS ${LOAD_TABLE} (\n` +
    `  file_key ${text} NOT NULL,\n` +
    `  table_name ${text} NOT NULL,\n` +
    `  bytes BIGINT NOT NULL,\n` +
    `  load_id ${text} NOT NULL\n` +
    `)`;
  // Small and read whole by every loader run: a copy on every node.
  return dialect === 'redshift' ? `${body}\nDISTSTYLE ALL\nSORTKEY(file_key)` : body;
}

/** A string literal for SQL text (both dialects double the quote). */
export const sqlString = (text: string): string => `'${text.replaceAll("'", "''")}'`;
