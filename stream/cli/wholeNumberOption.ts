/**
 * Parsers for commander options that take a whole number in a range (shards, ports, seeds,
 * counts): the refusal names the range, and commander turns it into one line and exit code 2.
 */
import { InvalidArgumentError } from 'commander';
import { decimalNumber } from '../config/load.ts';

/** A parser for whole numbers from `min` to `max`; `range` is how the refusal words them. */
export function wholeNumberOption(min: number, max: number, range = `a whole number from ${min} to ${max}`): (value: string) => number {
  return (value: string): number => {
    // Decimal digits, as the configuration's whole numbers: Number() took --seed 0x10 as 16 and
    // --seed "" (an unset variable) as 0.
    const parsed = decimalNumber(value.trim());
    if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) throw new InvalidArgumentError(`must be ${range}.`);
    return parsed;
  };
}

export const positiveInteger = wholeNumberOption(1, Number.MAX_SAFE_INTEGER, 'a whole number above 0');
