/**
 * The real AWS SDK v3 clients, pointed at AWS or at local endpoints from the configuration.
 * Local endpoints get dummy credentials (the embedded servers accept any signature), so the
 * local mode never needs an AWS account nor picks up one by accident.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AdstreamConfig } from '../config/schema.ts';

// s3rver accepts only its own well-known key pair; kinesalite and dynalite accept any.
const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

interface EndpointOptions {
  region: string;
  endpoint?: string;
  credentials?: typeof LOCAL_CREDENTIALS;
}

function endpointOptions(region: string, endpoint: string | undefined): EndpointOptions {
  return endpoint ? { region, endpoint, credentials: LOCAL_CREDENTIALS } : { region };
}

export function kinesisClient(config: Pick<AdstreamConfig, 'region' | 'kinesisEndpoint'>): KinesisClient {
  // The SDK's Kinesis client speaks HTTP/2 by default, which kinesalite does not: use HTTP/1.1.
  return new KinesisClient({
    ...endpointOptions(config.region, config.kinesisEndpoint),
    requestHandler: new NodeHttpHandler({ connectionTimeout: 5_000, requestTimeout: 30_000 }),
  });
}

export function dynamoDbClient(config: Pick<AdstreamConfig, 'region' | 'dynamodbEndpoint'>): DynamoDBClient {
  return new DynamoDBClient(endpointOptions(config.region, config.dynamodbEndpoint));
}

export function s3Client(config: Pick<AdstreamConfig, 'region' | 's3Endpoint'>): S3Client {
  // Local S3 servers address buckets by path, not by virtual host.
  return new S3Client({ ...endpointOptions(config.region, config.s3Endpoint), forcePathStyle: Boolean(config.s3Endpoint) });
}

export function snsClient(config: Pick<AdstreamConfig, 'region' | 'snsEndpoint'>): SNSClient {
  return new SNSClient(endpointOptions(config.region, config.snsEndpoint));
}

export function firehoseClient(config: Pick<AdstreamConfig, 'region' | 'firehoseEndpoint'>): FirehoseClient {
  return new FirehoseClient(endpointOptions(config.region, config.firehoseEndpoint));
}
