/**
 * impression ⇄ JSON: one object whose keys are the schema's field names. Decoding only parses;
 * presence and types are checked by validate.ts so JSON follows the same rules as CSV and Avro.
 */
import { fieldSpecs } from '../schemas.ts';
import type { Impression, Rejection } from '../types.ts';

export type JsonDecodeResult = { ok: true; raw: Record<string, unknown> } | { ok: false; rejection: Rejection };

// A replacer array both drops keys outside the schema and fixes the key order to schema order.
const impressionKeys = fieldSpecs.impression.map((f) => f.name);

export function encodeImpression(body: Impression): Buffer {
  return Buffer.from(JSON.stringify(body, impressionKeys), 'utf8');
}

export function decodeJsonObject(text: string): JsonDecodeResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { ok: false, rejection: { reason: 'json_syntax', detail: (err as Error).message } };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    const kind = Array.isArray(parsed) ? 'an array' : parsed === null ? 'null' : `a ${typeof parsed}`;
    return { ok: false, rejection: { reason: 'json_not_object', detail: `expected a JSON object, got ${kind}` } };
  }
  return { ok: true, raw: parsed as Record<string, unknown> };
}
