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

/** One array per field, in field order; a missing nullable value is `null`. */
export function toColumns(fields: FieldSpec[], rows: Record<string, unknown>[]): CellValue[][] {
  return fields.map((field) => {
    const column = new Array<CellValue>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const value = rows[i][field.name];
      if (value === null || value === undefined) {
        if (!field.nullable) throw new TypeError(`row ${i}: field ${field.name} is not nullable but has no value`);
        column[i] = null;
      } else if (fits(field.kind, value)) {
        column[i] = value as CellValue;
      } else {
        throw new TypeError(`row ${i}: field ${field.name} expects ${field.kind}, got ${JSON.stringify(value)}`);
      }
    }
    return column;
  });
}

/** Rows per row group for the JS encoders: DuckDB's default, so all three files are laid out alike. */
export const ROW_GROUP_SIZE = 122_880;
