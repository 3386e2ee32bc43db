/**
 * Whether a path named by --warehouse can be a DuckDB warehouse file. DuckDB itself, handed a
 * JSON file or a directory, answers "Catalog Error: Cannot launch in-memory database in read-only
 * mode!", which names neither the file nor the mistake.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';

/** DuckDB's file header: an 8-byte checksum, then the magic bytes "DUCK". */
const MAGIC = Buffer.from('DUCK');
const MAGIC_OFFSET = 8;

/** Why `path`, an existing path, is not a DuckDB database file, or undefined when it is one. */
export function warehouseFileProblem(path: string): string | undefined {
  if (statSync(path).isDirectory()) return `the warehouse ${path} is a directory; name the DuckDB file in it (load-warehouse writes one, e.g. warehouse.duckdb).`;
  const header = Buffer.alloc(MAGIC_OFFSET + MAGIC.length);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, header, 0, header.length, 0);
  } finally {
    closeSync(fd);
  }
  if (!header.subarray(MAGIC_OFFSET).equals(MAGIC)) return `the warehouse ${path} is not a DuckDB database file (load-warehouse writes one, e.g. warehouse.duckdb).`;
  return undefined;
}
