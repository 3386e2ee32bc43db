/**
 * The Glue tables must describe what the lake writer actually puts in S3. The expectations are
 * hand-written from the Avro schema of a click and Athena's type names, and the folder layout is
 * checked against a file really written by the lake writer (sinks/lake), whose Parquet schema is
 * read back with DuckDB as the independent reader.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { glueTableDefinition, lakeGlueTables, LAKE_TABLE_SPECS } from '../../../infra/lib/catalog/glueColumns.ts';
import { lakeTables } from '../../../sinks/lake/lakeTables.ts';
import { REJECTION_REASON_CLASSES } from '../../../stream/events/rejectionReasons.ts';
import { LocalDirStore } from '../../../sinks/objectStore/localDirStore.ts';
import { createParquetEncoder } from '../../../sinks/parquet/encoder.ts';
import { LAKE_VIEWS } from '../../../sinks/query/lakeQuery.ts';

const LAKE = 's3://my-lake/adstream/';
const clicksSpec = LAKE_TABLE_SPECS.find((spec) => spec.name === 'clicks')!;

describe('glueTableDefinition', () => {
  const clicks = glueTableDefinition(clicksSpec, { lakeLocation: LAKE });

  it('lists the click columns in schema order with Athena types', () => {
    expect(clicks.storageDescriptor.columns.map((c) => `${c.name} ${c.type}`)).toEqual([
      'event_id string',
      'event_time timestamp',
      'campaign_id string',
      'ad_id string',
      'publisher_id string',
      'site_id string',
      'placement string',
      'country string',
      'device_type string',
      'user_id string',
      'impression_id string',
      'cost_micros bigint',
    ]);
  });

  it('maps int, boolean and double kinds (bid requests, metrics)', () => {
    const bids = lakeGlueTables({ lakeLocation: LAKE }).find((t) => t.name === 'bid_requests')!;
    const type = (name: string) => bids.storageDescriptor.columns.find((c) => c.name === name)?.type;
    expect([type('won'), type('bidder_latency_ms'), type('floor_micros')]).toEqual(['boolean', 'int', 'bigint']);
    const metrics = lakeGlueTables({ lakeLocation: LAKE }).find((t) => t.name === 'metrics')!;
    expect(metrics.storageDescriptor.columns.find((c) => c.name === 'value')?.type).toBe('double');
  });

  it('marks the nullable impression auction_id', () => {
    const impressions = lakeGlueTables({ lakeLocation: LAKE }).find((t) => t.name === 'impressions')!;
    expect(impressions.storageDescriptor.columns.find((c) => c.name === 'auction_id')?.comment).toBe('nullable');
    expect(impressions.storageDescriptor.columns.find((c) => c.name === 'event_id')?.comment).toBeUndefined();
  });

  it('projects dt as a yyyy-MM-dd date and hour as a two-digit integer 0-23', () => {
    expect(clicks.partitionKeys.map((k) => `${k.name} ${k.type}`)).toEqual(['dt string', 'hour int']);
    expect(clicks.parameters).toMatchObject({
      'projection.enabled': 'true',
      'projection.dt.type': 'date',
      'projection.dt.format': 'yyyy-MM-dd',
      'projection.dt.range': '2024-01-01,NOW',
      'projection.dt.interval.unit': 'DAYS',
      'projection.hour.type': 'integer',
      'projection.hour.range': '0,23',
      'projection.hour.digits': '2',
      'storage.location.template': 's3://my-lake/adstream/click/dt=${dt}/hour=${hour}/',
      classification: 'parquet',
    });
    expect(clicks.storageDescriptor.location).toBe('s3://my-lake/adstream/click/');
    expect(clicks.storageDescriptor.serdeInfo.serializationLibrary).toBe('org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe');
  });

  it('partitions the DLQ by reason class first, projected as an enum of the closed set of classes', () => {
    const rejected = lakeGlueTables({ lakeLocation: LAKE }).find((t) => t.name === 'rejected')!;
    expect(rejected.partitionKeys.map((k) => `${k.name} ${k.type}`)).toEqual(['reason_class string', 'dt string', 'hour int']);
    expect(rejected.parameters).toMatchObject({
      'projection.reason_class.type': 'enum',
      'projection.dt.type': 'date',
      'projection.hour.type': 'integer',
      'storage.location.template': 's3://my-lake/adstream/_rejected/reason_class=${reason_class}/dt=${dt}/hour=${hour}/',
    });
    expect(rejected.parameters['projection.reason_class.values'].split(',')).toEqual([...REJECTION_REASON_CLASSES]);
    // A partition key that is also a column would be shadowed by the folder value.
    expect(rejected.storageDescriptor.columns.map((c) => c.name)).not.toContain('reason_class');
    expect(clicks.partitionKeys.map((k) => k.name)).not.toContain('reason_class');
    expect(Object.keys(clicks.parameters).filter((k) => k.startsWith('projection.reason_class'))).toEqual([]);
  });

  it('adds the trailing slash to a lake location without one, and takes the first projected day', () => {
    const table = glueTableDefinition(clicksSpec, { lakeLocation: 's3://b/p', firstDay: '2026-01-01' });
    expect(table.storageDescriptor.location).toBe('s3://b/p/click/');
    expect(table.parameters['projection.dt.range']).toBe('2026-01-01,NOW');
  });

  it('has one table per lake folder, named like the local query views', () => {
    const tables = lakeGlueTables({ lakeLocation: LAKE });
    expect(tables.map((t) => [t.name, t.storageDescriptor.location])).toEqual([
      ['impressions', `${LAKE}impression/`],
      ['clicks', `${LAKE}click/`],
      ['conversions', `${LAKE}conversion/`],
      ['bid_requests', `${LAKE}bid_request/`],
      ['rejected', `${LAKE}_rejected/`],
      ['metrics', `${LAKE}_metrics/`],
      ['lineage', `${LAKE}_lineage/`],
    ]);
    // `adstream query` (DuckDB) and Athena must accept the same SQL: same names, same folders.
    expect(LAKE_VIEWS.map((v) => [v.view, `${LAKE}${v.table}/`])).toEqual(tables.map((t) => [t.name, t.storageDescriptor.location]));
  });
});

describe('a file written by the lake writer', () => {
  let dir: string;
  let key: string;
  let rejectedKeys: string[];
  let described: { column_name: string; column_type: string }[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'adstream-glue-'));
    const encoder = createParquetEncoder('direct');
    const tables = lakeTables(new LocalDirStore(dir), encoder);
    // 2026-11-01 07:59:59.999 UTC: the last millisecond of hour 07.
    const eventTime = Date.UTC(2026, 10, 1, 7, 59, 59, 999);
    const [written] = await tables.events.click.write('shard-0-000001', [
      {
        event_id: 'e1', event_time: eventTime, campaign_id: 'c', ad_id: 'a', publisher_id: 'p', site_id: 's',
        placement: 'banner_top', country: 'DE', device_type: 'mobile', user_id: 'u', impression_id: 'i', cost_micros: 10,
      },
    ]);
    const rejected = await tables.rejected.write('shard-0-000001', [
      { reason: 'missing_field:campaign_id', detail: '', stream: 's', shard_id: 'shard-0', sequence_number: '1', partition_key: 'k', arrival_time: eventTime, raw_base64: '' },
    ]);
    await encoder.close?.();
    key = written.key;
    rejectedKeys = rejected.map((file) => file.key);
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const reader = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${join(dir, key)}', hive_partitioning = false)`);
    described = reader.getRowObjectsJS() as unknown as typeof described;
    connection.closeSync();
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('sits where the projection template points for its dt and hour', () => {
    const template = glueTableDefinition(clicksSpec, { lakeLocation: 's3://lake/' }).parameters['storage.location.template'];
    const folder = template.replace('${dt}', '2026-11-01').replace('${hour}', String(7).padStart(2, '0'));
    expect(`s3://lake/${key}`.startsWith(folder)).toBe(true);
    expect(folder).toBe('s3://lake/click/dt=2026-11-01/hour=07/');
  });

  it('a rejected record sits where the DLQ template points for its reason class, dt and hour', () => {
    const rejectedSpec = LAKE_TABLE_SPECS.find((spec) => spec.name === 'rejected')!;
    const template = glueTableDefinition(rejectedSpec, { lakeLocation: 's3://lake/' }).parameters['storage.location.template'];
    const folder = template.replace('${reason_class}', 'missing_field').replace('${dt}', '2026-11-01').replace('${hour}', '07');
    expect(rejectedKeys.map((k) => `s3://lake/${k}`)).toEqual([`${folder}shard-0-000001.parquet`]);
    expect(folder).toBe('s3://lake/_rejected/reason_class=missing_field/dt=2026-11-01/hour=07/');
  });

  it('has the Parquet types the Glue columns claim', () => {
    // DuckDB's names for the Parquet logical types, against the Athena (Hive) names.
    const hiveOf: Record<string, string> = { VARCHAR: 'string', BIGINT: 'bigint', INTEGER: 'int', BOOLEAN: 'boolean', DOUBLE: 'double', 'TIMESTAMP': 'timestamp', 'TIMESTAMP WITH TIME ZONE': 'timestamp' };
    const fromFile = described.map((c) => `${c.column_name} ${hiveOf[c.column_type] ?? c.column_type}`);
    const fromGlue = glueTableDefinition(clicksSpec, { lakeLocation: LAKE }).storageDescriptor.columns.map((c) => `${c.name} ${c.type}`);
    expect(fromFile).toEqual(fromGlue);
  });
});
