/**
 * A checkpoint position with the KCL's extended sequence number: (sequenceNumber,
 * subSequenceNumber). Checkpointing (s, k) means every user record up to and including
 * sub-record k of the Kinesis record s is done; a plain record is (s, 0).
 *
 * Resuming like the KCL: get an iterator AT_SEQUENCE_NUMBER s and keep only the user records
 * with `isAfter(positionOf(record), checkpoint)`, which skips the sub-records of s already done.
 *
 * Sequence numbers are decimal strings (the API allows up to 129 digits; real ones have about
 * 56, well past 2^64 and even 2^128), so they are compared as BigInt, never as text or Number.
 */
export interface Position {
  sequenceNumber: string;
  subSequenceNumber: number;
}

const SEQUENCE_NUMBER = /^(0|[1-9]\d{0,128})$/;

function sequenceValue(sequenceNumber: string): bigint {
  if (!SEQUENCE_NUMBER.test(sequenceNumber)) {
    throw new RangeError(`a sequence number must be a decimal integer of up to 129 digits, got "${sequenceNumber}"`);
  }
  return BigInt(sequenceNumber);
}

/** Negative when a is before b, 0 when equal, positive when a is after b. */
export function compare(a: Position, b: Position): number {
  const sa = sequenceValue(a.sequenceNumber);
  const sb = sequenceValue(b.sequenceNumber);
  if (sa !== sb) return sa < sb ? -1 : 1;
  return Math.sign(a.subSequenceNumber - b.subSequenceNumber);
}

export const isAfter = (a: Position, b: Position): boolean => compare(a, b) > 0;

/** The position of a user record; a record without a subSequenceNumber (plain) is sub-record 0. */
export const positionOf = (record: { sequenceNumber: string; subSequenceNumber?: number }): Position => ({
  sequenceNumber: record.sequenceNumber,
  subSequenceNumber: record.subSequenceNumber ?? 0,
});

/** The later of two positions (a checkpoint never moves back). */
export const maxPosition = (a: Position, b: Position): Position => (compare(a, b) >= 0 ? a : b);
