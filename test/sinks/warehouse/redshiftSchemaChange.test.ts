/**
 * Upgrading adstream over a Redshift warehouse that an older version created: the metrics table
 * there lacks `key_dimensions`, added to the lake's metrics files later (last and nullable). COPY
 * maps Parquet columns by position, so the loader must add the column before it loads newer files,
 * and must still load the older files, which lack it. On the wire, against the Data API double,
 * which holds the tables' columns and refuses a COPY whose file and table column counts differ.
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3Client } from '../../../stream/aws/clients.ts';
import { startLocalServices, type LocalServices } from '../../../stream/local/embeddedServices.ts';
import { METRICS_TABLE, metricFields, type MetricRow } from '../../../sinks/lake/lakeTables.ts';
import { PartitionedTable } from '../../../sinks/lake/partitionedTable.ts';
import { S3Store } from '../../../sinks/objectStore/s3Store.ts';
import { createParquetEncoder } from '../../../sinks/parquet/encoder.ts';
import { s3Lister } from '../../../sinks/warehouse/lakeFiles.ts';
import { RedshiftDataApi } from '../../../sinks/warehouse/redshiftDataApi.ts';
import { RedshiftWarehouse } from '../../../sinks/warehouse/redshiftWarehouse.ts';
import { loadWarehouse } from '../../../sinks/warehouse/warehouseLoader.ts';
import { WAREHOUSE_TABLES, createTableSql } from '../../../sinks/warehouse/warehouseTables.ts';
import { startRedshiftDataDouble, type RedshiftDataDouble } from './redshiftDataDouble.ts';

const BUCKET = 'adstream-redshift-upgrade';
const PREFIX = 'lake/';
const HOUR = Date.UTC(2026, 10, 1, 6);
/** The metrics columns of the version before `key_dimensions`, in order. */
const OLD_METRIC_FIELDS = metricFields.filter((f) => f.name !== 'key_dimensions');

let services: LocalServices;
let s3: S3Client;
const doubles: RedshiftDataDouble[] = [];
const clients: RedshiftDataClient[] = [];
const rowsByKey = new Map<string, number>();

function metricRow(minute: number, withDimensions: boolean): MetricRow {
  const start = HOUR + minute * 60_000;
  return {
    window_start: start,
    window_end: start + 60_000,
    key: 'campaign=c1',
    campaign_id: 'c1',
    event_type: null,
    shard_id: 'shardId-000000000000',
    metric: 'events',
    value: 10 + minute,
    watermark: start + 90_000,
    ...(withDimensions ? { key_dimensions: 'campaign' } : {}),
  };
}

async function fetchObject(url: string): Promise<Uint8Array | undefined> {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  if (!match) return undefined;
  const object = await s3.send(new GetObjectCommand({ Bucket: match[1], Key: match[2] })).catch(() => undefined);
  return object?.Body?.transformToByteArray();
}

async function startDouble(tables: Record<string, string[]>): Promise<{ double: RedshiftDataDouble; warehouse: RedshiftWarehouse }> {
  const double = await startRedshiftDataDouble({ fetchObject, rowsOf: (keys) => keys.reduce((n, k) => n + rowsByKey.get(k)!, 0), tables });
  doubles.push(double);
  const client = new RedshiftDataClient({ region: 'us-east-1', endpoint: double.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  clients.push(client);
  const api = new RedshiftDataApi(client, { database: 'dev', workgroupName: 'adstream' }, { sleep: async () => {} });
  const store = new S3Store(s3, BUCKET, PREFIX);
  return { double, warehouse: new RedshiftWarehouse({ api, store, lake: s3Lister(s3, BUCKET, PREFIX), iamRoleArn: 'arn:aws:iam::123456789012:role/copy' }) };
}

beforeAll(async () => {
  services = await startLocalServices({ buckets: [BUCKET] });
  s3 = s3Client({ region: 'us-east-1', s3Endpoint: services.endpoints.s3Endpoint });
  const store = new S3Store(s3, BUCKET, PREFIX);
  const encoder = createParquetEncoder('hyparquet');
  // Written by the older version (nine columns), then by this one (ten), as a lake upgraded in place.
  const older = new PartitionedTable<MetricRow>(store, encoder, METRICS_TABLE, OLD_METRIC_FIELDS, (r) => r.window_start);
  const newer = new PartitionedTable<MetricRow>(store, encoder, METRICS_TABLE, metricFields, (r) => r.window_start);
  for (const file of await older.write('shard-0-before-upgrade', [0, 1, 2].map((m) => metricRow(m, false)))) rowsByKey.set(file.key, file.rows);
  for (const file of await newer.write('shard-0-after-upgrade', [3, 4].map((m) => metricRow(m, true)))) rowsByKey.set(file.key, file.rows);
}, 60_000);

afterAll(async () => {
  for (const client of clients) client.destroy();
  for (const double of doubles) await double.close();
  await services?.stop();
});

describe('Redshift tables made by an older version', () => {
  it('gain the new nullable column, and files from before and after it both load', async () => {
    const oldTables = Object.fromEntries(WAREHOUSE_TABLES.map((t) => [t.name, (t.name === 'metrics' ? OLD_METRIC_FIELDS : t.fields).map((f) => f.name)]));
    const { double, warehouse } = await startDouble(oldTables);
    const reports = await loadWarehouse(s3Lister(s3, BUCKET, PREFIX), warehouse);

    const alters = double.requests.flatMap((r) => (r.operation === 'BatchExecuteStatement' ? (r.body.Sqls as string[]) : [])).filter((s) => s.startsWith('ALTER TABLE'));
    expect(alters).toEqual(['ALTER TABLE metrics ADD COLUMN key_dimensions VARCHAR(65535)']);
    expect(double.tables.get('metrics')).toEqual(metricFields.map((f) => f.name));
    // Both files in, three rows from before the upgrade and two after.
    expect(reports.find((r) => r.table === 'metrics')).toMatchObject({ files: 2, loadedFiles: 2, rows: 5 });
    expect(double.loaded.size).toBe(2);
  });

  it('are left alone when they already have every column', async () => {
    const { double, warehouse } = await startDouble({});
    await warehouse.ensureTables(WAREHOUSE_TABLES);
    await warehouse.ensureTables(WAREHOUSE_TABLES);
    const sqls = double.requests.flatMap((r) => (r.operation === 'BatchExecuteStatement' ? (r.body.Sqls as string[]) : []));
    expect(sqls.filter((s) => s.startsWith('ALTER TABLE'))).toEqual([]);
    expect(double.tables.get('metrics')).toEqual(metricFields.map((f) => f.name));
  });

  it('lacking a NOT NULL column are refused in one sentence that says what to do', async () => {
    const metrics = WAREHOUSE_TABLES.find((t) => t.name === 'metrics')!;
    const { warehouse } = await startDouble({ metrics: metricFields.filter((f) => f.name !== 'metric').map((f) => f.name) });
    await expect(warehouse.ensureTables([metrics])).rejects.toThrow('the warehouse table metrics has no column metric, which cannot be added because it is NOT NULL; recreate the table');
    expect(createTableSql(metrics, 'redshift')).toContain('  metric VARCHAR(256) NOT NULL,');
  });
});
