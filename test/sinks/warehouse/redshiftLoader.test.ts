/**
 * The Redshift path of the warehouse loader, end to end on the wire: a lake on s3rver (real S3
 * protocol), manifests written there, and the real RedshiftDataClient talking to a double of the
 * Data API that decodes its requests, reads the manifests like COPY does, and keeps a load table.
 */
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { s3Client } from '../../../stream/aws/clients.ts';
import { decodeRecord } from '../../../stream/events/wire.ts';
import { EVENT_TYPES, type EventType } from '../../../stream/events/schemas.ts';
import { generateTraffic } from '../../../stream/generator/index.ts';
import { startLocalServices, type LocalServices } from '../../../stream/local/embeddedServices.ts';
import { lakeTables, type EventRow } from '../../../sinks/lake/lakeTables.ts';
import { S3Store } from '../../../sinks/objectStore/s3Store.ts';
import { createParquetEncoder } from '../../../sinks/parquet/encoder.ts';
import { s3Lister } from '../../../sinks/warehouse/lakeFiles.ts';
import { RedshiftDataApi, RedshiftStatementError } from '../../../sinks/warehouse/redshiftDataApi.ts';
import { RedshiftWarehouse } from '../../../sinks/warehouse/redshiftWarehouse.ts';
import { loadWarehouse } from '../../../sinks/warehouse/warehouseLoader.ts';
import { WAREHOUSE_TABLES } from '../../../sinks/warehouse/warehouseTables.ts';
import { startRedshiftDataDouble, type RedshiftDataDouble } from './redshiftDataDouble.ts';

const BUCKET = 'adstream-redshift-lake';
const PREFIX = 'lake/';
const ROLE = 'arn:aws:iam::123456789012:role/adstream-redshift-copy';
const POLL_MS = 250;

let services: LocalServices;
let s3: S3Client;
let store: S3Store;
let double: RedshiftDataDouble;
let client: RedshiftDataClient;
const rowsByKey = new Map<string, number>();
const expectedRows = Object.fromEntries(EVENT_TYPES.map((t) => [t, 0])) as Record<EventType, number>;
let sleeps: number[];

async function fetchObject(url: string): Promise<Uint8Array | undefined> {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  if (!match) return undefined;
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: match[1], Key: match[2] }));
    return await object.Body!.transformToByteArray();
  } catch {
    return undefined;
  }
}

/** Every object under a table folder, with its size, by our own ListObjectsV2 call. */
async function objectsOf(type: string): Promise<Map<string, number>> {
  const page = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${PREFIX}${type}/` }));
  return new Map((page.Contents ?? []).map((o) => [`s3://${BUCKET}/${o.Key!}`, o.Size!]));
}

/** Writes valid generator events of a time slice to the lake as a worker would, one file name per slice. */
async function writeLake(fileName: string, from: number, to: number): Promise<void> {
  const run = generateTraffic({ seed: 5, durationMs: 2 * 3_600_000, campaigns: 4, publishers: 3, impressionsPerMinute: 60, anomalies: [] });
  const encoder = createParquetEncoder('hyparquet');
  const tables = lakeTables(store, encoder);
  const byType = new Map<EventType, EventRow[]>();
  for (const record of run.records) {
    if (record.truth.kind !== 'valid' || record.truth.eventTime < from || record.truth.eventTime >= to) continue;
    const decoded = decodeRecord(record.data, { arrivalTime: Number.MAX_SAFE_INTEGER, maxFutureSkewMs: 0 });
    if (!decoded.ok) throw new Error(decoded.rejection.reason);
    const rows = byType.get(decoded.event.type) ?? [];
    rows.push(decoded.event.body as unknown as EventRow);
    byType.set(decoded.event.type, rows);
  }
  for (const [type, rows] of byType) {
    expectedRows[type] += rows.length;
    for (const file of await tables.events[type].write(fileName, rows)) rowsByKey.set(file.key, file.rows);
  }
}

function warehouse(): RedshiftWarehouse {
  const api = new RedshiftDataApi(client, { database: 'dev', workgroupName: 'adstream' }, { sleep: async (ms) => void sleeps.push(ms), pollIntervalMs: POLL_MS });
  return new RedshiftWarehouse({ api, store, lake: s3Lister(s3, BUCKET, PREFIX), iamRoleArn: ROLE });
}

const batches = () => double.requests.filter((r) => r.operation === 'BatchExecuteStatement').map((r) => r.body.Sqls as string[]);
const loadBatches = () => batches().filter((sqls) => sqls.some((s) => s.startsWith('COPY ')));

beforeAll(async () => {
  services = await startLocalServices({ buckets: [BUCKET] });
  s3 = s3Client({ region: 'us-east-1', s3Endpoint: services.endpoints.s3Endpoint });
  store = new S3Store(s3, BUCKET, PREFIX);
  const start = Date.UTC(2026, 10, 1, 0, 0, 0);
  await writeLake('shard-0-first', start, start + 3_600_000);
  await writeLake('shard-0-second', start + 3_600_000, start + 2 * 3_600_000);
  double = await startRedshiftDataDouble({ fetchObject, rowsOf: (keys) => keys.reduce((n, k) => n + rowsByKey.get(k)!, 0) });
  client = new RedshiftDataClient({ region: 'us-east-1', endpoint: double.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
}, 60_000);

afterAll(async () => {
  client?.destroy();
  await double?.close();
  await services?.stop();
});

beforeEach(() => {
  sleeps = [];
});

describe('Redshift loader through the Data API', () => {
  it('creates the tables from the schemas, distributed by campaign and sorted by event time', async () => {
    await warehouse().ensureTables(WAREHOUSE_TABLES);
    const [sqls] = batches();
    const impressions = sqls.find((s) => s.startsWith('CREATE TABLE IF NOT EXISTS impressions '))!;
    // Written out by hand from the Avro schema of an impression, in field order (COPY maps Parquet columns by position).
    expect(impressions).toBe(
      [
        'CREATE TABLE IF NOT EXISTS impressions (',
        '  event_id VARCHAR(256) NOT NULL,',
        '  event_time TIMESTAMP NOT NULL,',
        '  campaign_id VARCHAR(256) NOT NULL,',
        '  ad_id VARCHAR(256) NOT NULL,',
        '  publisher_id VARCHAR(256) NOT NULL,',
        '  site_id VARCHAR(256) NOT NULL,',
        '  placement VARCHAR(256) NOT NULL,',
        '  country VARCHAR(256) NOT NULL,',
        '  device_type VARCHAR(256) NOT NULL,',
        '  user_id VARCHAR(256) NOT NULL,',
        '  auction_id VARCHAR(256),',
        '  cost_micros BIGINT NOT NULL',
        ')',
        'DISTKEY(campaign_id)',
        'SORTKEY(event_time)',
      ].join('\n'),
    );
    const bids = sqls.find((s) => s.startsWith('CREATE TABLE IF NOT EXISTS bid_requests '))!;
    expect(bids).toContain('  won BOOLEAN NOT NULL,\n  bidder_latency_ms INTEGER NOT NULL\n)\nDISTKEY(campaign_id)\nSORTKEY(event_time)');
    expect(sqls.filter((s) => /DISTKEY\(campaign_id\)\nSORTKEY\(event_time\)$/.test(s))).toHaveLength(4);
    expect(sqls.find((s) => s.startsWith('CREATE TABLE IF NOT EXISTS metrics '))).toMatch(/\n {2}value DOUBLE PRECISION NOT NULL,\n[^]*SORTKEY\(window_start\)$/);
    // A metric's key joins its dimensions' escaped values: a 256-byte campaign id makes it longer
    // than any one id, and COPY fails on a value wider than its column, on every rerun.
    expect(sqls.find((s) => s.startsWith('CREATE TABLE IF NOT EXISTS metrics '))).toContain('\n  key VARCHAR(65535) NOT NULL,\n');
    expect(sqls.some((s) => s.startsWith('CREATE TABLE IF NOT EXISTS adstream_loaded_files'))).toBe(true);
  });

  it('COPYs every lake file once through manifests that state each file and its size', async () => {
    const reports = await loadWarehouse(s3Lister(s3, BUCKET, PREFIX), warehouse(), { maxFilesPerLoad: 2 });
    // This lake holds events only (written without the pipeline), so metrics stay empty.
    expect(Object.fromEntries(reports.map((r) => [r.table, r.rows]))).toEqual({
      ...Object.fromEntries(EVENT_TYPES.map((t) => [`${t}s`, expectedRows[t]])),
      metrics: 0,
    });
    expect(expectedRows.conversion).toBeGreaterThan(0);

    for (const type of EVENT_TYPES) {
      const objects = await objectsOf(type);
      const copies = loadBatches().filter((sqls) => sqls.some((s) => s.startsWith(`INSERT INTO ${type}s `)));
      const entries = copies.flatMap((sqls) => {
        const copy = sqls.find((s) => s.startsWith('COPY '))!;
        const [, manifestUrl] = /^COPY adstream_load_rows FROM '([^']+)' IAM_ROLE '([^']+)' FORMAT AS PARQUET MANIFEST FILLRECORD$/.exec(copy)!;
        expect(copy).toContain(`IAM_ROLE '${ROLE}'`);
        expect(manifestUrl.startsWith(`s3://${BUCKET}/${PREFIX}_warehouse/manifests/`)).toBe(true);
        return (double.manifests.get(manifestUrl) as { entries: { url: string; mandatory: boolean; meta: { content_length: number } }[] }).entries;
      });
      // Each object of the table in exactly one manifest, with its size as S3 reports it.
      expect(entries.map((e) => e.url).sort()).toEqual([...objects.keys()].sort());
      for (const entry of entries) expect(entry).toEqual({ url: entry.url, mandatory: true, meta: { content_length: objects.get(entry.url) } });
    }
    expect(double.loaded.size).toBe(rowsByKey.size);
    for (const request of double.requests) {
      if (request.operation.endsWith('ExecuteStatement')) expect(request.body).toMatchObject({ Database: 'dev', WorkgroupName: 'adstream' });
    }
    // Statements are asynchronous: the loader waited through the injected sleep, never the clock.
    expect(sleeps.length).toBeGreaterThan(0);
    expect(new Set(sleeps)).toEqual(new Set([POLL_MS]));
  });

  it('loads nothing on a second run: the load table says every file is in', async () => {
    const before = loadBatches().length;
    const reports = await loadWarehouse(s3Lister(s3, BUCKET, PREFIX), warehouse(), { maxFilesPerLoad: 2 });
    expect(loadBatches().length).toBe(before);
    expect(reports.every((r) => r.loadedFiles === 0 && r.alreadyLoaded === r.files)).toBe(true);
    expect(reports.reduce((n, r) => n + r.files, 0)).toBe(rowsByKey.size);
  });

  it('adds nothing when a racing load has recorded the files first', async () => {
    const table = WAREHOUSE_TABLES[0];
    const [key] = [...double.loaded.keys()].filter((k) => k.startsWith(`${table.lakeTable}/`));
    const outcome = await warehouse().load(table, [{ key, bytes: (await objectsOf(table.lakeTable)).get(`s3://${BUCKET}/${PREFIX}${key}`)! }], 'race');
    expect(outcome).toEqual({ loaded: false });
    expect(double.loaded.size).toBe(rowsByKey.size);
  });

  it('surfaces a failed COPY with its statement id, records nothing, and the next run loads the file', async () => {
    const start = Date.UTC(2026, 10, 1, 0, 0, 0);
    const keysBefore = new Set(rowsByKey.keys());
    await writeLake('shard-1-late', start, start + 3_600_000);
    const newKeys = [...rowsByKey.keys()].filter((k) => !keysBefore.has(k));
    double.failNextLoad('Spectrum Scan Error: S3 access denied');
    const failure = await loadWarehouse(s3Lister(s3, BUCKET, PREFIX), warehouse()).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RedshiftStatementError);
    const { statementId, message } = failure as RedshiftStatementError;
    expect(statementId).toMatch(/^[0-9a-f-]{36}$/);
    expect(message).toContain(`Redshift statement ${statementId} FAILED: Spectrum Scan Error: S3 access denied`);
    expect(message).toContain(`sub-statement ${statementId}:6: COPY adstream_load_rows FROM`);
    expect(newKeys.some((k) => double.loaded.has(k))).toBe(false);

    const reports = await loadWarehouse(s3Lister(s3, BUCKET, PREFIX), warehouse());
    expect(reports.reduce((n, r) => n + r.loadedFiles, 0)).toBe(newKeys.length);
    expect(double.loaded.size).toBe(rowsByKey.size);
  });

  it('gives up on a statement still running after maxPolls, naming it so an operator can check it', async () => {
    const api = new RedshiftDataApi(client, { database: 'dev', workgroupName: 'adstream' }, { sleep: async (ms) => void sleeps.push(ms), maxPolls: 1 });
    const failure = await api.rows('SELECT file_key FROM adstream_loaded_files WHERE table_name = :table_name', { table_name: 'clicks' }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RedshiftStatementError);
    expect((failure as RedshiftStatementError).status).toBe('NOT_FINISHED');
    expect((failure as Error).message).toMatch(/^Redshift statement [0-9a-f-]{36} NOT_FINISHED: still running after 1 polls/);
    expect(sleeps).toEqual([500]);
  });

  it('rejects a lake that is not on S3, since COPY reads only from S3', () => {
    const api = new RedshiftDataApi(client, { database: 'dev', workgroupName: 'adstream' }, { sleep: async () => {} });
    const local = { location: '/tmp/lake', list: async () => [], urlOf: (key: string) => `/tmp/lake/${key}` };
    expect(() => new RedshiftWarehouse({ api, store, lake: local, iamRoleArn: ROLE })).toThrow('Redshift loads from S3');
  });
});
