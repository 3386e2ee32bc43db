/**
 * The sentence a failure from the AWS SDK is reported in, with the errors the SDK really raises:
 * a refused connection names the endpoint settings, a missing bucket names the bucket (s3rver
 * answers as S3 does), and anything else keeps its own message.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { dynamoDbClient, kinesisClient, s3Client, snsClient } from '../../stream/aws/clients.ts';
import { PublishCommand } from '@aws-sdk/client-sns';
import { startSnsDouble } from '../support/snsDouble.ts';
import { CreateStreamCommand, DeleteStreamCommand, GetShardIteratorCommand, ListStreamsCommand, waitUntilStreamExists } from '@aws-sdk/client-kinesis';
import { failureMessage, isEndpointMistake, isPathMistake } from '../../stream/cli/failureMessage.ts';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { makeDirectory } from '../../sinks/makeDirectory.ts';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
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

  it('names the address it could not reach and the endpoint setting of the client that tried', async () => {
    const kinesis = kinesisClient({ region: 'us-east-1', kinesisEndpoint: 'http://127.0.0.1:1' });
    const error = await kinesis.send(new ListStreamsCommand({})).catch((e: unknown) => e);
    kinesis.destroy();
    expect(failureMessage(error)).toMatch(/^cannot reach 127\.0\.0\.1:1 \(ECONNREFUSED\): is the service there running, and is its endpoint setting \(ADSTREAM_KINESIS_ENDPOINT\) right\? /);
    expect(isEndpointMistake(error)).toBe(false);
    // An error from a client made elsewhere (not through stream/aws/clients.ts) names them all.
    expect(failureMessage({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED', address: '127.0.0.1', port: 1 })).toMatch(/endpoint setting \(ADSTREAM_KINESIS_ENDPOINT, ADSTREAM_DYNAMODB_ENDPOINT, ADSTREAM_S3_ENDPOINT, ADSTREAM_SNS_ENDPOINT\) right\?/);
  });

  it('names the DynamoDB table that is gone (a lease table deleted while a worker ran), which DynamoDB itself does not', async () => {
    const dynamodb = dynamoDbClient({ region: 'us-east-1', dynamodbEndpoint: services.endpoints.dynamodbEndpoint });
    const error = await dynamodb.send(new GetItemCommand({ TableName: 'adstream-leases-gone', Key: { leaseKey: { S: 'x' } } })).catch((e: unknown) => e);
    dynamodb.destroy();
    expect(failureMessage(error)).toBe(
      'the DynamoDB table adstream-leases-gone does not exist (Requested resource not found; deleted while the worker ran?): the lease table (ADSTREAM_LEASE_TABLE) keeps the checkpoints the lake was written under; restore it, or start afresh with a new lease table, state location and lake.',
    );
  });

  it('says the stream is gone when it was deleted under a command, where Kinesis names an account and a shard', async () => {
    const kinesis = kinesisClient({ region: 'us-east-1', kinesisEndpoint: services.endpoints.kinesisEndpoint });
    await kinesis.send(new CreateStreamCommand({ StreamName: 'deleted-under-worker', ShardCount: 1 }));
    await waitUntilStreamExists({ client: kinesis, maxWaitTime: 30 }, { StreamName: 'deleted-under-worker' });
    await kinesis.send(new DeleteStreamCommand({ StreamName: 'deleted-under-worker' }));
    const error = await kinesis.send(new GetShardIteratorCommand({ StreamName: 'deleted-under-worker', ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' })).catch((e: unknown) => e);
    kinesis.destroy();
    expect(failureMessage(error)).toMatch(/^Kinesis no longer has the stream or shard this command was using \(.*deleted-under-worker.*\): was the stream deleted while it ran\? /);
  });

  it('says the alert topic is gone when SNS answers a Publish with "Topic does not exist", which names no topic or setting', async () => {
    const sns = await startSnsDouble(['arn:aws:sns:us-east-1:000000000000:alerts']);
    const client = snsClient({ region: 'us-east-1', snsEndpoint: sns.endpoint });
    const error = await client.send(new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:deleted', Message: 'x' })).catch((e: unknown) => e);
    client.destroy();
    await sns.close();
    expect(failureMessage(error)).toBe(
      'SNS has no such topic (Topic does not exist): was the alert topic deleted while this command ran? Recreate it, or point ADSTREAM_ALERT_TOPIC_ARN (digest: --sns-topic) at a topic that does exist.',
    );
    expect(sns.published).toEqual([]);
  });

  it('fails a request to an endpoint that accepts connections and never answers, instead of waiting forever', async () => {
    const held: Socket[] = [];
    const silent = createServer((socket) => void held.push(socket)).listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const kinesis = kinesisClient({ region: 'us-east-1', kinesisEndpoint: `http://127.0.0.1:${(silent.address() as AddressInfo).port}` }, 200);
    const error = await kinesis.send(new ListStreamsCommand({})).catch((e: unknown) => e);
    kinesis.destroy();
    for (const socket of held) socket.destroy();
    silent.close();
    expect(failureMessage(error)).toBe(
      'no answer from a service in 3 attempts (a request has exceeded the configured 200 ms requestTimeout.): is the service there working, and is its endpoint setting (ADSTREAM_KINESIS_ENDPOINT) right?',
    );
  });

  it("says the endpoint may be another service's when the answer is not the SDK's to read, naming the client's own setting", async () => {
    // s3rver's port given as Kinesis's: it answers, in its own way.
    const kinesis = kinesisClient({ region: 'us-east-1', kinesisEndpoint: services.endpoints.s3Endpoint });
    const error = await kinesis.send(new ListStreamsCommand({})).catch((e: unknown) => e);
    kinesis.destroy();
    expect(failureMessage(error)).toMatch(/^the service at an endpoint answered HTTP \d{3} with something the AWS SDK cannot read \(.+\): is its endpoint setting \(ADSTREAM_KINESIS_ENDPOINT\) that of the right service\?$/);
    // A setting pointed at the wrong service is a configuration mistake (exit 2), unlike a service that does not answer.
    expect(isEndpointMistake(error)).toBe(true);
  });

  it("says the S3 endpoint may be another service's when Kinesis or DynamoDB answers an S3 request", async () => {
    const answers: [string, RegExp][] = [
      [services.endpoints.kinesisEndpoint, /^the service at an endpoint answered HTTP 403 as another service would \(Unable to determine service\/operation name to be authorized\): is its endpoint setting \(ADSTREAM_S3_ENDPOINT\) that of the right service\?$/],
      [services.endpoints.dynamodbEndpoint, /^the service at an endpoint answered HTTP 404 without an error the AWS SDK can read: is its endpoint setting \(ADSTREAM_S3_ENDPOINT\) that of the right service\?$/],
    ];
    for (const [endpoint, sentence] of answers) {
      const s3 = s3Client({ region: 'us-east-1', s3Endpoint: endpoint });
      const error = await s3.send(new PutObjectCommand({ Bucket: 'adstream-lake', Key: 'k', Body: 'x' })).catch((e: unknown) => e);
      s3.destroy();
      expect(failureMessage(error), endpoint).toMatch(sentence);
      expect(isEndpointMistake(error), endpoint).toBe(true);
    }
  });

  it('makes a directory where the file system allows it, and says so in a sentence where it refuses (Node 20\'s own mkdir -p spun for ever under /proc)', async () => {
    const root = await mkdtemp(join(tmpdir(), 'adstream-mkdir-'));
    const made = join(root, 'a', 'b', 'c');
    try {
      await makeDirectory(made);
      await makeDirectory(made);
      expect((await stat(made)).isDirectory()).toBe(true);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
    // A file in the way is the same refusal as before.
    const underFile = join(import.meta.filename, 'below');
    const blocked = await makeDirectory(underFile).catch((e: unknown) => e);
    expect(failureMessage(blocked)).toBe(`cannot use ${underFile}: a part of it is a file, not a directory (ENOTDIR on mkdir).`);
    const refused = await makeDirectory('/proc/adstream-nope/lake').catch((e: unknown) => e);
    expect(failureMessage(refused)).toBe('cannot make the directory /proc/adstream-nope: its file system refused (ENOENT on mkdir, as /proc and /sys answer); choose another location.');
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
