/**
 * The header of Avro's single-object encoding: 0xC3 0x01, then the writer schema's CRC-64-AVRO
 * fingerprint (8 bytes, little-endian). Its own module, so that avro.ts and the plain reading of
 * current-schema bid requests (plainBidRequest.ts) share it without importing each other.
 */
import { fingerprintBytesLE, schemaFingerprint } from '../crc64avro.ts';
import { avroTypes } from '../schemas.ts';

export const SINGLE_OBJECT_MARKER = Buffer.from([0xc3, 0x01]);
export const HEADER_LENGTH = SINGLE_OBJECT_MARKER.length + 8;

/** The bytes a single-object record of the schema with this fingerprint starts with. */
export const singleObjectHeader = (fingerprint: bigint): Buffer => Buffer.concat([SINGLE_OBJECT_MARKER, fingerprintBytesLE(fingerprint)]);

/** What every bid request written with the current schema starts with. */
export const currentBidRequestHeader = singleObjectHeader(schemaFingerprint(avroTypes.bid_request));
