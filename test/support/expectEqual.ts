/**
 * `expect(actual).toEqual(expected)` for large values: hundreds of thousands of rows, thousands of
 * buffers. Node's deep comparison decides first, many times faster than the matcher's (seconds a
 * comparison, in a suite that makes many). It is the stricter of the two, so a pass there is a pass
 * by toEqual's rules too; on any difference the matcher runs, to decide by its rules and show the diff.
 */
import { isDeepStrictEqual } from 'node:util';
import { expect } from 'vitest';

export function expectEqual(actual: unknown, expected: unknown, message?: string): void {
  if (isDeepStrictEqual(actual, expected)) return;
  expect(actual, message).toEqual(expected);
}
