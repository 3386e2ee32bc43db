/**
 * A thin service over the Redshift Data API: submit a statement (or a batch, which Redshift runs
 * as one transaction), poll DescribeStatement until it ends, read results. Every failure names
 * the statement id, which is what an operator looks up in SYS_QUERY_HISTORY or the console.
 *
 * The Data API is asynchronous: ExecuteStatement returns at once and the SQL runs on. Polling
 * sleeps through an injected function and gives up after a number of polls, not a wall-clock
 * time, so tests run without waiting.
 */
import {
  BatchExecuteStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  type DescribeStatementCommandOutput,
  type Field,
  type RedshiftDataClient,
  type SqlParameter,
} from '@aws-sdk/client-redshift-data';
import { AdstreamError } from '../../stream/retry/errors.ts';

/** Where statements run: a provisioned cluster (with a database user or a secret) or a serverless workgroup. */
export interface RedshiftTarget {
  database: string;
  clusterIdentifier?: string;
  workgroupName?: string;
  dbUser?: string;
  secretArn?: string;
}

export interface DataApiOptions {
  sleep: (ms: number) => Promise<void>;
  /** Default 500 ms. */
  pollIntervalMs?: number;
  /** DescribeStatement calls before giving up on a statement. Default 3600 (30 min at 500 ms). */
  maxPolls?: number;
}

/** A statement that failed, was aborted or did not finish; `statementId` is the Data API's id. */
export class RedshiftStatementError extends AdstreamError {
  constructor(
    readonly statementId: string,
    readonly status: string,
    readonly detail: string,
  ) {
    super(`Redshift statement ${statementId} ${status}: ${detail}`);
  }
}

const ENDED = new Set(['FINISHED', 'FAILED', 'ABORTED']);

function fieldValue(field: Field): string | number | boolean | null {
  if (field.isNull) return null;
  return field.stringValue ?? field.longValue ?? field.doubleValue ?? field.booleanValue ?? null;
}

export class RedshiftDataApi {
  private readonly pollIntervalMs: number;
  private readonly maxPolls: number;

  constructor(
    private readonly client: RedshiftDataClient,
    private readonly target: RedshiftTarget,
    private readonly options: DataApiOptions,
  ) {
    if (!target.clusterIdentifier === !target.workgroupName) {
      throw new RangeError('a Redshift target needs exactly one of clusterIdentifier and workgroupName');
    }
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.maxPolls = options.maxPolls ?? 3600;
  }

  private get connection() {
    const { database, clusterIdentifier, workgroupName, dbUser, secretArn } = this.target;
    return { Database: database, ClusterIdentifier: clusterIdentifier, WorkgroupName: workgroupName, DbUser: dbUser, SecretArn: secretArn };
  }

  /** Runs one statement to its end; returns its description. */
  async execute(sql: string, parameters?: Record<string, string>, name?: string): Promise<DescribeStatementCommandOutput> {
    const Parameters: SqlParameter[] | undefined = parameters && Object.entries(parameters).map(([n, value]) => ({ name: n, value }));
    const { Id } = await this.client.send(new ExecuteStatementCommand({ ...this.connection, Sql: sql, Parameters, StatementName: name }));
    return this.waitFor(Id!);
  }

  /** Runs statements as one transaction (BatchExecuteStatement); all or nothing. */
  async batch(sqls: string[], name?: string): Promise<DescribeStatementCommandOutput> {
    const { Id } = await this.client.send(new BatchExecuteStatementCommand({ ...this.connection, Sqls: sqls, StatementName: name }));
    return this.waitFor(Id!);
  }

  /** Runs a query and returns every row of its result, all pages. */
  async rows(sql: string, parameters?: Record<string, string>): Promise<(string | number | boolean | null)[][]> {
    const { Id } = await this.execute(sql, parameters);
    const rows: (string | number | boolean | null)[][] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(new GetStatementResultCommand({ Id, NextToken: token }));
      for (const record of page.Records ?? []) rows.push(record.map(fieldValue));
      token = page.NextToken;
    } while (token);
    return rows;
  }

  async waitFor(id: string): Promise<DescribeStatementCommandOutput> {
    for (let poll = 0; poll < this.maxPolls; poll++) {
      const description = await this.client.send(new DescribeStatementCommand({ Id: id }));
      const status = description.Status ?? 'UNKNOWN';
      if (status === 'FINISHED') return description;
      if (ENDED.has(status)) throw new RedshiftStatementError(id, status, failureDetail(description));
      await this.options.sleep(this.pollIntervalMs);
    }
    throw new RedshiftStatementError(id, 'NOT_FINISHED', `still running after ${this.maxPolls} polls; it may still complete, check it before loading again`);
  }
}

/** The error, and for a batch the sub-statement that failed (its id and the start of its SQL). */
function failureDetail(description: DescribeStatementCommandOutput): string {
  const failed = description.SubStatements?.find((s) => s.Status === 'FAILED' || s.Error);
  const error = description.Error ?? failed?.Error ?? 'no error message';
  if (!failed) return error;
  const sql = (failed.QueryString ?? '').replace(/\s+/g, ' ').slice(0, 120);
  return `${error} (sub-statement ${failed.Id ?? '?'}: ${sql})`;
}
