/**
 * Parquet's RLE / bit-packed hybrid encoding, for definition levels and dictionary indices. A
 * column whose values are all the same is one RLE run (a constant column costs a few bytes);
 * anything else is bit-packed in groups of eight, the last group padded with zeros (readers take
 * the count from the page header). Runs inside a bit-packed column are left to the page's
 * compression, which finds them anyway.
 */
import type { ByteSink } from './byteSink.ts';

/** The bits an index up to `max` needs (at least 1: not every reader takes a width of 0). */
export function bitWidth(max: number): number {
  let width = 1;
  while (max >= 2 ** width) width++;
  return width;
}

/** Appends `count` values of at most `width` bits (width ≤ 24) in the hybrid encoding. */
export function writeHybrid(sink: ByteSink, values: ArrayLike<number>, count: number, width: number): void {
  if (count === 0) return;
  const first = values[0];
  let constant = true;
  for (let i = 1; i < count && constant; i++) constant = values[i] === first;
  if (constant) {
    sink.varint(count * 2);
    for (let byte = 0; byte < width; byte += 8) sink.byte((first >>> byte) & 0xff);
    return;
  }
  const groups = Math.ceil(count / 8);
  sink.varint(groups * 2 + 1);
  sink.ensure(groups * width);
  // Values go in LSB first; below 8 pending bits and at most 24 bits a value, the shift stays within 32 bits.
  let pending = 0;
  let pendingBits = 0;
  for (let i = 0; i < groups * 8; i++) {
    pending |= (i < count ? values[i] : 0) << pendingBits;
    pendingBits += width;
    while (pendingBits >= 8) {
      sink.byte(pending & 0xff);
      pending >>>= 8;
      pendingBits -= 8;
    }
  }
}
