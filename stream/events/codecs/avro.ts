/**
 * bid_request ⇄ Avro single-object encoding (Avro spec, "Single-object encoding"):
 * 0xC3 0x01, the writer schema's CRC-64-AVRO fingerprint (8 bytes, little-endian), then the Avro
 * binary body. Decoding resolves the writer schema through the registry and returns the record's
 * raw field values; validate.ts applies the same rules as for the other formats.
 */
import type avro from 'avsc';
import type { EventType } from '../schemas.ts';
import type { BidRequest, Rejection } from '../types.ts';
import { defaultRegistry, type SchemaRegistry } from '../registry.ts';
import { EVENT_TYPES, avroTypes } from '../schemas.ts';
import { fingerprintBytesLE, schemaFingerprint } from '../crc64avro.ts';

export const SINGLE_OBJECT_MARKER = Buffer.from([0xc3, 0x01]);
const HEADER_LENGTH = SINGLE_OBJECT_MARKER.length + 8;

export type AvroDecodeResult =
  | { ok: true; eventType: EventType; raw: Record<string, unknown> }
  | { ok: false; rejection: Rejection };

export function isSingleObject(data: Uint8Array): boolean {
  return data.length >= 2 && data[0] === 0xc3 && data[1] === 0x01;
}

/** Encodes a value with any writer schema (tests and tools use this to produce older versions). */
export function encodeSingleObject(writerType: avro.Type, value: unknown, fingerprint = schemaFingerprint(writerType)): Buffer {
  return Buffer.concat([singleObjectHeader(fingerprint), writerType.toBuffer(value)]);
}

/** The bytes a single-object record of the schema with this fingerprint starts with. */
export const singleObjectHeader = (fingerprint: bigint): Buffer => Buffer.concat([SINGLE_OBJECT_MARKER, fingerprintBytesLE(fingerprint)]);

const currentType = avroTypes.bid_request;
/** What every bid request written with the current schema starts with. */
export const currentBidRequestHeader = singleObjectHeader(schemaFingerprint(currentType));
const currentHeader = currentBidRequestHeader;

/** Encodes a bid request with the current schema, the one producers write. */
export function encodeBidRequest(body: BidRequest): Buffer {
  return Buffer.concat([currentHeader, currentType.toBuffer(body)]);
}

export function decodeSingleObject(data: Buffer, registry: SchemaRegistry = defaultRegistry): AvroDecodeResult {
  if (data.length < HEADER_LENGTH) {
    return reject('avro_decode', `single-object record is ${data.length} bytes, shorter than its ${HEADER_LENGTH}-byte header`);
  }
  const fingerprint = data.readBigUInt64LE(SINGLE_OBJECT_MARKER.length);
  const entry = registry.lookup(fingerprint);
  if (!entry) {
    return reject('avro_unknown_fingerprint', `no writer schema registered for fingerprint ${fingerprint.toString(16).padStart(16, '0')}`);
  }
  try {
    // fromBuffer rejects truncated bodies and trailing bytes, and longs beyond 2^53.
    const body = data.subarray(HEADER_LENGTH);
    const raw = avroTypes[entry.eventType].fromBuffer(body, entry.resolver) as Record<string, unknown>;
    const mangled = stringWithInvalidUtf8(entry.eventType, raw, body);
    if (mangled !== undefined) return reject('invalid_utf8', `${entry.eventType} field ${mangled} holds bytes that are not valid UTF-8`);
    return { ok: true, eventType: entry.eventType, raw };
  } catch (err) {
    return reject('avro_decode', `cannot decode ${entry.eventType} body: ${(err as Error).message}`);
  }
}

/**
 * The field whose Avro string was not valid UTF-8, if any. avsc decodes such bytes to U+FFFD, so
 * two different malformed ids would be stored as one (the JSON and CSV checks in wire.ts say why
 * that matters). A decoded U+FFFD is genuine when the body holds its UTF-8 encoding; the check
 * costs one `includes` per string field on the common path.
 */
function stringWithInvalidUtf8(eventType: EventType, raw: Record<string, unknown>, body: Buffer): string | undefined {
  // The reader schema's string fields, not for…in: avsc's records inherit enumerable methods
  // (clone, toBuffer, …), and walking them cost 5 % of a replay's CPU.
  for (const field of stringFields[eventType]) {
    const value = raw[field];
    if (typeof value === 'string' && value.includes('\uFFFD') && !body.includes(Buffer.from(value, 'utf8'))) return field;
  }
  return undefined;
}

/** Top-level fields of each reader schema that may hold a string (a string, or a union with one). */
const stringFields = Object.fromEntries(
  EVENT_TYPES.map((eventType) => [eventType, (avroTypes[eventType] as avro.types.RecordType).fields.filter((f) => mayHoldString(f.type)).map((f) => f.name)]),
) as Record<EventType, string[]>;

function mayHoldString(type: avro.Type): boolean {
  return type.typeName === 'string' || (type.typeName.startsWith('union') && (type as avro.types.UnwrappedUnionType).types.some((branch) => branch.typeName === 'string'));
}

function reject(reason: Rejection['reason'], detail: string): AvroDecodeResult {
  return { ok: false, rejection: { reason, detail } };
}
