/**
 * The analysts' SQL files (infra/queries/*.sql) as Athena named queries: one per file, named by
 * the file, described by its leading `--` comment. Read at synth time, so a new file becomes a
 * named query at the next deploy without touching the CDK code.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

export interface NamedQuerySource {
  /** File name without `.sql`, e.g. `funnel_by_campaign`. */
  name: string;
  /** The first line of the leading comment block (Athena allows 1024 characters). */
  description: string;
  sql: string;
}

const MAX_DESCRIPTION = 1024;
/** Athena's limit on a named query's text. */
const MAX_QUERY_BYTES = 262_144;

export function describeQuery(sql: string, fallback: string): string {
  const first = sql.split('\n').find((line) => line.trim().startsWith('--') && line.replace(/^\s*--/, '').trim() !== '');
  const text = first ? first.replace(/^\s*--/, '').trim() : fallback;
  return text.slice(0, MAX_DESCRIPTION);
}

/** Every `*.sql` file in `folder`, sorted by name; none when the folder does not exist. */
export function readNamedQueries(folder: string): NamedQuerySource[] {
  let files: string[];
  try {
    files = readdirSync(folder).filter((file) => file.endsWith('.sql')).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return files.map((file) => {
    const sql = readFileSync(join(folder, file), 'utf8');
    const name = basename(file, '.sql');
    if (Buffer.byteLength(sql) > MAX_QUERY_BYTES) throw new Error(`${join(folder, file)} is larger than Athena's ${MAX_QUERY_BYTES}-byte limit for a named query.`);
    if (sql.trim() === '') throw new Error(`${join(folder, file)} is empty; an Athena named query needs SQL text.`);
    return { name, description: describeQuery(sql, `adstream query ${name}`), sql };
  });
}
