import { existsSync, readdirSync } from 'node:fs';

/**
 * Whether a table folder holds a finished Parquet file. A folder can exist with none yet: a
 * worker creates it before its first file is renamed into place, and DuckDB fails a glob with no
 * match rather than reading it as empty.
 */
export function hasParquetFile(folder: string): boolean {
  if (!existsSync(folder)) return false;
  return readdirSync(folder, { recursive: true, encoding: 'utf8' }).some((name) => name.endsWith('.parquet'));
}
