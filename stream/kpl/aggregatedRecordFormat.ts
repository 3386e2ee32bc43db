/**
 * The KPL's aggregated-record wire format, as the KPL documents it
 * (amazon-kinesis-producer `aggregation-format.md`):
 *
 *   4-byte magic F3 89 9A C2 | protobuf AggregatedRecord | 16-byte MD5 of the protobuf bytes
 *
 * The schema is the KPL's own `messages.proto`, parsed at load time by protobufjs (no codegen).
 * Field names keep their snake case so that they read as in the KPL source. Decoding checks what
 * the KCL checks (length, MD5, protobuf) and, beyond it, that every table index resolves.
 */
import * as crypto from 'node:crypto';
import protobuf from 'protobufjs';
import { hashKeyOf } from './hashKey.ts';

export const KPL_MAGIC = Uint8Array.of(0xf3, 0x89, 0x9a, 0xc2);
export const KPL_DIGEST_BYTES = 16;

const KPL_PROTO = `
syntax = "proto2";

message AggregatedRecord {
  repeated string partition_key_table = 1;
  repeated string explicit_hash_key_table = 2;
  repeated Record records = 3;
}

message Tag {
  required string key = 1;
  optional string value = 2;
}

message Record {
  required uint64 partition_key_index = 1;
  optional uint64 explicit_hash_key_index = 2;
  required bytes data = 3;
  repeated Tag tags = 4;
}
`;

/** uint64 fields decode to a Long (protobufjs bundles long.js), or to a number without it. */
export type Uint64 = number | { toNumber(): number };

export interface SubRecordMessage {
  partition_key_index: Uint64;
  /** Present only when the producer set it: read with `Object.hasOwn`, the prototype holds a 0 default. */
  explicit_hash_key_index?: Uint64;
  data: Uint8Array;
}

export interface AggregatedRecordMessage {
  partition_key_table: string[];
  explicit_hash_key_table: string[];
  records: SubRecordMessage[];
}

export const AggregatedRecord = protobuf.parse(KPL_PROTO, { keepCase: true }).root.lookupType('AggregatedRecord');

export const toIndex = (value: Uint64): number => (typeof value === 'number' ? value : value.toNumber());

/** Why a record with the KPL magic was delivered as a plain record. */
export type KplError = 'kpl_checksum_mismatch' | 'kpl_malformed';

/** Magic, then at least one body byte and the 16-byte digest (the KCL's length rule). */
export function hasKplMagic(data: Uint8Array): boolean {
  return (
    data.length > KPL_MAGIC.length + KPL_DIGEST_BYTES &&
    data[0] === KPL_MAGIC[0] &&
    data[1] === KPL_MAGIC[1] &&
    data[2] === KPL_MAGIC[2] &&
    data[3] === KPL_MAGIC[3]
  );
}

const md5: (bytes: Uint8Array) => Buffer =
  typeof crypto.hash === 'function' ? (bytes) => crypto.hash('md5', bytes, 'buffer') : (bytes) => crypto.createHash('md5').update(bytes).digest();

export type DecodedAggregate = { ok: true; message: AggregatedRecordMessage } | { ok: false; error: KplError };

/** The AggregatedRecord in `data` (which has the magic), or why it is not a valid one. */
export function decodeAggregatedRecord(data: Uint8Array): DecodedAggregate {
  const body = data.subarray(KPL_MAGIC.length, data.length - KPL_DIGEST_BYTES);
  const digest = md5(body);
  if (!digest.equals(data.subarray(data.length - KPL_DIGEST_BYTES))) return { ok: false, error: 'kpl_checksum_mismatch' };
  let message: AggregatedRecordMessage;
  try {
    message = AggregatedRecord.decode(body) as unknown as AggregatedRecordMessage;
  } catch {
    return { ok: false, error: 'kpl_malformed' };
  }
  return wellFormed(message) ? { ok: true, message } : { ok: false, error: 'kpl_malformed' };
}

// Table indexes in range and explicit hash keys that are 128-bit decimals, so that no sub-record
// can come out half-keyed.
function wellFormed({ partition_key_table: keys, explicit_hash_key_table: hashKeys, records }: AggregatedRecordMessage): boolean {
  for (const hashKey of hashKeys) {
    try {
      hashKeyOf('', hashKey);
    } catch {
      return false;
    }
  }
  return records.every(
    (sub) =>
      toIndex(sub.partition_key_index) < keys.length &&
      (!Object.hasOwn(sub, 'explicit_hash_key_index') || toIndex(sub.explicit_hash_key_index!) < hashKeys.length),
  );
}

