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

/**
 * How long a request may go without its answer before it fails (the SDK retries it, then the
 * command fails with a sentence naming the endpoint settings): the time from sending it to the
 * answer's headers (its upload included), and the time the connection may then sit idle while
 * the answer's body comes. The SDK's own handler only warns when a request runs over: an endpoint
 * that accepted connections and never answered held a worker, a recorder, and their shutdown,
 * forever.
 */
export const REQUEST_TIMEOUT_MS = 30_000;
/** S3 requests carry whole lake files and multipart parts up: more time before their answer. */
const S3_REQUEST_TIMEOUT_MS = 120_000;

function requestHandler(requestTimeout: number): NodeHttpHandler {
  return new NodeHttpHandler({ connectionTimeout: 5_000, requestTimeout, throwOnRequestTimeout: true, socketTimeout: requestTimeout });
}

/** An error of a request, marked with the setting that says where its service is. */
export interface EndpointTagged {
  endpointSetting?: string;
  /** The DynamoDB table the request named: "Requested resource not found" names none. */
  tableName?: string;
}

/** The one thing of a client's middleware stack used here, as the SDK's clients have it. */
interface InitializeStep {
  add(middleware: (next: (args: unknown) => Promise<unknown>) => (args: unknown) => Promise<unknown>, options: { step: 'initialize'; name: string }): void;
}

/**
 * Marks every failed request of `client` with the setting of its endpoint (failureMessage.ts), so
 * an endpoint answered by the wrong service, or by nothing, names the one setting to check
 * rather than all of them; `setting` is undefined where none is set (AWS itself), and a request's
 * DynamoDB table is marked either way.
 */
export function tagEndpointErrors<C extends { middlewareStack: object }>(client: C, setting: string | undefined): C {
  // Every SDK client's stack takes an initialize-step middleware; its own types are per service.
  (client.middlewareStack as InitializeStep).add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if (error !== null && typeof error === 'object') {
          const tagged = error as EndpointTagged;
          if (setting !== undefined) tagged.endpointSetting ??= setting;
          const table = (args as { input?: { TableName?: unknown } }).input?.TableName;
          if (typeof table === 'string') tagged.tableName ??= table;
        }
        throw error;
      }
    },
    { step: 'initialize', name: 'adstreamEndpointSetting' },
  );
  return client;
}

/** `requestTimeoutMs`: for a caller that needs its answer sooner than REQUEST_TIMEOUT_MS. */
export function kinesisClient(config: Pick<AdstreamConfig, 'region' | 'kinesisEndpoint'>, requestTimeoutMs = REQUEST_TIMEOUT_MS): KinesisClient {
  // NodeHttpHandler is HTTP/1.1; the SDK's Kinesis client speaks HTTP/2 by default, which kinesalite does not.
  return tagEndpointErrors(new KinesisClient({ ...endpointOptions(config.region, config.kinesisEndpoint), requestHandler: requestHandler(requestTimeoutMs) }), config.kinesisEndpoint && 'ADSTREAM_KINESIS_ENDPOINT');
}

export function dynamoDbClient(config: Pick<AdstreamConfig, 'region' | 'dynamodbEndpoint'>, requestTimeoutMs = REQUEST_TIMEOUT_MS): DynamoDBClient {
  return tagEndpointErrors(new DynamoDBClient({ ...endpointOptions(config.region, config.dynamodbEndpoint), requestHandler: requestHandler(requestTimeoutMs) }), config.dynamodbEndpoint && 'ADSTREAM_DYNAMODB_ENDPOINT');
}

export function s3Client(config: Pick<AdstreamConfig, 'region' | 's3Endpoint'>): S3Client {
  // Local S3 servers address buckets by path, not by virtual host.
  return tagEndpointErrors(new S3Client({ ...endpointOptions(config.region, config.s3Endpoint), forcePathStyle: Boolean(config.s3Endpoint), requestHandler: requestHandler(S3_REQUEST_TIMEOUT_MS) }), config.s3Endpoint && 'ADSTREAM_S3_ENDPOINT');
}

export function snsClient(config: Pick<AdstreamConfig, 'region' | 'snsEndpoint'>): SNSClient {
  return tagEndpointErrors(new SNSClient({ ...endpointOptions(config.region, config.snsEndpoint), requestHandler: requestHandler(REQUEST_TIMEOUT_MS) }), config.snsEndpoint && 'ADSTREAM_SNS_ENDPOINT');
}

export function firehoseClient(config: Pick<AdstreamConfig, 'region' | 'firehoseEndpoint'>): FirehoseClient {
  return tagEndpointErrors(new FirehoseClient({ ...endpointOptions(config.region, config.firehoseEndpoint), requestHandler: requestHandler(REQUEST_TIMEOUT_MS) }), config.firehoseEndpoint && 'ADSTREAM_FIREHOSE_ENDPOINT');
}
