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
 *   `SELECT file_key FROM adstream_loaded_files` answers with them, two rows per page.
 */
import { createServer, type Server } from 'node:http';
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
}


const COPY = /^COPY (\w+) FROM '([^']+)' IAM_ROLE '([^']+)' FORMAT AS PARQUET MANIFEST$/;
const FILE_VALUES = /^INSERT INTO adstream_load_files \(file_key, bytes\) VALUES (.*)$/s;
const LOAD_TABLE_INSERT = /^INSERT INTO adstream_loaded_files .* SELECT f\.file_key, '([^']+)', f\.bytes, '[^']+' FROM/s;

function parseValues(text: string): string[] {
  return [...text.matchAll(/\('((?:[^']|'')*)', \d+\)/g)].map((m) => m[1].replaceAll("''", "'"));
}

async function checkManifest(url: string, options: DoubleOptions, manifests: Map<string, unknown>): Promise<string | undefined> {
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
  }
  return undefined;
}

export async function startRedshiftDataDouble(options: DoubleOptions): Promise<RedshiftDataDouble> {
  const requests: RecordedRequest[] = [];
  const statements = new Map<string, Statement>();
  const loaded = new Map<string, string>();
  const manifests = new Map<string, unknown>();
  let nextFailure: string | undefined;
  let counter = 0;
  const pollsBeforeEnd = options.pollsBeforeEnd ?? 1;

  async function runBatch(sqls: string[]): Promise<Statement> {
    const id = `b7e1d2c0-0000-4000-8000-${String(++counter).padStart(12, '0')}`;
    const statement: Statement = { id, sqls, polls: 0, status: 'FINISHED', resultRows: sqls.map(() => 0) };
    const copyIndex = sqls.findIndex((s) => COPY.test(s));
    if (copyIndex < 0) return statement;
    const keys = parseValues(FILE_VALUES.exec(sqls.find((s) => FILE_VALUES.test(s)) ?? '')?.[1] ?? '');
    const table = LOAD_TABLE_INSERT.exec(sqls.find((s) => LOAD_TABLE_INSERT.test(s)) ?? '')?.[1];
    const error = nextFailure ?? (await checkManifest(COPY.exec(sqls[copyIndex])![2], options, manifests));
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
        if (/^SELECT file_key FROM adstream_loaded_files WHERE table_name = :table_name$/.test(sql)) {
          const parameter = (body.Parameters as { name: string; value: string }[] | undefined)?.find((p) => p.name === 'table_name');
          statement.result = [...loaded].filter(([, table]) => table === parameter?.value).map(([key]) => [key]);
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
    failNextLoad: (error) => void (nextFailure = error),
  };
}
