/**
 * Queries on a DuckDB warehouse file (loaded by `adstream load-warehouse`), read-only so a query
 * never changes what the loader's bookkeeping says. Tables are named like the lake's views, so
 * the SQL in infra/queries runs here as on the lake (the DLQ, `rejected`, is not loaded).
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { answerInUtc, plainRows, resultsOfEach, type Row } from '../query/lakeQuery.ts';

export interface WarehouseQuery {
  query(sql: string): Promise<Row[]>;
  /** Each statement's rows, handed over in order as each finishes. */
  queryEach(sql: string, onResult: (rows: Row[], index: number) => void): Promise<void>;
  close(): void;
}

export async function openWarehouseQuery(file: string): Promise<WarehouseQuery> {
  const instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  await answerInUtc(connection);
  return {
    async query(sql) {
      return plainRows(await connection.runAndReadAll(sql));
    },
    queryEach: (sql, onResult) => resultsOfEach(connection, sql, onResult),
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}
