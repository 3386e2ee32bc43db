/**
 * The lineage log: a row per lake object written, saying where its rows came from (stream,
 * shard, first and last sequence number), where it went, how many rows and bytes, and its
 * SHA-256. It is a lake table like the others (`_lineage/`, view `lineage`), written in the same
 * commit as the objects it describes and under the same deterministic name, so a re-processed
 * batch rewrites its lineage rows instead of adding new ones.
 *
 * `source_time` is the arrival time of the batch's last record, not the wall clock: lineage must
 * be identical when a batch is re-processed or replayed.
 */
import type { FieldSpec } from '../../stream/events/schemas.ts';
import type { WrittenFile } from './partitionedTable.ts';

export const LINEAGE_TABLE = '_lineage';

export const lineageFields: FieldSpec[] = [
  { name: 'object_key', kind: 'string', nullable: false },
  { name: 'location', kind: 'string', nullable: false },
  { name: 'action', kind: 'string', nullable: false },
  { name: 'table_name', kind: 'string', nullable: false },
  { name: 'stream', kind: 'string', nullable: false },
  { name: 'shard_id', kind: 'string', nullable: false },
  { name: 'first_sequence_number', kind: 'string', nullable: true },
  { name: 'last_sequence_number', kind: 'string', nullable: true },
  { name: 'rows', kind: 'long', nullable: false },
  { name: 'bytes', kind: 'long', nullable: false },
  { name: 'sha256', kind: 'string', nullable: false },
  { name: 'source_time', kind: 'timestamp_ms', nullable: false },
];

export type LineageRow = Record<string, unknown> & { source_time: number };

export interface LineageSource {
  stream: string;
  shardId: string;
  firstSequenceNumber: string | undefined;
  lastSequenceNumber: string | undefined;
  sourceTime: number;
}

export function lineageRows(files: readonly WrittenFile[], location: string, source: LineageSource): LineageRow[] {
  return files.map((file) => ({
    object_key: file.key,
    location,
    action: 'PUT',
    table_name: file.key.slice(0, file.key.indexOf('/')),
    stream: source.stream,
    shard_id: source.shardId,
    first_sequence_number: source.firstSequenceNumber ?? null,
    last_sequence_number: source.lastSequenceNumber ?? null,
    rows: file.rows,
    bytes: file.bytes,
    sha256: file.sha256,
    source_time: source.sourceTime,
  }));
}
