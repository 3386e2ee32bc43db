/**
 * One Kinesis record of a recording, whoever wrote it. adstream writes `shard, seq, arrival`
 * (epoch ms)`, key, data`; the Kinesis API names the same fields `ShardId, SequenceNumber,
 * ApproximateArrivalTimestamp, PartitionKey, Data`, and that is what a capture made with the AWS
 * CLI (`aws kinesis get-records`) or an SDK holds. Both are read, so such a capture replays
 * without a conversion step; anything else is refused saying which fields it lacks or holds wrong.
 */
import type { SourceRecord } from '../pipeline/batch.ts';
import { isKinesisName } from './recording.ts';
import { kinesisOfLambdaRecord } from './lambdaEventRecord.ts';
import { dumpedBytesOf } from './dumpedBytes.ts';

/** The shard of the records of a GetRecords response, which does not name it. */
export const DEFAULT_SHARD_ID = 'shardId-000000000000';

const SEQUENCE_NUMBER = /^[0-9]{1,128}$/;
/**
 * Epoch numbers told apart by size: seconds stay below 1e11 until the year 5138, milliseconds
 * below 1e14 and microseconds below 1e17 as long; nanoseconds are above (Avro's timestamp-micros
 * and Spark's timestamps arrive as bare longs).
 */
const SECONDS_BELOW = 1e11;
const MILLIS_BELOW = 1e14;
const MICROS_BELOW = 1e17;
/** An ISO 8601 time that names its zone (Z or an offset); one without is taken as UTC, not the machine's zone. */
const ZONED = /(Z|[+-]\d{2}:?\d{2})$/i;

type Fields = Record<string, unknown>;

const firstOf = (value: Fields, names: readonly string[]): unknown => {
  for (const name of names) if (value[name] !== undefined && value[name] !== null) return value[name];
  return undefined;
};

function epochMillis(value: number): number {
  if (value < SECONDS_BELOW) return Math.round(value * 1_000);
  if (value < MILLIS_BELOW) return value;
  return Math.round(value < MICROS_BELOW ? value / 1_000 : value / 1_000_000);
}

/**
 * adstream's `arrival` is epoch ms. The API's ApproximateArrivalTimestamp is epoch seconds on
 * the wire and as AWS CLI v1 prints it, ISO 8601 as CLI v2 prints it, a Date in an SDK, and
 * whatever epoch unit another tool's Avro long holds.
 */
/** Epoch ms a Date can hold, up to the year 9999: 1e400 parsed as Infinity, and 1e16 failed as an invalid date after lake files were written. */
const LATEST_ARRIVAL = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const isArrivalTime = (ms: unknown): ms is number => typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 && ms <= LATEST_ARRIVAL;

function arrivalOf(value: Fields): number | undefined {
  if (typeof value.arrival === 'number') return value.arrival;
  const api = firstOf(value, ['ApproximateArrivalTimestamp', 'approximateArrivalTimestamp']);
  if (api instanceof Date) return api.getTime();
  if (typeof api === 'number') return Number.isFinite(api) ? epochMillis(api) : undefined;
  if (typeof api === 'string') {
    const ms = /^[0-9.]+$/.test(api) ? epochMillis(Number(api)) : Date.parse(ZONED.test(api) ? api : `${api}Z`);
    return Number.isFinite(ms) ? ms : undefined;
  }
  return undefined;
}

const WHITESPACE = /\s/g;

/**
 * Padded, unpadded or line-wrapped base64. Node's decoder skips what is not base64, so text that
 * never was decodes short of the length its characters promise, which is how it is caught.
 */
function fromBase64(text: string): Buffer | undefined {
  const compact = text.includes('\n') || text.includes(' ') ? text.replace(WHITESPACE, '') : text;
  const body = compact.endsWith('==') ? compact.length - 2 : compact.endsWith('=') ? compact.length - 1 : compact.length;
  if (compact.length % 4 !== 0 && compact.length !== body) return undefined;
  if (body % 4 === 1) return undefined;
  const bytes = Buffer.from(compact, 'base64');
  return bytes.length === Math.floor((body * 3) / 4) ? bytes : undefined;
}

function dataOf(value: Fields): Uint8Array | undefined {
  const data = firstOf(value, ['data', 'Data']);
  if (data instanceof Uint8Array) return data;
  return (typeof data === 'string' ? fromBase64(data) : undefined) ?? dumpedBytesOf(data);
}

/** The common case, a line adstream wrote, without the search through other names. */
function adstreamRecordOf({ shard, seq, arrival, key, data }: Fields): SourceRecord | undefined {
  if (!isKinesisName(shard) || typeof seq !== 'string' || !isArrivalTime(arrival) || typeof key !== 'string' || typeof data !== 'string') return undefined;
  const bytes = SEQUENCE_NUMBER.test(seq) ? fromBase64(data) : undefined;
  return bytes && { shardId: shard, sequenceNumber: seq, partitionKey: key, arrivalTime: arrival, data: bytes };
}

/** A field of a record, by the names writers give it, and what its value must be. */
interface FieldRule {
  label: string;
  names: readonly string[];
  rule: string;
}

const FIELD_RULES = {
  shard: { label: 'shard (ShardId)', names: ['shard', 'ShardId', 'shardId'], rule: 'letters, digits, _ . -' },
  seq: { label: 'seq (SequenceNumber)', names: ['seq', 'SequenceNumber', 'sequenceNumber'], rule: 'decimal digits in a string' },
  arrival: { label: 'arrival (ApproximateArrivalTimestamp)', names: ['arrival', 'ApproximateArrivalTimestamp', 'approximateArrivalTimestamp'], rule: 'a time between 1970 and 9999' },
  key: { label: 'key (PartitionKey)', names: ['key', 'PartitionKey', 'partitionKey'], rule: 'a string' },
  data: { label: 'data (Data)', names: ['data', 'Data'], rule: 'base64' },
} satisfies Record<string, FieldRule>;

/** Whether a record names its shard, under any of the names writers give it (a null names none), or in a Lambda or pipe event's eventID. */
export const namesShard = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && firstOf(kinesisOfLambdaRecord(value) ?? (value as Fields), FIELD_RULES.shard.names) !== undefined;

/** A value as a refusal quotes it: short, and as JSON would write it. */
const quoted = (value: unknown): string => {
  const text = value instanceof Uint8Array ? `${value.byteLength} bytes` : (JSON.stringify(value) ?? String(value));
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
};

/**
 * What is wrong with a record, in phrases for a refusal: the fields it lacks, then each field it
 * holds in a form no writer uses (a shard id that is a path, a number where a string must be).
 */
function problemsOf(fields: Fields, bad: readonly FieldRule[], shardOfResponse: string | undefined): string[] {
  const present = (rule: FieldRule) => firstOf(fields, rule.names) !== undefined || (rule === FIELD_RULES.shard && shardOfResponse !== undefined);
  const missing = bad.filter((rule) => !present(rule));
  const invalid = bad.filter(present);
  return [
    ...(missing.length > 0 ? [`it lacks ${missing.map((rule) => rule.label).join(', ')}`] : []),
    ...invalid.map((rule) => `its ${rule.label} ${quoted(firstOf(fields, rule.names) ?? shardOfResponse)} is not ${rule.rule}`),
  ];
}

/**
 * A consumer that opens KPL aggregates (the KCL, a Lambda function with the aggregation library)
 * gives each user record its aggregate's sequence number and a sub-sequence number, so a dump of
 * what it handed on holds "two different records with sequence number" N, refused as such without
 * a word on why. The first user record is numbered 0, as is a record that was never aggregated,
 * so the refusal comes with the second.
 */
function openedAggregateProblem(fields: Fields): string | undefined {
  const sub = firstOf(fields, ['subSequenceNumber', 'SubSequenceNumber']);
  if (!(typeof sub === 'number' && sub > 0) && !(typeof sub === 'string' && /^0*[1-9][0-9]*$/.test(sub))) return undefined;
  return `its subSequenceNumber ${quoted(sub)} makes it a user record of a KPL aggregate that the consumer which dumped it had opened; replay opens aggregates itself, as the worker does, so capture the records as GetRecords returns them (aws kinesis get-records, or the consumer's records before it deaggregates)`;
}

/** `b'...'` holding nothing but base64 text (`\n` for the line breaks of base64.encodebytes). */
const PYTHON_BASE64_LITERAL = /^b(['"])((?:[A-Za-z0-9+/=]|\\n)+)\1$/;

/**
 * Python's literal of bytes that are base64 text: what json.dumps(default=str) makes of
 * base64.b64encode(data) left as bytes, but as much of a payload that was base64 text when it was
 * put; read as bytes, the first would be replayed as base64 text, every event rejected, and read
 * as base64, the second as what it encodes. Neither is guessed.
 */
function base64LiteralProblem(fields: Fields): string | undefined {
  const data = firstOf(fields, FIELD_RULES.data.names);
  const body = typeof data === 'string' ? PYTHON_BASE64_LITERAL.exec(data)?.[2] : undefined;
  if (body === undefined || fromBase64(body.replaceAll('\\n', '')) === undefined) return undefined;
  return `its data (Data) ${quoted(data)} is Python's literal of bytes that are base64 text, which is the base64 of the data (base64.b64encode(data) left as bytes) or data that was itself base64 text, and replay does not guess which: dump Data as base64.b64encode(data).decode()`;
}

/**
 * The record, or what is wrong with it (problemsOf). `shardOfResponse` names the shard of a
 * record that came in a GetRecords response, which names none.
 */
export function sourceRecordOf(value: unknown, shardOfResponse?: string): SourceRecord | string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`it is ${Array.isArray(value) ? 'an array' : quoted(value)}, not an object with the fields shard, seq, arrival, key, data`];
  const ours = adstreamRecordOf(value as Fields);
  if (ours) return ours;
  const fields = kinesisOfLambdaRecord(value) ?? (value as Fields);
  const problem = openedAggregateProblem(fields) ?? base64LiteralProblem(fields);
  if (problem) return [problem];
  const shardId = firstOf(fields, FIELD_RULES.shard.names) ?? shardOfResponse;
  const sequenceNumber = firstOf(fields, FIELD_RULES.seq.names);
  const partitionKey = firstOf(fields, FIELD_RULES.key.names);
  const arrivalTime = arrivalOf(fields);
  const data = dataOf(fields);
  const bad = [
    isKinesisName(shardId) ? undefined : FIELD_RULES.shard,
    typeof sequenceNumber === 'string' && SEQUENCE_NUMBER.test(sequenceNumber) ? undefined : FIELD_RULES.seq,
    isArrivalTime(arrivalTime) ? undefined : FIELD_RULES.arrival,
    typeof partitionKey === 'string' ? undefined : FIELD_RULES.key,
    data ? undefined : FIELD_RULES.data,
  ].filter((rule) => rule !== undefined);
  if (bad.length > 0) return problemsOf(fields, bad, shardOfResponse);
  return { shardId: shardId as string, sequenceNumber: sequenceNumber as string, partitionKey: partitionKey as string, arrivalTime: arrivalTime!, data: data! };
}

/** Kinesis sequence numbers are decimal strings without leading zeros, so longer is later; BigInt only for a hand-made one with zeros. */
export function compareSequenceNumbers(a: string, b: string): number {
  if (a[0] === '0' || b[0] === '0') return BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0;
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
