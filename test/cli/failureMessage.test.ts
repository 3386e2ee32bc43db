/**
 * The sentence a failure from the AWS SDK is reported in, with the errors the SDK really raises:
 * a refused connection names the endpoint settings, a missing bucket names the bucket (s3rver
 * answers as S3 does), and anything else keeps its own message.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kinesisClient, s3Client } from '../../stream/aws/clients.ts';
import { ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { failureMessage, isPathMistake } from '../../stream/cli/failureMessage.ts';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startLocalServices, type LocalServices } from '../../stream/local/embeddedServices.ts';

let services: LocalServices;
beforeAll(async () => {
  services = await startLocalServices({ buckets: [] });
});
afterAll(async () => {
  await services?.stop();
});

describe('failure messages', () => {
  it('names the bucket that does not exist, and where buckets are set', async () => {
    const s3 = s3Client({ region: 'us-east-1', s3Endpoint: services.endpoints.s3Endpoint });
    const error = await s3.send(new PutObjectCommand({ Bucket: 'no-such-lake', Key: 'k', Body: 'x' })).catch((e: unknown) => e);
    s3.destroy();
    expect(failureMessage(error)).toBe('the S3 bucket no-such-lake does not exist: create it, or point the lake or state store (ADSTREAM_LAKE, ADSTREAM_STATE) at one that does.');
  });

  it('names the address it could not reach and the endpoint settings', async () => {
    const kinesis = kinesisClient({ region: 'us-east-1', kinesisEndpoint: 'http://127.0.0.1:1' });
    const error = await kinesis.send(new ListStreamsCommand({})).catch((e: unknown) => e);
    kinesis.destroy();
    expect(failureMessage(error)).toMatch(/^cannot reach 127\.0\.0\.1:1 \(ECONNREFUSED\): is the service there running, and is its endpoint setting \(ADSTREAM_KINESIS_ENDPOINT, /);
  });

  it('names the path a file-system refusal is about, as a usage mistake', async () => {
    // A real refusal from Node: a directory asked for under a file.
    const error = await mkdir(join(import.meta.filename, 'below'), { recursive: true }).catch((e: unknown) => e);
    expect(isPathMistake(error)).toBe(true);
    expect(failureMessage(error)).toBe(`cannot use ${join(import.meta.filename, 'below')}: a part of it is a file, not a directory (ENOTDIR on mkdir).`);
    expect(isPathMistake(new Error('the lake is full'))).toBe(false);
    // Permissions can change under a running worker: the same clear sentence, but a failure (exit 1), not a usage mistake.
    const denied = Object.assign(new Error("EACCES: permission denied, open '/lake/x'"), { code: 'EACCES', path: '/lake/x', syscall: 'open' });
    expect(isPathMistake(denied)).toBe(false);
    expect(failureMessage(denied)).toBe('cannot use /lake/x: permission denied (EACCES on open).');
  });

  it('keeps any other message as it is', () => {
    expect(failureMessage(new Error('the lake is full'))).toBe('the lake is full');
  });
});
