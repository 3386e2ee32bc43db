/**
 * Bid requests in the current schema, read without avsc when every string is ASCII (every
 * producer's records): a fast path of avro.ts' decodeSingleObject, which reads any record this
 * refuses through avsc as before. readPlainBidRequest says why and what it takes.
 */
import type avro from 'avsc';
import { avroTypes } from '../schemas.ts';
import { HEADER_LENGTH, currentBidRequestHeader } from './singleObjectHeader.ts';

const CURRENT_HEADER = [...currentBidRequestHeader];

/** Whether the record starts with the current bid_request schema's 10 header bytes (2 marker, 8 fingerprint). */
export function hasCurrentBidRequestHeader(data: Buffer): boolean {
  for (let i = 0; i < HEADER_LENGTH; i++) if (data[i] !== CURRENT_HEADER[i]) return false;
  return true;
}

/**
 * The current schema's fields as readPlainBidRequest reads them, in order. Were the schema to
 * change (a field added, moved or retyped) while this reader did not, its records would be read
 * as the wrong fields: then every record goes through avsc, and the test of this reader fails.
 */
const PLAIN_LAYOUT = 'event_id:string event_time:long campaign_id:string ad_id:string publisher_id:string site_id:string placement:string country:string device_type:string user_id:string auction_id:string bid_id:string floor_micros:long bid_price_micros:long clearing_price_micros:long won:boolean bidder_latency_ms:int';
const PLAIN_LAYOUT_HOLDS = (avroTypes.bid_request as avro.types.RecordType).fields.map((f) => `${f.name}:${f.type.typeName}`).join(' ') === PLAIN_LAYOUT;

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
