/**
 * A batch whose rows as JSON are longer than V8's longest string (2^29 − 24 characters): the
 * DuckDB encoder sends the rows in pieces rather than failing. Rows are not bounded by the record
 * bytes a commit unit is cut by: 20 KPL aggregates of 1 MiB, each holding 170,000 empty
 * sub-records, made 3.4 million DLQ rows, and `adstream replay` and the worker exited 1 ("Invalid
 * string length") on them, the worker again at every restart.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FieldSpec } from '../../../stream/events/schemas.ts';
import { createParquetEncoder } from '../../../sinks/parquet/encoder.ts';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'adstream-long-batch-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe('DuckDB encoder, a batch past the longest string', () => {
  it('writes every row, in order', { timeout: 120_000 }, async () => {
    const fields: FieldSpec[] = [
      { name: 'n', kind: 'long', nullable: false },
      { name: 'detail', kind: 'string', nullable: false },
    ];
    // 2.2 million rows of `{"n":…,"detail":"x…x"}`'s column values: 243 characters of JSON a row
    // for the detail alone, 534.6 million, and the n column's 15.6 million more, past 536.9 million.
    const detail = 'x'.repeat(240);
    const count = 2_200_000;
    const rows = Array.from({ length: count }, (_, n) => ({ n, detail }));
    const encoder = createParquetEncoder('duckdb');
    const path = join(work, 'long.parquet');
    try {
      await writeFile(path, await encoder.encode(fields, rows));
    } finally {
      await encoder.close?.();
    }
    rows.length = 0;
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const reader = await connection.runAndReadAll(
        `SELECT count(*)::INTEGER AS rows, count(*) FILTER (WHERE n <> file_row_number)::INTEGER AS out_of_place, count(DISTINCT detail)::INTEGER AS details, min(length(detail))::INTEGER AS shortest FROM read_parquet('${path}', file_row_number = true)`,
      );
      expect(reader.getRowObjectsJS()).toEqual([{ rows: count, out_of_place: 0, details: 1, shortest: 240 }]);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});
