/**
 * A stand-in for the Redshift Data API on 127.0.0.1, for tests that drive a real
 * RedshiftDataClient. It decodes what the SDK puts on the wire (AWS JSON 1.1: a POST with
 * `X-Amz-Target: RedshiftData.<Operation>` and a JSON body) and records every request, so tests
 * assert on what Redshift would have received.
 *
 * It also plays the part of Redshift where the loader depends on it:
 * - statements run asynchronously: DescribeStatement answers STARTED `pollsBeforeEnd` times;
 * - a load batch (one with a COPY ... MANIFEST) reads its manifest through `fetchObject`, and
 *   fails like COPY does when the manifest is not valid JSON, an entry lacks
 *   `meta.content_length`, a mandatory file is missing or its size differs;
 * - the load table: a finished load batch records its file keys (parsed from its INSERT ... VALUES),
 *   a batch whose keys are already recorded adds nothing (ResultRows 0), and
 *   `SELECT file_key FROM adstream_loaded_files` answers with them, two rows per page;
 * - the tables' columns: CREATE TABLE IF NOT EXISTS and ALTER TABLE ... ADD COLUMN change them,
 *   information_schema.columns lists them, and COPY refuses a Parquet file with more columns than
 *   the table, or fewer without FILLRECORD (it maps columns by position and their counts must
 *   match: "COPY from columnar data formats" in Redshift's guide).
 */
import { createServer, type Server } from 'node:http';
import { parquetMetadata } from 'hyparquet';
import { listenLocally, readBody } from '../../support/wireDouble.ts';

export interface RecordedRequest {
  operation: string;
  body: Record<string, unknown>;
}

interface Statement {
  id: string;
  sqls: string[];
  polls: number;
  status: 'FINISHED' | 'FAILED';
  error?: string;
  failedIndex?: number;
  resultRows: number[];
  result?: string[][];
  /** Applied when the statement is seen to finish (the commit). */
  commit?: () => void;
}

export interface RedshiftDataDouble {
  endpoint: string;
  requests: RecordedRequest[];
  /** Load table contents: file key → table name. */
  loaded: Map<string, string>;
  /** Manifests the load batches read, by URL, as parsed JSON. */
  manifests: Map<string, unknown>;
  /** Columns of each table, in order. */
  tables: Map<string, string[]>;
  /** Makes the next load batch fail with this error (as a COPY error would). */
  failNextLoad(error: string): void;
  close(): Promise<void>;
}

export interface DoubleOptions {
  /** Reads an `s3://` object, as Redshift reads the manifest and the files. */
  fetchObject: (url: string) => Promise<Uint8Array | undefined>;
  /** Rows in the Parquet files of a load, for the INSERT's ResultRows. */
  rowsOf: (keys: string[]) => number;
  pollsBeforeEnd?: number;
  /** Tables that exist before the first request (made by an older version), with their columns. */
  tables?: Record<string, string[]>;
}


const COPY = /^COPY (\w+) FROM '([^']+)' IAM_ROLE '([^']+)' FORMAT AS PARQUET MANIFEST( FILLRECORD)?$/;
const CREATE_TABLE = /^CREATE TABLE IF NOT EXISTS (\w+) \(\n(.*?)\n\)/s;
const ADD_COLUMN = /^ALTER TABLE (\w+) ADD COLUMN (\w+) /;
const TABLE_COLUMNS = /^SELECT table_name, column_name FROM information_schema\.columns WHERE table_schema = current_schema\(\) AND table_name IN \((.*)\)$/;
const FILE_VALUES = /^INSERT INTO adstream_load_files \(file_key, bytes\) VALUES (.*)$/s;
const LOAD_TABLE_INSERT = /^INSERT INTO adstream_loaded_files .* SELECT f\.file_key, '([^']+)', f\.bytes, '[^']+' FROM/s;

function parseValues(text: string): string[] {
  return [...text.matchAll(/\('((?:[^']|'')*)', \d+\)/g)].map((m) => m[1].replaceAll("''", "'"));
}

interface CopyTarget {
  table: string;
  columns: number;
  fillRecord: boolean;
}

async function checkManifest(url: string, target: CopyTarget, options: DoubleOptions, manifests: Map<string, unknown>): Promise<string | undefined> {
  const body = await options.fetchObject(url);
  if (!body) return `Manifest file ${url} not found`;
  let manifest: { entries?: { url?: string; mandatory?: boolean; meta?: { content_length?: number } }[] };
  try {
    manifest = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    return `Manifest file ${url} is not valid JSON`;
  }
  manifests.set(url, manifest);
  for (const entry of manifest.entries ?? []) {
    if (typeof entry.meta?.content_length !== 'number') return `content_length is required in the manifest for ${entry.url} (FORMAT AS PARQUET)`;
    const file = await options.fetchObject(entry.url ?? '');
    if (!file) {
      if (entry.mandatory) return `Manifest entry ${entry.url} is mandatory but the file does not exist`;
      continue;
    }
    if (file.byteLength !== entry.meta.content_length) return `content_length ${entry.meta.content_length} of ${entry.url} does not match its size ${file.byteLength}`;
    const bytes = file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) as ArrayBuffer;
    // A flat schema: the root element, then one element per column.
    const columns = parquetMetadata(bytes).schema.length - 1;
    if (columns > target.columns || (columns < target.columns && !target.fillRecord)) {
      return `Spectrum Scan Error: unmatched number of columns between table ${target.table} (${target.columns}) and file ${entry.url} (${columns})`;
    }
  }
  return undefined;
}

export async function startRedshiftDataDouble(options: DoubleOptions): Promise<RedshiftDataDouble> {
  const requests: RecordedRequest[] = [];
  const statements = new Map<string, Statement>();
  const loaded = new Map<string, string>();
  const manifests = new Map<string, unknown>();
  const tables = new Map(Object.entries(options.tables ?? {}).map(([name, columns]) => [name, [...columns]]));

  /** Applies a batch's CREATE TABLE and ADD COLUMN statements; the failure, if one fails. */
  function runDefinitions(sqls: string[]): { index: number; error: string } | undefined {
    const next = new Map([...tables].map(([name, columns]) => [name, [...columns]]));
    for (const [index, sql] of sqls.entries()) {
      const create = CREATE_TABLE.exec(sql);
      if (create && !next.has(create[1])) next.set(create[1], [...create[2].matchAll(/^ {2}(\w+) /gm)].map((m) => m[1]));
      const add = ADD_COLUMN.exec(sql);
      if (!add) continue;
      const columns = next.get(add[1]);
      if (!columns) return { index, error: `relation "${add[1]}" does not exist` };
      if (columns.includes(add[2])) return { index, error: `column "${add[2]}" of relation "${add[1]}" already exists` };
      columns.push(add[2]);
    }
    tables.clear();
    for (const [name, columns] of next) tables.set(name, columns);
    return undefined;
  }
  let nextFailure: string | undefined;
  let counter = 0;
  const pollsBeforeEnd = options.pollsBeforeEnd ?? 1;

  async function runBatch(sqls: string[]): Promise<Statement> {
    const id = `b7e1d2c0-0000-4000-8000-${String(++counter).padStart(12, '0')}`;
    const statement: Statement = { id, sqls, polls: 0, status: 'FINISHED', resultRows: sqls.map(() => 0) };
    const copyIndex = sqls.findIndex((s) => COPY.test(s));
    if (copyIndex < 0) {
      const failure = runDefinitions(sqls);
      return failure ? { ...statement, status: 'FAILED', failedIndex: failure.index, error: failure.error } : statement;
    }
    const keys = parseValues(FILE_VALUES.exec(sqls.find((s) => FILE_VALUES.test(s)) ?? '')?.[1] ?? '');
    const table = LOAD_TABLE_INSERT.exec(sqls.find((s) => LOAD_TABLE_INSERT.test(s)) ?? '')?.[1];
    const copy = COPY.exec(sqls[copyIndex])!;
    const columns = tables.get(table ?? '');
    const error =
      nextFailure ??
      (columns ? await checkManifest(copy[2], { table: table!, columns: columns.length, fillRecord: copy[4] !== undefined }, options, manifests) : `relation "${table}" does not exist`);
    nextFailure = undefined;
    if (error || !table || keys.length === 0) {
      return { ...statement, status: 'FAILED', failedIndex: copyIndex, error: error ?? 'the double could not find the load table insert' };
    }
    statement.commit = () => {
      // The guard: rows and keys go in only if none of the keys is recorded yet.
      if (keys.some((k) => loaded.has(k))) return;
      const insertIndex = sqls.findIndex((s) => s.startsWith(`INSERT INTO ${table} `));
      statement.resultRows[insertIndex] = options.rowsOf(keys);
      statement.resultRows[sqls.findIndex((s) => LOAD_TABLE_INSERT.test(s))] = keys.length;
      for (const key of keys) loaded.set(key, table);
    };
    return statement;
  }

  function describe(statement: Statement): Record<string, unknown> {
    statement.polls += 1;
    const running = statement.polls <= pollsBeforeEnd;
    if (!running && statement.commit) {
      statement.commit();
      statement.commit = undefined;
    }
    const status = running ? 'STARTED' : statement.status;
    return {
      Id: statement.id,
      Status: status,
      Error: status === 'FAILED' ? statement.error : undefined,
      HasResultSet: statement.result !== undefined,
      SubStatements:
        statement.sqls.length > 1
          ? statement.sqls.map((sql, i) => ({
              Id: `${statement.id}:${i + 1}`,
              QueryString: sql,
              Status: running ? 'STARTED' : status === 'FAILED' ? (i === statement.failedIndex ? 'FAILED' : 'ABORTED') : 'FINISHED',
              Error: status === 'FAILED' && i === statement.failedIndex ? statement.error : undefined,
              ResultRows: statement.resultRows[i],
            }))
          : undefined,
    };
  }

  async function handle(operation: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    switch (operation) {
      case 'BatchExecuteStatement': {
        const statement = await runBatch(body.Sqls as string[]);
        statements.set(statement.id, statement);
        return { Id: statement.id, Database: body.Database };
      }
      case 'ExecuteStatement': {
        const sql = body.Sql as string;
        const statement = await runBatch([sql]);
        const tableColumns = TABLE_COLUMNS.exec(sql);
        if (/^SELECT file_key FROM adstream_loaded_files WHERE table_name = :table_name$/.test(sql)) {
          const parameter = (body.Parameters as { name: string; value: string }[] | undefined)?.find((p) => p.name === 'table_name');
          statement.result = [...loaded].filter(([, table]) => table === parameter?.value).map(([key]) => [key]);
        } else if (tableColumns) {
          const names = [...tableColumns[1].matchAll(/'(\w+)'/g)].map((m) => m[1]);
          statement.result = names.flatMap((name) => (tables.get(name) ?? []).map((column) => [name, column]));
        } else {
          Object.assign(statement, { status: 'FAILED', failedIndex: 0, error: `the double does not run: ${sql}` });
        }
        statements.set(statement.id, statement);
        return { Id: statement.id };
      }
      case 'DescribeStatement': {
        const statement = statements.get(body.Id as string);
        if (!statement) throw Object.assign(new Error(`Query does not exist: ${String(body.Id)}`), { type: 'ResourceNotFoundException' });
        return describe(statement);
      }
      case 'GetStatementResult': {
        const statement = statements.get(body.Id as string);
        const rows = statement?.result ?? [];
        const start = Number(body.NextToken ?? 0);
        const page = rows.slice(start, start + 2);
        return {
          Records: page.map((row) => row.map((value) => ({ stringValue: value }))),
          ColumnMetadata: [{ name: 'file_key', typeName: 'varchar' }],
          TotalNumRows: rows.length,
          NextToken: start + 2 < rows.length ? String(start + 2) : undefined,
        };
      }
      default:
        throw Object.assign(new Error(`the Redshift Data double does not implement ${operation}`), { type: 'ValidationException' });
    }
  }

  const server: Server = createServer((req, res) => {
    readBody(req)
      .then(async (text) => {
        const target = String(req.headers['x-amz-target'] ?? '');
        if (!target.startsWith('RedshiftData.') || req.headers['content-type'] !== 'application/x-amz-json-1.1') {
          throw Object.assign(new Error(`not an AWS JSON 1.1 RedshiftData request: target "${target}"`), { type: 'ValidationException' });
        }
        const operation = target.slice('RedshiftData.'.length);
        const body = JSON.parse(text) as Record<string, unknown>;
        requests.push({ operation, body });
        const answer = await handle(operation, body);
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(answer));
      })
      .catch((error: Error & { type?: string }) => {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ __type: error.type ?? 'InternalServerException', message: error.message }));
      });
  });
  return {
    ...(await listenLocally(server)),
    requests,
    loaded,
    manifests,
    tables,
    failNextLoad: (error) => void (nextFailure = error),
  };
}
