/**
 * S3Store on s3rver: bodies above the threshold go up as a multipart upload with a SHA-256 per
 * part and come back byte for byte; smaller ones are one PUT; a failed upload is aborted.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { MIN_PART_BYTES } from '../../../sinks/objectStore/multipartUpload.ts';
import { S3Store } from '../../../sinks/objectStore/s3Store.ts';
import { LocalDirStore } from '../../../sinks/objectStore/localDirStore.ts';
import { s3Client } from '../../../stream/aws/clients.ts';
import { startLocalServices, type LocalServices } from '../../../stream/local/embeddedServices.ts';

const BUCKET = 'multipart-test';
let services: LocalServices;
let client: S3Client;
/** Each request as it went on the wire: operation, query and the checksum header. */
const wire: { method: string; query: Record<string, unknown>; checksum?: string }[] = [];

beforeAll(async () => {
  services = await startLocalServices({ buckets: [BUCKET] });
  client = s3Client({ region: 'us-east-1', s3Endpoint: services.endpoints.s3Endpoint });
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { method: string; query: Record<string, unknown>; headers: Record<string, string> };
      wire.push({ method: request.method, query: { ...request.query }, checksum: request.headers['x-amz-checksum-sha256'] });
      return next(args);
    },
    { step: 'finalizeRequest', name: 'recordWire' },
  );
});
afterAll(async () => {
  client?.destroy();
  await services?.stop();
});

describe('S3Store', () => {
  it('lists and finds past one page of 1,000 keys (s3rver failed there), stopping at the first page with a match; lists the same keys as a local directory', async () => {
    const store = new S3Store(client, BUCKET, 'found/');
    const localDir = await mkdtemp(join(tmpdir(), 'adstream-find-'));
    onTestFinished(() => rm(localDir, { recursive: true, force: true }));
    const local = new LocalDirStore(localDir);
    // More keys than one ListObjectsV2 page (1,000), the matching one on the second page.
    const keys = Array.from({ length: 1_100 }, (_, i) => `_lineage/dt=2026-11-01/hour=00/a-other-shardId-${String(i).padStart(5, '0')}.parquet`);
    keys[1_050] = '_lineage/dt=2026-11-01/hour=00/ads-shardId-000000000000-1.parquet';
    for (const key of [...keys, 'impression/dt=2026-11-01/hour=00/ads-shardId-000000000000-1.parquet']) await Promise.all([store.put(key, new Uint8Array([1])), local.put(key, new Uint8Array([1]))]);
    const isAds = (key: string) => key.slice(key.lastIndexOf('/') + 1).startsWith('ads-shardId-');
    wire.length = 0;
    expect(await store.find('_lineage/', isAds)).toBe(keys[1_050]);
    expect(wire.filter((request) => request.method === 'GET' && 'prefix' in request.query)).toHaveLength(2);
    expect(await local.find('_lineage/', isAds)).toBe(keys[1_050]);
    expect(await store.find('_lineage/', (key) => key.includes('nobody'))).toBeUndefined();
    expect(await local.find('_lineage/', (key) => key.includes('nobody'))).toBeUndefined();
    expect(await store.list('_lineage/')).toEqual(await local.list('_lineage/'));
    expect(await local.list('_lineage/')).toEqual([...keys].sort());
  });

  it('uploads a body of several parts as a multipart upload with a SHA-256 per part, and it reads back byte for byte', async () => {
    const store = new S3Store(client, BUCKET, 'lake/', { partBytes: MIN_PART_BYTES, multipartThresholdBytes: MIN_PART_BYTES });
    const body = new Uint8Array(randomBytes(2 * MIN_PART_BYTES + 123_457));
    wire.length = 0;
    await store.put('impressions/dt=2026-11-23/hour=11/a.parquet', body);
    const parts = wire.filter((request) => request.method === 'PUT' && 'partNumber' in request.query);
    expect(parts.map((part) => part.query.partNumber)).toEqual(['1', '2', '3']);
    // s3rver stores parts without verifying checksums, so check here that each is the part's own.
    const slices = [0, 1, 2].map((i) => body.subarray(i * MIN_PART_BYTES, (i + 1) * MIN_PART_BYTES));
    expect(parts.map((part) => part.checksum)).toEqual(slices.map((slice) => createHash('sha256').update(slice).digest('base64')));
    expect(wire.filter((request) => request.method === 'POST').map((request) => Object.keys(request.query).sort())).toEqual([['uploads'], ['uploadId']]);
    const back = await store.get('impressions/dt=2026-11-23/hour=11/a.parquet');
    expect(back?.byteLength).toBe(body.byteLength);
    expect(Buffer.from(back!).equals(Buffer.from(body))).toBe(true);
  });

  it('uploads a file on disk in parts read from the file, and it reads back byte for byte', async () => {
    const store = new S3Store(client, BUCKET, 'lake/', { partBytes: MIN_PART_BYTES, multipartThresholdBytes: MIN_PART_BYTES });
    const body = new Uint8Array(randomBytes(MIN_PART_BYTES + 77_777));
    const dir = await mkdtemp(join(tmpdir(), 'adstream-putfile-'));
    try {
      await writeFile(join(dir, 'big.parquet'), body);
      wire.length = 0;
      await store.putFile('from-disk.parquet', join(dir, 'big.parquet'));
      // Parts are read and sent concurrently: they may reach the wire in either order.
      const parts = wire.filter((request) => request.method === 'PUT' && 'partNumber' in request.query).sort((a, b) => Number(a.query.partNumber) - Number(b.query.partNumber));
      expect(parts.map((part) => part.query.partNumber)).toEqual(['1', '2']);
      expect(parts.map((part) => part.checksum)).toEqual(
        [body.subarray(0, MIN_PART_BYTES), body.subarray(MIN_PART_BYTES)].map((slice) => createHash('sha256').update(slice).digest('base64')),
      );
      expect(Buffer.from((await store.get('from-disk.parquet'))!).equals(Buffer.from(body))).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('sends a body at or below the threshold as one PUT with its SHA-256', async () => {
    const store = new S3Store(client, BUCKET, 'lake/');
    const body = new Uint8Array(randomBytes(100_000));
    wire.length = 0;
    await store.put('small.parquet', body);
    expect(wire).toHaveLength(1);
    expect(wire[0]).toMatchObject({ method: 'PUT', query: {} });
    expect(wire[0].checksum).toBeDefined();
    expect(Buffer.from((await store.get('small.parquet'))!).equals(Buffer.from(body))).toBe(true);
  });

  it('aborts the upload when a part fails, and reports the part\'s error', async () => {
    const sent: string[] = [];
    const failing = {
      send: async (command: { constructor: { name: string } }) => {
        const name = command.constructor.name;
        sent.push(name);
        if (name === 'CreateMultipartUploadCommand') return { UploadId: 'u1' };
        if (name === 'UploadPartCommand' && sent.filter((n) => n === name).length === 2) throw new Error('connection reset');
        return { ETag: '"e"' };
      },
    } as unknown as S3Client;
    const store = new S3Store(failing, BUCKET, '', { partBytes: MIN_PART_BYTES, partConcurrency: 1 });
    await expect(store.put('big', new Uint8Array(3 * MIN_PART_BYTES))).rejects.toThrow('connection reset');
    expect(sent).toEqual(['CreateMultipartUploadCommand', 'UploadPartCommand', 'UploadPartCommand', 'AbortMultipartUploadCommand']);
  });

  it('refuses parts below S3\'s 5 MiB minimum', () => {
    expect(() => new S3Store(client, BUCKET, '', { partBytes: 1024 })).toThrow(RangeError);
  });
});
