/**
 * Turns rows into one checked array per field, so that every encoder sees the same values and
 * fails the same way on a value of the wrong kind (instead of each library coercing it its own
 * way: parquetjs would parseInt a string, hyparquet would guess).
 */
import type { FieldSpec } from '../../stream/events/schemas.ts';

export type CellValue = string | number | boolean | null;

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

function fits(kind: FieldSpec['kind'], value: unknown): boolean {
  switch (kind) {
    case 'string':
      return typeof value === 'string';
    case 'long':
    case 'timestamp_ms':
      return Number.isSafeInteger(value);
    case 'int':
      return Number.isInteger(value) && (value as number) >= INT32_MIN && (value as number) <= INT32_MAX;
    case 'double':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
  }
}

/** The checked value of one cell: `null` for a missing nullable value; throws on a wrong kind. */
function checkedCell(field: FieldSpec, value: unknown, row: number): CellValue {
  if (value === null || value === undefined) {
    if (!field.nullable) throw new TypeError(`row ${row}: field ${field.name} is not nullable but has no value`);
    return null;
  }
  if (!fits(field.kind, value)) throw new TypeError(`row ${row}: field ${field.name} expects ${field.kind}, got ${JSON.stringify(value)}`);
  return value as CellValue;
}

/** One array per field, in field order; a missing nullable value is `null`. */
export function toColumns(fields: FieldSpec[], rows: Record<string, unknown>[]): CellValue[][] {
  return fields.map((field) => {
    const column = new Array<CellValue>(rows.length);
    for (let i = 0; i < rows.length; i++) column[i] = checkedCell(field, rows[i][field.name], i);
    return column;
  });
}

/**
 * The rows checked as `toColumns` checks them, ready for JSON.stringify, which would lose two
 * kinds of value: a string with a lone surrogate (valid JSON text, so a record can carry one)
 * becomes well-formed, U+FFFD in its place, as every other encoder's UTF-8 makes it; a NaN or
 * infinite double (JSON has no such number) goes as the string DuckDB casts back to it. Only
 * rows holding such a value are copied.
 */
export function checkRowsForJson(fields: FieldSpec[], rows: Record<string, unknown>[]): Record<string, unknown>[] {
  if (plainCheckFor(fields)(rows)) return rows;
  let out = rows;
  const replace = (i: number, name: string, value: unknown): void => {
    if (out === rows) out = rows.slice();
    out[i] = { ...out[i], [name]: value };
  };
  // Row by row, one pass over each row's fields: a pass per field over every row was slower
  // (each row object is visited once this way, while it is in cache).
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    for (const field of fields) {
      const value = checkedCell(field, row[field.name], i);
      if (typeof value === 'string') {
        if (!value.isWellFormed()) replace(i, field.name, value.toWellFormed());
      } else if (field.kind === 'double' && typeof value === 'number' && !Number.isFinite(value)) {
        replace(i, field.name, String(value));
      }
    }
  }
  return out;
}

/** True when every row is already fit for JSON.stringify as it is: nothing to throw on, nothing to replace. */
type PlainCheck = (rows: Record<string, unknown>[]) => boolean;

const plainChecks = new Map<string, PlainCheck>();

/**
 * `checkRowsForJson`'s common case, compiled once per schema into straight-line code (named
 * property reads, no per-cell calls): every lake file's rows pass through it, and nearly all are
 * plain. Any row it doubts goes through the general path, which throws with the reason or copies
 * what must change. The source is built from field names and kinds only, never from row data.
 */
function plainCheckFor(fields: FieldSpec[]): PlainCheck {
  const signature = JSON.stringify(fields.map((f) => [f.name, f.kind, f.nullable]));
  let check = plainChecks.get(signature);
  if (!check) {
    check = compilePlainCheck(fields);
    plainChecks.set(signature, check);
  }
  return check;
}

function compilePlainCheck(fields: FieldSpec[]): PlainCheck {
  const lines = ['for (let i = 0; i < rows.length; i++) {', 'const row = rows[i];', 'let v;'];
  for (const field of fields) {
    lines.push(`v = row[${JSON.stringify(field.name)}];`);
    const absent = field.nullable ? '' : 'if (v === null || v === undefined) return false;';
    const test = {
      string: "typeof v === 'string' && v.isWellFormed()",
      long: 'Number.isSafeInteger(v)',
      timestamp_ms: 'Number.isSafeInteger(v)',
      int: `Number.isInteger(v) && v >= ${INT32_MIN} && v <= ${INT32_MAX}`,
      double: "typeof v === 'number' && Number.isFinite(v)",
      boolean: "typeof v === 'boolean'",
    }[field.kind];
    lines.push(absent, `if (v !== null && v !== undefined && !(${test})) return false;`);
  }
  lines.push('}', 'return true;');
  return new Function('rows', lines.join('\n')) as PlainCheck;
}

/** Rows per row group for the JS encoders: DuckDB's default, so all three files are laid out alike. */
export const ROW_GROUP_SIZE = 122_880;
