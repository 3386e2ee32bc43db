/**
 * A growable little-endian byte buffer: the direct encoder writes every page and the footer into
 * one of these, so that a column's values cost a typed-array store each, not an allocation.
 */
const TWO_32 = 2 ** 32;

export class ByteSink {
  private buffer: Buffer;
  private view: DataView;
  length = 0;

  constructor(initialBytes = 1 << 16) {
    this.buffer = Buffer.allocUnsafe(initialBytes);
    this.view = new DataView(this.buffer.buffer, this.buffer.byteOffset, this.buffer.byteLength);
  }

  /** Forgets what was written; the memory is kept for the next page. */
  reset(): void {
    this.length = 0;
  }

  /** Room for `bytes` more bytes, doubling the buffer as a vector does. */
  ensure(bytes: number): void {
    const needed = this.length + bytes;
    if (needed <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < needed) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
    this.view = new DataView(grown.buffer, grown.byteOffset, grown.byteLength);
  }

  byte(value: number): void {
    this.ensure(1);
    this.buffer[this.length++] = value;
  }

  int32(value: number): void {
    this.ensure(4);
    this.view.setInt32(this.length, value, true);
    this.length += 4;
  }

  /** A safe integer as a two's-complement INT64: the low word modulo 2^32, the high word floored. */
  int64(value: number): void {
    this.ensure(8);
    this.view.setUint32(this.length, value >>> 0, true);
    this.view.setInt32(this.length + 4, Math.floor(value / TWO_32), true);
    this.length += 8;
  }

  double(value: number): void {
    this.ensure(8);
    this.view.setFloat64(this.length, value, true);
    this.length += 8;
  }

  /** An unsigned LEB128 varint of a non-negative safe integer. */
  varint(value: number): void {
    this.ensure(8);
    while (value >= 0x80) {
      this.buffer[this.length++] = (value % 0x80) | 0x80;
      value = Math.floor(value / 0x80);
    }
    this.buffer[this.length++] = value;
  }

  bytes(source: Uint8Array): void {
    this.ensure(source.length);
    this.buffer.set(source, this.length);
    this.length += source.length;
  }

  /**
   * A string as UTF-8; returns the bytes written. ASCII (nearly every id and dimension) is copied
   * a code unit at a time, cheaper for short strings than a call into Buffer's encoder; anything
   * else goes through Buffer, where a lone surrogate becomes U+FFFD (EF BF BD), so every string
   * written is valid UTF-8.
   */
  utf8(text: string): number {
    const units = text.length;
    this.ensure(units * 3);
    const buffer = this.buffer;
    let at = this.length;
    for (let i = 0; i < units; i++) {
      const unit = text.charCodeAt(i);
      if (unit >= 0x80) {
        const written = buffer.write(text, this.length, units * 3, 'utf8');
        this.length += written;
        return written;
      }
      buffer[at++] = unit;
    }
    this.length = at;
    return units;
  }

  /** Overwrites 4 bytes at `offset` (a length prefix written before its content was known). */
  int32At(offset: number, value: number): void {
    this.view.setInt32(offset, value, true);
  }

  /** The bytes written so far, as a view of the buffer: valid until the next write or reset. */
  written(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  /** A copy of the bytes written so far, owned by the caller. */
  copy(): Buffer {
    return Buffer.from(this.buffer.subarray(0, this.length));
  }
}
