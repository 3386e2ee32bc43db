/**
 * The lake's tables: one per event type (columns derived from the Avro schemas), the DLQ of
 * rejected records (partitioned by reason class first), and the metric events of closed windows.
 */
import { REJECTION_REASON_CLASSES, reasonClass } from '../../stream/events/rejectionReasons.ts';
import { EVENT_TYPES, fieldSpecs, type EventType, type FieldSpec } from '../../stream/events/schemas.ts';
import type { ParquetEncoder } from '../parquet/encoder.ts';
import type { ObjectStore } from '../objectStore/objectStore.ts';
import { LINEAGE_TABLE, lineageFields, type LineageRow } from './lineage.ts';
import { PartitionedTable, type LeadingPartition } from './partitionedTable.ts';

export const REJECTED_TABLE = '_rejected';
export const METRICS_TABLE = '_metrics';

/** A rejected record keeps its raw bytes (base64) so it can be fixed and replayed. */
export const rejectedFields: FieldSpec[] = [
  { name: 'reason', kind: 'string', nullable: false },
  { name: 'detail', kind: 'string', nullable: false },
  { name: 'stream', kind: 'string', nullable: false },
  { name: 'shard_id', kind: 'string', nullable: false },
  { name: 'sequence_number', kind: 'string', nullable: false },
  { name: 'partition_key', kind: 'string', nullable: false },
  { name: 'arrival_time', kind: 'timestamp_ms', nullable: false },
  { name: 'raw_base64', kind: 'string', nullable: false },
  // Added later, so last and nullable: files written before lack them, and Redshift's COPY maps
  // Parquet columns by position.
  /** A KPL sub-record's index within its aggregate (the record is sequence_number's alone otherwise). */
  { name: 'sub_sequence_number', kind: 'int', nullable: true },
  /** A KPL sub-record's explicit hash key, which routes it back to its shard on a re-drive. */
  { name: 'explicit_hash_key', kind: 'string', nullable: true },
];

/**
 * Metric events in long form: one row per window, key and metric name. Keys of several groupings
 * share the table (a campaign's window and its campaign-and-type windows hold the same events),
 * so `key_dimensions` names the key's dimensions (`campaign`, `campaign,type`, `quality,shard`, …)
 * and a query sums within one of them, not across. Every row is one shard's partial window, so a
 * stream-wide figure sums over `shard_id`: the shard that wrote the row (for `quality` rows, the
 * shard whose records they count, which after a split may be the writer's parent). Rows written
 * before these were kept have no `key_dimensions` and, for campaign keys, no `shard_id`.
 */
export const metricFields: FieldSpec[] = [
  { name: 'window_start', kind: 'timestamp_ms', nullable: false },
  { name: 'window_end', kind: 'timestamp_ms', nullable: false },
  { name: 'key', kind: 'string', nullable: false },
  { name: 'campaign_id', kind: 'string', nullable: true },
  { name: 'event_type', kind: 'string', nullable: true },
  { name: 'shard_id', kind: 'string', nullable: true },
  { name: 'metric', kind: 'string', nullable: false },
  { name: 'value', kind: 'double', nullable: false },
  { name: 'watermark', kind: 'timestamp_ms', nullable: false },
  // Added later, so last and nullable (see rejectedFields). Not `grouping`: Trino reserves it.
  { name: 'key_dimensions', kind: 'string', nullable: true },
];

export type RejectedRow = Record<string, unknown> & { reason: string; arrival_time: number };

/**
 * `_rejected/reason_class=<class>/dt=.../hour=...`: the full code stays in the `reason` column;
 * the folder holds its class, a closed set, so Athena can project it as an enum.
 */
export const REJECTED_PARTITION: LeadingPartition<RejectedRow> = {
  key: 'reason_class',
  values: REJECTION_REASON_CLASSES,
  of: (row) => reasonClass(row.reason),
};
export type MetricRow = Record<string, unknown> & { window_start: number };
/**
 * The metrics table takes a row per metric event, its `values` (name → value) in place of `metric`
 * and `value`, and stores one per value: the encoder builds the long form (encoder.ts: LongForm).
 */
export const METRICS_LONG_FORM = { entries: 'values', name: 'metric', value: 'value' } as const;
export type EventRow = Record<string, unknown> & { event_time: number };

export interface LakeTables {
  events: Record<EventType, PartitionedTable<EventRow>>;
  rejected: PartitionedTable<RejectedRow>;
  metrics: PartitionedTable<MetricRow>;
  lineage: PartitionedTable<LineageRow>;
  /** Where the tables live (a directory or s3://bucket/prefix/), for lineage rows. */
  location: string;
  /** The store the tables are in, for what reads across them (a worker's first look at the lake). */
  store: ObjectStore;
}

export function lakeTables(store: ObjectStore, encoder: ParquetEncoder): LakeTables {
  const events = Object.fromEntries(
    EVENT_TYPES.map((type) => [
      type,
      new PartitionedTable<EventRow>(store, encoder, type, fieldSpecs[type], (row) => row.event_time),
    ]),
  ) as Record<EventType, PartitionedTable<EventRow>>;
  return {
    events,
    rejected: new PartitionedTable<RejectedRow>(store, encoder, REJECTED_TABLE, rejectedFields, (r) => r.arrival_time, REJECTED_PARTITION),
    metrics: new PartitionedTable<MetricRow>(store, encoder, METRICS_TABLE, metricFields, (r) => r.window_start, undefined, METRICS_LONG_FORM),
    lineage: new PartitionedTable<LineageRow>(store, encoder, LINEAGE_TABLE, lineageFields, (r) => r.source_time),
    location: store.location,
    store,
  };
}
