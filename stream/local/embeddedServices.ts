/**
 * The one owner of the embedded AWS-protocol servers: kinesalite (Kinesis), dynalite (DynamoDB)
 * and s3rver (S3), in this process, on loopback, on ephemeral ports. `npm start`, `adstream
 * local` and the tests all start them here, so they all run against the same real protocols.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dynalite from 'dynalite';
import S3rver from 's3rver';
import { EMBEDDED_SHARD_LIMIT } from './shardLimit.ts';
import { loadKinesalite } from './kinesaliteAtTimestamp.ts';

const LOOPBACK = '127.0.0.1';

export interface LocalEndpoints {
  kinesisEndpoint: string;
  dynamodbEndpoint: string;
  s3Endpoint: string;
}

export interface LocalServices {
  endpoints: LocalEndpoints;
  /** The environment that points adstream (or the AWS CLI) at these servers. */
  environment: Record<string, string>;
  stop(): Promise<void>;
}

export interface LocalServicesOptions {
  /** Where s3rver keeps objects; a temporary directory (removed on stop) by default. */
  s3Directory?: string;
  /** Buckets to create at start. */
  buckets?: string[];
  /** Fixed ports (for `adstream local`); ephemeral by default. */
  ports?: Partial<Record<keyof LocalEndpoints, number>>;
}

function listen(server: Server, port = 0): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, LOOPBACK, () => resolve(`http://${LOOPBACK}:${(server.address() as AddressInfo).port}`));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export async function startLocalServices(options: LocalServicesOptions = {}): Promise<LocalServices> {
  // Zero delays: stream and table creation are instant locally, as a test wants them.
  const kinesis = loadKinesalite()({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: EMBEDDED_SHARD_LIMIT });
  const dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const ownsS3Directory = options.s3Directory === undefined;
  const s3Directory = options.s3Directory ?? (await mkdtemp(join(tmpdir(), 'adstream-s3-')));
  const s3 = new S3rver({
    address: LOOPBACK,
    port: options.ports?.s3Endpoint ?? 0,
    silent: true,
    directory: s3Directory,
    configureBuckets: (options.buckets ?? []).map((name) => ({ name })),
  });
  const started: (() => Promise<void>)[] = [];
  try {
    const kinesisEndpoint = await listen(kinesis, options.ports?.kinesisEndpoint);
    started.push(() => close(kinesis));
    const dynamodbEndpoint = await listen(dynamo, options.ports?.dynamodbEndpoint);
    started.push(() => close(dynamo));
    const s3Address = await s3.run();
    started.push(() => s3.close());
    const endpoints = { kinesisEndpoint, dynamodbEndpoint, s3Endpoint: `http://${LOOPBACK}:${s3Address.port}` };
    return {
      endpoints,
      environment: {
        ADSTREAM_KINESIS_ENDPOINT: endpoints.kinesisEndpoint,
        ADSTREAM_DYNAMODB_ENDPOINT: endpoints.dynamodbEndpoint,
        ADSTREAM_S3_ENDPOINT: endpoints.s3Endpoint,
        AWS_ACCESS_KEY_ID: 'S3RVER',
        AWS_SECRET_ACCESS_KEY: 'S3RVER',
      },
      async stop() {
        for (const stop of started.reverse()) await stop();
        if (ownsS3Directory) await rm(s3Directory, { recursive: true, force: true });
      },
    };
  } catch (error) {
    for (const stop of started.reverse()) await stop();
    // A port in use must not leave an empty folder in the temp directory at each try.
    if (ownsS3Directory) await rm(s3Directory, { recursive: true, force: true });
    throw error;
  }
}
