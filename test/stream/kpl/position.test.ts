import { describe, expect, it } from 'vitest';
import { compare, isAfter, maxPosition, positionOf, type Position } from '../../../stream/kpl/position.ts';

const at = (sequenceNumber: string, subSequenceNumber = 0): Position => ({ sequenceNumber, subSequenceNumber });

describe('checkpoint positions with sub-sequence numbers', () => {
  it('orders by sequence number as a number, not as text', () => {
    expect(compare(at('9'), at('10'))).toBeLessThan(0);
    expect(compare(at('100'), at('99'))).toBeGreaterThan(0);
    // 56-digit sequence numbers that differ only in the last digit: equal as doubles.
    const a = '49590338271490256608559692538361571095921575989136588898';
    const b = '49590338271490256608559692538361571095921575989136588899';
    expect(Number(a)).toBe(Number(b));
    expect(compare(at(a), at(b))).toBe(-1);
    expect(compare(at(b), at(a))).toBe(1);
  });

  it('orders the sub-records of one aggregate by sub-sequence number, after everything before it', () => {
    const seq = '49590338271490256608559692538361571095921575989136588898';
    const prev = '49590338271490256608559692538361571095921575989136588897';
    expect(compare(at(seq, 2), at(seq, 10))).toBe(-1);
    expect(compare(at(seq, 3), at(seq, 3))).toBe(0);
    expect(isAfter(at(seq, 0), at(prev, 999))).toBe(true);
    expect(isAfter(at(seq, 1), at(seq, 1))).toBe(false);
    expect(maxPosition(at(seq, 4), at(seq, 2))).toEqual(at(seq, 4));
  });

  it('resumes inside an aggregate: only the sub-records after the checkpoint are redelivered', () => {
    const checkpoint = at('200', 2);
    const reread = [at('200', 0), at('200', 1), at('200', 2), at('200', 3), at('200', 4), at('201', 0)];
    expect(reread.filter((p) => isAfter(p, checkpoint))).toEqual([at('200', 3), at('200', 4), at('201', 0)]);
  });

  it('treats a plain record as sub-record 0', () => {
    expect(positionOf({ sequenceNumber: '7' })).toEqual(at('7', 0));
    expect(positionOf({ sequenceNumber: '7', subSequenceNumber: 3 })).toEqual(at('7', 3));
  });

  it('refuses what is not a sequence number with one clear sentence', () => {
    for (const bad of ['TRIM_HORIZON', '', '-1', '007', '1e9']) {
      expect(() => compare(at(bad), at('1'))).toThrow(/^a sequence number must be a decimal integer of up to 129 digits, got/);
    }
  });
});
