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

/** One array per field, in field order; a missing nullable value is `null`. Throws on a value of the wrong kind. */
export function toColumns(fields: FieldSpec[], rows: Record<string, unknown>[]): CellValue[][] {
  return columnReaderFor(fields, false)(rows) ?? checkedColumns(fields, rows);
}

/** `toColumns` a cell at a time: throws with the first wrong cell's row and field. */
function checkedColumns(fields: FieldSpec[], rows: Record<string, unknown>[]): CellValue[][] {
  return fields.map((field) => {
    const column = new Array<CellValue>(rows.length);
    for (let i = 0; i < rows.length; i++) column[i] = checkedCell(field, rows[i][field.name], i);
    return column;
  });
}

/** The columns by field name, in field order: the shape `columnsForJson` hands to JSON.stringify. */
export type JsonColumns = Record<string, CellValue[]>;

/**
 * The rows as one checked array per field, keyed by field name, ready for JSON.stringify: the
 * same checks as `toColumns`, plus the two kinds of value JSON.stringify would lose. A string with
 * a lone surrogate (valid JSON text, so a record can carry one) becomes well-formed, U+FFFD in its
 * place, as every other encoder's UTF-8 makes it; a NaN or infinite double (JSON has no such
 * number) goes as the string DuckDB casts back to it.
 *
 * Why columns and not the rows themselves: each row object would repeat every field name, about
 * half of the JSON text (54 MB against 25 MB for 200,000 impressions), and JSON.stringify, the
 * UTF-8 copy and DuckDB's parse all scale with the text.
 */
export function columnsForJson(fields: FieldSpec[], rows: Record<string, unknown>[]): JsonColumns {
  const plain = columnReaderFor(fields, true)(rows);
  // Object.fromEntries, not an object literal: a field named __proto__ stays a field.
  if (plain) return Object.fromEntries(fields.map((field, f) => [field.name, plain[f]]));
  const columns = checkedColumns(fields, rows);
  return Object.fromEntries(
    fields.map((field, f) => [
      field.name,
      columns[f].map((value) => {
        if (typeof value === 'string') return value.isWellFormed() ? value : value.toWellFormed();
        if (field.kind === 'double' && typeof value === 'number' && !Number.isFinite(value)) return String(value);
        return value;
      }),
    ]),
  );
}

/**
 * The columns when every cell passes (for JSON: also has nothing JSON.stringify would lose);
 * otherwise null.
 */
type ColumnReader = (rows: Record<string, unknown>[]) => CellValue[][] | null;

const columnReaders = new Map<string, ColumnReader>();

/**
 * `toColumns`' and `columnsForJson`'s common case, compiled once per schema into straight-line
 * code (named property reads, no per-cell calls): every lake file's rows pass through it, and
 * nearly all are plain. Any row it doubts sends the batch through the general path, which throws
 * with the reason or replaces what must change. The source is built from field names and kinds
 * only, never from row data.
 */
function columnReaderFor(fields: FieldSpec[], forJson: boolean): ColumnReader {
  const signature = JSON.stringify([forJson, fields.map((f) => [f.name, f.kind, f.nullable])]);
  let read = columnReaders.get(signature);
  if (!read) {
    read = compileColumnReader(fields, forJson);
    columnReaders.set(signature, read);
  }
  return read;
}

function compileColumnReader(fields: FieldSpec[], forJson: boolean): ColumnReader {
  const lines = ['const n = rows.length;'];
  fields.forEach((_, f) => lines.push(`const c${f} = new Array(n);`));
  lines.push('for (let i = 0; i < n; i++) {', 'const row = rows[i];', 'let v;');
  fields.forEach((field, f) => {
    lines.push(`v = row[${JSON.stringify(field.name)}];`);
    const test = {
      string: forJson ? "typeof v === 'string' && v.isWellFormed()" : "typeof v === 'string'",
      long: 'Number.isSafeInteger(v)',
      timestamp_ms: 'Number.isSafeInteger(v)',
      int: `Number.isInteger(v) && v >= ${INT32_MIN} && v <= ${INT32_MAX}`,
      double: forJson ? "typeof v === 'number' && Number.isFinite(v)" : "typeof v === 'number'",
      boolean: "typeof v === 'boolean'",
    }[field.kind];
    const absent = field.nullable ? `c${f}[i] = null;` : 'return null;';
    lines.push(`if (v === null || v === undefined) { ${absent} } else if (${test}) { c${f}[i] = v; } else return null;`);
  });
  lines.push('}', `return [${fields.map((_, f) => `c${f}`).join(', ')}];`);
  return new Function('rows', lines.join('\n')) as ColumnReader;
}

/** Rows per row group for the JS encoders: DuckDB's default, so every encoder's files are laid out alike. */
export const ROW_GROUP_SIZE = 122_880;
