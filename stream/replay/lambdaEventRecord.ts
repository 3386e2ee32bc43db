/**
 * A record of a Kinesis event as Lambda hands it to a function (`event.Records[]`): the Kinesis
 * record's fields sit under `kinesis`, camelCase (`data` base64, `approximateArrivalTimestamp`
 * in epoch seconds), and its shard is named only in `eventID`, `<shard id>:<sequence number>`.
 * EventBridge Pipes hands on the same record with those fields beside the event's, no `kinesis`
 * (a batch is an array of them). A function or a pipe target that logs or stores what it gets
 * leaves a capture of this shape, one that cannot be made again once the stream's retention has
 * passed, so it is read as the records it carries rather than refused as records that lack every
 * field, or taken, without a shard id, for the records of one GetRecords response.
 */
type Fields = Record<string, unknown>;

/** `shardId-000000000006:49590338271490256608559692538361571095921575989136588898` */
const EVENT_ID = /^([A-Za-z0-9_.-]{1,128}):[0-9]{1,128}$/;

/** The Kinesis record's fields of a Lambda event record (under `kinesis`) or of a pipe's (beside the event's). */
function recordFieldsOf(value: unknown): Fields | undefined {
  const { kinesis, eventSource } = (value ?? {}) as Fields;
  if (typeof kinesis === 'object' && kinesis !== null && !Array.isArray(kinesis)) return kinesis as Fields;
  return eventSource === 'aws:kinesis' ? (value as Fields) : undefined;
}

/**
 * The Kinesis record a Lambda or EventBridge Pipes event record carries, its shard (from
 * `eventID`) beside its fields; undefined for anything else. An `eventID` of another form names
 * no shard: the record is then refused for the want of one, or, in a `Records` array, is the
 * default shard's as a GetRecords response's records are.
 */
export function kinesisOfLambdaRecord(value: unknown): Fields | undefined {
  const fields = recordFieldsOf(value);
  if (fields === undefined) return undefined;
  const { eventID } = value as Fields;
  const shardId = typeof eventID === 'string' ? EVENT_ID.exec(eventID)?.[1] : undefined;
  return shardId === undefined ? fields : { ...fields, shardId };
}

/**
 * The stream a Lambda or pipe event record came from (`eventSourceARN`), for a record of that
 * shape. A function with several streams as event sources gets each stream's shards under the
 * same ids (shardId-000000000000 in each), so a dump of its events would replay as one stream's.
 */
export function lambdaEventSourceOf(value: unknown): string | undefined {
  const { eventSourceARN } = (value ?? {}) as Fields;
  return typeof eventSourceARN === 'string' && recordFieldsOf(value) !== undefined ? eventSourceARN : undefined;
}

/** A Kinesis stream's ARN, `arn:<partition>:kinesis:<region>:<account>:stream/<name>`. */
const STREAM_ARN = /^arn:[^:]+:kinesis:[^:]*:[^:]*:stream\/([A-Za-z0-9_.-]{1,128})$/;

/**
 * The stream's name in an event source's ARN, or undefined for one that is not a Kinesis
 * stream's. A capture of Lambda events names its stream there, which is better than the file's
 * name: the lake's rows and the DLQ's re-drive (`adstream dlq replay`) name the stream.
 */
export const streamNameOfEventSource = (arn: string): string | undefined => STREAM_ARN.exec(arn)?.[1];
