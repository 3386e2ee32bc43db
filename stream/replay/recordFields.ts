/**
 * One Kinesis record of a recording, whoever wrote it. adstream writes `shard, seq, arrival`
 * (epoch ms)`, key, data`; the Kinesis API names the same fields `ShardId, SequenceNumber,
 * ApproximateArrivalTimestamp, PartitionKey, Data`, and that is what a capture made with the AWS
 * CLI (`aws kinesis get-records`) or an SDK holds. Both are read, so such a capture replays
 * without a conversion step; anything else is refused with the fields it lacks.
 */
import type { SourceRecord } from '../pipeline/batch.ts';

/** The shard a record without a shard id is taken from: a GetRecords response does not name it. */
export const DEFAULT_SHARD_ID = 'shardId-000000000000';

const SEQUENCE_NUMBER = /^[0-9]{1,128}$/;
/** Epoch seconds reach 1e11 in the year 5138, epoch ms passed it in 1973: a number is told apart by size. */
const SECONDS_BELOW = 1e11;

type Fields = Record<string, unknown>;

const firstOf = (value: Fields, names: readonly string[]): unknown => {
  for (const name of names) if (value[name] !== undefined && value[name] !== null) return value[name];
  return undefined;
};

/** adstream's `arrival` is epoch ms; the API's ApproximateArrivalTimestamp is epoch seconds on the wire, ISO 8601 as the CLI prints it, a Date in an SDK. */
function arrivalOf(value: Fields): number | undefined {
  if (typeof value.arrival === 'number') return value.arrival;
  const api = firstOf(value, ['ApproximateArrivalTimestamp', 'approximateArrivalTimestamp']);
  if (api instanceof Date) return api.getTime();
  if (typeof api === 'number') return api < SECONDS_BELOW ? Math.round(api * 1_000) : api;
  if (typeof api === 'string') {
    const ms = /^[0-9.]+$/.test(api) ? arrivalOf({ ApproximateArrivalTimestamp: Number(api) }) : Date.parse(api);
    return Number.isFinite(ms) ? ms : undefined;
  }
  return undefined;
}

/** Node's base64 decoder skips what is not base64; text that was never base64 decodes short, which is how it is caught. */
function fromBase64(text: string): Buffer | undefined {
  const bytes = Buffer.from(text, 'base64');
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return text.length % 4 === 0 && bytes.length === (text.length / 4) * 3 - padding ? bytes : undefined;
}

function dataOf(value: Fields): Uint8Array | undefined {
  const data = firstOf(value, ['data', 'Data']);
  if (data instanceof Uint8Array) return data;
  return typeof data === 'string' ? fromBase64(data) : undefined;
}

/** The common case, a line adstream wrote, without the search through other names. */
function adstreamRecordOf({ shard, seq, arrival, key, data }: Fields): SourceRecord | undefined {
  if (typeof shard !== 'string' || typeof seq !== 'string' || typeof arrival !== 'number' || typeof key !== 'string' || typeof data !== 'string') return undefined;
  const bytes = SEQUENCE_NUMBER.test(seq) ? fromBase64(data) : undefined;
  return bytes && { shardId: shard, sequenceNumber: seq, partitionKey: key, arrivalTime: arrival, data: bytes };
}

/** The record, or the names of the fields it lacks (or holds in a form no writer uses). */
export function sourceRecordOf(value: unknown): SourceRecord | string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return ['shard', 'seq', 'arrival', 'key', 'data'];
  const fields = value as Fields;
  const ours = adstreamRecordOf(fields);
  if (ours) return ours;
  const shardId = firstOf(fields, ['shard', 'ShardId', 'shardId']) ?? DEFAULT_SHARD_ID;
  const sequenceNumber = firstOf(fields, ['seq', 'SequenceNumber', 'sequenceNumber']);
  const partitionKey = firstOf(fields, ['key', 'PartitionKey', 'partitionKey']);
  const arrivalTime = arrivalOf(fields);
  const data = dataOf(fields);
  const missing = [
    typeof shardId === 'string' ? '' : 'shard (ShardId)',
    typeof sequenceNumber === 'string' && SEQUENCE_NUMBER.test(sequenceNumber) ? '' : 'seq (SequenceNumber, decimal digits)',
    arrivalTime !== undefined ? '' : 'arrival (ApproximateArrivalTimestamp)',
    typeof partitionKey === 'string' ? '' : 'key (PartitionKey)',
    data ? '' : 'data (Data, base64)',
  ].filter(Boolean);
  if (missing.length > 0) return missing;
  return { shardId: shardId as string, sequenceNumber: sequenceNumber as string, partitionKey: partitionKey as string, arrivalTime: arrivalTime!, data: data! };
}

/** Kinesis sequence numbers are decimal strings without leading zeros, so longer is later; BigInt only for a hand-made one with zeros. */
export function compareSequenceNumbers(a: string, b: string): number {
  if (a[0] === '0' || b[0] === '0') return BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0;
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
