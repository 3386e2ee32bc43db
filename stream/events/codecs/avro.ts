/**
 * bid_request ⇄ Avro single-object encoding (Avro spec, "Single-object encoding"):
 * 0xC3 0x01, the writer schema's CRC-64-AVRO fingerprint (8 bytes, little-endian), then the Avro
 * binary body. Decoding resolves the writer schema through the registry and returns the record's
 * raw field values; validate.ts applies the same rules as for the other formats.
 */
import avro from 'avsc';
import { isUtf8 } from 'node:buffer';
import type { EventType } from '../schemas.ts';
import type { BidRequest, Rejection } from '../types.ts';
import { defaultRegistry, type RegisteredSchema, type SchemaRegistry } from '../registry.ts';
import { EVENT_TYPES, avroTypes, strictBoolean } from '../schemas.ts';
import { schemaFingerprint } from '../crc64avro.ts';
import { HEADER_LENGTH, SINGLE_OBJECT_MARKER, currentBidRequestHeader, singleObjectHeader } from './singleObjectHeader.ts';
import { hasCurrentBidRequestHeader, readPlainBidRequest } from './plainBidRequest.ts';

export type AvroDecodeResult =
  | {
      ok: true;
      eventType: EventType;
      raw: Record<string, unknown>;
      /** `raw` holds the event schema's fields and no others, in schema order (validateTyped's `schemaShaped`). */
      schemaShaped?: boolean;
    }
  | { ok: false; rejection: Rejection };

export function isSingleObject(data: Uint8Array): boolean {
  return data.length >= 2 && data[0] === 0xc3 && data[1] === 0x01;
}

/** Encodes a value with any writer schema (tests and tools use this to produce older versions). */
export function encodeSingleObject(writerType: avro.Type, value: unknown, fingerprint = schemaFingerprint(writerType)): Buffer {
  return Buffer.concat([singleObjectHeader(fingerprint), writerType.toBuffer(value)]);
}

const currentType = avroTypes.bid_request;

/** Encodes a bid request with the current schema, the one producers write. */
export function encodeBidRequest(body: BidRequest): Buffer {
  return Buffer.concat([currentBidRequestHeader, currentType.toBuffer(body)]);
}

export function decodeSingleObject(data: Buffer, registry: SchemaRegistry = defaultRegistry): AvroDecodeResult {
  if (registry.currentBidRequest !== undefined && hasCurrentBidRequestHeader(data)) {
    const raw = readPlainBidRequest(data);
    if (raw !== undefined) return { ok: true, eventType: 'bid_request', raw, schemaShaped: true };
  }
  if (data.length < HEADER_LENGTH) {
    return reject('avro_decode', `single-object record is ${data.length} bytes, shorter than its ${HEADER_LENGTH}-byte header`);
  }
  const fingerprint = data.readBigUInt64LE(SINGLE_OBJECT_MARKER.length);
  const entry = registry.lookup(fingerprint);
  if (!entry) {
    const hex = (value: bigint) => value.toString(16).padStart(16, '0');
    // A producer of its own that writes the fingerprint big-endian sends a known schema's bytes reversed.
    const reversed = registry.lookup(data.readBigUInt64BE(SINGLE_OBJECT_MARKER.length));
    const hint = reversed
      ? `; these 8 bytes are the ${reversed.eventType} schema's fingerprint ${hex(reversed.fingerprint)} written big-endian, and single-object encoding writes it little-endian (adstream schemas prints the header bytes)`
      : '';
    return reject('avro_unknown_fingerprint', `no writer schema registered for fingerprint ${hex(fingerprint)}${hint}`);
  }
  try {
    // fromBuffer rejects truncated bodies and trailing bytes, and longs beyond ±(2^53 − 2) (read again below).
    const body = data.subarray(HEADER_LENGTH);
    const raw = avroTypes[entry.eventType].fromBuffer(body, entry.resolver) as Record<string, unknown>;
    const mangled = stringWithInvalidUtf8(entry, raw, body);
    if (mangled !== undefined) return reject('invalid_utf8', `${entry.eventType} field ${mangled} holds bytes that are not valid UTF-8`);
    return { ok: true, eventType: entry.eventType, raw };
  } catch (err) {
    if ((err as Error).message === 'potential precision loss') return decodeWithExactLongs(entry, data.subarray(HEADER_LENGTH));
    return reject('avro_decode', `cannot decode ${entry.eventType} body: ${(err as Error).message}`);
  }
}

/**
 * avsc reads a long only within ±(2^53 − 2) and says "potential precision loss", naming no field,
 * for anything beyond: so 2^53 − 1, a safe integer that JSON and CSV records may hold, was
 * refused. Such a record (rare: the common path stays avsc's own) is read again with its plain
 * longs as BigInt (a timestamp-millis long stays avsc's: event times are nowhere near 2^53); a safe
 * one becomes a number, one beyond is `wrong_type` of its field, as in JSON.
 */
function decodeWithExactLongs(entry: RegisteredSchema, body: Buffer): AvroDecodeResult {
  const { reader, resolver } = exactLongTypes(entry);
  let raw: Record<string, unknown>;
  try {
    raw = { ...(reader.fromBuffer(body, resolver) as Record<string, unknown>) };
  } catch (err) {
    return reject('avro_decode', `cannot decode ${entry.eventType} body: ${(err as Error).message}`);
  }
  for (const [field, value] of Object.entries(raw)) {
    if (typeof value !== 'bigint') continue;
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
      return reject(`wrong_type:${field}`, `${entry.eventType}.${field} must be a safe integer, got ${value.toString()}`);
    }
    raw[field] = Number(value);
  }
  const mangled = stringWithInvalidUtf8(entry, raw, body);
  if (mangled !== undefined) return reject('invalid_utf8', `${entry.eventType} field ${mangled} holds bytes that are not valid UTF-8`);
  return { ok: true, eventType: entry.eventType, raw };
}

/**
 * A long read and written as a BigInt, every 64-bit value exact (avsc's pattern for a long it does
 * not hold as a number: the 8 bytes are its in-memory form; on the wire it is Avro's varint).
 */
export const EXACT_LONG = avro.types.LongType.__with({
  fromBuffer: (buffer: Buffer) => buffer.readBigInt64LE(),
  toBuffer: (value: bigint) => {
    const buffer = Buffer.alloc(8);
    buffer.writeBigInt64LE(BigInt(value));
    return buffer;
  },
  fromJSON: (value: unknown) => BigInt(value as number),
  toJSON: (value: bigint) => Number(value),
  isValid: (value: unknown) => typeof value === 'bigint',
  compare: (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0),
});

const exactLongCache = new Map<bigint, { reader: avro.Type; resolver: avro.Resolver | undefined }>();

function exactLongTypes(entry: RegisteredSchema): { reader: avro.Type; resolver: avro.Resolver | undefined } {
  let types = exactLongCache.get(entry.fingerprint);
  if (!types) {
    const withExactLongs = (schema: avro.Schema) => avro.Type.forSchema(schema, { registry: { long: EXACT_LONG, boolean: strictBoolean() } });
    const reader = withExactLongs(avroTypes[entry.eventType].schema() as avro.Schema);
    const resolver = entry.resolver ? reader.createResolver(withExactLongs(entry.writerType.schema() as avro.Schema)) : undefined;
    types = { reader, resolver };
    exactLongCache.set(entry.fingerprint, types);
  }
  return types;
}

/**
 * The field whose Avro string was not valid UTF-8, if any. avsc decodes such bytes to U+FFFD, so
 * two different malformed ids would be stored as one (the JSON and CSV checks in wire.ts say why
 * that matters). Only a string holding U+FFFD can be one, so the common path costs one `includes`
 * per string field; such a record is read again with its strings as bytes and each checked. (Asking
 * whether the body holds the decoded string's UTF-8 somewhere passed a bid_id sent as the byte 0xFF
 * whenever another field held a genuine U+FFFD: the bid_id was stored as U+FFFD.)
 */
function stringWithInvalidUtf8(entry: RegisteredSchema, raw: Record<string, unknown>, body: Buffer): string | undefined {
  // The reader schema's string fields, not for…in: avsc's records inherit enumerable methods
  // (clone, toBuffer, …), and walking them cost 5 % of a replay's CPU.
  if (!holdsReplacementCharacter(stringFields[entry.eventType], raw)) return undefined;
  const asBytes = bytesReader(entry).fromBuffer(body) as Record<string, unknown>;
  for (const [field, value] of Object.entries(asBytes)) {
    if (Buffer.isBuffer(value) && !isUtf8(value)) return field;
  }
  return undefined;
}

/** A loop, not `some` with an arrow: this runs for every Avro record, and under tsx (keepNames) each closure made costs a defineProperty. */
function holdsReplacementCharacter(fields: readonly string[], raw: Record<string, unknown>): boolean {
  for (const field of fields) {
    const value = raw[field];
    if (typeof value === 'string' && value.includes('\uFFFD')) return true;
  }
  return false;
}

const bytesReaderCache = new Map<bigint, avro.Type>();

/** The writer schema with every string read as bytes (the same bytes on the wire: a length, then the bytes). */
function bytesReader(entry: RegisteredSchema): avro.Type {
  let reader = bytesReaderCache.get(entry.fingerprint);
  if (!reader) {
    reader = avro.Type.forSchema(stringsAsBytes(entry.writerType.schema()) as avro.Schema, { registry: { long: EXACT_LONG } });
    bytesReaderCache.set(entry.fingerprint, reader);
  }
  return reader;
}

function stringsAsBytes(schema: unknown): unknown {
  if (schema === 'string') return 'bytes';
  if (Array.isArray(schema)) return schema.map(stringsAsBytes);
  if (typeof schema !== 'object' || schema === null) return schema;
  const named = schema as Record<string, unknown>;
  const out: Record<string, unknown> = { ...named, type: stringsAsBytes(named.type) };
  if (Array.isArray(named.fields)) out.fields = (named.fields as Record<string, unknown>[]).map((field) => ({ ...field, type: stringsAsBytes(field.type) }));
  if ('items' in named) out.items = stringsAsBytes(named.items);
  if ('values' in named) out.values = stringsAsBytes(named.values);
  return out;
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
