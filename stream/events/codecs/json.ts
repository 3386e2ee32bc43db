/**
 * impression ⇄ JSON: one object whose keys are the schema's field names. Decoding only parses;
 * presence and types are checked by validate.ts so JSON follows the same rules as CSV and Avro.
 */
import { EVENT_TYPES, fieldSpecs } from '../schemas.ts';
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

/** Fields other event types have and an impression does not, each with its type: a JSON record with one is that type's event. */
const OTHER_TYPES_FIELDS = new Map(
  EVENT_TYPES.filter((type) => type !== 'impression').flatMap((type) =>
    fieldSpecs[type].filter((field) => !impressionKeys.includes(field.name)).map((field) => [field.name, type] as const),
  ),
);
const TYPE_MARKS = new Set(['type', 'event_type']);
const OTHER_TYPE_NAMES = new Set<string>(EVENT_TYPES.filter((type) => type !== 'impression'));

const rejectAs = (why: string): Rejection => ({ reason: 'json_not_impression', detail: `a JSON record is an impression, but this one has ${why}; send clicks and conversions as CSV and bid requests as Avro` });

/**
 * Why a parsed JSON object is not an impression, or undefined. JSON carries impressions only, and
 * unknown keys are dropped, so a click sent as JSON validated as an impression, its CPC counted
 * as impression spend. It is another type's when it says so (`type` or `event_type` naming
 * another event type, in any case) or has a field only another type has, with a value
 * (`impression_id` of a click, `bid_id` of a bid request). Asked of
 * every JSON record, so one walk over its keys against a set (about 240 ns a record; looking up
 * each of a dozen names in the record cost 670).
 */
export function notAnImpression(raw: Readonly<Record<string, unknown>>): Rejection | undefined {
  for (const key in raw) {
    const owner = OTHER_TYPES_FIELDS.get(key);
    // A null field is no field: a wide export writes every type's columns, the others' empty.
    if (owner && raw[key] !== null) return rejectAs(`${key}, a field of a ${owner}`);
    const mark = TYPE_MARKS.has(key) ? raw[key] : undefined;
    // Only another event type's name: `type` is also an ad format ("video", "banner") to many producers.
    if (typeof mark === 'string' && OTHER_TYPE_NAMES.has(mark.toLowerCase())) return rejectAs(`${key} "${mark.slice(0, 40)}"`);
  }
  return undefined;
}

const impressionStrings = fieldSpecs.impression.filter((field) => field.kind === 'string').map((field) => field.name);

/**
 * The first string field of a decoded impression that holds half a UTF-16 surrogate pair, or
 * undefined. JSON can write one as an ASCII escape ("\ud800"), which the byte-level UTF-8 check
 * cannot see; Parquet's UTF-8 would store it as U+FFFD, so two different ids would become one.
 */
export function unpairedSurrogate(body: Readonly<Record<string, unknown>>): string | undefined {
  for (const name of impressionStrings) {
    const value = body[name];
    if (typeof value === 'string' && !value.isWellFormed()) return name;
  }
  return undefined;
}
