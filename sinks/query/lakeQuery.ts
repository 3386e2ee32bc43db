/**
 * DuckDB over the lake: the same SQL analysts run on Athena, locally. One view per event type
 * (`impressions`, `clicks`, `conversions`, `bid_requests`), plus `rejected` (the DLQ, with its
 * `reason_class` partition column) and `metrics` (window metric events). A table with no files
 * yet is still a view, empty and typed from the schema, so queries never fail just because
 * nothing was written.
 */
import { join } from 'node:path';
import { DuckDBInstance, DuckDBTypeId, type DuckDBConnection, type DuckDBResultReader } from '@duckdb/node-api';
import { EVENT_TYPES, fieldSpecs, type FieldSpec } from '../../stream/events/schemas.ts';
import { hasParquetFile } from '../lake/hasParquetFile.ts';
import { NoStatementError } from './noStatementError.ts';
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

function viewSql(lakeDir: string, view: string, table: string, fields: FieldSpec[], leadingKey?: string): string {
  const folder = join(lakeDir, table);
  if (hasParquetFile(folder)) {
    const glob = join(folder, '**', '*.parquet');
    // Partition types fixed, as the Glue catalog declares them (dt a yyyy-MM-dd string, hour an
    // integer), so a filter that runs here runs on Athena: inferred, hour came out VARCHAR in a
    // table whose hours were 00–05 and BIGINT in one with 16 and 17, and dt a DATE, which Athena
    // would refuse to compare with a string column.
    return `CREATE OR REPLACE VIEW ${view} AS SELECT * FROM read_parquet(${quote(glob)}, hive_partitioning = true, hive_types = {'dt': VARCHAR, 'hour': INTEGER}, union_by_name = true)`;
  }
  const columns = fields.map((field) => `CAST(NULL AS ${duckType[field.kind]}) AS ${field.name}`);
  columns.push('CAST(NULL AS VARCHAR) AS dt', 'CAST(NULL AS INTEGER) AS hour');
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
    let connection: DuckDBConnection | undefined;
    try {
      connection = await instance.connect();
      await answerInUtc(connection);
      for (const { view, table, fields, leadingKey } of LAKE_VIEWS) await connection.run(viewSql(lakeDir, view, table, fields, leadingKey));
      return new LakeQuery(instance, connection, lakeDir);
    } catch (error) {
      // A view DuckDB cannot make (a Parquet file with a corrupt footer) must not leave the
      // database open behind the error: a warehouse file stays locked while it is.
      connection?.closeSync();
      instance.closeSync();
      throw error;
    }
  }

  /** Runs SQL and returns rows as plain objects (`plainRows`). */
  async query(sql: string): Promise<Row[]> {
    return plainRows(await this.connection.runAndReadAll(sql));
  }

  /** Runs each statement of SQL in turn, handing each one's rows to `onResult` as it finishes (`resultsOfEach`). */
  queryEach(sql: string, onResult: (rows: Row[], index: number) => void): Promise<void> {
    return resultsOfEach(this.connection, sql, onResult);
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

const NO_STATEMENT_MESSAGE = 'Error in native callback';

/**
 * Runs each statement in `sql` in order and hands its rows to `onResult` as soon as it is done:
 * DuckDB runs every statement of a script but returns only one result, and a user who gave two
 * queries wants both answers, the first even when the second fails.
 */
export async function resultsOfEach(connection: DuckDBConnection, sql: string, onResult: (rows: Row[], index: number) => void): Promise<void> {
  const statements = await connection.extractStatements(sql).catch((error: unknown) => {
    // DuckDB finds no statement in blanks, comments or semicolons alone, and the bindings report
    // that count of 0 as a failure with no message of DuckDB's: "Error in native callback".
    if (error instanceof Error && error.message === NO_STATEMENT_MESSAGE) throw new NoStatementError();
    throw error;
  });
  for (let i = 0; i < statements.count; i++) {
    const prepared = await statements.prepare(i);
    try {
      onResult(plainRows(await prepared.runAndReadAll()), i);
    } finally {
      prepared.destroySync();
    }
  }
}

/**
 * UTC, as Athena's session is: the lake's timestamps are UTC without a zone, and a TIMESTAMPTZ
 * comparison or AT TIME ZONE would otherwise be taken in the host's zone. (Set on the connection,
 * not in the instance's options: those are read before the built-in ICU extension is loaded.)
 */
export async function answerInUtc(connection: DuckDBConnection): Promise<void> {
  await connection.run("SET GLOBAL TimeZone = 'UTC'");
}

/**
 * Column types whose JavaScript value says less than DuckDB's own print of it: an INTERVAL's parts,
 * a TIME's microseconds since midnight (3723000000 for 01:02:03), a DATE's midnight as a full
 * timestamp, a BLOB's bytes as {"type":"Buffer","data":[...]}.
 */
const PRINTED_AS_DUCKDB = new Set<DuckDBTypeId>([DuckDBTypeId.INTERVAL, DuckDBTypeId.TIME, DuckDBTypeId.TIME_TZ, DuckDBTypeId.DATE, DuckDBTypeId.BLOB]);

/**
 * A result's rows as plain objects: BIGINT (at any depth, in lists and structs too) as a number
 * when it is safe, else a string; an INTERVAL, TIME, DATE or BLOB column as DuckDB prints it
 * ("00:05:00", "01:02:03", "2026-11-01"), not as its parts. Either way a row prints as a table and
 * serialises as JSON.
 */
export function plainRows(reader: DuckDBResultReader): Row[] {
  const names = reader.columnNames();
  const printedColumns = reader.columnTypes().flatMap((type, column) => (PRINTED_AS_DUCKDB.has(type.typeId) ? [column] : []));
  const printed = printedColumns.length > 0 ? reader.getRows() : [];
  return reader.getRowObjectsJS().map((row, index) => {
    const plain = Object.fromEntries(Object.entries(row).map(([key, value]) => [key, withoutBigInts(value)]));
    for (const column of printedColumns) if (row[names[column]] !== null) plain[names[column]] = String(printed[index][column]);
    return plain;
  });
}

function withoutBigInts(value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (Array.isArray(value)) return value.map(withoutBigInts);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, withoutBigInts(inner)]));
  }
  return value;
}
