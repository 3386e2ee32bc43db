/**
 * The embedded Kinesis's sequence numbers on BigInt are kinesalite's own: for every sequence number
 * kinesalite makes, and for what it refuses, the replacements give what kinesalite's bignumber.js
 * functions give, value for value and error for error. Workers compare and store these strings, and
 * a recording keeps them, so one digit of difference would be a different stream.
 */
import { describe, expect, it } from 'vitest';
import { kinesaliteSequenceMath, type SequenceParts } from '../../../stream/local/kinesaliteSequences.ts';
import { mulberry32, seededUniform } from '../../support/seededRandom.ts';

const { kinesalite, bigInt } = kinesaliteSequenceMath();

/** What a call gave: its value, made comparable, or its error's message. */
function outcome(call: () => unknown): { value: unknown } | { error: string } {
  try {
    const value = call();
    // A BigNumber (partitionKeyToHashKey) compares by its digits.
    return { value: typeof value === 'object' && value !== null && 'toFixed' in value ? String(value) : value };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** Sequence-number fields as putRecords, getRecords and incrementSequence pass them. */
function randomParts(seed: number, count: number): SequenceParts[] {
  const uint = mulberry32(seed);
  const uniform = seededUniform(seed + 1);
  const parts: SequenceParts[] = [];
  for (let i = 0; i < count; i++) {
    // A seqIx as putRecords counts it (a small number) or as parseSequence gives it back (up to 2^63 − 1, decimal).
    const bigSeqIx = ((BigInt(uint() & 0x7fffffff) << 32n) | BigInt(uint())).toString();
    parts.push({
      shardCreateTime: Math.floor(uniform() * 16_025_174_999) * 1000 + (i % 1000),
      shardIx: i % 5 === 0 ? uint() & 0x7fffffff : uint() % 64,
      seqIx: i % 3 === 0 ? bigSeqIx : uint() % 100_000,
      seqTime: i % 7 === 0 ? undefined : Math.floor(uniform() * 2 ** 36) * 1000 + (i % 997),
      ...(i % 11 === 0 ? { byte1: (uint() % 256).toString(16).padStart(2, '0') } : {}),
    });
  }
  return parts;
}

describe('the embedded Kinesis sequence numbers', () => {
  it('are made and read back as kinesalite makes and reads them', () => {
    const differing: string[] = [];
    for (const parts of randomParts(20261208, 20_000)) {
      const made = outcome(() => bigInt.stringifySequence(parts));
      const theirs = outcome(() => kinesalite.stringifySequence(parts));
      if (JSON.stringify(made) !== JSON.stringify(theirs)) differing.push(`stringify ${JSON.stringify(parts)}: ${JSON.stringify(made)} against ${JSON.stringify(theirs)}`);
      if (!('value' in theirs)) continue;
      const sequence = theirs.value as string;
      const read = outcome(() => bigInt.parseSequence(sequence));
      const theirRead = outcome(() => kinesalite.parseSequence(sequence));
      if (JSON.stringify(read) !== JSON.stringify(theirRead)) differing.push(`parse ${sequence}: ${JSON.stringify(read)} against ${JSON.stringify(theirRead)}`);
    }
    expect(differing.slice(0, 5)).toEqual([]);
  });

  it('refuse, or read in other layouts, what kinesalite refuses or reads that way, with its errors', () => {
    const version2 = kinesalite.stringifySequence({ shardCreateTime: 1_700_000_000_000, shardIx: 3, seqIx: 12, seqTime: 1_700_000_100_000 });
    const inputs: unknown[] = [
      version2,
      `${version2}0`,
      version2.slice(0, -1),
      '0',
      '1',
      '',
      ' 12',
      '12.5',
      '-5',
      'abc',
      '0x1f',
      12,
      undefined,
      // The other layouts kinesalite reads (versions 0 and 1).
      kinesalite.stringifySequence({ version: 0, shardCreateTime: 1_600_000_000_000, shardIx: 2, seqRand: '0123456789abcdef' }),
      kinesalite.stringifySequence({ version: 1, shardCreateTime: 1_600_000_000_000, shardIx: 2, seqIx: 5, seqTime: 1_600_000_005_000 }),
      // A seqIx past 2^63 and a shard creation time past what kinesalite accepts: refused.
      BigInt(`0x2${'0'.repeat(9)}0${'f'.repeat(16)}00${'0'.repeat(9)}${'0'.repeat(8)}2`).toString(),
      BigInt(`0x2${'f'.repeat(9)}0${'0'.repeat(16)}00${'0'.repeat(9)}${'0'.repeat(8)}2`).toString(),
      // A negative shard index (its hex's first digit past 7).
      BigInt(`0x2${'0'.repeat(8)}10${'0'.repeat(16)}00${'0'.repeat(9)}ffffffff2`).toString(),
    ];
    for (const input of inputs) expect(outcome(() => bigInt.parseSequence(input)), String(input)).toEqual(outcome(() => kinesalite.parseSequence(input)));
    const partsInputs: SequenceParts[] = [
      { shardCreateTime: 1_700_000_000_000, shardIx: -1, seqIx: 1 },
      { shardCreateTime: 1_700_000_000_000, seqIx: 1.5 },
      { shardCreateTime: 1_700_000_000_000, seqIx: '99999999999999999999' },
      { shardCreateTime: Number.NaN, seqIx: 1 },
      { shardCreateTime: 1_700_000_000_000, version: 1, seqIx: 2 },
    ];
    for (const parts of partsInputs) expect(outcome(() => bigInt.stringifySequence(parts)), JSON.stringify(parts)).toEqual(outcome(() => kinesalite.stringifySequence(parts)));
  });

  it('put each partition key at the hash key kinesalite gives it', () => {
    const uint = mulberry32(7);
    const keys = ['', 'a', 'campaign-c001', 'ü€😀', 'x'.repeat(256), ...Array.from({ length: 2_000 }, (_, i) => `key-${i}-${uint().toString(36)}`)];
    const differing = keys.filter((key) => JSON.stringify(outcome(() => bigInt.partitionKeyToHashKey(key))) !== JSON.stringify(outcome(() => kinesalite.partitionKeyToHashKey(key))));
    expect(differing).toEqual([]);
  });

  it('are in place in the embedded Kinesis, so its actions use them', async () => {
    const { createRequire } = await import('node:module');
    const db = createRequire(import.meta.url)('kinesalite/db') as { parseSequence: () => unknown };
    expect(db.parseSequence).not.toBe(kinesalite.parseSequence);
    expect(db.parseSequence.toString()).toBe(bigInt.parseSequence.toString());
  });
});
