/**
 * The Thrift compact protocol, as much of it as Parquet's page headers and footer need: structs of
 * i32, i64, bool, binary, nested structs and lists. Parquet's metadata is defined in Thrift
 * (parquet.thrift), and every reader decodes it with the compact protocol.
 */
import type { ByteSink } from './byteSink.ts';

/** Compact-protocol type codes (TCompactProtocol.Types). */
export const ThriftType = { True: 1, False: 2, I32: 5, I64: 6, Binary: 8, List: 9, Struct: 12 } as const;
export type ThriftType = (typeof ThriftType)[keyof typeof ThriftType];

/** Zigzag: small negative and positive integers both get short varints. Exact from −2^52 to 2^53 − 1 (every value written here is a size, offset, count or enum, never negative). */
const zigzag = (value: number): number => (value >= 0 ? value * 2 : -value * 2 - 1);

export class ThriftWriter {
  /** The last field id written in each open struct: a field header holds the delta from it. */
  private readonly lastIds: number[] = [0];

  constructor(readonly sink: ByteSink) {}

  private fieldHeader(id: number, type: ThriftType): void {
    const last = this.lastIds[this.lastIds.length - 1];
    const delta = id - last;
    if (delta > 0 && delta <= 15) this.sink.byte((delta << 4) | type);
    else {
      this.sink.byte(type);
      this.sink.varint(zigzag(id));
    }
    this.lastIds[this.lastIds.length - 1] = id;
  }

  i32(id: number, value: number): void {
    this.fieldHeader(id, ThriftType.I32);
    this.sink.varint(zigzag(value));
  }

  i64(id: number, value: number): void {
    this.fieldHeader(id, ThriftType.I64);
    this.sink.varint(zigzag(value));
  }

  bool(id: number, value: boolean): void {
    this.fieldHeader(id, value ? ThriftType.True : ThriftType.False);
  }

  binary(id: number, value: Uint8Array): void {
    this.fieldHeader(id, ThriftType.Binary);
    this.sink.varint(value.length);
    this.sink.bytes(value);
  }

  string(id: number, value: string): void {
    this.binary(id, Buffer.from(value, 'utf8'));
  }

  /** Opens a struct-valued field; `end` closes it. */
  struct(id: number): void {
    this.fieldHeader(id, ThriftType.Struct);
    this.lastIds.push(0);
  }

  /** Opens a struct that is a list element (no field header); `end` closes it. */
  element(): void {
    this.lastIds.push(0);
  }

  /** Closes the innermost open struct with the stop byte. */
  end(): void {
    this.sink.byte(0);
    this.lastIds.pop();
  }

  /** A list field's header; the caller then writes `size` elements of `elementType`. */
  list(id: number, elementType: ThriftType, size: number): void {
    this.fieldHeader(id, ThriftType.List);
    if (size < 15) this.sink.byte((size << 4) | elementType);
    else {
      this.sink.byte(0xf0 | elementType);
      this.sink.varint(size);
    }
  }

  /** A list of i32, such as a column's encodings. */
  i32List(id: number, values: number[]): void {
    this.list(id, ThriftType.I32, values.length);
    for (const value of values) this.sink.varint(zigzag(value));
  }

  /** A list of strings, such as a column's path in the schema. */
  stringList(id: number, values: string[]): void {
    this.list(id, ThriftType.Binary, values.length);
    for (const value of values) {
      const bytes = Buffer.from(value, 'utf8');
      this.sink.varint(bytes.length);
      this.sink.bytes(bytes);
    }
  }

  /** Ends the top-level struct being written (the stop byte); the writer can start another. */
  stop(): void {
    this.sink.byte(0);
    this.lastIds.length = 1;
    this.lastIds[0] = 0;
  }
}
