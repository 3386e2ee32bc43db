/**
 * CRC-64-AVRO (Rabin) schema fingerprints, as defined in the Avro specification, section
 * "Schema Fingerprints" (https://avro.apache.org/docs/current/specification/#schema-fingerprints).
 * Single-object encoding puts this fingerprint, little-endian, in front of every bid request so a
 * reader can find the writer schema without a side channel.
 *
 * BigInt keeps the spec's 64-bit arithmetic literal; fingerprints are computed once per schema at
 * registration, never per record, so BigInt's cost does not matter.
 */
import type avro from 'avsc';

/** The fingerprint of the empty byte string, and the polynomial the table is built from. */
export const CRC64_AVRO_EMPTY = 0xc15d213aa4d7a795n;

const MASK64 = 0xffffffffffffffffn;

const FP_TABLE: readonly bigint[] = (() => {
  const table: bigint[] = [];
  for (let i = 0; i < 256; i++) {
    let fp = BigInt(i);
    for (let j = 0; j < 8; j++) {
      // `EMPTY & -(fp & 1)` in the spec's Java: the polynomial when the low bit is set, else 0.
      fp = (fp >> 1n) ^ ((fp & 1n) === 1n ? CRC64_AVRO_EMPTY : 0n);
    }
    table.push(fp);
  }
  return table;
})();

/** CRC-64-AVRO of raw bytes, as an unsigned 64-bit BigInt. */
export function crc64Avro(bytes: Uint8Array): bigint {
  let fp = CRC64_AVRO_EMPTY;
  for (const byte of bytes) {
    fp = ((fp >> 8n) ^ FP_TABLE[Number((fp ^ BigInt(byte)) & 0xffn)]) & MASK64;
  }
  return fp;
}

/**
 * The schema's Parsing Canonical Form. avsc's `schema()` without exported attributes already
 * matches the spec's PCF for our schemas: full names, no doc/aliases/defaults/order, logical
 * types reduced to their underlying type, keys in name/type/fields order, no whitespace. The
 * tests check it against the PCF vectors from Apache Avro's `share/test/data/schema-tests.txt`.
 */
export function parsingCanonicalForm(type: avro.Type): string {
  return JSON.stringify(type.schema({ exportAttrs: false }));
}

/** CRC-64-AVRO fingerprint of a schema's Parsing Canonical Form. */
export function schemaFingerprint(type: avro.Type): bigint {
  return crc64Avro(Buffer.from(parsingCanonicalForm(type), 'utf8'));
}

/** The 8 bytes single-object encoding carries: the fingerprint, little-endian. */
export function fingerprintBytesLE(fingerprint: bigint): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(fingerprint);
  return out;
}
