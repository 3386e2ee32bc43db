/**
 * Where Kinesis puts a record: its hash key is the explicit hash key when the producer gave one,
 * else the MD5 of the UTF-8 partition key read as an unsigned 128-bit big-endian integer. A shard
 * owns the inclusive range [StartingHashKey, EndingHashKey] of that 128-bit space.
 */
import * as crypto from 'node:crypto';

export const MAX_HASH_KEY = (1n << 128n) - 1n;

/** A shard's inclusive hash-key range (the shard's StartingHashKey and EndingHashKey). */
export interface HashRange {
  start: bigint;
  end: bigint;
}

export const FULL_HASH_RANGE: HashRange = { start: 0n, end: MAX_HASH_KEY };

const DECIMAL = /^(0|[1-9]\d{0,38})$/;

function parseHashKey(text: string, what: string): bigint {
  const value = DECIMAL.test(text) ? BigInt(text) : -1n;
  if (value < 0n || value > MAX_HASH_KEY) throw new RangeError(`${what} must be a decimal integer in [0, 2^128), got "${text}"`);
  return value;
}

// crypto.hash (Node >= 20.12) is one call instead of three objects: twice as fast for short keys.
const md5Hex: (text: string) => string =
  typeof crypto.hash === 'function' ? (text) => crypto.hash('md5', text, 'hex') : (text) => crypto.createHash('md5').update(text, 'utf8').digest('hex');

export function hashKeyOf(partitionKey: string, explicitHashKey?: string): bigint {
  if (explicitHashKey !== undefined) return parseHashKey(explicitHashKey, 'explicit hash key');
  return BigInt(`0x${md5Hex(partitionKey)}`);
}

/** A shard's range from the strings ListShards (and the KCL lease table) hold. */
export function hashRangeOf(startingHashKey: string, endingHashKey: string): HashRange {
  const range = { start: parseHashKey(startingHashKey, 'starting hash key'), end: parseHashKey(endingHashKey, 'ending hash key') };
  if (range.start > range.end) throw new RangeError(`starting hash key ${startingHashKey} is above ending hash key ${endingHashKey}`);
  return range;
}

export const inHashRange = (key: bigint, range: HashRange): boolean => key >= range.start && key <= range.end;

export const coversAllHashKeys = (range: HashRange): boolean => range.start === 0n && range.end === MAX_HASH_KEY;
