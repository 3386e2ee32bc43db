/**
 * The wire format of one Kinesis record, by event type: impression → JSON object, click and
 * conversion → one CSV line, bid_request → Avro single-object encoding. Decoding sniffs the format
 * from the first bytes, decodes, then validates with the rules every format shares.
 *
 * This is the consumer's hot path: no per-record work beyond one decode, one validation pass and
 * the body object it returns.
 */
import type { AdEvent, DecodeResult } from './types.ts';
import { encodeImpression, decodeJsonObject } from './codecs/json.ts';
import { encodeCsvLine, decodeCsvLine } from './codecs/csv.ts';
import { encodeBidRequest, decodeSingleObject, isSingleObject } from './codecs/avro.ts';
import { validateCells, validateTyped, type ValidationContext } from './validate.ts';
import type { SchemaRegistry } from './registry.ts';

export interface DecodeContext extends ValidationContext {
  /** Writer schemas for Avro records; defaults to the registry of every bid_request version we accept. */
  registry?: SchemaRegistry;
}

export type WireFormat = 'avro' | 'json' | 'csv' | 'empty';

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
 * 0xC3 0x01 → Avro; first non-whitespace byte `{` → JSON; otherwise CSV. A leading `[` is also
 * read as JSON: no CSV record type starts with it, and `json_not_object` says more than
 * `csv_unknown_type` would.
 */
export function sniffFormat(data: Uint8Array): WireFormat {
  if (isSingleObject(data)) return 'avro';
  for (let i = 0; i < data.length; i++) {
    const byte = data[i];
    if (byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d) continue;
    return byte === 0x7b || byte === 0x5b ? 'json' : 'csv';
  }
  return 'empty';
}

export function decodeRecord(data: Uint8Array, ctx: DecodeContext): DecodeResult {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  switch (sniffFormat(buf)) {
    case 'avro': {
      const decoded = decodeSingleObject(buf, ctx.registry);
      return decoded.ok ? validateTyped(decoded.eventType, decoded.raw, ctx) : decoded;
    }
    case 'json': {
      const decoded = decodeJsonObject(buf.toString('utf8'));
      return decoded.ok ? validateTyped('impression', decoded.raw, ctx) : decoded;
    }
    case 'csv': {
      const decoded = decodeCsvLine(buf.toString('utf8'));
      return decoded.ok ? validateCells(decoded.eventType, decoded.cells, ctx) : decoded;
    }
    case 'empty':
      return { ok: false, rejection: { reason: 'empty_record', detail: `record of ${buf.length} bytes holds no data` } };
  }
}
