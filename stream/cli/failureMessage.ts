/**
 * The one sentence a failure is reported in. Most errors say enough themselves; two that reach
 * the top from the AWS SDK did not: a refused connection named only an address (which service?),
 * and a missing bucket not even that.
 */
import type { EndpointTagged } from '../aws/clients.ts';

interface AwsLikeError {
  name?: string;
  message?: string;
  code?: string;
  /** The SDK's record of the exchange: attempts made, and the HTTP status if an answer came. */
  $metadata?: { attempts?: number; httpStatusCode?: number };
  address?: string;
  port?: number;
  BucketName?: string;
  path?: string;
  syscall?: string;
}

/** File-system refusals, said with the path they are about. */
const PATH_REFUSALS: Record<string, string> = {
  ENOTDIR: 'a part of it is a file, not a directory',
  EISDIR: 'it is a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  EEXIST: 'a file stands where a directory is needed',
};

const isPathRefusal = (e: AwsLikeError): boolean => e.code !== undefined && e.code in PATH_REFUSALS && typeof e.path === 'string';

/**
 * A path of the wrong shape (a directory asked for under a file, a file where a directory is) is
 * a usage mistake, exit 2. Permissions and read-only file systems can also change under a running
 * worker, so those stay failures (exit 1), with the same clear sentence.
 */
export const isPathMistake = (error: unknown): boolean => {
  const e = (error ?? {}) as AwsLikeError;
  return isPathRefusal(e) && (e.code === 'ENOTDIR' || e.code === 'EISDIR' || (e.code === 'EEXIST' && e.syscall === 'mkdir'));
};

const ENDPOINT_SETTINGS = 'ADSTREAM_KINESIS_ENDPOINT, ADSTREAM_DYNAMODB_ENDPOINT, ADSTREAM_S3_ENDPOINT, ADSTREAM_SNS_ENDPOINT';

/** The endpoint setting to check for a failed request: its client's (stream/aws/clients.ts tags them), or, untagged, all of them. */
const endpointSettingOf = (e: AwsLikeError & EndpointTagged): string => (e.endpointSetting ? `setting (${e.endpointSetting})` : `setting (${ENDPOINT_SETTINGS})`);

/**
 * How an answer shows that another service sits at the endpoint, or undefined: what the SDK
 * could not read as its service's (S3's port given as Kinesis's), a request naming no operation
 * of the service that got it (kinesalite or dynalite answering S3), or a body with no error in
 * it at all (dynalite's empty 404 to S3: likely, not surely, another service).
 */
function wrongServiceAnswer(e: AwsLikeError): string | undefined {
  const status = e.$metadata?.httpStatusCode;
  const message = e.message ?? '';
  if (status === undefined) return undefined;
  if (message.includes('Deserialization error')) return `with something the AWS SDK cannot read (${message.split('\n')[0].trim()})`;
  if (message.startsWith('Unable to determine service/operation name')) return `as another service would (${message})`;
  if (message === 'UnknownError') return 'without an error the AWS SDK can read';
  return undefined;
}

/**
 * An endpoint setting pointed at another service (it answered, but not as the client's service
 * would): a configuration mistake, exit 2. No answer at all stays a failure, as a service that
 * is down can come back.
 */
export const isEndpointMistake = (error: unknown): boolean => {
  const e = (error ?? {}) as AwsLikeError & EndpointTagged;
  return Boolean(e.endpointSetting) && wrongServiceAnswer(e) !== undefined;
};

export function failureMessage(error: unknown): string {
  const e = (error ?? {}) as AwsLikeError & EndpointTagged;
  const setting = endpointSettingOf(e);
  const message = e.message ?? String(error);
  // The request and socket timeouts of stream/aws/clients.ts: connected, but no answer came, or it stalled.
  if (e.name === 'TimeoutError' && e.address === undefined) {
    const attempts = e.$metadata?.attempts;
    return `no answer from a service${attempts ? ` in ${attempts} attempts` : ''} (${message.replace(/^@smithy\/node-http-handler - (\[ERROR\] )?/, '')}): is the service there working, and is its endpoint ${setting} right?`;
  }
  const wrongService = wrongServiceAnswer(e);
  if (wrongService) return `the service at an endpoint answered HTTP ${e.$metadata!.httpStatusCode} ${wrongService}: is its endpoint ${setting} that of the right service?`;
  if (e.code === 'ENOENT' && e.syscall === 'mkdir' && typeof e.path === 'string') {
    return `cannot make the directory ${e.path}: its file system refused (ENOENT on mkdir, as /proc and /sys answer); choose another location.`;
  }
  // No endpoints set, so the SDK looked for AWS credentials, and found none.
  if (e.name === 'CredentialsProviderError') {
    return `no AWS credentials were found (${message}): to use local servers, set the endpoint settings (${ENDPOINT_SETTINGS}; "adstream local" prints them); to use AWS, give credentials as the AWS SDK reads them (environment, ~/.aws, an instance role).`;
  }
    if (e.code === 'ECONNREFUSED' || e.code === 'ECONNRESET' || e.code === 'ENOTFOUND' || e.code === 'ETIMEDOUT') {
    const where = e.address !== undefined ? `${e.address}${e.port !== undefined ? `:${e.port}` : ''}` : 'a service';
    return `cannot reach ${where} (${e.code}): is the service there running, and is its endpoint ${setting} right? (${message})`;
  }
  if (isPathRefusal(e)) return `cannot use ${e.path}: ${PATH_REFUSALS[e.code!]} (${e.code}${e.syscall ? ` on ${e.syscall}` : ''}).`;
  if (e.name === 'ResourceNotFoundException' && e.tableName !== undefined) {
    return `the DynamoDB table ${e.tableName} does not exist (${message}; deleted while the worker ran?): the lease table (ADSTREAM_LEASE_TABLE) keeps the checkpoints the lake was written under; restore it, or start afresh with a new lease table, state location and lake.`;
  }
  // Kinesis's own words ("Shard … in stream … under account … does not exist") name an account
  // and a shard, not what happened: every command that uses a stream checks it at start, so one
  // gone later was deleted under it. Told apart by its words: the client is tagged only with a
  // local endpoint.
  if (e.name === 'ResourceNotFoundException' && e.tableName === undefined && /\bstream\b/i.test(message)) {
    return `Kinesis no longer has the stream or shard this command was using (${message}): was the stream deleted while it ran? Recreate it (a worker then starts afresh: its shards and sequence numbers are new, so a new lease table, state location and lake), or point ADSTREAM_STREAM at the stream to use.`;
  }
  // SNS's words name neither the topic nor a setting. Every command that publishes checks its
  // topic at start, so one gone later was deleted under it.
  if (e.name === 'NotFoundException' && /\btopic\b/i.test(message)) {
    return `SNS has no such topic (${message}): was the alert topic deleted while this command ran? Recreate it, or point ADSTREAM_ALERT_TOPIC_ARN (digest: --sns-topic) at a topic that does exist.`;
  }
  if (e.name === 'NoSuchBucket') {
    return `the S3 bucket${e.BucketName ? ` ${e.BucketName}` : ''} does not exist: create it, or point the lake or state store (ADSTREAM_LAKE, ADSTREAM_STATE) at one that does.`;
  }
  return message;
}
