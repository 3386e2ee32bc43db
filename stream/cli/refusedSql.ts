/**
 * SQL that DuckDB refuses before it reads anything (a typo, a table or column that is not there,
 * types that do not go together) is the user's mistake, exit 2 as the README says of usage
 * mistakes; an error met while running it (a lake file that cannot be read) stays a failure.
 */
import { ConfigError } from '../config/load.ts';
import { NoStatementError } from '../../sinks/query/noStatementError.ts';

/** DuckDB's kinds of error raised while parsing and binding, before any data is read. */
const REFUSED = /^(?:Failed to extract statements: )?((?:Parser|Binder|Catalog) Error: [\s\S]*)$/;

/** `error` as one sentence and a ConfigError if it is DuckDB refusing the SQL; otherwise `error` itself. */
export function asRefusedSql(error: unknown): unknown {
  if (error instanceof NoStatementError) return new ConfigError(error.message);
  const refusal = REFUSED.exec(error instanceof Error ? error.message : '')?.[1];
  if (refusal === undefined) return error;
  // DuckDB puts the place on a line "LINE n: <the SQL there>" with a caret under it, which means nothing on one line.
  const lines = refusal.split('\n').map((line) => line.trim()).filter((line) => line !== '' && line !== '^');
  const at = lines.findIndex((line) => /^LINE \d+:/.test(line));
  const what = (at < 0 ? lines : lines.slice(0, at)).join(' ');
  return new ConfigError(`DuckDB refused the SQL: ${what}${at < 0 ? '' : ` (${lines[at]})`}`);
}
