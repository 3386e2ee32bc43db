import { describe, expect, it } from 'vitest';
import avro from 'avsc';
import {
  CRC64_AVRO_EMPTY,
  crc64Avro,
  fingerprintBytesLE,
  parsingCanonicalForm,
  schemaFingerprint,
} from '../../../stream/events/crc64avro.ts';

/**
 * Vectors from Apache Avro's share/test/data/schema-tests.txt, which the Java implementation
 * cross-checks against its direct (table-free) Rabin implementation. Fingerprints there are Java
 * signed longs, hence BigInt.asIntN.
 */
const vectors: { input: unknown; canonical: string; fingerprint: bigint }[] = [
  { input: 'null', canonical: '"null"', fingerprint: 7195948357588979594n },
  { input: 'int', canonical: '"int"', fingerprint: 8247732601305521295n },
  { input: { type: 'long' }, canonical: '"long"', fingerprint: -3434872931120570953n },
  { input: 'string', canonical: '"string"', fingerprint: -8142146995180207161n },
  { input: ['int', { type: 'boolean' }], canonical: '["int","boolean"]', fingerprint: 5392556393470105090n },
  {
    input: { fields: [], type: 'record', name: 'foo', namespace: 'x.y' },
    canonical: '{"name":"x.y.foo","type":"record","fields":[]}',
    fingerprint: 5916914534497305771n,
  },
  {
    input: {
      fields: [
        { type: 'boolean', aliases: [], name: 'f1', default: true },
        { order: 'descending', name: 'f2', doc: 'Hello', type: 'int' },
      ],
      type: 'record',
      name: 'foo',
    },
    canonical: '{"name":"foo","type":"record","fields":[{"name":"f1","type":"boolean"},{"name":"f2","type":"int"}]}',
    fingerprint: -4860222112080293046n,
  },
  {
    input: { namespace: 'x.y.z', type: 'enum', name: 'foo', doc: 'foo bar', symbols: ['A1', 'A2'] },
    canonical: '{"name":"x.y.z.foo","type":"enum","symbols":["A1","A2"]}',
    fingerprint: -4448647247586288245n,
  },
  { input: { items: { type: 'null' }, type: 'array' }, canonical: '{"type":"array","items":"null"}', fingerprint: -589620603366471059n },
  {
    input: { name: 'PigValue', type: 'record', fields: [{ name: 'value', type: ['null', 'int', 'long', 'PigValue'] }] },
    canonical: '{"name":"PigValue","type":"record","fields":[{"name":"value","type":["null","int","long","PigValue"]}]}',
    fingerprint: -1759257747318642341n,
  },
];

describe('CRC-64-AVRO', () => {
  it('fingerprints the empty input as the EMPTY constant', () => {
    expect(crc64Avro(new Uint8Array())).toBe(CRC64_AVRO_EMPTY);
  });

  it('matches the spec value for "int" (0x7275d51a3f395c8f)', () => {
    expect(crc64Avro(Buffer.from('"int"'))).toBe(0x7275d51a3f395c8fn);
  });

  it.each(vectors)('canonical form and fingerprint of $canonical', ({ input, canonical, fingerprint }) => {
    const type = avro.Type.forSchema(input as avro.Schema);
    expect(parsingCanonicalForm(type)).toBe(canonical);
    expect(BigInt.asIntN(64, schemaFingerprint(type))).toBe(fingerprint);
  });

  it('strips logical types from the canonical form', () => {
    const type = avro.Type.forSchema({ type: 'long', logicalType: 'timestamp-millis' });
    expect(schemaFingerprint(type)).toBe(crc64Avro(Buffer.from('"long"')));
  });

  it('writes fingerprints little-endian, as single-object encoding requires', () => {
    expect([...fingerprintBytesLE(0x7275d51a3f395c8fn)]).toEqual([0x8f, 0x5c, 0x39, 0x3f, 0x1a, 0xd5, 0x75, 0x72]);
  });
});
