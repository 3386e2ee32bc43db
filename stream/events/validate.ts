/**
 * Validation derived from `fieldSpecs` (schemas.ts), so every format and every event type obeys
 * the same rules, in schema field order, first failure wins:
 * 1. presence: `missing_field:<name>` (absent/null non-nullable value, or an empty `_id`);
 * 2. type: `wrong_type:<name>` (integers must be integral and safe; `int` must fit 32 bits);
 * 3. money (`_micros`) is non-negative: `negative_money:<name>`;
 * 4. `event_time` is at most `maxFutureSkewMs` after the record's arrival: `event_time_in_future`;
 *    and not before 2000-01-01: `event_time_too_old` (epoch seconds sent as milliseconds land in
 *    January 1970, and a time before year 0 has no date the lake can partition by);
 * 5. a string is at most MAX_STRING_BYTES bytes of UTF-8: `field_too_long:<name>`. Every string
 *    field is an id or a short label, the warehouse declares them VARCHAR(256) (bytes), and ids
 *    become window keys, detector series and snapshot state: a producer sending landing-page URLs
 *    as campaign ids grew one shard's snapshot past what a JavaScript string can hold, and every
 *    checkpoint failed.
 *
 * Typed values (JSON, Avro) and text cells (CSV) differ only in how a value is read; the checks
 * after that are shared. The validated body holds exactly the schema's fields, in schema order,
 * so unknown JSON keys are dropped.
 */
import { EVENT_TYPES, fieldSpecs, isIdField, isMoneyField, type EventType, type FieldSpec } from './schemas.ts';
import type { AdEvent, DecodeResult, Rejection } from './types.ts';
import { visible } from './visible.ts';
import { clipped } from './textCut.ts';

export const DEFAULT_MAX_FUTURE_SKEW_MS = 5 * 60 * 1000;
/** The earliest event time accepted, 2000-01-01T00:00:00Z. */
export const EARLIEST_EVENT_TIME = Date.UTC(2000, 0, 1);
/**
 * The latest event time accepted whatever the arrival, 9999-12-31T23:59:59.999Z: a later one's
 * ISO date has six digits of year ("+010000-01-01"), so its partition was dt=+010000-01/hour=01,
 * which no date projection reads. Only a recording's arrival near year 10000 gets this far.
 */
export const LATEST_EVENT_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
export const MAX_STRING_BYTES = 256;
/** A UTF-16 code unit takes at most 3 bytes of UTF-8: a string this short needs no counting. */
const SURELY_SHORT = Math.floor(MAX_STRING_BYTES / 3);
const tooLong = (text: string): boolean => text.length > SURELY_SHORT && Buffer.byteLength(text, 'utf8') > MAX_STRING_BYTES;

export interface ValidationContext {
  /** When the record reached the stream (Kinesis ApproximateArrivalTimestamp), epoch ms. */
  arrivalTime: number;
  /** How far event_time may run ahead of arrival (producer clock skew). Default 5 minutes. */
  maxFutureSkewMs?: number;
}

/** Sentinels so reading a value needs no result object per field. */
const MISSING = Symbol('missing');
const WRONG = Symbol('wrong');

interface FieldRule {
  name: string;
  index: number;
  spec: FieldSpec;
  money: boolean;
  eventTime: boolean;
  fromTyped: (value: unknown) => unknown;
  fromText: (cell: string) => unknown;
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
// At most 16 digits: anything longer cannot be a safe integer, and the regex stays cheap.
const INTEGER_TEXT = /^-?\d{1,16}$/;
const DECIMAL_TEXT = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;

function typedReader(spec: FieldSpec, id: boolean): (value: unknown) => unknown {
  const checkInt32 = spec.kind === 'int';
  return (value) => {
    if (value === undefined || value === null) return spec.nullable ? null : MISSING;
    switch (spec.kind) {
      case 'string':
        if (typeof value !== 'string') return WRONG;
        return id && value === '' && !spec.nullable ? MISSING : value;
      case 'long':
      case 'int':
      case 'timestamp_ms':
        if (typeof value !== 'number' || !Number.isSafeInteger(value)) return WRONG;
        return checkInt32 && (value < INT32_MIN || value > INT32_MAX) ? WRONG : value;
      case 'double':
        return typeof value === 'number' && Number.isFinite(value) ? value : WRONG;
      case 'boolean':
        return typeof value === 'boolean' ? value : WRONG;
    }
  };
}

function textReader(spec: FieldSpec, id: boolean): (cell: string) => unknown {
  const checkInt32 = spec.kind === 'int';
  return (cell) => {
    if (cell === '') {
      if (spec.nullable) return null;
      // An empty non-id string is a legitimate (if odd) value; an empty number or id is absent.
      return spec.kind === 'string' && !id ? '' : MISSING;
    }
    switch (spec.kind) {
      case 'string':
        return cell;
      case 'long':
      case 'int':
      case 'timestamp_ms': {
        if (!INTEGER_TEXT.test(cell)) return WRONG;
        const n = Number(cell);
        if (!Number.isSafeInteger(n)) return WRONG;
        return checkInt32 && (n < INT32_MIN || n > INT32_MAX) ? WRONG : n;
      }
      case 'double':
        return DECIMAL_TEXT.test(cell) ? Number(cell) : WRONG;
      case 'boolean':
        return cell === 'true' ? true : cell === 'false' ? false : WRONG;
    }
  };
}

const rules: Record<EventType, FieldRule[]> = Object.fromEntries(
  EVENT_TYPES.map((type) => [
    type,
    fieldSpecs[type].map((spec, index) => ({
      name: spec.name,
      index,
      spec,
      money: isMoneyField(spec.name),
      eventTime: spec.name === 'event_time',
      fromTyped: typedReader(spec, isIdField(spec.name)),
      fromText: textReader(spec, isIdField(spec.name)),
    })),
  ]),
) as Record<EventType, FieldRule[]>;

/**
 * The typed-value rules of one event type compiled into one straight-line function (as avsc
 * compiles its readers, and ajv its validators): named property reads and a body built as one
 * object literal, where the rule loop pays a closure call and a keyed read per field. It only
 * says whether a record is valid; a record it refuses goes through the rule loop, which names the
 * reason (1–2 % of records, so the message-building stays in one place). The generated source is
 * built from the schema alone, never from input.
 *
 * `inPlace`: the body is `raw` itself, absent nullable values set to null, for a `raw` that holds
 * the schema's fields and no others, in schema order (the plain bid-request reader's): no second
 * object of every field a record.
 */
type CompiledCheck = (raw: Record<string, unknown>, latest: number) => Record<string, unknown> | undefined;

function compileTypedCheck(type: EventType, inPlace: boolean): CompiledCheck {
  const lines: string[] = [];
  const names: string[] = [];
  rules[type].forEach((rule, i) => {
    const v = `v${i}`;
    const { kind, nullable } = rule.spec;
    names.push(`${JSON.stringify(rule.name)}: ${v}`);
    lines.push(`let ${v} = raw[${JSON.stringify(rule.name)}];`);
    const setNull = inPlace ? `raw[${JSON.stringify(rule.name)}] = null;` : `${v} = null;`;
    lines.push(`if (${v} === undefined || ${v} === null) { ${nullable ? setNull : 'return undefined;'} } else {`);
    switch (kind) {
      case 'string':
        lines.push(`if (typeof ${v} !== 'string' || tooLong(${v})) return undefined;`);
        if (isIdField(rule.name) && !nullable) lines.push(`if (${v} === '') return undefined;`);
        break;
      case 'long':
      case 'int':
      case 'timestamp_ms':
        lines.push(`if (typeof ${v} !== 'number' || !Number.isSafeInteger(${v})) return undefined;`);
        if (kind === 'int') lines.push(`if (${v} < ${INT32_MIN} || ${v} > ${INT32_MAX}) return undefined;`);
        break;
      case 'double':
        lines.push(`if (typeof ${v} !== 'number' || !Number.isFinite(${v})) return undefined;`);
        break;
      case 'boolean':
        lines.push(`if (typeof ${v} !== 'boolean') return undefined;`);
        break;
    }
    if (rule.money) lines.push(`if (${v} < 0) return undefined;`);
    if (rule.eventTime) lines.push(`if (${v} > latest || ${v} < ${EARLIEST_EVENT_TIME}) return undefined;`);
    lines.push('}');
  });
  lines.push(inPlace ? 'return raw;' : `return { ${names.join(', ')} };`);
  // Made by a factory that closes over tooLong: new Function's body sees only globals.
  const factory = new Function('tooLong', `return function check(raw, latest) {\n${lines.join('\n')}\n};`) as (long: typeof tooLong) => CompiledCheck;
  return factory(tooLong);
}

const compiledChecks = (inPlace: boolean) => Object.fromEntries(EVENT_TYPES.map((type) => [type, compileTypedCheck(type, inPlace)])) as Record<EventType, CompiledCheck>;
const compiledTyped = compiledChecks(false);
const compiledInPlace = compiledChecks(true);

/**
 * Validates typed values (a parsed JSON object or a decoded Avro record). `schemaShaped`: `raw`
 * holds the schema's fields and no others, in schema order, and is the caller's to give away: it
 * becomes the event's body.
 */
export function validateTyped(type: EventType, raw: Record<string, unknown>, ctx: ValidationContext, schemaShaped = false): DecodeResult {
  const body = (schemaShaped ? compiledInPlace : compiledTyped)[type](raw, latestEventTime(ctx));
  if (body) return { ok: true, event: { type, body } as unknown as AdEvent };
  return validate(type, ctx, raw, null, 0);
}

/** The rule loop alone on typed values: what the compiled check must agree with (tests). */
export function validateTypedByRules(type: EventType, raw: Record<string, unknown>, ctx: ValidationContext): DecodeResult {
  return validate(type, ctx, raw, null, 0);
}

/** Validates CSV cells; `cells[offset + i]` is field i (offset 1 skips the record-type column). */
export function validateCells(type: EventType, cells: readonly string[], ctx: ValidationContext, offset = 1): DecodeResult {
  return validate(type, ctx, null, cells, offset);
}

// One loop for both sources rather than per-call closures: this runs for every record.
function validate(
  type: EventType,
  ctx: ValidationContext,
  raw: Record<string, unknown> | null,
  cells: readonly string[] | null,
  offset: number,
): DecodeResult {
  const latest = latestEventTime(ctx);
  const body: Record<string, unknown> = {};
  for (const rule of rules[type]) {
    const value = cells ? rule.fromText(cells[offset + rule.index] ?? '') : rule.fromTyped(raw?.[rule.name]);
    if (value === MISSING) {
      return rejected(`missing_field:${rule.name}`, `${type}.${rule.name} is missing or empty`);
    }
    if (value === WRONG) {
      return rejected(
        `wrong_type:${rule.name}`,
        `${type}.${rule.name} must be ${describe(rule.spec)}, got ${preview(cells ? cells[offset + rule.index] : raw?.[rule.name])}`,
      );
    }
    if (rule.money && (value as number) < 0) {
      return rejected(`negative_money:${rule.name}`, `${type}.${rule.name} is ${value as number}; money cannot be negative`);
    }
    if (rule.eventTime && (value as number) > latest) {
      if (latest === LATEST_EVENT_TIME && (value as number) <= ctx.arrivalTime + (ctx.maxFutureSkewMs ?? DEFAULT_MAX_FUTURE_SKEW_MS)) {
        return rejected('event_time_in_future', `event_time ${value as number} is after 9999-12-31T23:59:59.999Z (${LATEST_EVENT_TIME}), which has no date the lake can partition by`);
      }
      return rejected(
        'event_time_in_future',
        `event_time ${value as number} is ${(value as number) - ctx.arrivalTime} ms after arrival ${ctx.arrivalTime}${microsHint(value as number, latest)}`,
      );
    }
    if (rule.eventTime && (value as number) < EARLIEST_EVENT_TIME) {
      return rejected('event_time_too_old', `event_time ${value as number} is before 2000-01-01 (${EARLIEST_EVENT_TIME}); epoch seconds instead of milliseconds?`);
    }
    if (typeof value === 'string' && tooLong(value)) {
      return rejected(`field_too_long:${rule.name}`, `${type}.${rule.name} is ${Buffer.byteLength(value, 'utf8')} bytes of UTF-8, more than ${MAX_STRING_BYTES}: ${preview(value)}`);
    }
    body[rule.name] = value;
  }
  return { ok: true, event: { type, body } as unknown as AdEvent };
}

const latestEventTime = (ctx: ValidationContext): number => Math.min(ctx.arrivalTime + (ctx.maxFutureSkewMs ?? DEFAULT_MAX_FUTURE_SKEW_MS), LATEST_EVENT_TIME);

/** An event time that would be valid read as epoch microseconds (a common unit of other pipelines) says so. */
const microsHint = (value: number, latest: number): string =>
  value / 1000 >= EARLIEST_EVENT_TIME && value / 1000 <= latest ? `; epoch microseconds instead of milliseconds? (${new Date(Math.floor(value / 1000)).toISOString()} read so)` : '';

function rejected(reason: Rejection['reason'], detail: string): DecodeResult {
  return { ok: false, rejection: { reason, detail } };
}

function describe(spec: FieldSpec): string {
  const base = {
    string: 'a string',
    long: 'a safe integer',
    int: 'a 32-bit integer',
    timestamp_ms: 'an integer epoch-ms timestamp',
    double: 'a finite number',
    boolean: 'true or false',
  }[spec.kind];
  return spec.nullable ? `${base} or null` : base;
}

/**
 * At most 60 characters of a bad value for the rejection's detail. A long string is cut before
 * quoting (a 900 KB cell made a 900 KB detail), and an array or object is only named: stringifying
 * one nested 8,000 deep overflowed the stack and took the worker down with it.
 */
function preview(value: unknown): string {
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object' && value !== null) return 'an object';
  const text = typeof value === 'string' ? visible(JSON.stringify(value.slice(0, 60))) : String(value);
  return clipped(text, 60);
}
