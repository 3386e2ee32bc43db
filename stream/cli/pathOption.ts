/**
 * A parser for commander options and arguments that name a file or directory: an empty value
 * (a shell variable that was not set) resolved to the working directory, where `generate` and
 * `demo` then wrote and `digest` or `load-warehouse` failed on Node's or DuckDB's words.
 */
import { InvalidArgumentError } from 'commander';

export function pathOption(value: string): string {
  if (value === '') throw new InvalidArgumentError('must name a file or directory, not be empty.');
  return value;
}
