/**
 * Glue table definitions for the lake, derived from the same field specs as the Parquet files
 * (stream/events/schemas.ts, sinks/lake/lakeTables.ts), so the catalog cannot drift from what the
 * writer puts in S3.
 *
 * Plain data, no CDK: the shape is CloudFormation's `AWS::Glue::Table` TableInput (camelCase),
 * which the CDK construct passes through as is and which maps one to one onto the Glue API's
 * TableInput for code that creates tables at run time.
 *
 * Partitions are projected (https://docs.aws.amazon.com/athena/latest/ug/partition-projection-supported-types.html):
 * `dt` is a date in `yyyy-MM-dd` and `hour` an integer 0-23 written with two digits, exactly as
 * sinks/lake/partitionedTable.ts names the folders (`dt=2026-11-01/hour=07`), so Athena never
 * needs MSCK REPAIR or a crawler. A leading partition (the DLQ's `reason_class`) is an enum of
 * its closed set of values.
 */
import { EVENT_TYPES, fieldSpecs, type FieldSpec } from '../../../stream/events/schemas.ts';
import { METRICS_TABLE, REJECTED_PARTITION, REJECTED_TABLE, metricFields, rejectedFields } from '../../../sinks/lake/lakeTables.ts';
import { LINEAGE_TABLE, lineageFields } from '../../../sinks/lake/lineage.ts';

export interface GlueColumn {
  name: string;
  type: string;
  comment?: string;
}

export interface GlueTableDefinition {
  name: string;
  description: string;
  tableType: 'EXTERNAL_TABLE';
  parameters: Record<string, string>;
  partitionKeys: GlueColumn[];
  storageDescriptor: {
    columns: GlueColumn[];
    location: string;
    inputFormat: string;
    outputFormat: string;
    serdeInfo: { serializationLibrary: string; parameters: Record<string, string> };
  };
}

/** A lake folder and the name analysts query it by (the same names as `adstream query`'s views). */
export interface LakeTableSpec {
  /** Table name in Glue/Athena, e.g. `impressions`. */
  name: string;
  /** Folder under the lake prefix, e.g. `impression` or `_rejected`. */
  folder: string;
  fields: readonly FieldSpec[];
  description: string;
  /** A partition before dt/hour, e.g. `reason_class=json_syntax/`. */
  leadingPartition?: { key: string; values: readonly string[]; comment: string };
}

export const LAKE_TABLE_SPECS: readonly LakeTableSpec[] = [
  ...EVENT_TYPES.map((type) => ({ name: `${type}s`, folder: type, fields: fieldSpecs[type], description: `${type} events, one row per accepted, deduplicated event` })),
  {
    name: 'rejected',
    folder: REJECTED_TABLE,
    fields: rejectedFields,
    description: 'the DLQ: every rejected record with its reason and raw bytes (base64)',
    leadingPartition: { key: REJECTED_PARTITION.key, values: REJECTED_PARTITION.values, comment: 'class of the reason code: the part before any ":"' },
  },
  { name: 'metrics', folder: METRICS_TABLE, fields: metricFields, description: 'metric events of closed event-time windows, long form' },
  { name: 'lineage', folder: LINEAGE_TABLE, fields: lineageFields, description: 'lineage log: one row per lake object written, with its source range, size and SHA-256' },
];

/** Hive/Athena types of the field kinds; timestamps are Parquet TIMESTAMP_MILLIS, read as `timestamp`. */
export const GLUE_TYPES: Record<FieldSpec['kind'], string> = {
  string: 'string',
  long: 'bigint',
  int: 'int',
  double: 'double',
  boolean: 'boolean',
  timestamp_ms: 'timestamp',
};

export function glueColumns(fields: readonly FieldSpec[]): GlueColumn[] {
  return fields.map((field) => ({ name: field.name, type: GLUE_TYPES[field.kind], ...(field.nullable ? { comment: 'nullable' } : {}) }));
}

export interface GlueTableOptions {
  /** Lake root, `s3://bucket/prefix/` (with or without the trailing slash; tokens allowed). */
  lakeLocation: string;
  /** First day the date projection covers, `yyyy-MM-dd`. @default '2024-01-01' */
  firstDay?: string;
}

export function glueTableDefinition(spec: LakeTableSpec, options: GlueTableOptions): GlueTableDefinition {
  const root = options.lakeLocation.endsWith('/') ? options.lakeLocation : `${options.lakeLocation}/`;
  const location = `${root}${spec.folder}/`;
  const leading = spec.leadingPartition;
  const leadingFolder = leading ? `${leading.key}=\${${leading.key}}/` : '';
  return {
    name: spec.name,
    description: `adstream lake: ${spec.description}`,
    tableType: 'EXTERNAL_TABLE',
    parameters: {
      EXTERNAL: 'TRUE',
      classification: 'parquet',
      'projection.enabled': 'true',
      'projection.dt.type': 'date',
      'projection.dt.format': 'yyyy-MM-dd',
      'projection.dt.range': `${options.firstDay ?? '2024-01-01'},NOW`,
      'projection.dt.interval': '1',
      'projection.dt.interval.unit': 'DAYS',
      'projection.hour.type': 'integer',
      'projection.hour.range': '0,23',
      'projection.hour.digits': '2',
      ...(leading ? { [`projection.${leading.key}.type`]: 'enum', [`projection.${leading.key}.values`]: leading.values.join(',') } : {}),
      'storage.location.template': `${location}${leadingFolder}dt=\${dt}/hour=\${hour}/`,
    },
    partitionKeys: [
      ...(leading ? [{ name: leading.key, type: 'string', comment: leading.comment }] : []),
      { name: 'dt', type: 'string', comment: 'UTC day of the partition time, yyyy-MM-dd' },
      { name: 'hour', type: 'int', comment: 'UTC hour of the partition time, 0-23' },
    ],
    storageDescriptor: {
      columns: glueColumns(spec.fields),
      location,
      inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
      outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
      serdeInfo: { serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe', parameters: { 'serialization.format': '1' } },
    },
  };
}

/** Every lake table's definition. */
export const lakeGlueTables = (options: GlueTableOptions): GlueTableDefinition[] => LAKE_TABLE_SPECS.map((spec) => glueTableDefinition(spec, options));
