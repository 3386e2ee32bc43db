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

/** Encodes a bid request with the current schema, the one producers write. */
export function encodeBidRequest(body: BidRequest): Buffer {
  return Buffer.concat([currentBidRequestHeader, currentType.toBuffer(body)]);
}

export function decodeSingleObject(data: Buffer, registry: SchemaRegistry = defaultRegistry): AvroDecodeResult {
  if (registry.currentBidRequest !== undefined && hasCurrentBidRequestHeader(data)) {
    const raw = readPlainBidRequest(data);
    if (raw !== undefined) return { ok: true, eventType: 'bid_request', raw };
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

const CURRENT_HEADER = [...currentBidRequestHeader];

/** Whether the record starts with the current bid_request schema's 10 header bytes (2 marker, 8 fingerprint). */
function hasCurrentBidRequestHeader(data: Buffer): boolean {
  for (let i = 0; i < HEADER_LENGTH; i++) if (data[i] !== CURRENT_HEADER[i]) return false;
  return true;
}

/**
 * The current schema's fields as readPlainBidRequest reads them, in order. Were the schema to
 * change (a field added, moved or retyped) while this reader did not, its records would be read
 * as the wrong fields: then every record goes through avsc, and the test of this reader fails.
 */
const PLAIN_LAYOUT = 'event_id:string event_time:long campaign_id:string ad_id:string publisher_id:string site_id:string placement:string country:string device_type:string user_id:string auction_id:string bid_id:string floor_micros:long bid_price_micros:long clearing_price_micros:long won:boolean bidder_latency_ms:int';
const PLAIN_LAYOUT_HOLDS = (currentType as avro.types.RecordType).fields.map((f) => `${f.name}:${f.type.typeName}`).join(' ') === PLAIN_LAYOUT;

/** avsc's largest long held as a number (its `isSafeLong`): beyond, it says "potential precision loss". */
const AVSC_SAFE_LONG = 9007199254740990;

/**
 * A bid request in the current schema whose strings are all ASCII (every producer's), read here
 * rather than by avsc, or undefined for any other record, which the caller then reads as before.
 * Why: avsc makes each of its 11 strings with a call into C++ (utf8Slice) and each is then searched
 * for U+FFFD; here the record is one latin1 string and the fields are slices of it, which for ASCII
 * bytes are the same characters (an ASCII string holds no U+FFFD, so the UTF-8 check has nothing to
 * find). 46,818 of the bench recording's bid requests, 2026-12-07: 1.4–1.6 µs a record through
 * avsc, 0.3–0.6 here; the bench replay +3.3 % records per CPU-second cold, +4.9 % warm (medians of 6
 * alternating pairs), every output file the same bytes.
 *
 * It reads exactly what avsc reads and refuses the rest: a string whose length takes more than one
 * byte (over 63 bytes) or holds a byte above 0x7F, a long beyond avsc's ±(2^53 − 2), a boolean
 * byte other than 0 or 1, a body cut short or with bytes after it. Such a record goes through
 * avsc, which says what is wrong with it, with the same words as before.
 */
export function readPlainBidRequest(data: Buffer): Record<string, unknown> | undefined {
  if (!PLAIN_LAYOUT_HOLDS || data.length > PLAIN_MAX_BYTES) return undefined;
  const text = data.toString('latin1');
  const r: PlainReader = { data, text, pos: HEADER_LENGTH };
  const event_id = asciiString(r);
  const event_time = safeLong(r);
  const campaign_id = asciiString(r);
  const ad_id = asciiString(r);
  const publisher_id = asciiString(r);
  const site_id = asciiString(r);
  const placement = asciiString(r);
  const country = asciiString(r);
  const device_type = asciiString(r);
  const user_id = asciiString(r);
  const auction_id = asciiString(r);
  const bid_id = asciiString(r);
  const floor_micros = safeLong(r);
  const bid_price_micros = safeLong(r);
  const clearing_price_micros = safeLong(r);
  const wonByte = r.pos < data.length ? data[r.pos++] : -1;
  const bidder_latency_ms = safeLong(r);
  // A refused field leaves pos past the end, so one comparison covers every refusal.
  if (r.pos !== data.length || (wonByte !== 0 && wonByte !== 1)) return undefined;
  return {
    event_id,
    event_time,
    campaign_id,
    ad_id,
    publisher_id,
    site_id,
    placement,
    country,
    device_type,
    user_id,
    auction_id,
    bid_id,
    floor_micros,
    bid_price_micros,
    clearing_price_micros,
    won: wonByte === 1,
    bidder_latency_ms,
  };
}

interface PlainReader {
  readonly data: Buffer;
  /** The whole record as latin1: one character a byte, so a byte offset is a character offset. */
  readonly text: string;
  pos: number;
}

/**
 * Past any record read plainly (PLAIN_MAX_BYTES): a refused field sets pos here, and every read
 * after it is refused too. A small integer, as every position is: with a double here
 * (Number.MAX_SAFE_INTEGER), a reader of JSON impressions built the same way (tried, not kept)
 * went into a loop of deoptimisations at each refusal, and the replay ran 27 % slower.
 */
const REFUSED = 0x3fffffff;
/** Longer than any record it reads: 11 strings of at most 63 bytes and their lengths, 6 varints of at most 10 bytes, a boolean, the header (775). */
const PLAIN_MAX_BYTES = 1024;

function asciiString(r: PlainReader): string {
  const { data } = r;
  const lengthByte = r.pos < data.length ? data[r.pos] : 0x80;
  // One byte, even (zigzag of 0..63): a longer length or a negative one is refused.
  if ((lengthByte & 0x81) !== 0) return refusedString(r);
  const start = r.pos + 1;
  const end = start + (lengthByte >> 1);
  if (end > data.length) return refusedString(r);
  let bits = 0;
  let hash = end - start;
  for (let i = start; i < end; i++) {
    const byte = data[i];
    bits |= byte;
    hash = (Math.imul(hash, 31) + byte) | 0;
  }
  if ((bits & 0x80) !== 0) return refusedString(r);
  r.pos = end;
  return end - start <= SHARED_MAX_LENGTH ? sharedString(r, start, end, hash) : r.text.slice(start, end);
}

/**
 * Short strings (the dimensions: campaign, ad, publisher, site, placement, country, device) come
 * from a small cache keyed by their bytes, one string object for each value that recurs, as
 * JSON.parse gives them (V8 internalizes the JSON strings of up to 10 characters): no string
 * made per field and record, and its hash, computed once, serves every Map that the windows and
 * detectors look it up in. A slot holds the last value hashed to it; the cache only decides which
 * equal string is returned, never what it holds. Bench replay, 2026-12-07: 71–75 scavenges a warm
 * pass instead of 76–81, and +5.3 % records per CPU-second cold, +4.4 % warm (6 alternating pairs).
 */
const SHARED_MAX_LENGTH = 12;
const SHARED_SLOTS = 4096;
const sharedStrings: string[] = new Array<string>(SHARED_SLOTS).fill('');

function sharedString(r: PlainReader, start: number, end: number, hash: number): string {
  const slot = hash & (SHARED_SLOTS - 1);
  const cached = sharedStrings[slot];
  if (cached.length === end - start) {
    let same = true;
    for (let i = start; i < end; i++) {
      if (cached.charCodeAt(i - start) !== r.data[i]) {
        same = false;
        break;
      }
    }
    if (same) return cached;
  }
  const made = r.text.slice(start, end);
  sharedStrings[slot] = made;
  return made;
}

/** avsc's readLong (lib/utils.js), byte for byte, within the bounds of the record and of avsc's isSafeLong. */
function safeLong(r: PlainReader): number {
  const { data } = r;
  let pos = r.pos;
  let n = 0;
  let k = 0;
  let b: number;
  let h: number;
  do {
    if (pos >= data.length) return refuse(r);
    b = data[pos++];
    h = b & 0x80;
    n |= (b & 0x7f) << k;
    k += 7;
  } while (h && k < 28);
  let value: number;
  if (h) {
    let f = n;
    let fk = 268435456;
    do {
      if (pos >= data.length) return refuse(r);
      b = data[pos++];
      f += (b & 0x7f) * fk;
      fk *= 128;
    } while (b & 0x80);
    value = (f % 2 ? -(f + 1) : f) / 2;
  } else {
    value = (n >> 1) ^ -(n & 1);
  }
  if (!(value >= -AVSC_SAFE_LONG && value <= AVSC_SAFE_LONG)) return refuse(r);
  r.pos = pos;
  return value;
}

/** Refuses the record; what it returns stands in for the field's value and is never used. */
function refuse(r: PlainReader): number {
  r.pos = REFUSED;
  return 0;
}

function refusedString(r: PlainReader): string {
  r.pos = REFUSED;
  return '';
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
