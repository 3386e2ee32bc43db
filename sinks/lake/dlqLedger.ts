/**
 * What `adstream dlq replay` has re-driven, kept in the lake beside the DLQ: one JSON Lines file
 * per put, under `<lake>/_dlq_replayed/`, a line per rejected row by its position (stream, shard,
 * sequence number, sub-sequence number: what identifies a rejected record, since its bytes may not
 * parse). Without it a second `dlq replay` put everything back again: records fixed the first time
 * were written twice once past the dedupe horizon, and records still rejected came back doubled
 * in the DLQ, then doubled again by the next run.
 *
 * A file's name is the hash of its lines, so writing the same put twice leaves one file; a put
 * that fails half-way records nothing and is re-driven whole by the next run (the pipeline's
 * dedupe drops what the failed run did put, within its horizon).
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeDirectory } from '../makeDirectory.ts';

export const DLQ_LEDGER_FOLDER = '_dlq_replayed';

/** A row of the `rejected` table; its position is `stream`, `shard_id`, `sequence_number`, `sub_sequence_number`. */
export type RejectedPosition = Readonly<Record<string, unknown>>;

/** One string per position: the sub-sequence number of a record that was not aggregated is 0. */
export function positionKey(row: RejectedPosition): string {
  return JSON.stringify([String(row.stream), String(row.shard_id), String(row.sequence_number), Number(row.sub_sequence_number ?? 0)]);
}

/** The positions every earlier `dlq replay` of this lake re-drove. */
export async function readDlqLedger(lakeDir: string): Promise<Set<string>> {
  const folder = join(lakeDir, DLQ_LEDGER_FOLDER);
  const names = await readdir(folder).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  const keys = new Set<string>();
  for (const name of names.filter((n) => n.endsWith('.jsonl'))) {
    for (const line of (await readFile(join(folder, name), 'utf8')).split('\n')) if (line !== '') keys.add(line);
  }
  return keys;
}

/** Records that `rows` were put back on a stream. */
export async function recordDlqReplay(lakeDir: string, rows: readonly RejectedPosition[]): Promise<void> {
  if (rows.length === 0) return;
  const text = `${rows.map(positionKey).join('\n')}\n`;
  const folder = join(lakeDir, DLQ_LEDGER_FOLDER);
  await makeDirectory(folder);
  const name = createHash('sha256').update(text).digest('hex').slice(0, 32);
  await writeFile(join(folder, `${name}.jsonl`), text);
}
