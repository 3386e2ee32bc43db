/**
 * The wire format of one Kinesis record, by event type: impression → JSON object, click and
 * conversion → one CSV line, bid_request → Avro single-object encoding. Decoding sniffs the format
 * from the first bytes, decodes, then validates with the rules every format shares.
 *
 * This is the consumer's hot path: no per-record work beyond one decode, one validation pass and
 * the body object it returns.
 */
import { isUtf8 } from 'node:buffer';
import type { AdEvent, DecodeResult } from './types.ts';
import { encodeImpression, decodeJsonObject, notAnImpression, unpairedSurrogate } from './codecs/json.ts';
import { encodeCsvLine, decodeCsvLine } from './codecs/csv.ts';
import { encodeBidRequest, decodeSingleObject, isSingleObject } from './codecs/avro.ts';
import { validateCells, validateTyped, type ValidationContext } from './validate.ts';
import type { SchemaRegistry } from './registry.ts';
import { base64Hint, notTextDetail } from './unreadableHints.ts';

export interface DecodeContext extends ValidationContext {
  /** Writer schemas for Avro records; defaults to the registry of every bid_request version we accept. */
  registry?: SchemaRegistry;
}

export type WireFormat = 'avro' | 'json' | 'csv' | 'gzip' | 'empty';

export function encodeEvent(event: AdEvent): Buffer {
  switch (event.type) {
    case 'impression':
      return encodeImpression(event.body);
    case 'click':
    case 'conversion':
      return Buffer.from(encodeCsvLine(event.type, event.body), 'utf8');
    case 'bid_request':
      return encodeBidRequest(event.body);
  }
}

/**
 * 0xC3 0x01 → Avro; 0x1F 0x8B → gzip; first non-whitespace byte `{` → JSON; otherwise CSV. A
 * leading `[` is also read as JSON: no CSV record type starts with it, and `json_not_object` says
 * more than `csv_unknown_type` would. A UTF-8 byte order mark (Windows tools write one) is
 * whitespace here and is not part of the text decoded.
 */
export function sniffFormat(data: Uint8Array): WireFormat {
  if (isSingleObject(data)) return 'avro';
  if (data[0] === 0x1f && data[1] === 0x8b) return 'gzip';
  for (let i = bomLength(data); i < data.length; i++) {
    const byte = data[i];
    if (byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d) continue;
    return byte === 0x7b || byte === 0x5b ? 'json' : 'csv';
  }
  return 'empty';
}

const bomLength = (data: Uint8Array): number => (data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf ? 3 : 0);

/**
 * One record's event, or why it has none. Whatever the decoders throw on (a bug, or input beyond
 * what they were built for) rejects this record as `undecodable` with the error's message; the
 * worker goes on with the next one rather than stopping every shard on it at each restart.
 */
export function decodeRecord(data: Uint8Array, ctx: DecodeContext): DecodeResult {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  try {
    return decodeBuffer(buf, ctx);
  } catch (error) {
    return { ok: false, rejection: { reason: 'undecodable', detail: `the decoder failed on this record: ${String((error as Error)?.message ?? error).slice(0, 200)}` } };
  }
}

function decodeBuffer(buf: Buffer, ctx: DecodeContext): DecodeResult {
  const format = sniffFormat(buf);
  // Text is checked, not repaired: decoding replaces bad bytes with U+FFFD, so two different
  // malformed ids would be stored as one and the second dropped as its duplicate.
  if ((format === 'json' || format === 'csv') && !isUtf8(buf)) {
    // A record sniffed as CSV is a CSV line or something of no format: say which it looks like.
    const detail = format === 'json' ? `a JSON record of ${buf.length} bytes that is not valid UTF-8` : notTextDetail(buf);
    return { ok: false, rejection: { reason: 'invalid_utf8', detail } };
  }
  switch (format) {
    case 'avro': {
      const decoded = decodeSingleObject(buf, ctx.registry);
      return decoded.ok ? validateTyped(decoded.eventType, decoded.raw, ctx, decoded.schemaShaped) : decoded;
    }
    case 'json': {
      const text = buf.toString('utf8', bomLength(buf));
      const decoded = decodeJsonObject(text);
      if (!decoded.ok) return decoded;
      const other = notAnImpression(decoded.raw);
      if (other) return { ok: false, rejection: other };
      const validated = validateTyped('impression', decoded.raw, ctx);
      // Valid UTF-8 holds no surrogate: only a \u escape can make one, and few records have any.
      const broken = validated.ok && text.includes('\\u') ? unpairedSurrogate(validated.event.body as unknown as Record<string, unknown>) : undefined;
      if (broken) return { ok: false, rejection: { reason: 'invalid_utf8', detail: `impression.${broken} holds half a UTF-16 surrogate pair (a \\u escape), which is not a character` } };
      return validated;
    }
    case 'csv': {
      const text = buf.toString('utf8', bomLength(buf));
      const decoded = decodeCsvLine(text);
      if (decoded.ok) return validateCells(decoded.eventType, decoded.cells, ctx);
      const { reason } = decoded.rejection;
      if (reason !== 'csv_unknown_type' && reason !== 'csv_syntax') return decoded;
      // Not a CSV event: a bare JSON null, number or boolean is said as the JSON it is (a quoted
      // string stays a CSV line in quotes, which its own detail shows).
      if (reason === 'csv_unknown_type' && /^\s*(null|true|false|-?\d)/.test(text)) {
        const asJson = decodeJsonObject(text);
        if (!asJson.ok && asJson.rejection.reason === 'json_not_object') return asJson;
      }
      const hint = base64Hint(buf);
      return hint ? { ok: false, rejection: { ...decoded.rejection, detail: `${decoded.rejection.detail}; ${hint}` } } : decoded;
    }
    case 'gzip':
      return { ok: false, rejection: { reason: 'compressed_record', detail: `a gzip stream of ${buf.length} bytes; put each event uncompressed (JSON, CSV or Avro), one per record` } };
    case 'empty':
      return { ok: false, rejection: { reason: 'empty_record', detail: `record of ${buf.length} bytes holds no data` } };
  }
}
