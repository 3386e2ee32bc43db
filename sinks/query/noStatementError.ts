/**
 * SQL that holds no statement to run: only blanks, comments or semicolons. Its own module, so
 * that the CLI can tell it apart without loading DuckDB.
 */
export class NoStatementError extends Error {
  constructor() {
    super('the SQL holds no statement to run, only blanks, comments or semicolons.');
  }
}
